// `npm run calibrate`: the operating threshold that keeps FMR <= 0.1% on EVERY subset of people the
// threshold was NOT fitted on, chosen and measured by identity-disjoint cross-validation over all people of
// ../shared/data (faces/ and faces2/), written to models/thresholds.json with the out-of-sample figures.
//
// Usage: npx tsx scripts/calibrate.ts [--root ../shared/data/faces --root ../shared/data/faces2]
//          [--out models/thresholds.json] [--target-fmr 0.001] [--folds 5] [--repeats 4] [--no-cache]
//          [--quality-bands 3] [--allow-unmeasured-fmr]
// Each root has the layout of ../shared/data/faces: `<identity>/<n>.jpg`, pairs.csv, optionally masks.csv.
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
// 3. Fit (the procedure): per subset (and per mask group: unmasked-unmasked, masked-unmasked,
//    masked-masked of mfr2 and mask_positions), the lowest threshold on a 1e-4 grid with FMR <= target;
//    the fitted threshold is the HIGHEST of these, so the worst subset decides.
// 4. Out of sample (src/biometrics/calibration/cross-validation.ts): people are dealt to --folds folds,
//    stratified by subset, --repeats times with different seeds. For each fold, the threshold is fitted on
//    the people outside it plus a safety margin chosen by an inner cross-validation on those people only,
//    and scored on pairs whose two people are both in the fold. These figures are printed first, with the
//    worst and median fold. The shipped threshold = the fit on everyone + the margin that, in every fold
//    of every repeat, kept every subset of the held-out people within the target (the safety factor: a
//    margin in cosine units, stated in the file). That margin is chosen on the folds it is then judged on, so
//    the verdict printed first is the nested one: did every outer test fold, at ITS threshold (fitted and
//    margin chosen without it), hold every subset? A subset with fewer than 2 x folds people also gets a
//    leave-pair-out fold per two of its people with an impostor pair (a subset of <= folds people has no
//    two people in one k-fold test fold). A subset with compared impostor pairs none of which was tested
//    (fmrNotMeasured) could decide the threshold unseen: calibrate refuses to write the file (exit code 3)
//    unless --allow-unmeasured-fmr. In-sample figures at that threshold follow, labelled.
// 5. The record keeps the model id (thresholds are valid for that descriptor only), both sets of rates,
//    curve points, the datasets' hashes and this script's version. Output is deterministic.
// 6. A candidate is validated beside it and printed, not written: a threshold per band of the probe's chip
//    sharpness (calibration/quality-bands.ts; cuts, shifts, threshold and margin all fitted on the training
//    people of each fold, the inner folds included). Measured 2026-12-02, FNMR pooled out of sample, one
//    threshold -> 3 bands (-> 4 bands): nuaa 11.5 -> 11.9 (10.9)%, selfie_webcam 21.3 -> 24.7 (20.5)%,
//    yaleb 72.7 -> 71.1 (70.5)%, orl 37.5 -> 42.9 (41.7)%, mfr2 93.8 -> 94.2 (93.3)%, nuaa FMR 1.08 -> 0.75
//    (1.00)%. Its nested margin is larger (0.012 vs 0.0065) and eats what compare:embeddings measured
//    without a margin (nuaa 4.0 -> 2.1%), so the kiosk's probe sharpness is not sent and the hub keeps
//    one threshold.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { AcquiredImage } from '../src/biometrics/calibration/acquire.node.ts';
import {
  acquireImages,
  cacheFileFor,
  sha256Hex,
  firstDescriptorOf,
} from '../src/biometrics/calibration/acquire.node.ts';
import type { LoadedPairs } from '../src/biometrics/calibration/datasets.node.ts';
import {
  calibrationRoots,
  descriptorCacheDir,
  linkedIdentities,
  loadPairs,
  maskedSubsets,
} from '../src/biometrics/calibration/datasets.node.ts';
import type { LabelledPair } from '../src/biometrics/calibration/pairs.ts';
import { pairImages } from '../src/biometrics/calibration/pairs.ts';
import { fittedPeopleOf } from '../src/biometrics/calibration/fitted-people.ts';
import { productionPipeline, sharpnessOf } from '../src/biometrics/calibration/production.node.ts';
import {
  fitQualityBands,
  qualityBandTransform,
} from '../src/biometrics/calibration/quality-bands.ts';
import type { Cell } from '../src/biometrics/calibration/report.ts';
import { fixed, formatTable, percent } from '../src/biometrics/calibration/report.ts';
import type { ScoreSet } from '../src/biometrics/calibration/scores.ts';
import { scorePairs, similarityForUnitDistance } from '../src/biometrics/calibration/scores.ts';
import type { ThresholdsFile } from '../src/biometrics/calibration/thresholds-file.ts';
import type { BandedCandidate } from '../src/biometrics/calibration/thresholds-file.ts';
import {
  bandedCandidate,
  buildThresholdsFile,
  serializeThresholdsFile,
} from '../src/biometrics/calibration/thresholds-file.ts';
import { ratesAt } from '../src/biometrics/calibration/thresholds.ts';
import { descriptorLength } from '../src/biometrics/engine.ts';
import {
  crossValidate,
  scoredPairs,
  thresholdCrossValidationOptions,
} from '../src/biometrics/calibration/cross-validation.ts';

export const calibrateScriptVersion = 'scripts/calibrate.ts v2';
const repoRoot = path.resolve(import.meta.dirname, '..');
const dataRoot = path.resolve(repoRoot, '..', 'shared', 'data');
const defaultRoots = calibrationRoots(dataRoot);
const cvSeed = 'facepay-calibration';
/** face-api's documented default: a Euclidean distance below 0.6 is the same person. */
const faceapiDefaultDistance = 0.6;

interface Args {
  roots: string[];
  out: string;
  targetFmr: number;
  folds: number;
  repeats: number;
  cache: boolean;
  qualityBands: number;
  allowUnmeasuredFmr: boolean;
}

function parseCli(): Args {
  const { values } = parseArgs({
    options: {
      root: { type: 'string', multiple: true },
      out: { type: 'string', default: path.join(repoRoot, 'models', 'thresholds.json') },
      'target-fmr': { type: 'string', default: '0.001' },
      folds: { type: 'string', default: '5' },
      repeats: { type: 'string', default: '4' },
      'no-cache': { type: 'boolean', default: false },
      'quality-bands': { type: 'string', default: '3' },
      'allow-unmeasured-fmr': { type: 'boolean', default: false },
    },
  });
  const qualityBands = Number(values['quality-bands']);
  if (!Number.isInteger(qualityBands) || qualityBands < 2 || qualityBands > 10)
    throw new Error('--quality-bands: 2..10');
  const targetFmr = Number(values['target-fmr']);
  if (!(targetFmr > 0 && targetFmr < 1)) throw new Error('--target-fmr must be in (0, 1)');
  const folds = Number(values.folds);
  const repeats = Number(values.repeats);
  if (!Number.isInteger(folds) || folds < 2 || folds > 20) throw new Error('--folds: 2..20');
  if (!Number.isInteger(repeats) || repeats < 1 || repeats > 20)
    throw new Error('--repeats: 1..20');
  const roots = (values.root ?? defaultRoots).map((root) => path.resolve(root));
  const names = roots.map((root) => path.basename(root));
  if (new Set(names).size !== names.length)
    throw new Error('each --root needs its own folder name');
  return {
    roots,
    out: values.out,
    targetFmr,
    folds,
    repeats,
    cache: !values['no-cache'],
    qualityBands,
    allowUnmeasuredFmr: values['allow-unmeasured-fmr'],
  };
}

async function main(): Promise<void> {
  const args = parseCli();
  const loaded = await loadPairs(args.roots);
  const { pairs } = loaded;
  const images = pairImages(pairs);
  const pipeline = await productionPipeline();
  const started = performance.now();
  const acquired = await acquireImages({
    root: loaded.base,
    images,
    embed: pipeline.embed,
    pipelineKey: pipeline.pipelineKey,
    cacheFile: args.cache ? cacheFileFor(descriptorCacheDir, pipeline.pipelineKey) : null,
    onProgress: progress,
  });
  process.stderr.write('\n');
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `${images.length} images, ${pairs.length} pairs from ${loaded.sources.map((s) => s.name).join(', ')}; ` +
      `backend ${pipeline.engine.backend}; ${acquired.cacheHits} from cache; ${seconds.toFixed(1)} s`,
  );
  const descriptorOf = firstDescriptorOf(acquired);
  const scores = scorePairs(pairs, descriptorOf);
  const maskGroups = scorePairs(loaded.maskGroups, descriptorOf);
  const sharpness = (image: string): number | null =>
    sharpnessOf(acquired.images.get(image)?.acquisition);
  const everyPair = scoredPairs([...pairs, ...loaded.maskGroups], descriptorOf, sharpness);
  const validation = thresholdCrossValidationOptions({
    pairs: everyPair,
    folds: args.folds,
    repeats: args.repeats,
    seed: cvSeed,
    linked: linkedIdentities,
    targetFmr: args.targetFmr,
  });
  const crossValidation = crossValidate(validation);
  const bandedValidation = crossValidate({
    ...validation,
    transform: qualityBandTransform(args.targetFmr, args.qualityBands),
  });
  const file = buildThresholdsFile({
    modelId: pipeline.engine.modelId,
    dimension: descriptorLength,
    targetFmr: args.targetFmr,
    scores,
    extraGroups: maskGroups,
    dataset: datasetHashes(loaded, images, acquired.images),
    crossValidation,
    protocol: { folds: args.folds, repeats: args.repeats, seed: cvSeed },
    pipeline: {
      backend: pipeline.engine.backend,
      engineOptionsSha256: pipeline.optionsSha256,
    },
    createdBy: calibrateScriptVersion,
  });
  const banded = bandedCandidate(
    {
      crossValidation: bandedValidation,
      bands: fitQualityBands(everyPair, args.targetFmr, args.qualityBands),
      scores: new Map([...scores, ...maskGroups]),
    },
    args.targetFmr,
  );
  printOutOfSample(file);
  printQualityBands(file, banded);
  printReport(file, scores, pairs, acquired.images);
  printMaskCurve(file, maskGroups);
  const unmeasured = unmeasuredConditions(file.outOfSample.perCondition);
  pipeline.engine.dispose();
  if (unmeasured.length > 0 && !args.allowUnmeasuredFmr) {
    console.error(
      `\nREFUSED, nothing written: ${unmeasured.join(', ')} ha${unmeasured.length === 1 ? 's' : 've'} ` +
        'compared impostor pairs but no out-of-sample FMR, and could decide the threshold unseen ' +
        '(--allow-unmeasured-fmr to write it anyway)',
    );
    process.exitCode = 3;
    return;
  }
  await mkdir(path.dirname(args.out), { recursive: true });
  await writeFile(args.out, serializeThresholdsFile(file));
  console.log(`\nwrote ${path.relative(process.cwd(), args.out)}`);
}

function unmeasuredConditions(
  perCondition: ThresholdsFile['outOfSample']['perCondition'],
): string[] {
  return Object.entries(perCondition).flatMap(([name, entry]) =>
    entry.fmrNotMeasured === true ? [name] : [],
  );
}

/** The nested out-of-sample verdict, first and in words. */
function verdict(cv: {
  safetyMarginHeld: boolean;
  worstFold?: ThresholdsFile['outOfSample']['worstFold'];
  perCondition: ThresholdsFile['outOfSample']['perCondition'];
}): string {
  const worst = cv.worstFold;
  const where =
    worst === undefined || worst === null
      ? 'no impostor pair compared in any test fold'
      : `worst fold ${percent(worst.fmr, 2)} (${worst.falseMatches} of ${worst.comparedImpostors}) on ` +
        `condition ${worst.condition} (${worst.fold})`;
  const unmeasured = unmeasuredConditions(cv.perCondition);
  const notMeasured =
    unmeasured.length === 0 ? '' : `; FMR NOT MEASURED out of sample on ${unmeasured.join(', ')}`;
  return cv.safetyMarginHeld
    ? `FMR target held out of sample on every test fold of every condition: ${where}`
    : `FMR target NOT held out of sample: ${where}${notMeasured}`;
}

function progress(done: number, total: number): void {
  if (done % 25 === 0 || done === total) process.stderr.write(`\r${done}/${total} images`);
}

function datasetHashes(
  loaded: LoadedPairs,
  images: readonly string[],
  acquired: ReadonlyMap<string, AcquiredImage>,
): ThresholdsFile['dataset'] {
  const lines = images.map((image) => `${acquired.get(image)?.sha256 ?? ''}  ${image}\n`);
  return {
    pairsSha256: sha256Hex(loaded.sources.map((source) => source.text).join('')),
    imagesSha256: sha256Hex(lines.join('')),
    images: images.length,
    pairs: loaded.pairs.length,
    sources: loaded.sources.map(({ name, pairsSha256 }) => ({ name, pairsSha256 })),
    imageSha256Prefixes: [
      ...new Set(images.map((image) => (acquired.get(image)?.sha256 ?? '').slice(0, 16))),
    ].sort(),
    fittedPeople: fittedPeopleOf(images),
  };
}

/** Out of sample first: the figures of people the threshold was not fitted on, with their fold spread. */
function printOutOfSample(file: ThresholdsFile): void {
  const cv = file.outOfSample;
  console.log(`\n${verdict(cv)}`);
  console.log(
    `\nOUT OF SAMPLE (${cv.folds}-fold identity-disjoint cross-validation x ${cv.repeats} repeats, plus ` +
      `${cv.pairFolds ?? 0} leave-pair-out folds for subsets of < ${2 * cv.folds} people; a fold's ` +
      `threshold is fitted on the other people + a margin chosen on them alone):`,
  );
  console.log(
    `shipped threshold ${file.threshold} = fit on everyone ${cv.inSampleThreshold} + safety margin ` +
      `${cv.safetyMargin}, the smallest at which the ${cv.folds * cv.repeats} k-fold folds it was chosen on ` +
      `held (in sample: ${cv.safetyMarginFoundOnItsFolds === false ? 'NOT found even at the largest margin tried' : 'found'}); ` +
      `over the pair folds too it would be ${cv.safetyMarginWithPairFolds ?? '-'}` +
      `${cv.safetyMarginWithPairFoldsFound === false ? ' (NOT found)' : ''} (not shipped)`,
  );
  console.log(formatTable(outOfSampleHeader, outOfSampleRows(cv.perCondition)));
  const split = Object.entries(cv.perCondition).flatMap(([name, entry]) =>
    entry.fmrPairFolds === undefined
      ? []
      : [
          `${name} FMR ${percent(entry.fmrKFold ?? null, 3)} / ${percent(entry.fmrPairFolds, 3)}, ` +
            `FNMR ${percent(entry.fnmrKFold ?? null)} / ${percent(entry.fnmrPairFolds ?? null)}`,
        ],
  );
  if (split.length > 0)
    console.log(`pooled over the k-fold folds alone / the pair folds alone: ${split.join('; ')}`);
  const unmeasured = unmeasuredConditions(cv.perCondition);
  if (unmeasured.length > 0)
    console.log(
      `WARNING: no out-of-sample FMR for ${unmeasured.join(', ')}: none of their impostor pairs was tested`,
    );
}

/** The candidate beside the shipped threshold: one per band of the probe's sharpness, validated the same way. */
function printQualityBands(file: ThresholdsFile, bands: BandedCandidate): void {
  console.log(
    `\nCANDIDATE, NOT WRITTEN: a threshold per band of the probe's sharpness (cuts ${bands.cuts.join(', ')}), ` +
      `out of sample the same way: thresholds ${bands.thresholds.join(' / ')} = banded fit on everyone ` +
      `${bands.inSampleThreshold} + margin ${bands.safetyMargin} ` +
      `+ each band's shift; compare its FNMR with the table above (one threshold, ${file.threshold})`,
  );
  console.log(verdict(bands));
  console.log(formatTable(outOfSampleHeader, outOfSampleRows(bands.perCondition)));
  const lowest = Math.min(...bands.thresholds);
  console.log(
    `a kiosk that claimed the most lenient band for every probe (${lowest}), every impostor pair: FMR ` +
      Object.entries(bands.fmrAtLowestBand)
        .map(([name, fmr]) => `${name} ${percent(fmr, 3)}`)
        .join(', '),
  );
}

const outOfSampleHeader = [
  'condition',
  'genuine (distinct)',
  'impostors compared (distinct)',
  'impostor person-pairs tested',
  'FMR (pooled)',
  'FMR worst / median fold',
  'folds > target',
  'FNMR (pooled)',
  'FNMR worst / median fold',
];

function outOfSampleRows(perCondition: ThresholdsFile['outOfSample']['perCondition']): Cell[][] {
  return Object.entries(perCondition).map(([name, entry]) => [
    name,
    entry.distinctGenuinePairs ?? '-',
    entry.distinctComparedImpostors ?? '-',
    `${entry.impostorPersonPairsTested ?? '-'} / ${entry.impostorPersonPairs ?? '-'}` +
      `${entry.fmrNotMeasured === true ? ' FMR NOT MEASURED' : ''}`,
    `${percent(entry.fmr, 3)} (${entry.falseMatches} of ${entry.comparedImpostors} fold-pairs)`,
    `${percent(entry.fmrWorstFold, 2)} / ${percent(entry.fmrMedianFold, 2)} of ${entry.foldsWithImpostors}`,
    `${entry.foldsOverTarget}`,
    `${percent(entry.fnmr)} (${entry.falseNonMatches})`,
    `${percent(entry.fnmrWorstFold)} / ${percent(entry.fnmrMedianFold)} of ${entry.foldsWithGenuine}`,
  ]);
}

function printReport(
  file: ThresholdsFile,
  scores: ScoreSet,
  pairs: readonly LabelledPair[],
  acquired: ReadonlyMap<string, AcquiredImage>,
): void {
  console.log(
    `\nIN SAMPLE (every person below also chose the threshold): model ${file.modelId}; operating ` +
      `threshold ${file.threshold} (cosine similarity, fit decided by ${file.decidedBy}); target FMR ` +
      `${percent(file.targetFmr, 1)} on every subset\n`,
  );
  console.log(formatTable(rateHeader, rateRows(file.perSubset)));
  console.log(`\nmask split of ${maskedSubsets.join(', ')} at the same threshold:`);
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
  console.log(`\nFMR by mask group (false matches / impostor pairs compared):`);
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
