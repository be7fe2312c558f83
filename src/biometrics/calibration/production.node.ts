// The production pipeline as calibration and evaluation see it: the kiosk's engine (same detector,
// quality gate and descriptor) turned into an acquisition step, with a key naming exactly what ran.

import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { createFaceEngine } from '../engine.node.ts';
import type { FaceEngine, FaceEngineOptions } from '../engine.ts';
import { defaultFaceEngineOptions } from '../engine.ts';
import type { FaceresCropOptions, FaceresEmbedder } from '../embedders/faceres.ts';
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
    pipelineKey: `${engine.modelId}-${engine.backend}-${optionsSha256.slice(0, 12)}-${code}`,
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

/** One descriptor per image, or the quality gate's reason code. */
export function engineEmbed(engine: FaceEngine): Embed {
  return async (image): Promise<Acquisition> => {
    const result = await engine.processFrame(image);
    return result.ok
      ? { ok: true, descriptors: [result.descriptor] }
      : { ok: false, reason: result.reason };
  };
}

/**
 * Two descriptors per image for the embedding comparison: the engine's face-api descriptor, then faceres
 * on the same detected face for each crop option; an image the gate refuses is refused for both.
 */
export function comparisonEmbed(
  engine: FaceEngine,
  faceres: FaceresEmbedder,
  crops: readonly FaceresCropOptions[],
): Embed {
  return async (image): Promise<Acquisition> => {
    const result = await engine.processFrame(image);
    if (!result.ok) return { ok: false, reason: result.reason };
    const frame = tf.tensor3d(image.data, [image.height, image.width, 3], 'int32');
    try {
      const others: Float32Array[] = [];
      for (const crop of crops) others.push(await faceres.embed(frame, result.face, crop));
      return { ok: true, descriptors: [result.descriptor, ...others] };
    } finally {
      frame.dispose();
    }
  };
}
