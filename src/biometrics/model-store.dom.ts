// Fetches model files from a base URL and verifies each one against the manifest before any byte
// reaches tfjs; the verified bytes are the ones loaded, so a server cannot swap them in between.

import { faceModelFileBytesMax } from '../shared/limits.ts';
import { EngineStartupError } from './errors.ts';
import type { ModelManifest } from './model-manifest.ts';
import { manifestEntry, parseModelManifest, verifyModelBytes } from './model-manifest.ts';
import type { ModelName } from './model-files.ts';
import { modelManifestFileName, modelSource, modelSourceFiles } from './model-files.ts';
import { pageBaseUrl } from './page-url.dom.ts';

/** The manifest is small; anything larger is not ours. */
const manifestBytesMax = 262_144;

export interface ModelFolder {
  /** Absolute folder URL ending with '/'. */
  readonly baseUrl: string;
}

export function modelFolder(baseUrl: string): ModelFolder {
  const url = new URL(baseUrl, pageBaseUrl()).href;
  if (!url.endsWith('/')) {
    throw new EngineStartupError('model_missing', `models folder URL ${url} must end with '/'`);
  }
  return { baseUrl: url };
}

export async function fetchModelManifest(folder: ModelFolder): Promise<ModelManifest> {
  const bytes = await fetchBounded(folder, modelManifestFileName, manifestBytesMax);
  if (bytes.byteLength > manifestBytesMax) {
    throw new EngineStartupError(
      'model_manifest_invalid',
      `manifest over ${manifestBytesMax} bytes`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (error) {
    throw new EngineStartupError('model_manifest_invalid', 'the manifest is not JSON', {
      cause: error,
    });
  }
  return parseModelManifest(json);
}

export async function fetchVerifiedFile(
  folder: ModelFolder,
  manifest: ModelManifest,
  file: string,
): Promise<Uint8Array> {
  const entry = manifestEntry(manifest, file);
  const bytes = await fetchBounded(folder, file, Math.min(entry.bytes, faceModelFileBytesMax));
  await verifyModelBytes(entry, bytes);
  return bytes;
}

/** All files of one model, verified, keyed by file name. */
export async function fetchVerifiedModel(
  folder: ModelFolder,
  manifest: ModelManifest,
  name: ModelName,
): Promise<Map<string, Uint8Array>> {
  const files = new Map<string, Uint8Array>();
  for (const file of modelSourceFiles(modelSource(name))) {
    files.set(file, await fetchVerifiedFile(folder, manifest, file));
  }
  return files;
}

/** Reads at most `bytesMax + 1` bytes, so an oversized file is caught without downloading it whole. */
async function fetchBounded(
  folder: ModelFolder,
  file: string,
  bytesMax: number,
): Promise<Uint8Array> {
  const url = new URL(file, folder.baseUrl).href;
  let response: Response;
  try {
    // Models are verified on every load, so a cached copy is as safe as a fresh one.
    response = await fetch(url, { credentials: 'same-origin', redirect: 'error' });
  } catch (error) {
    throw new EngineStartupError('model_missing', `cannot fetch ${url}`, { cause: error });
  }
  if (!response.ok || response.body === null) {
    throw new EngineStartupError('model_missing', `${url} answered HTTP ${response.status}`);
  }
  const reader = response.body.getReader();
  const buffer = new Uint8Array(bytesMax + 1);
  let filled = 0;
  try {
    while (filled < buffer.byteLength) {
      const { done, value } = await reader.read();
      if (done) break;
      const take = Math.min(value.byteLength, buffer.byteLength - filled);
      buffer.set(value.subarray(0, take), filled);
      filled += take;
    }
  } catch (error) {
    throw new EngineStartupError('model_missing', `reading ${url} failed`, { cause: error });
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return buffer.subarray(0, filled);
}
