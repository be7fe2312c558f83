// Loads the passive texture detector from the models folder in Node, verified against its expected
// size and sha256 before parsing: a missing or altered file stops start-up, it never scores.
import type { ModelManifest, ModelManifestEntry } from '../model-manifest.ts';
import { readVerifiedFile } from '../model-store.node.ts';
import { padTextureEntry } from './pad-texture.entry.ts';
import type { PassiveTextureDetector } from './passive-texture.ts';
import { createPassiveTextureDetector, parsePadTextureModel } from './passive-texture.ts';

export interface LoadPassiveTextureOptions {
  readonly modelsDir: string;
  /** Expected file, size and sha256; defaults to the committed passive model. */
  readonly entry?: ModelManifestEntry;
}

export async function loadPassiveTextureDetector(
  options: LoadPassiveTextureOptions,
): Promise<PassiveTextureDetector> {
  const entry = options.entry ?? padTextureEntry;
  const manifest: ModelManifest = { version: 1, models: [entry] };
  const bytes = await readVerifiedFile(options.modelsDir, manifest, entry.file);
  return createPassiveTextureDetector(await parsePadTextureModel(bytes, entry));
}
