// Loads the face-mask detector from the models folder in Node, verified against its expected size and
// sha256 before parsing: a missing or altered file stops start-up, it never judges a frame.
import type { ModelManifest, ModelManifestEntry } from '../model-manifest.ts';
import { readVerifiedFile } from '../model-store.node.ts';
import { maskDetectorEntry } from './mask-detector.entry.ts';
import type { MaskDetector } from './mask-detector.ts';
import { createMaskDetector, parseMaskModel } from './mask-detector.ts';

export async function loadMaskDetector(options: {
  readonly modelsDir: string;
  /** Expected file, size and sha256; defaults to the committed detector. */
  readonly entry?: ModelManifestEntry;
}): Promise<MaskDetector> {
  const entry = options.entry ?? maskDetectorEntry;
  const manifest: ModelManifest = { version: 1, models: [entry] };
  const bytes = await readVerifiedFile(options.modelsDir, manifest, entry.file);
  return createMaskDetector(await parseMaskModel(bytes, entry));
}
