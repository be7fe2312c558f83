// `npm run compare:embeddings`: face-api's 128-d descriptor against human's 1024-d faceres embedding on the
// same pairs, same detected faces and same quality gate; FNMR at FMR 0.1% per subset and at one threshold.
//
// Usage: npx tsx scripts/compare-embeddings.ts [--root ../shared/data/faces] [--pairs <root>/pairs.csv]
//          [--target-fmr 0.001] [--no-cache]
// Both embedders see the face the production engine found (BlazeFace + landmarks + quality gate), so
// failures to acquire are identical and only the embedding differs. faceres gets the crop human itself
// gives it: the BlazeFace box enlarged 1.4x, squared, 224 px, RGB 0..255 (human/src/face/faceres.ts,
// facemeshutil.ts cutAndResize; `face.detector.rotation` is off by default), and, as a second variant,
// the same square rotated so the eyes are level. Scores are cosine similarities of unit embeddings.
// Reported per subset: FNMR at the subset's own FMR <= target threshold, the EER, and FNMR at the one
// threshold that holds FMR <= target on every subset (the way production must run).
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { acquireImages, cacheFileFor } from '../src/biometrics/calibration/acquire.node.ts';
import type { LabelledPair } from '../src/biometrics/calibration/pairs.ts';
import { pairImages, parsePairsCsv } from '../src/biometrics/calibration/pairs.ts';
import {
  comparisonEmbed,
  productionPipeline,
} from '../src/biometrics/calibration/production.node.ts';
import type { Cell } from '../src/biometrics/calibration/report.ts';
import { fixed, formatTable, percent } from '../src/biometrics/calibration/report.ts';
import type { ScoreSet, SubsetScores } from '../src/biometrics/calibration/scores.ts';
import { scorePairs } from '../src/biometrics/calibration/scores.ts';
import {
  errorTradeoff,
  ratesAt,
  selectThreshold,
} from '../src/biometrics/calibration/thresholds.ts';
import type { FaceresCropOptions } from '../src/biometrics/embedders/faceres.ts';
import { loadFaceresEmbedder } from '../src/biometrics/embedders/faceres.node.ts';
import { defaultModelsDir } from '../src/biometrics/engine-load.node.ts';

const repoRoot = path.resolve(import.meta.dirname, '..');
const defaultRoot = path.resolve(repoRoot, '..', 'shared', 'data', 'faces');
const cacheDir = path.join(repoRoot, '.facepay', 'cache');
const crops: readonly FaceresCropOptions[] = [{ rollCorrected: false }, { rollCorrected: true }];

interface Embedding {
  name: string;
  scores: ScoreSet;
}

interface Summary {
  name: string;
  threshold: number;
  decidedBy: string;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      root: { type: 'string', default: defaultRoot },
      pairs: { type: 'string' },
      'target-fmr': { type: 'string', default: '0.001' },
      'no-cache': { type: 'boolean', default: false },
    },
  });
  const targetFmr = Number(values['target-fmr']);
  const pairs = parsePairsCsv(
    await readFile(values.pairs ?? path.join(values.root, 'pairs.csv'), 'utf8'),
  );
  const pipeline = await productionPipeline();
  const faceres = await loadFaceresEmbedder(defaultModelsDir);
  const key = `${pipeline.pipelineKey}-${faceres.modelId}-cmp1`;
  const started = performance.now();
  const acquired = await acquireImages({
    root: values.root,
    images: pairImages(pairs),
    embed: comparisonEmbed(pipeline.engine, faceres, crops),
    pipelineKey: key,
    cacheFile: values['no-cache'] ? null : cacheFileFor(cacheDir, key),
    onProgress: (done, total) => {
      if (done % 25 === 0 || done === total) process.stderr.write(`\r${done}/${total} images`);
    },
  });
  process.stderr.write('\n');
  console.log(
    `${acquired.images.size} images (${acquired.cacheHits} from cache) in ` +
      `${((performance.now() - started) / 1000).toFixed(1)} s; backend ${pipeline.engine.backend}`,
  );
  const names = [
    `face-api 128 (${pipeline.engine.modelId})`,
    `faceres 1024, human crop (${faceres.modelId})`,
    'faceres 1024, roll-corrected crop',
  ];
  const descriptorsOf = (index: number) => (image: string) => {
    const entry = acquired.images.get(image)?.acquisition;
    return entry?.ok === true ? (entry.descriptors[index] ?? null) : null;
  };
  const embeddings: Embedding[] = names.map((name, index) => ({
    name,
    scores: scorePairs(pairs, descriptorsOf(index)),
  }));
  embeddings.push({
    name: 'face-api 128, centred (mean of the OTHER subsets subtracted; an experiment, not production)',
    scores: centredScores(pairs, descriptorsOf(0)),
  });
  printComparison(embeddings, targetFmr);
  pipeline.engine.dispose();
  faceres.dispose();
}

/**
 * face-api's descriptors share a large common component (strangers score 0.8-0.95), so subtracting a mean
 * descriptor before the cosine may spread them. Leave-one-subset-out: each subset is scored with the mean
 * of the images of all other subsets, so no subset's own statistics leak into its rates.
 */
function centredScores(
  pairs: readonly LabelledPair[],
  descriptorOf: (image: string) => Float32Array | null,
): ScoreSet {
  const imagesBySubset = new Map<string, Set<string>>();
  for (const pair of pairs) {
    const images = imagesBySubset.get(pair.subset) ?? new Set<string>();
    images.add(pair.imgA).add(pair.imgB);
    imagesBySubset.set(pair.subset, images);
  }
  const merged = new Map<string, SubsetScores>();
  for (const subset of [...imagesBySubset.keys()].sort()) {
    const others = [...imagesBySubset]
      .filter(([name]) => name !== subset)
      .flatMap(([, images]) => [...images]);
    const mean = meanDescriptor(others.map(descriptorOf));
    const centred = (image: string): Float32Array | null => {
      const descriptor = descriptorOf(image);
      return descriptor === null ? null : descriptor.map((value, i) => value - (mean[i] ?? 0));
    };
    const scores = scorePairs(
      pairs.filter((pair) => pair.subset === subset),
      centred,
    );
    for (const [name, subsetScores] of scores) merged.set(name, subsetScores);
  }
  return merged;
}

function meanDescriptor(descriptors: readonly (Float32Array | null)[]): Float64Array {
  const present = descriptors.filter((descriptor) => descriptor !== null);
  const first = present[0];
  if (first === undefined) throw new Error('no descriptor to average');
  const mean = new Float64Array(first.length);
  for (const descriptor of present) {
    for (let i = 0; i < mean.length; i += 1) mean[i] = (mean[i] ?? 0) + (descriptor[i] ?? 0);
  }
  return mean.map((sum) => sum / present.length);
}

function printComparison(embeddings: readonly Embedding[], targetFmr: number): void {
  const summaries: Summary[] = embeddings.map(({ name, scores }) => ({
    name,
    ...selectThreshold(scores, targetFmr),
  }));
  for (const summary of summaries) {
    console.log(
      `${summary.name}: one threshold for FMR <= ${percent(targetFmr, 1)} on every subset = ` +
        `${fixed(summary.threshold)} (decided by ${summary.decidedBy})`,
    );
  }
  const subsets = [...(embeddings[0]?.scores.keys() ?? [])];
  const header = ['subset', 'gen/imp', 'FTA pairs'];
  for (const [index] of embeddings.entries()) {
    header.push(`#${index + 1} FNMR@own`, `#${index + 1} EER`, `#${index + 1} FNMR@one`);
  }
  const rows: Cell[][] = subsets.map((subset) => {
    const first = embeddings[0]?.scores.get(subset);
    const row: Cell[] = [
      subset,
      `${first?.genuinePairs ?? 0}/${first?.impostorPairs ?? 0}`,
      first?.failedToAcquire ?? 0,
    ];
    for (const [index, embedding] of embeddings.entries()) {
      const scores = embedding.scores.get(subset);
      const threshold = summaries[index]?.threshold ?? 1;
      if (scores === undefined) {
        row.push(null, null, null);
        continue;
      }
      const tradeoff = errorTradeoff(scores, targetFmr);
      row.push(
        percent(tradeoff.fnmrAtTarget),
        percent(tradeoff.eer),
        percent(ratesAt(scores, threshold).fnmr),
      );
    }
    return row;
  });
  console.log(
    `\n${embeddings.map((embedding, index) => `#${index + 1} ${embedding.name}`).join('\n')}`,
  );
  console.log(
    `FNMR@own: at the subset's own lowest threshold with FMR <= ${percent(targetFmr, 1)}; ` +
      'FNMR@one: at the single threshold above (FTA genuine pairs count as non-matches)\n',
  );
  console.log(formatTable(header, rows));
}

await main();
