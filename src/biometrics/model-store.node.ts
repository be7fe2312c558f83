// Reads model files from the models folder and verifies each one against the manifest before any
// byte reaches tfjs; the verified bytes are the ones loaded, so nothing can change in between.

import { open, readFile } from 'node:fs/promises';
import path from 'node:path';
import { faceModelFileBytesMax } from '../shared/limits.ts';
import { EngineStartupError } from './errors.ts';
import type { ModelManifest } from './model-manifest.ts';
import { manifestEntry, parseModelManifest, verifyModelBytes } from './model-manifest.ts';
import type { ModelName } from './model-files.ts';
import { modelManifestFileName, modelSource, modelSourceFiles } from './model-files.ts';

export async function readModelManifest(modelsDir: string): Promise<ModelManifest> {
  const file = path.join(modelsDir, modelManifestFileName);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new EngineStartupError('model_missing', `cannot read ${file}`, { cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new EngineStartupError('model_manifest_invalid', `${file} is not JSON`, { cause: error });
  }
  return parseModelManifest(json);
}

/** Reads at most `bytesMax + 1` bytes, so an oversized file is caught without reading it whole. */
async function readBounded(file: string, bytesMax: number): Promise<Uint8Array> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    throw new EngineStartupError('model_missing', `model file ${file} is missing`, {
      cause: error,
    });
  }
  try {
    const buffer = new Uint8Array(bytesMax + 1);
    let filled = 0;
    while (filled < buffer.byteLength) {
      const { bytesRead } = await handle.read(buffer, filled, buffer.byteLength - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return buffer.subarray(0, filled);
  } finally {
    await handle.close();
  }
}

export async function readVerifiedFile(
  modelsDir: string,
  manifest: ModelManifest,
  file: string,
): Promise<Uint8Array> {
  const entry = manifestEntry(manifest, file);
  const bytes = await readBounded(
    path.join(modelsDir, file),
    Math.min(entry.bytes, faceModelFileBytesMax),
  );
  await verifyModelBytes(entry, bytes);
  return bytes;
}

/** All files of one model, verified, keyed by file name. */
export async function readVerifiedModel(
  modelsDir: string,
  manifest: ModelManifest,
  name: ModelName,
): Promise<Map<string, Uint8Array>> {
  const files = new Map<string, Uint8Array>();
  for (const file of modelSourceFiles(modelSource(name))) {
    files.set(file, await readVerifiedFile(modelsDir, manifest, file));
  }
  return files;
}
