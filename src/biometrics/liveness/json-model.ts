// A small JSON model file (the passive texture model, the mask detector): its bytes checked against the
// size and sha256 the code pins, then parsed and checked by its schema; any failure stops start-up.
import { z } from 'zod';
import { EngineStartupError } from '../errors.ts';
import type { ModelManifestEntry } from '../model-manifest.ts';
import { verifyModelBytes } from '../model-manifest.ts';

export function invalidModel(entry: ModelManifestEntry, message: string, cause?: unknown): never {
  const options = cause === undefined ? undefined : { cause };
  throw new EngineStartupError('model_invalid', `${entry.file}: ${message}`, options);
}

/** Checks bytes against the expected size and sha256, then parses them as `schema`'s JSON. */
export async function parseJsonModel<S extends z.ZodType>(
  bytes: Uint8Array,
  entry: ModelManifestEntry,
  schema: S,
): Promise<z.output<S>> {
  await verifyModelBytes(entry, bytes);
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (error) {
    invalidModel(entry, 'not UTF-8 JSON', error);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) invalidModel(entry, z.prettifyError(parsed.error));
  return parsed.data;
}
