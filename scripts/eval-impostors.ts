// `npm run eval:impostors`: WHICH impostor pairs match, not only how many: at the shipped threshold and in
// the calibration's held-out folds (each at its own fold threshold), grouped by the two people involved.
//
// Usage: npx tsx scripts/eval-impostors.ts [--root ../shared/data/faces --root ../shared/data/faces2]
//          [--thresholds models/thresholds.json] [--top-subset nuaa] [--top 10] [--json FILE]
//          [--merge idA,idB ...] [--no-cache]
// Every image the pairs name is embedded once by the production engine (calibrate's descriptor cache in
// .facepay/cache is read and filled). Three listings:
// 1. In sample: impostor pairs of each subset scoring >= the shipped threshold, and the --top highest
//    impostor pairs of --top-subset whatever their score.
// 2. Out of sample: the cross-validation of models/thresholds.json (its folds, repeats, seed and target)
//    run again by calibration/cross-validation.ts; each held-out fold's impostor pairs at or above THAT
//    fold's threshold, i.e. the false matches behind the recorded out-of-sample FMR, checked against it.
//    The leave-pair-out folds of small conditions count too (where `p<n>`), as the recorded figures do.
// 3. Per person pair (unordered): how many of those matches the two people account for.
// --merge a,b (identity directories as in the pairs, e.g. faces/nuaa_03): a WHAT-IF that treats a and b as
// one person (their pairs become genuine, kept in one fold) and reruns 1-3; never a replacement figure.
// Exit codes: 1 bad arguments or input; 2 thresholds calibrated for another descriptor model.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { AcquireResult } from '../src/biometrics/calibration/acquire.node.ts';
import {
  acquireImages,
  cacheFileFor,
  firstDescriptorOf,
} from '../src/biometrics/calibration/acquire.node.ts';
import type { CrossValidationResult } from '../src/biometrics/calibration/cross-validation.ts';
import type { ScoredPair } from '../src/biometrics/calibration/cross-validation.ts';
import {
  crossValidate,
  identityOf,
  outcomeTests,
  scoredPairs,
  thresholdCrossValidationOptions,
} from '../src/biometrics/calibration/cross-validation.ts';
import {
  calibrationRoots,
  descriptorCacheDir,
  linkedIdentities,
  loadPairs,
} from '../src/biometrics/calibration/datasets.node.ts';
import type { LabelledPair } from '../src/biometrics/calibration/pairs.ts';
import { pairImages } from '../src/biometrics/calibration/pairs.ts';
import { productionPipeline } from '../src/biometrics/calibration/production.node.ts';
import type { Cell } from '../src/biometrics/calibration/report.ts';
import { fixed, formatTable, percent } from '../src/biometrics/calibration/report.ts';
import type { ThresholdsFile } from '../src/biometrics/calibration/thresholds-file.ts';
import { parseThresholdsFile } from '../src/biometrics/calibration/thresholds-file.ts';

const repoRoot = path.resolve(import.meta.dirname, '..');
const exitRefused = 2;

/** One impostor pair at or above a threshold (or among the highest), with where it was scored. */
export interface ImpostorMatch {
  readonly condition: string;
  readonly imageA: string;
  readonly imageB: string;
  readonly personA: string;
  readonly personB: string;
  readonly score: number;
  readonly threshold: number;
  /** `shipped`, or the held-out fold it matched in: `r<repeat>f<fold>`, or `p<n>` for pair fold n. */
  readonly where: string;
}

export interface PersonPairCount {
  readonly condition: string;
  /** The two people, sorted, so a|b and b|a are one pair. */
  readonly personA: string;
  readonly personB: string;
  /** Matches counted once per fold they occurred in (as the recorded out-of-sample counts do). */
  readonly matches: number;
  readonly distinctImagePairs: number;
  readonly maxScore: number;
  /** Distinct `where` values, sorted. */
  readonly where: readonly string[];
}

/** Condition and unordered person pair: the key the grouping counts by. */
export function personPairKey(condition: string, a: string, b: string): string {
  const [first, second] = a <= b ? [a, b] : [b, a];
  return `${condition}\u0000${first}\u0000${second}`;
}

/** Groups matches by condition and unordered person pair, most matches first (then highest score). */
export function countByPersonPair(matches: readonly ImpostorMatch[]): PersonPairCount[] {
  const groups = new Map<string, ImpostorMatch[]>();
  for (const match of matches) {
    const key = personPairKey(match.condition, match.personA, match.personB);
    groups.set(key, [...(groups.get(key) ?? []), match]);
  }
  return [...groups.values()].map(summarizeGroup).sort(byMatchesThenScore);
}

function summarizeGroup(group: readonly ImpostorMatch[]): PersonPairCount {
  const first = group[0];
  if (first === undefined) throw new Error('a group has at least one match');
  const [personA, personB] = [first.personA, first.personB].sort();
  const imagePairs = new Set(group.map((m) => [m.imageA, m.imageB].sort().join('\u0000')));
  return {
    condition: first.condition,
    personA: personA ?? first.personA,
    personB: personB ?? first.personB,
    matches: group.length,
    distinctImagePairs: imagePairs.size,
    maxScore: Math.max(...group.map((m) => m.score)),
    where: [...new Set(group.map((m) => m.where))].sort(),
  };
}

function byMatchesThenScore(a: PersonPairCount, b: PersonPairCount): number {
  return (
    b.matches - a.matches ||
    b.maxScore - a.maxScore ||
    personPairKey(a.condition, a.personA, a.personB).localeCompare(
      personPairKey(b.condition, b.personA, b.personB),
    )
  );
}

/**
 * Relabels as genuine every pair whose two people fall in one merge group (the what-if of a label error:
 * two identity folders holding one person). Pairs of other people are returned unchanged.
 */
export function mergePeople(
  pairs: readonly LabelledPair[],
  groups: readonly (readonly string[])[],
): LabelledPair[] {
  const groupOf = new Map<string, number>();
  for (const [index, group] of groups.entries()) {
    for (const person of group) groupOf.set(person, index);
  }
  return pairs.map((pair) => {
    const a = groupOf.get(identityOf(pair.imgA));
    const merged = a !== undefined && a === groupOf.get(identityOf(pair.imgB));
    return merged && !pair.genuine ? { ...pair, genuine: true } : pair;
  });
}

interface Args {
  roots: string[];
  thresholds: string;
  topSubset: string;
  top: number;
  json: string | undefined;
  merge: string[][];
  cache: boolean;
}

function parseCli(): Args {
  const { values } = parseArgs({
    options: {
      root: { type: 'string', multiple: true },
      thresholds: { type: 'string', default: path.join(repoRoot, 'models', 'thresholds.json') },
      'top-subset': { type: 'string', default: 'nuaa' },
      top: { type: 'string', default: '10' },
      json: { type: 'string' },
      merge: { type: 'string', multiple: true },
      'no-cache': { type: 'boolean', default: false },
    },
  });
  const top = Number(values.top);
  if (!Number.isInteger(top) || top < 0 || top > 1000) throw new Error('--top: 0..1000');
  const merge = (values.merge ?? []).map((text) => text.split(','));
  if (merge.some((group) => group.length < 2 || group.some((person) => person === ''))) {
    throw new Error('--merge takes two or more identity directories separated by commas');
  }
  return {
    roots: (values.root ?? calibrationRoots(path.resolve(repoRoot, '..', 'shared', 'data'))).map(
      (root) => path.resolve(root),
    ),
    thresholds: values.thresholds,
    topSubset: values['top-subset'],
    top,
    json: values.json,
    merge,
    cache: !values['no-cache'],
  };
}

/** A scored pair and the two images it came from (scoredPairs keeps the order of its input). */
export interface PairRecord {
  readonly scored: ScoredPair;
  readonly pair: LabelledPair;
}

function pairRecords(
  pairs: readonly LabelledPair[],
  descriptorOf: (image: string) => Float32Array | null,
): PairRecord[] {
  const scored = scoredPairs(pairs, descriptorOf);
  return pairs.map((pair, index) => {
    const entry = scored[index];
    if (entry === undefined) throw new Error('scoredPairs returns one entry per pair');
    return { scored: entry, pair };
  });
}

function matchOf(record: PairRecord, threshold: number, where: string): ImpostorMatch {
  const { scored, pair } = record;
  if (scored.score === null) throw new Error('only compared pairs can match');
  return {
    condition: scored.condition,
    imageA: pair.imgA,
    imageB: pair.imgB,
    personA: scored.identityA,
    personB: scored.identityB,
    score: scored.score,
    threshold,
    where,
  };
}

function isImpostorAtOrAbove(record: PairRecord, threshold: number): boolean {
  const { score, genuine } = record.scored;
  return !genuine && score !== null && score >= threshold;
}

function shippedMatches(records: readonly PairRecord[], threshold: number): ImpostorMatch[] {
  return records
    .filter((record) => isImpostorAtOrAbove(record, threshold))
    .map((record) => matchOf(record, threshold, 'shipped'))
    .sort((a, b) => b.score - a.score);
}

function topImpostors(
  records: readonly PairRecord[],
  options: { condition: string; count: number; threshold: number },
): ImpostorMatch[] {
  return records
    .filter((r) => r.scored.condition === options.condition && !r.scored.genuine)
    .filter((r) => r.scored.score !== null)
    .map((r) => matchOf(r, options.threshold, 'shipped'))
    .sort((a, b) => b.score - a.score)
    .slice(0, options.count);
}

/** The calibration's cross-validation, with the protocol the thresholds file records. */
function rerunCrossValidation(
  records: readonly PairRecord[],
  calibration: ThresholdsFile,
  merge: readonly (readonly string[])[],
): CrossValidationResult {
  const { folds, repeats, seed } = calibration.outOfSample;
  return crossValidate(
    thresholdCrossValidationOptions({
      pairs: records.map((record) => record.scored),
      folds,
      repeats,
      seed,
      linked: [...linkedIdentities, ...merge],
      targetFmr: calibration.targetFmr,
    }),
  );
}

/**
 * Each held-out fold's impostor pairs at or above the threshold that fold was scored at: the k-fold folds
 * and the leave-pair-out folds alike, as the recorded out-of-sample counts include both.
 */
export function foldMatches(
  records: readonly PairRecord[],
  validation: CrossValidationResult,
): ImpostorMatch[] {
  return validation.outcomes.flatMap((outcome) => {
    const tests = outcomeTests(validation, outcome);
    const where =
      outcome.kind === 'pair' ? `p${outcome.fold}` : `r${outcome.repeat}f${outcome.fold}`;
    return records
      .filter((record) => tests(record.scored.identityA, record.scored.identityB))
      .filter((record) => isImpostorAtOrAbove(record, outcome.threshold))
      .map((record) => matchOf(record, outcome.threshold, where));
  });
}

interface Report {
  modelId: string;
  backend: string;
  threshold: number;
  merged: string[][];
  images: number;
  cacheHits: number;
  seconds: { acquire: number; total: number };
  comparedImpostors: Record<string, number>;
  shipped: { matches: ImpostorMatch[]; personPairs: PersonPairCount[] };
  top: { subset: string; pairs: ImpostorMatch[] };
  outOfSample: {
    threshold: number;
    foldMatches: ImpostorMatch[];
    personPairs: PersonPairCount[];
    perCondition: Record<string, { comparedImpostors: number; falseMatches: number }>;
  };
}

async function main(): Promise<number> {
  const started = performance.now();
  const args = parseCli();
  const calibration = parseThresholdsFile(await readFile(args.thresholds, 'utf8'));
  const loaded = await loadPairs(args.roots);
  const pipeline = await productionPipeline();
  try {
    if (calibration.modelId !== pipeline.engine.modelId) {
      console.error(
        `refused: ${args.thresholds} was calibrated for ${calibration.modelId}, ` +
          `but the engine loaded ${pipeline.engine.modelId}`,
      );
      return exitRefused;
    }
    const acquired = await acquire(args, loaded.base, pipeline, [
      ...loaded.pairs,
      ...loaded.maskGroups,
    ]);
    const report = buildReport({
      args,
      calibration,
      acquired: acquired.result,
      backend: pipeline.engine.backend,
      pairs: mergePeople(loaded.pairs, args.merge),
      maskGroups: mergePeople(loaded.maskGroups, args.merge),
    });
    report.seconds = {
      acquire: acquired.seconds,
      total: (performance.now() - started) / 1000,
    };
    printReport(report, calibration);
    if (args.json !== undefined) await writeFile(args.json, `${JSON.stringify(report, null, 2)}\n`);
    return 0;
  } finally {
    pipeline.engine.dispose();
  }
}

async function acquire(
  args: Args,
  base: string,
  pipeline: Awaited<ReturnType<typeof productionPipeline>>,
  pairs: readonly LabelledPair[],
): Promise<{ result: AcquireResult; seconds: number }> {
  const started = performance.now();
  const result = await acquireImages({
    root: base,
    images: pairImages(pairs),
    embed: pipeline.embed,
    pipelineKey: pipeline.pipelineKey,
    cacheFile: args.cache ? cacheFileFor(descriptorCacheDir, pipeline.pipelineKey) : null,
    onProgress: (done, total) => process.stderr.write(`\r${done}/${total} images`),
  });
  process.stderr.write('\n');
  return { result, seconds: (performance.now() - started) / 1000 };
}

function buildReport(input: {
  args: Args;
  calibration: ThresholdsFile;
  acquired: AcquireResult;
  backend: string;
  pairs: readonly LabelledPair[];
  maskGroups: readonly LabelledPair[];
}): Report {
  const { args, calibration, acquired } = input;
  const descriptorOf = firstDescriptorOf(acquired);
  const subsets = pairRecords(input.pairs, descriptorOf);
  const everyCondition = [...subsets, ...pairRecords(input.maskGroups, descriptorOf)];
  const shipped = shippedMatches(subsets, calibration.threshold);
  const validation = rerunCrossValidation(everyCondition, calibration, args.merge);
  const inFolds = foldMatches(everyCondition, validation);
  return {
    modelId: calibration.modelId,
    backend: input.backend,
    threshold: calibration.threshold,
    merged: args.merge,
    images: acquired.images.size,
    cacheHits: acquired.cacheHits,
    seconds: { acquire: 0, total: 0 },
    comparedImpostors: comparedImpostors(subsets),
    shipped: { matches: shipped, personPairs: countByPersonPair(shipped) },
    top: {
      subset: args.topSubset,
      pairs: topImpostors(subsets, {
        condition: args.topSubset,
        count: args.top,
        threshold: calibration.threshold,
      }),
    },
    outOfSample: {
      threshold: validation.threshold,
      foldMatches: inFolds,
      personPairs: countByPersonPair(inFolds),
      perCondition: heldOutCounts(validation),
    },
  };
}

function comparedImpostors(records: readonly PairRecord[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const { scored } of records) {
    if (scored.genuine || scored.score === null) continue;
    counts[scored.condition] = (counts[scored.condition] ?? 0) + 1;
  }
  return counts;
}

/** Compared impostors and false matches summed over every held-out fold, per condition. */
function heldOutCounts(
  validation: CrossValidationResult,
): Record<string, { comparedImpostors: number; falseMatches: number }> {
  const counts: Record<string, { comparedImpostors: number; falseMatches: number }> = {};
  for (const outcome of validation.outcomes) {
    for (const [condition, rates] of outcome.rates) {
      const count = counts[condition] ?? { comparedImpostors: 0, falseMatches: 0 };
      count.comparedImpostors += rates.comparedImpostors;
      count.falseMatches += rates.falseMatches;
      counts[condition] = count;
    }
  }
  return counts;
}

function printReport(report: Report, calibration: ThresholdsFile): void {
  console.log(
    `model ${report.modelId}, backend ${report.backend}, shipped threshold ${report.threshold}; ` +
      `${report.images} images (${report.cacheHits} from cache), acquired in ` +
      `${report.seconds.acquire.toFixed(1)} s, ${report.seconds.total.toFixed(1)} s in all`,
  );
  if (report.merged.length > 0) {
    console.log(
      `WHAT-IF: treated as one person each: ${report.merged.map((g) => g.join(' = ')).join('; ')}`,
    );
  }
  printShipped(report);
  printTop(report);
  printOutOfSample(report, calibration);
}

function printShipped(report: Report): void {
  console.log(
    `\nIN SAMPLE (these people chose the threshold): impostor pairs scoring >= ${report.threshold}`,
  );
  const counts = new Map<string, number>();
  for (const match of report.shipped.matches)
    counts.set(match.condition, (counts.get(match.condition) ?? 0) + 1);
  const rows = Object.entries(report.comparedImpostors).map(([condition, compared]) => [
    condition,
    compared,
    counts.get(condition) ?? 0,
    percent((counts.get(condition) ?? 0) / compared, 3),
  ]);
  console.log(formatTable(['subset', 'compared impostors', 'matches', 'FMR'], rows));
  printMatches(report.shipped.matches);
  if (report.shipped.personPairs.length > 0) printPersonPairs(report.shipped.personPairs);
}

function printTop(report: Report): void {
  console.log(
    `\n${report.top.pairs.length} highest-scoring impostor pairs of ${report.top.subset} ` +
      `(any score; margin = score - ${report.threshold}):`,
  );
  console.log(
    formatTable(
      ['score', 'margin', 'person A', 'person B', 'image A', 'image B'],
      report.top.pairs.map((m) => [
        fixed(m.score),
        fixed(m.score - m.threshold),
        m.personA,
        m.personB,
        m.imageA,
        m.imageB,
      ]),
    ),
  );
}

function printOutOfSample(report: Report, calibration: ThresholdsFile): void {
  const { outOfSample } = report;
  console.log(
    '\nOUT OF SAMPLE: false matches in the held-out folds, each at the threshold fitted without ' +
      `that fold's people (cross-validation rerun; its shipped threshold ${outOfSample.threshold}):`,
  );
  const rows: Cell[][] = Object.entries(outOfSample.perCondition)
    .filter(([, count]) => count.comparedImpostors > 0)
    .map(([condition, count]) => {
      const recorded = calibration.outOfSample.perCondition[condition];
      return [
        condition,
        count.comparedImpostors,
        count.falseMatches,
        percent(count.falseMatches / count.comparedImpostors, 3),
        recorded === undefined ? '-' : `${recorded.falseMatches}/${recorded.comparedImpostors}`,
      ];
    });
  console.log(
    formatTable(
      ['condition', 'compared', 'false matches', 'FMR', 'recorded in thresholds file'],
      rows,
    ),
  );
  printMatches(outOfSample.foldMatches);
  console.log('\nfalse matches per person pair (held-out folds):');
  printPersonPairs(outOfSample.personPairs);
}

function printMatches(matches: readonly ImpostorMatch[]): void {
  if (matches.length === 0) {
    console.log('(no impostor pair at or above its threshold)');
    return;
  }
  console.log(
    formatTable(
      ['where', 'threshold', 'score', 'condition', 'person A', 'person B', 'image A', 'image B'],
      matches.map((m) => [
        m.where,
        fixed(m.threshold),
        fixed(m.score),
        m.condition,
        m.personA,
        m.personB,
        m.imageA,
        m.imageB,
      ]),
    ),
  );
}

function printPersonPairs(counts: readonly PersonPairCount[]): void {
  console.log(
    formatTable(
      ['condition', 'person A', 'person B', 'matches', 'image pairs', 'max score', 'folds'],
      counts.map((c) => [
        c.condition,
        c.personA,
        c.personB,
        c.matches,
        c.distinctImagePairs,
        fixed(c.maxScore),
        c.where.join(' '),
      ]),
    ),
  );
}

if (
  process.argv[1] !== undefined &&
  path.resolve(process.argv[1]) === path.resolve(import.meta.filename)
) {
  try {
    process.exitCode = await main();
  } catch (error) {
    console.error(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
    process.exitCode = 1;
  }
}
