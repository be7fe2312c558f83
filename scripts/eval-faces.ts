// `npm run eval:faces`: every labelled pair through the production engine at the calibrated threshold of
// models/thresholds.json; writes {modelId, backend, threshold, subsets} for other programs and prints a table.
// Out of sample first: a subset none of whose people chose the threshold is measured on new people as is;
// for a subset with people the calibration fitted on, the cross-validated figures recorded by `npm run
// calibrate` (people held out of the fit) are printed first and the rates measured here are labelled
// in-sample. Decided by person, not by file: a pair is in sample when one of its images is a calibration
// image (thresholds.json's imageSha256Prefixes) or shows a person the record lists in fittedPeople (a
// re-encoded copy or a new photo of a fitted person is still that person; fitted-people.ts maps folder
// names such as nuaa_client_0001 or spoof crops nuaa_0001_* to `nuaa:0001`). A record without
// fittedPeople (older files) cannot say, and such pairs are `unknown`. Added fields: `sample` per subset
// (`out-of-sample`, `in-sample`, `mixed`, or `unknown`) and `outOfSample` (the calibration's
// cross-validated entry of each subset that is not out of sample) and `failedToAcquireByReason` (per
// subset: its distinct images and how many failed to acquire for each reason code, printed as FTA by reason).
//
// Usage: npx tsx scripts/eval-faces.ts --root <dir> --pairs <csv> --json <file> [--thresholds <file>]
// <root> has the layout of ../shared/data/faces (`<identity>/<n>.jpg`); the pairs file has the columns
// img_a,img_b,label,subset. Per subset: genuinePairs, impostorPairs, fnmr, fmr, failedToAcquire, where
// failedToAcquire counts pairs with an image in which no usable face was found (undecodable, or refused by
// the quality gate); such a genuine pair is a non-match in fnmr, such an impostor pair is not compared.
// fmr (fnmr) is null for a subset without impostor (genuine) pairs. The thresholds file must name the
// descriptor model the engine loaded: a threshold calibrated for another model means nothing, so the
// command refuses to run (exit code 2). Bad arguments or input: exit code 1.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { acquireImages, firstDescriptorOf } from '../src/biometrics/calibration/acquire.node.ts';
import { pairImages, parsePairsCsv } from '../src/biometrics/calibration/pairs.ts';
import { productionPipeline } from '../src/biometrics/calibration/production.node.ts';
import { formatTable, percent } from '../src/biometrics/calibration/report.ts';
import { scorePairs } from '../src/biometrics/calibration/scores.ts';
import type { ThresholdsFile } from '../src/biometrics/calibration/thresholds-file.ts';
import { parseThresholdsFile } from '../src/biometrics/calibration/thresholds-file.ts';
import type { SampleKind } from '../src/biometrics/calibration/fitted-people.ts';
import { pairSample, subsetSample } from '../src/biometrics/calibration/fitted-people.ts';
import type { LabelledPair } from '../src/biometrics/calibration/pairs.ts';
import type { AcquiredImage } from '../src/biometrics/calibration/acquire.node.ts';
import { ratesAt } from '../src/biometrics/calibration/thresholds.ts';

const repoRoot = path.resolve(import.meta.dirname, '..');
const exitRefused = 2;

export interface EvalFacesSubset {
  genuinePairs: number;
  impostorPairs: number;
  fnmr: number | null;
  fmr: number | null;
  failedToAcquire: number;
}

export type { SampleKind } from '../src/biometrics/calibration/fitted-people.ts';

export interface EvalFacesReport {
  modelId: string;
  backend: string;
  threshold: number;
  subsets: Record<string, EvalFacesSubset>;
  /** Whether each subset's pairs are of people the threshold was fitted on. */
  sample: Record<string, SampleKind>;
  /** For in-sample (or mixed) subsets: the calibration's cross-validated figures of held-out people. */
  outOfSample: Record<string, ThresholdsFile['outOfSample']['perCondition'][string]>;
  /** Per subset: its distinct images and, per reason code, how many of them failed to acquire. */
  failedToAcquireByReason: Record<string, { images: number; reasons: Record<string, number> }>;
}

class UsageError extends Error {
  override name = 'UsageError';
}

function parseCli(): { root: string; pairs: string; json: string; thresholds: string } {
  const { values } = parseArgs({
    options: {
      root: { type: 'string' },
      pairs: { type: 'string' },
      json: { type: 'string' },
      thresholds: { type: 'string', default: path.join(repoRoot, 'models', 'thresholds.json') },
    },
  });
  if (values.root === undefined || values.pairs === undefined || values.json === undefined) {
    throw new UsageError('usage: eval-faces --root <dir> --pairs <csv> --json <file>');
  }
  return {
    root: values.root,
    pairs: values.pairs,
    json: values.json,
    thresholds: values.thresholds,
  };
}

async function main(): Promise<number> {
  const args = parseCli();
  const calibration = parseThresholdsFile(await readFile(args.thresholds, 'utf8'));
  const pairs = parsePairsCsv(await readFile(args.pairs, 'utf8'));
  const pipeline = await productionPipeline();
  try {
    if (calibration.modelId !== pipeline.engine.modelId) {
      console.error(
        `refused: ${args.thresholds} was calibrated for ${calibration.modelId}, ` +
          `but the engine loaded ${pipeline.engine.modelId}; run npm run calibrate`,
      );
      return exitRefused;
    }
    const acquired = await acquireImages({
      root: args.root,
      images: pairImages(pairs),
      embed: pipeline.embed,
      pipelineKey: pipeline.pipelineKey,
      cacheFile: null,
    });
    const scores = scorePairs(pairs, firstDescriptorOf(acquired));
    const report: EvalFacesReport = {
      modelId: pipeline.engine.modelId,
      backend: pipeline.engine.backend,
      threshold: calibration.threshold,
      subsets: {},
      sample: sampleKinds(pairs, acquired.images, calibration),
      outOfSample: {},
      failedToAcquireByReason: reasonsBySubset(pairs, acquired.images),
    };
    for (const [subset, subsetScores] of scores) {
      const rates = ratesAt(subsetScores, calibration.threshold);
      report.subsets[subset] = {
        genuinePairs: rates.genuinePairs,
        impostorPairs: rates.impostorPairs,
        fnmr: rates.fnmr,
        fmr: rates.fmr,
        failedToAcquire: rates.failedToAcquire,
      };
      const crossValidated = calibration.outOfSample.perCondition[subset];
      if (report.sample[subset] !== 'out-of-sample' && crossValidated !== undefined) {
        report.outOfSample[subset] = crossValidated;
      }
    }
    await writeFile(args.json, `${JSON.stringify(report, null, 2)}\n`);
    printReport(report);
    return 0;
  } finally {
    pipeline.engine.dispose();
  }
}

/** Each subset's distinct images, and how many failed to acquire for each reason. */
function reasonsBySubset(
  pairs: readonly LabelledPair[],
  acquired: ReadonlyMap<string, AcquiredImage>,
): EvalFacesReport['failedToAcquireByReason'] {
  const imagesOf = new Map<string, Set<string>>();
  for (const pair of pairs) {
    const images = imagesOf.get(pair.subset) ?? new Set<string>();
    imagesOf.set(pair.subset, images);
    images.add(pair.imgA).add(pair.imgB);
  }
  const out: EvalFacesReport['failedToAcquireByReason'] = {};
  for (const [subset, images] of [...imagesOf].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const reasons: Record<string, number> = {};
    for (const image of images) {
      const acquisition = acquired.get(image)?.acquisition;
      const reason =
        acquisition === undefined ? 'missing' : acquisition.ok ? null : acquisition.reason;
      if (reason !== null) reasons[reason] = (reasons[reason] ?? 0) + 1;
    }
    out[subset] = { images: images.size, reasons };
  }
  return out;
}

/** A pair is in sample when either of its images is a calibration image or shows a fitted person. */
function sampleKinds(
  pairs: readonly LabelledPair[],
  acquired: ReadonlyMap<string, AcquiredImage>,
  calibration: ThresholdsFile,
): Record<string, SampleKind> {
  const known = {
    imageSha256Prefixes: new Set(calibration.dataset.imageSha256Prefixes),
    fittedPeople:
      calibration.dataset.fittedPeople === undefined
        ? null
        : new Set(calibration.dataset.fittedPeople),
  };
  const sha256Of = (image: string): string | undefined => acquired.get(image)?.sha256;
  const counts = new Map<string, { inSample: number; outOfSample: number; unknown: number }>();
  for (const pair of pairs) {
    const count = counts.get(pair.subset) ?? { inSample: 0, outOfSample: 0, unknown: 0 };
    counts.set(pair.subset, count);
    const kind = pairSample([pair.imgA, pair.imgB], known, sha256Of);
    if (kind === 'in-sample') count.inSample += 1;
    else if (kind === 'out-of-sample') count.outOfSample += 1;
    else count.unknown += 1;
  }
  const kinds: Record<string, SampleKind> = {};
  for (const [subset, count] of [...counts].sort(([a], [b]) => (a < b ? -1 : 1))) {
    kinds[subset] = subsetSample(count);
  }
  return kinds;
}

function printReport(report: EvalFacesReport): void {
  console.log(
    `model ${report.modelId}, backend ${report.backend}, threshold ${report.threshold} (cosine similarity)`,
  );
  const crossValidated = Object.entries(report.outOfSample);
  if (crossValidated.length > 0) {
    console.log(
      "\nOUT OF SAMPLE for subsets the threshold was calibrated on (npm run calibrate's " +
        'identity-disjoint cross-validation: people held out of the fit; worst / median fold):',
    );
    // Distinct pairs tested (a pair tested in several folds once); '-' for records without them.
    const rows = crossValidated.map(([subset, entry]) => [
      subset,
      entry.distinctGenuinePairs ?? '-',
      entry.distinctComparedImpostors ?? '-',
      entry.fmrNotMeasured === true
        ? 'NOT MEASURED'
        : `${percent(entry.fmr, 3)} (${percent(entry.fmrWorstFold, 2)} / ${percent(entry.fmrMedianFold, 2)})`,
      `${percent(entry.fnmr)} (${percent(entry.fnmrWorstFold)} / ${percent(entry.fnmrMedianFold)})`,
    ]);
    console.log(
      formatTable(
        [
          'subset',
          'genuine (distinct)',
          'impostors (distinct)',
          'FMR (worst/median)',
          'FNMR (worst/median)',
        ],
        rows,
      ),
    );
  }
  console.log(
    '\nMEASURED HERE at the shipped threshold (sample: whether these people chose it, by person; ' +
      'unknown: the thresholds file does not list its fitted people):',
  );
  const rows = Object.entries(report.subsets).map(([subset, entry]) => [
    subset,
    report.sample[subset] ?? '-',
    entry.genuinePairs,
    entry.impostorPairs,
    entry.failedToAcquire,
    percent(entry.fmr, 3),
    percent(entry.fnmr),
  ]);
  console.log(
    formatTable(['subset', 'sample', 'genuine', 'impostor', 'FTA pairs', 'FMR', 'FNMR'], rows),
  );
  console.log('\nFailed to acquire, images by reason:');
  const reasonRows = Object.entries(report.failedToAcquireByReason).map(([subset, entry]) => {
    const failed = Object.values(entry.reasons).reduce((a, b) => a + b, 0);
    const reasons = Object.entries(entry.reasons)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([reason, count]) => `${reason} ${count}`)
      .join(', ');
    return [subset, entry.images, failed, reasons === '' ? '-' : reasons];
  });
  console.log(formatTable(['subset', 'images', 'FTA images', 'reasons'], reasonRows));
}

try {
  process.exitCode = await main();
} catch (error) {
  console.error(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
  process.exitCode = 1;
}
