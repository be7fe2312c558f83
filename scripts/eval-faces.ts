// `npm run eval:faces`: every labelled pair through the production engine at the calibrated threshold of
// models/thresholds.json; writes {modelId, backend, threshold, subsets} for other programs and prints a table.
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
import { acquireImages } from '../src/biometrics/calibration/acquire.node.ts';
import { pairImages, parsePairsCsv } from '../src/biometrics/calibration/pairs.ts';
import { productionPipeline } from '../src/biometrics/calibration/production.node.ts';
import { formatTable, percent } from '../src/biometrics/calibration/report.ts';
import { scorePairs } from '../src/biometrics/calibration/scores.ts';
import { parseThresholdsFile } from '../src/biometrics/calibration/thresholds-file.ts';
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

export interface EvalFacesReport {
  modelId: string;
  backend: string;
  threshold: number;
  subsets: Record<string, EvalFacesSubset>;
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
    const scores = scorePairs(pairs, (image) => {
      const entry = acquired.images.get(image)?.acquisition;
      return entry?.ok === true ? (entry.descriptors[0] ?? null) : null;
    });
    const report: EvalFacesReport = {
      modelId: pipeline.engine.modelId,
      backend: pipeline.engine.backend,
      threshold: calibration.threshold,
      subsets: {},
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
    }
    await writeFile(args.json, `${JSON.stringify(report, null, 2)}\n`);
    printReport(report);
    return 0;
  } finally {
    pipeline.engine.dispose();
  }
}

function printReport(report: EvalFacesReport): void {
  console.log(
    `model ${report.modelId}, backend ${report.backend}, threshold ${report.threshold} (cosine similarity)`,
  );
  const rows = Object.entries(report.subsets).map(([subset, entry]) => [
    subset,
    entry.genuinePairs,
    entry.impostorPairs,
    entry.failedToAcquire,
    percent(entry.fmr, 3),
    percent(entry.fnmr),
  ]);
  console.log(formatTable(['subset', 'genuine', 'impostor', 'FTA pairs', 'FMR', 'FNMR'], rows));
}

try {
  process.exitCode = await main();
} catch (error) {
  console.error(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
  process.exitCode = 1;
}
