// human's antispoof and liveness scores of every PAD corpus sample, on the engine's cached face box,
// cached in .facepay/cache by image sha256 and both nets' weights sha256, and their cost per face.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { assert } from '../../shared/assert.ts';
import type { PadCorpus, PadCorpusSample } from './pad-corpus.node.ts';
import type { HumanPadNet, HumanPadScorer, HumanPadScores } from './human-pad.ts';
import { humanPadCropScale, humanPadNets } from './human-pad.ts';

/** The protocol's failure-to-acquire rule: no face, or its 1.0x crop under 32 px (pad-corpus). */
const acquireCropScale = 1.0;

type CachedScores = Record<string, [number, number] | null>;

function cacheFile(cacheDir: string, scorer: HumanPadScorer): string {
  const ids = humanPadNets.map((net) => scorer.modelIds[net]).join('-');
  return path.join(cacheDir, `pad-human-${ids}-crop${humanPadCropScale}-v1.json`);
}

async function scoreSample(
  corpus: PadCorpus,
  scorer: HumanPadScorer,
  sample: PadCorpusSample,
): Promise<{
  scores: HumanPadScores;
  ms: { crop: number; nets: Record<HumanPadNet, number> };
} | null> {
  if ((await corpus.crop(sample, acquireCropScale)) === null) return null;
  const face = await corpus.face(sample);
  assert(face !== null, 'a sample with a crop has a face box');
  const frame = tf.tensor3d(face.image.data, [face.image.height, face.image.width, 3], 'int32');
  try {
    const { scores, timings } = await scorer.score(frame, face.box);
    return { scores, ms: { crop: timings.cropMs, nets: { ...timings.netMs } } };
  } finally {
    frame.dispose();
  }
}

/** Each sample's two scores (null: failed to acquire), scored once and then read from the cache. */
export async function humanPadScoresOf(options: {
  corpus: PadCorpus;
  scorer: HumanPadScorer;
  samples: readonly PadCorpusSample[];
  cacheDir: string;
  log?: (line: string) => void;
}): Promise<(HumanPadScores | null)[]> {
  const file = cacheFile(options.cacheDir, options.scorer);
  const cache = await readCache(file);
  await options.corpus.detectAll(options.samples);
  let fresh = 0;
  const out: (HumanPadScores | null)[] = [];
  for (const sample of options.samples) {
    const sha = await options.corpus.sha(sample);
    let row = cache[sha];
    if (row === undefined) {
      const scored = await scoreSample(options.corpus, options.scorer, sample);
      row = scored === null ? null : [scored.scores.antispoof, scored.scores.liveness];
      cache[sha] = row;
      fresh += 1;
      if (fresh % 200 === 0) options.log?.(`human nets: scored ${fresh} faces`);
    }
    out.push(row === null ? null : { antispoof: row[0], liveness: row[1] });
  }
  if (fresh > 0) {
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, JSON.stringify(cache));
  }
  return out;
}

export interface CostSummary {
  readonly faces: number;
  readonly medianMs: number;
  readonly p95Ms: number;
}

function summary(values: readonly number[]): CostSummary {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number): number =>
    sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return { faces: sorted.length, medianMs: at(0.5), p95Ms: at(0.95) };
}

/** Times the crop and each net on `faces` acquired samples (after a warm-up of `warmup` faces). */
export async function measureHumanPadCost(options: {
  corpus: PadCorpus;
  scorer: HumanPadScorer;
  samples: readonly PadCorpusSample[];
  faces: number;
  warmup: number;
}): Promise<{ crop: CostSummary; nets: Record<HumanPadNet, CostSummary> }> {
  const crop: number[] = [];
  const nets: Record<HumanPadNet, number[]> = { antispoof: [], liveness: [] };
  let seen = 0;
  const step = Math.max(1, Math.floor(options.samples.length / (options.faces + options.warmup)));
  for (let i = 0; i < options.samples.length && crop.length < options.faces; i += step) {
    const sample = options.samples[i];
    assert(sample !== undefined, 'sample index');
    const scored = await scoreSample(options.corpus, options.scorer, sample);
    if (scored === null) continue;
    seen += 1;
    if (seen <= options.warmup) continue;
    crop.push(scored.ms.crop);
    for (const net of humanPadNets) nets[net].push(scored.ms.nets[net]);
  }
  return {
    crop: summary(crop),
    nets: { antispoof: summary(nets.antispoof), liveness: summary(nets.liveness) },
  };
}

async function readCache(file: string): Promise<CachedScores> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as CachedScores;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw error;
  }
}
