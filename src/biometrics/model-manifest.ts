// The model manifest: which files the engine may load, with their size and sha256, checked at load
// so that a missing, truncated or swapped model is a startup error rather than a silent bad score.

import { z } from 'zod';
import { faceModelFileBytesMax, faceModelFilesMax } from '../shared/limits.ts';
import { EngineStartupError } from './errors.ts';

const fileName = z.string().regex(/^[a-z0-9][a-z0-9_.-]*$/i, 'a plain file name');

export const modelManifestEntrySchema = z.strictObject({
  file: fileName,
  bytes: z.number().int().positive().max(faceModelFileBytesMax),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  sourcePackage: z.string().min(1),
  sourcePath: z.string().min(1),
});

export const modelManifestSchema = z.strictObject({
  version: z.literal(1),
  models: z.array(modelManifestEntrySchema).min(1).max(faceModelFilesMax),
});

export type ModelManifestEntry = z.infer<typeof modelManifestEntrySchema>;
export type ModelManifest = z.infer<typeof modelManifestSchema>;

export function parseModelManifest(json: unknown): ModelManifest {
  const parsed = modelManifestSchema.safeParse(json);
  if (!parsed.success) {
    throw new EngineStartupError('model_manifest_invalid', z.prettifyError(parsed.error));
  }
  const names = new Set(parsed.data.models.map((entry) => entry.file));
  if (names.size !== parsed.data.models.length) {
    throw new EngineStartupError('model_manifest_invalid', 'a file is listed twice');
  }
  return parsed.data;
}

export function manifestEntry(manifest: ModelManifest, file: string): ModelManifestEntry {
  const entry = manifest.models.find((candidate) => candidate.file === file);
  if (entry === undefined) {
    throw new EngineStartupError('model_manifest_invalid', `${file} is not in the model manifest`);
  }
  return entry;
}

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const copy = new Uint8Array(bytes); // WebCrypto wants an ArrayBuffer-backed view.
  const digest = await crypto.subtle.digest('SHA-256', copy);
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/** Throws unless the bytes are exactly the file the manifest describes. */
export async function verifyModelBytes(
  entry: ModelManifestEntry,
  bytes: Uint8Array,
): Promise<void> {
  if (bytes.byteLength !== entry.bytes) {
    throw new EngineStartupError(
      'model_size_mismatch',
      `${entry.file} has ${bytes.byteLength} bytes, the manifest says ${entry.bytes}`,
    );
  }
  const actual = await sha256Hex(bytes);
  if (actual !== entry.sha256) {
    throw new EngineStartupError(
      'model_hash_mismatch',
      `${entry.file} has sha256 ${actual}, the manifest says ${entry.sha256}`,
    );
  }
}
