// human's antispoof and liveness scores of every PAD corpus sample, on the engine's cached face box,
// cached in .facepay/cache by image sha256 and both nets' weights sha256, and their cost per face.
import path from 'node:path';
import type { PadCorpus, PadCorpusSample } from './pad-corpus.node.ts';
import type { HumanPadNet, HumanPadScorer, HumanPadScores } from './human-pad.ts';
import { humanPadCropScale, humanPadNets } from './human-pad.ts';
import type { CostSummary } from './pad-net-corpus.node.ts';
import {
  readCacheJson,
  timeStages,
  withAcquiredFace,
  writeCacheJson,
} from './pad-net-corpus.node.ts';

export type { CostSummary } from './pad-net-corpus.node.ts';

function cacheFile(cacheDir: string, scorer: HumanPadScorer): string {
  const ids = humanPadNets.map((net) => scorer.modelIds[net]).join('-');
  return path.join(cacheDir, `pad-human-${ids}-crop${humanPadCropScale}-v1.json`);
}

function scoreSample(corpus: PadCorpus, scorer: HumanPadScorer, sample: PadCorpusSample) {
  return withAcquiredFace(corpus, sample, (frame, box) => scorer.score(frame, box));
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
  const cache = await readCacheJson<[number, number] | null>(file);
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
  if (fresh > 0) await writeCacheJson(file, cache);
  return out;
}

/** Times the crop and each net on `faces` acquired samples (after a warm-up of `warmup` faces). */
export async function measureHumanPadCost(options: {
  corpus: PadCorpus;
  scorer: HumanPadScorer;
  samples: readonly PadCorpusSample[];
  faces: number;
  warmup: number;
}): Promise<{ crop: CostSummary; nets: Record<HumanPadNet, CostSummary> }> {
  const cost = await timeStages({
    ...options,
    stages: ['crop', ...humanPadNets],
    run: async (sample) => {
      const scored = await scoreSample(options.corpus, options.scorer, sample);
      return scored === null ? null : { crop: scored.timings.cropMs, ...scored.timings.netMs };
    },
  });
  return { crop: cost.crop, nets: { antispoof: cost.antispoof, liveness: cost.liveness } };
}
