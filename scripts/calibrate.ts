// `npm run calibrate`: FMR/FNMR curves per subset of the labelled face pairs through the production engine,
// and the operating threshold that keeps FMR <= 0.1% on EVERY subset, written to models/thresholds.json.
//
// Usage: npx tsx scripts/calibrate.ts [--root ../shared/data/faces] [--pairs <root>/pairs.csv]
//          [--masks <root>/masks.csv] [--out models/thresholds.json] [--target-fmr 0.001] [--no-cache]
//
// Method.
// 1. Every image the pairs name is read once, hashed (sha256) and run through the kiosk's own engine
//    (BlazeFace detection, 68 landmarks, quality gate, alignment, face-api's 128-d descriptor). An image
//    the gate refuses (no face, several faces, too small, dark, bright, blurred, turned away) or that
//    does not decode is a failure to acquire (FTA). Results are cached in .facepay/cache by image sha256
//    under a key of model id + backend + engine-options hash + a hash of the engine's source files
//    (src/biometrics/*.ts); --no-cache recomputes everything.
// 2. Score of a pair: cosine similarity of the two unit descriptors; a pair matches when score >= t.
//    FMR(t) = impostor pairs matching / impostor pairs compared (an FTA impostor pair is never compared
//    and cannot match). FNMR(t) = (genuine pairs below t + genuine pairs with an FTA image) / all
//    genuine pairs: a person who cannot be read cannot pay.
// 3. Per subset (and per mask group of mfr2: unmasked-unmasked, masked-unmasked, masked-masked), the
//    lowest threshold on a 1e-4 grid with FMR <= target: with n compared impostor pairs, floor(target*n)
//    false matches are allowed. The operating threshold is the HIGHEST of these, so the worst subset
//    decides and every subset holds the target; pooling would let easy subsets hide a hard one. A subset
//    with n < 1/target impostor pairs can only show "no false match at all" (its FMR resolution is 1/n).
// 4. The record keeps the model id (thresholds are valid for that descriptor only), the rates per subset
//    at the chosen threshold, curve points (every 0.05, every 0.01 above 0.80), the dataset's hashes and this script's version.
//    Output is deterministic: no clock, fixed key order, rates rounded to 6 decimals.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { AcquiredImage } from '../src/biometrics/calibration/acquire.node.ts';
import {
  acquireImages,
  cacheFileFor,
  sha256Hex,
} from '../src/biometrics/calibration/acquire.node.ts';
import { maskSplitPairs, parseMasksCsv } from '../src/biometrics/calibration/masks.ts';
import type { LabelledPair } from '../src/biometrics/calibration/pairs.ts';
import { pairImages, parsePairsCsv } from '../src/biometrics/calibration/pairs.ts';
import { productionPipeline } from '../src/biometrics/calibration/production.node.ts';
import type { Cell } from '../src/biometrics/calibration/report.ts';
import { fixed, formatTable, percent } from '../src/biometrics/calibration/report.ts';
import type { ScoreSet } from '../src/biometrics/calibration/scores.ts';
import { scorePairs, similarityForUnitDistance } from '../src/biometrics/calibration/scores.ts';
import type { ThresholdsFile } from '../src/biometrics/calibration/thresholds-file.ts';
import {
  buildThresholdsFile,
  serializeThresholdsFile,
} from '../src/biometrics/calibration/thresholds-file.ts';
import { ratesAt } from '../src/biometrics/calibration/thresholds.ts';

export const calibrateScriptVersion = 'scripts/calibrate.ts v1';
const repoRoot = path.resolve(import.meta.dirname, '..');
const defaultRoot = path.resolve(repoRoot, '..', 'shared', 'data', 'faces');
export const descriptorCacheDir = path.join(repoRoot, '.facepay', 'cache');
const maskedSubset = 'mfr2';
/** face-api's documented default: a Euclidean distance below 0.6 is the same person. */
const faceapiDefaultDistance = 0.6;

interface Args {
  root: string;
  pairs: string;
  masks: string;
  out: string;
  targetFmr: number;
  cache: boolean;
}

function parseCli(): Args {
  const { values } = parseArgs({
    options: {
      root: { type: 'string', default: defaultRoot },
      pairs: { type: 'string' },
      masks: { type: 'string' },
      out: { type: 'string', default: path.join(repoRoot, 'models', 'thresholds.json') },
      'target-fmr': { type: 'string', default: '0.001' },
      'no-cache': { type: 'boolean', default: false },
    },
  });
  const targetFmr = Number(values['target-fmr']);
  if (!(targetFmr > 0 && targetFmr < 1)) throw new Error('--target-fmr must be in (0, 1)');
  return {
    root: values.root,
    pairs: values.pairs ?? path.join(values.root, 'pairs.csv'),
    masks: values.masks ?? path.join(values.root, 'masks.csv'),
    out: values.out,
    targetFmr,
    cache: !values['no-cache'],
  };
}

async function main(): Promise<void> {
  const args = parseCli();
  const pairsText = await readFile(args.pairs, 'utf8');
  const pairs = parsePairsCsv(pairsText);
  const images = pairImages(pairs);
  const pipeline = await productionPipeline();
  const started = performance.now();
  const acquired = await acquireImages({
    root: args.root,
    images,
    embed: pipeline.embed,
    pipelineKey: pipeline.pipelineKey,
    cacheFile: args.cache ? cacheFileFor(descriptorCacheDir, pipeline.pipelineKey) : null,
    onProgress: progress,
  });
  process.stderr.write('\n');
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `${images.length} images, ${pairs.length} pairs; backend ${pipeline.engine.backend}; ` +
      `${acquired.cacheHits} from cache; ${seconds.toFixed(1)} s`,
  );
  const descriptorOf = (image: string): Float32Array | null => {
    const entry = acquired.images.get(image)?.acquisition;
    return entry?.ok === true ? (entry.descriptors[0] ?? null) : null;
  };
  const masked = parseMasksCsv(await readFile(args.masks, 'utf8'));
  const scores = scorePairs(pairs, descriptorOf);
  const maskGroups = scorePairs(maskSplitPairs(pairs, maskedSubset, masked), descriptorOf);
  const file = buildThresholdsFile({
    modelId: pipeline.engine.modelId,
    targetFmr: args.targetFmr,
    scores,
    extraGroups: maskGroups,
    dataset: datasetHashes(pairsText, images, acquired.images, pairs.length),
    pipeline: {
      backend: pipeline.engine.backend,
      engineOptionsSha256: pipeline.optionsSha256,
    },
    createdBy: calibrateScriptVersion,
  });
  await mkdir(path.dirname(args.out), { recursive: true });
  await writeFile(args.out, serializeThresholdsFile(file));
  printReport(file, scores, pairs, acquired.images);
  printMaskCurve(file, maskGroups);
  console.log(`\nwrote ${path.relative(process.cwd(), args.out)}`);
  pipeline.engine.dispose();
}

function progress(done: number, total: number): void {
  if (done % 25 === 0 || done === total) process.stderr.write(`\r${done}/${total} images`);
}

function datasetHashes(
  pairsText: string,
  images: readonly string[],
  acquired: ReadonlyMap<string, AcquiredImage>,
  pairs: number,
): ThresholdsFile['dataset'] {
  const lines = images.map((image) => `${acquired.get(image)?.sha256 ?? ''}  ${image}\n`);
  return {
    pairsSha256: sha256Hex(pairsText),
    imagesSha256: sha256Hex(lines.join('')),
    images: images.length,
    pairs,
  };
}

function printReport(
  file: ThresholdsFile,
  scores: ScoreSet,
  pairs: readonly LabelledPair[],
  acquired: ReadonlyMap<string, AcquiredImage>,
): void {
  console.log(
    `\nmodel ${file.modelId}; operating threshold ${file.threshold} (cosine similarity, ` +
      `decided by ${file.decidedBy}); target FMR ${percent(file.targetFmr, 1)} on every subset\n`,
  );
  console.log(formatTable(rateHeader, rateRows(file.perSubset)));
  console.log(`\nmask split of ${maskedSubset} at the same threshold:`);
  console.log(formatTable(rateHeader, rateRows(file.perGroup)));
  console.log('\nimages failed to acquire, by subset and reason:');
  console.log(failureSummary(pairs, acquired));
  console.log('\ncurve points (FMR / FNMR per subset; match when similarity >= threshold):');
  printCurve(file);
  const similarity = similarityForUnitDistance(faceapiDefaultDistance);
  console.log(
    `\nface-api's default (Euclidean distance ${faceapiDefaultDistance} = similarity ${fixed(similarity, 2)}): FMR ` +
      [...scores]
        .map(
          ([subset, subsetScores]) =>
            `${subset} ${percent(ratesAt(subsetScores, similarity).fmr, 1)}`,
        )
        .join(', '),
  );
}

const rateHeader = [
  'subset',
  'genuine',
  'impostor',
  'FTA pairs',
  'FMR',
  'FNMR',
  'own thr',
  'FNMR@own',
  'EER',
];

function rateRows(entries: ThresholdsFile['perSubset']): Cell[][] {
  return Object.entries(entries).map(([name, entry]) => [
    name,
    entry.genuinePairs,
    entry.impostorPairs,
    entry.failedToAcquire,
    `${percent(entry.fmr, 3)} (${entry.falseMatches})`,
    `${percent(entry.fnmr)} (${entry.falseNonMatches})`,
    fixed(entry.ownThreshold),
    percent(entry.fnmrAtOwnThreshold),
    percent(entry.eer),
  ]);
}

function failureSummary(
  pairs: readonly LabelledPair[],
  acquired: ReadonlyMap<string, AcquiredImage>,
): string {
  const subsetOf = new Map<string, string>();
  for (const pair of pairs) {
    subsetOf.set(pair.imgA, pair.subset);
    subsetOf.set(pair.imgB, pair.subset);
  }
  const counts = new Map<string, { images: number; reasons: Map<string, number> }>();
  for (const [image, subset] of [...subsetOf].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const entry = counts.get(subset) ?? { images: 0, reasons: new Map<string, number>() };
    counts.set(subset, entry);
    entry.images += 1;
    const acquisition = acquired.get(image)?.acquisition;
    if (acquisition !== undefined && !acquisition.ok) {
      entry.reasons.set(acquisition.reason, (entry.reasons.get(acquisition.reason) ?? 0) + 1);
    }
  }
  const rows = [...counts].sort(([a], [b]) => (a < b ? -1 : 1));
  return formatTable(
    ['subset', 'images', 'FTA', 'FTA rate', 'reasons'],
    rows.map(([subset, { images, reasons }]) => {
      const failed = [...reasons.values()].reduce((sum, count) => sum + count, 0);
      const why = [...reasons].map(([reason, count]) => `${reason} ${count}`).join(', ');
      return [subset, images, failed, percent(failed / images, 1), why === '' ? '-' : why];
    }),
  );
}

/** Does a mask push strangers' scores up? FMR per mask group around the operating threshold. */
function printMaskCurve(file: ThresholdsFile, groups: ScoreSet): void {
  const thresholds = [0.9, 0.91, 0.92, 0.93, 0.94, 0.95, file.threshold];
  console.log(`\nFMR of ${maskedSubset} by mask group (false matches / impostor pairs compared):`);
  const rows: Cell[][] = [...groups].map(([group, scores]) => [
    group,
    ...thresholds.map((threshold) => {
      const rates = ratesAt(scores, threshold);
      return `${percent(rates.fmr, 2)} (${rates.falseMatches})`;
    }),
  ]);
  console.log(formatTable(['group', ...thresholds.map((t) => fixed(t, 4))], rows));
}

function printCurve(file: ThresholdsFile): void {
  const subsets = Object.keys(file.curve.perSubset);
  const rows: Cell[][] = [];
  for (const [index, threshold] of file.curve.thresholds.entries()) {
    if (threshold < 0.7) continue;
    rows.push([
      fixed(threshold, 2),
      ...subsets.map((subset) => {
        const curve = file.curve.perSubset[subset];
        return `${percent(curve?.fmr[index] ?? null, 2)} / ${percent(curve?.fnmr[index] ?? null, 1)}`;
      }),
    ]);
  }
  console.log(formatTable(['threshold', ...subsets], rows));
}

await main();
