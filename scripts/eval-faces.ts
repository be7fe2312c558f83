// `npm run eval:faces`: every labelled pair through the production engine at the calibrated threshold of
// models/thresholds.json; writes {modelId, backend, threshold, subsets} for other programs and prints a table.
// Out of sample first: a subset none of whose images chose the threshold (thresholds.json lists the
// calibration images by sha256) is measured on new people as is; for a subset whose images were in the
// calibration, the cross-validated figures recorded by `npm run calibrate` (people held out of the fit) are
// printed first and the rates measured here are labelled in-sample. Added fields: `sample` per subset
// (`out-of-sample`, `in-sample`, or `mixed`) and `outOfSample` (the calibration's cross-validated entry of
// each in-sample subset).
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

export type SampleKind = 'out-of-sample' | 'in-sample' | 'mixed';

export interface EvalFacesReport {
  modelId: string;
  backend: string;
  threshold: number;
  subsets: Record<string, EvalFacesSubset>;
  /** Whether each subset's pairs are of people the threshold was fitted on. */
  sample: Record<string, SampleKind>;
  /** For in-sample (or mixed) subsets: the calibration's cross-validated figures of held-out people. */
  outOfSample: Record<string, ThresholdsFile['outOfSample']['perCondition'][string]>;
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

/** A pair is in sample when either of its images is one the calibration fitted the threshold on. */
function sampleKinds(
  pairs: readonly LabelledPair[],
  acquired: ReadonlyMap<string, AcquiredImage>,
  calibration: ThresholdsFile,
): Record<string, SampleKind> {
  const seen = new Set(calibration.dataset.imageSha256Prefixes);
  const inCalibration = (image: string): boolean =>
    seen.has((acquired.get(image)?.sha256 ?? '').slice(0, 16));
  const counts = new Map<string, { seen: number; all: number }>();
  for (const pair of pairs) {
    const count = counts.get(pair.subset) ?? { seen: 0, all: 0 };
    counts.set(pair.subset, count);
    count.all += 1;
    if (inCalibration(pair.imgA) || inCalibration(pair.imgB)) count.seen += 1;
  }
  const kinds: Record<string, SampleKind> = {};
  for (const [subset, count] of [...counts].sort(([a], [b]) => (a < b ? -1 : 1))) {
    kinds[subset] =
      count.seen === 0 ? 'out-of-sample' : count.seen === count.all ? 'in-sample' : 'mixed';
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
    const rows = crossValidated.map(([subset, entry]) => [
      subset,
      entry.genuinePairs,
      entry.comparedImpostors,
      `${percent(entry.fmr, 3)} (${percent(entry.fmrWorstFold, 2)} / ${percent(entry.fmrMedianFold, 2)})`,
      `${percent(entry.fnmr)} (${percent(entry.fnmrWorstFold)} / ${percent(entry.fnmrMedianFold)})`,
    ]);
    console.log(
      formatTable(
        ['subset', 'genuine', 'impostors', 'FMR (worst/median)', 'FNMR (worst/median)'],
        rows,
      ),
    );
  }
  console.log('\nMEASURED HERE at the shipped threshold (sample: whether these people chose it):');
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
}

try {
  process.exitCode = await main();
} catch (error) {
  console.error(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
  process.exitCode = 1;
}
