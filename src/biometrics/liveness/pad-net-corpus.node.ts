// What every pretrained net scored on the PAD corpus shares (eval:pad-human, eval:pad-deep): the
// protocol's acquire rule, the frame tensor around the engine's cached box, JSON caches and cost figures.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { assert } from '../../shared/assert.ts';
import type { Box } from '../geometry.ts';
import type { PadCorpus, PadCorpusSample } from './pad-corpus.node.ts';

/** The protocol's failure-to-acquire rule: no face, or its 1.0x crop under 32 px (pad-corpus). */
const acquireCropScale = 1.0;

/** Runs `use` on the sample's whole frame and the engine's face box; null: failed to acquire. The frame
 * tensor is disposed after. */
export async function withAcquiredFace<T>(
  corpus: PadCorpus,
  sample: PadCorpusSample,
  use: (frame: tf.Tensor3D, box: Box) => Promise<T>,
): Promise<T | null> {
  if ((await corpus.crop(sample, acquireCropScale)) === null) return null;
  const face = await corpus.face(sample);
  assert(face !== null, 'a sample with a crop has a face box');
  const frame = tf.tensor3d(face.image.data, [face.image.height, face.image.width, 3], 'int32');
  try {
    return await use(frame, face.box);
  } finally {
    frame.dispose();
  }
}

export interface CostSummary {
  readonly faces: number;
  readonly medianMs: number;
  readonly p95Ms: number;
}

export function costSummary(values: readonly number[]): CostSummary {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number): number =>
    sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return { faces: sorted.length, medianMs: at(0.5), p95Ms: at(0.95) };
}

/**
 * Times `run` on evenly spaced samples until `faces` acquired ones are timed after `warmup` untimed
 * ones; `run` returns each stage's milliseconds (null: failed to acquire, not counted).
 */
export async function timeStages<K extends string>(options: {
  samples: readonly PadCorpusSample[];
  faces: number;
  warmup: number;
  stages: readonly K[];
  run: (sample: PadCorpusSample) => Promise<Readonly<Record<K, number>> | null>;
}): Promise<Record<K, CostSummary>> {
  const times = new Map<K, number[]>(options.stages.map((k) => [k, []]));
  const step = Math.max(1, Math.floor(options.samples.length / (options.faces + options.warmup)));
  let seen = 0;
  let timed = 0;
  for (let i = 0; i < options.samples.length && timed < options.faces; i += step) {
    const sample = options.samples[i];
    assert(sample !== undefined, 'sample index');
    const ms = await options.run(sample);
    if (ms === null) continue;
    seen += 1;
    if (seen <= options.warmup) continue;
    timed += 1;
    for (const k of options.stages) times.get(k)?.push(ms[k]);
  }
  const out = {} as Record<K, CostSummary>;
  for (const k of options.stages) out[k] = costSummary(times.get(k) ?? []);
  return out;
}

/** A cache file keyed by image sha256; missing = empty. */
export async function readCacheJson<T>(file: string): Promise<Record<string, T>> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as Record<string, T>;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw error;
  }
}

export async function writeCacheJson(file: string, value: unknown): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, JSON.stringify(value));
}
