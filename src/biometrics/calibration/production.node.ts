// The production pipeline as calibration and evaluation see it: the kiosk's engine (same detector,
// quality gate and descriptor) turned into an acquisition step, with a key naming exactly what ran.

import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { createFaceEngine } from '../engine.node.ts';
import type { FaceEngine, FaceEngineOptions, FaceObservation } from '../engine.ts';
import { defaultFaceEngineOptions } from '../engine.ts';
import type { Acquisition, Embed } from './acquire.node.ts';
import { sha256Hex } from './acquire.node.ts';

export interface ProductionPipeline {
  engine: FaceEngine;
  embed: Embed;
  /** Model id, backend, engine options and engine source hashes: what cached descriptors depend on. */
  pipelineKey: string;
  optionsSha256: string;
}

export async function productionPipeline(
  options: { modelsDir?: string } = {},
): Promise<ProductionPipeline> {
  const engine = await createFaceEngine(
    options.modelsDir === undefined ? {} : { modelsDir: options.modelsDir },
  );
  const optionsSha256 = engineOptionsSha256(defaultFaceEngineOptions);
  const code = (await engineSourceSha256()).slice(0, 12);
  return {
    engine,
    embed: engineEmbed(engine),
    pipelineKey: `${engine.modelId}-${engine.backend}-${optionsSha256.slice(0, 12)}-${code}-${acquisitionLayout}`,
    optionsSha256,
  };
}

/** The engine's own source files (src/biometrics/*.ts): a cached descriptor is stale once any of them changes. */
async function engineSourceSha256(): Promise<string> {
  const dir = path.resolve(import.meta.dirname, '..');
  const names = (await readdir(dir)).filter((name) => name.endsWith('.ts')).sort();
  const parts = await Promise.all(
    names.map(async (name) => `${name}\n${await readFile(path.join(dir, name), 'utf8')}`),
  );
  return sha256Hex(parts.join('\n'));
}

export function engineOptionsSha256(options: FaceEngineOptions): string {
  return sha256Hex(JSON.stringify(options));
}

/** What an acquisition holds: [descriptor, [sharpness, luma]]; part of the cache key. dq2: sharpness is
 * the re-blur ratio (issue 8), no longer the variance of the Laplacian. */
const acquisitionLayout = 'dq2';

/**
 * Per image the descriptor and, second, the face chip's photometric measures (sharpness, luma) that the
 * quality gate read, or the gate's reason code.
 */
export function engineEmbed(
  engine: FaceEngine,
  /** More measures of the kept face, recorded third (eval:quality's box width and eye distance). */
  moreMeasures?: (face: FaceObservation) => Float32Array,
): Embed {
  return async (image): Promise<Acquisition> => {
    const result = await engine.processFrame(image);
    if (!result.ok) return { ok: false, reason: result.reason };
    const photometrics = result.face.photometrics;
    const descriptors = [
      result.descriptor,
      Float32Array.of(photometrics?.sharpness ?? Number.NaN, photometrics?.lumaMean ?? Number.NaN),
    ];
    if (moreMeasures !== undefined) descriptors.push(moreMeasures(result.face));
    return { ok: true, descriptors };
  };
}

/** The chip sharpness (chip-sharpness.ts's re-blur ratio) engineEmbed recorded, or null (failed, or not measured). */
export function sharpnessOf(acquisition: Acquisition | undefined): number | null {
  if (acquisition?.ok !== true) return null;
  const value = acquisition.descriptors[1]?.[0];
  return value === undefined || Number.isNaN(value) ? null : value;
}
