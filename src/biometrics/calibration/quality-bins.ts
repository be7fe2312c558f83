// Pairs binned by the quality of their worse image (issue 8, quality-aware decisions): whether a score from
// a small, blurred or dark face can be trusted like a good one's, tallied per bin from cross-validated folds.
import { assert } from '../../shared/assert.ts';
import type { ScoredPair, ScoreTransform } from './cross-validation.ts';
import { subsetThresholdForFmr, thresholdStep } from './thresholds.ts';

/** What the engine measured of an acquired face: box width and eye distance (px), chip sharpness, chip luma. */
export const qualityMeasures = ['faceWidth', 'eyeDistance', 'sharpness', 'luma'] as const;
export type QualityMeasure = (typeof qualityMeasures)[number];
export type ImageQuality = Readonly<Record<QualityMeasure, number>>;

export interface QualityPair extends ScoredPair {
  /** `original`, or the controlled degradation of the second image (`w60`, `w42`, `dark`). */
  readonly variant: string;
  /** Per measure the lower of the two images' values; null when either image failed to acquire. */
  readonly quality: ImageQuality | null;
}

/** Per measure, the lower value of the two (smaller, softer, darker); null if either is unknown. */
export function worseQuality(a: ImageQuality | null, b: ImageQuality | null): ImageQuality | null {
  if (a === null || b === null) return null;
  return {
    faceWidth: Math.min(a.faceWidth, b.faceWidth),
    eyeDistance: Math.min(a.eyeDistance, b.eyeDistance),
    sharpness: Math.min(a.sharpness, b.sharpness),
    luma: Math.min(a.luma, b.luma),
  };
}

/** Bins of one measure: value < cuts[0], cuts[0] <= value < cuts[1], ..., value >= last cut. */
export interface BinSpec {
  readonly measure: QualityMeasure;
  readonly cuts: readonly number[];
}

/** The bin of pairs with an image that failed to acquire (no quality): genuine ones are non-matches. */
export const failedBin = 'failed to acquire';

function show(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(3);
}

/** Every bin of a spec in ascending order, then the failed bin. */
export function binLabels(spec: BinSpec): string[] {
  assert(
    spec.cuts.every((cut, index) => index === 0 || cut > (spec.cuts[index - 1] ?? cut)),
    'cuts ascend strictly',
  );
  const labels = spec.cuts.map((cut, index) =>
    index === 0 ? `< ${show(cut)}` : `${show(spec.cuts[index - 1] ?? cut)} - ${show(cut)}`,
  );
  const last = spec.cuts.at(-1);
  return [...labels, last === undefined ? 'all' : `>= ${show(last)}`, failedBin];
}

export function binIndex(spec: BinSpec, quality: ImageQuality | null): number {
  if (quality === null || !Number.isFinite(quality[spec.measure])) return spec.cuts.length + 1;
  const value = quality[spec.measure];
  return spec.cuts.filter((cut) => value >= cut).length;
}

export function binOf(spec: BinSpec, quality: ImageQuality | null): string {
  const label = binLabels(spec)[binIndex(spec, quality)];
  assert(label !== undefined, 'every quality has a bin');
  return label;
}

/** One test of a pair: in a fold that did not choose `threshold` (fold names the outcome). */
export interface TestedPair {
  readonly pair: QualityPair;
  readonly threshold: number;
  readonly fold: string;
  /** The score the decision read (a transformed score); the pair's own when absent. */
  readonly score?: number | null;
}

export interface ImpostorTail {
  /** Distinct compared impostor pairs (each once, however many folds tested it). */
  readonly count: number;
  readonly p99: number | null;
  readonly p999: number | null;
  readonly max: number | null;
}

export interface BinRates {
  /** Counted per test (a pair tested in several folds counts each time), as calibrate pools them. */
  readonly genuinePairs: number;
  readonly impostorPairs: number;
  readonly comparedImpostors: number;
  readonly failedToAcquire: number;
  readonly falseNonMatches: number;
  readonly falseMatches: number;
  readonly fnmr: number | null;
  readonly fmr: number | null;
  /** The highest FMR of any one fold in this bin (null: no fold compared an impostor here). */
  readonly fmrWorstFold: number | null;
  readonly impostorScores: ImpostorTail;
}

/** Nearest-rank quantile of ascending values. */
export function quantile(ascending: readonly number[], p: number): number | null {
  if (ascending.length === 0) return null;
  const index = Math.min(ascending.length - 1, Math.max(0, Math.ceil(p * ascending.length) - 1));
  return ascending[index] ?? null;
}

/** Per bin of `spec` (every label present, empty bins zero): rates at each test's own threshold. */
export function tallyBins(tested: readonly TestedPair[], spec: BinSpec): Record<string, BinRates> {
  const labels = binLabels(spec);
  const byBin = new Map<number, TestedPair[]>(labels.map((_, index) => [index, []]));
  for (const test of tested) byBin.get(binIndex(spec, test.pair.quality))?.push(test);
  const out: Record<string, BinRates> = {};
  for (const [index, tests] of byBin) out[labels[index] ?? ''] = ratesOf(tests);
  return out;
}

/** Rates over every test given, whatever its quality. */
export function ratesOf(tests: readonly TestedPair[]): BinRates {
  let genuinePairs = 0;
  let impostorPairs = 0;
  let comparedImpostors = 0;
  let failedToAcquire = 0;
  let falseNonMatches = 0;
  let falseMatches = 0;
  const folds = new Map<string, { compared: number; matched: number }>();
  const impostors = new Set<QualityPair>();
  for (const test of tests) {
    const score = test.score === undefined ? test.pair.score : test.score;
    if (score === null) failedToAcquire += 1;
    if (test.pair.genuine) {
      genuinePairs += 1;
      if (score === null || score < test.threshold) falseNonMatches += 1;
      continue;
    }
    impostorPairs += 1;
    if (score === null) continue;
    comparedImpostors += 1;
    impostors.add(test.pair);
    const fold = folds.get(test.fold) ?? { compared: 0, matched: 0 };
    folds.set(test.fold, fold);
    fold.compared += 1;
    if (score >= test.threshold) {
      falseMatches += 1;
      fold.matched += 1;
    }
  }
  const scores = [...impostors].flatMap((pair) => (pair.score === null ? [] : [pair.score]));
  scores.sort((a, b) => a - b);
  const foldRates = [...folds.values()].map((fold) => fold.matched / fold.compared);
  return {
    genuinePairs,
    impostorPairs,
    comparedImpostors,
    failedToAcquire,
    falseNonMatches,
    falseMatches,
    fnmr: genuinePairs === 0 ? null : falseNonMatches / genuinePairs,
    fmr: comparedImpostors === 0 ? null : falseMatches / comparedImpostors,
    fmrWorstFold: foldRates.length === 0 ? null : Math.max(...foldRates),
    impostorScores: {
      count: scores.length,
      p99: quantile(scores, 0.99),
      p999: quantile(scores, 0.999),
      max: scores.at(-1) ?? null,
    },
  };
}

/** Per bin, added to the one threshold (cosine units, on the grid); fitted on training pairs only. */
export interface BinShifts {
  readonly spec: BinSpec;
  readonly shifts: readonly number[];
}

function qualityOfPair(pair: ScoredPair): ImageQuality | null {
  return 'quality' in pair ? (pair as QualityPair).quality : null;
}

/**
 * A bin's shift: the threshold holding the target on that bin's training impostors (all conditions pooled)
 * less the all-bins one; 0 where a bin has too few impostors for the target to name a threshold. The failed
 * bin has no scores and no shift.
 */
export function fitBinShifts(
  train: readonly ScoredPair[],
  spec: BinSpec,
  targetFmr: number,
): BinShifts {
  const perBin: number[][] = Array.from({ length: spec.cuts.length + 1 }, () => []);
  const all: number[] = [];
  for (const pair of train) {
    const quality = qualityOfPair(pair);
    if (pair.genuine || pair.score === null || quality === null) continue;
    perBin[binIndex(spec, quality)]?.push(pair.score);
    all.push(pair.score);
  }
  const overall = subsetThresholdForFmr(all, targetFmr);
  const scale = Math.round(1 / thresholdStep);
  const shifts = perBin.map((scores) => {
    const own = subsetThresholdForFmr(scores, targetFmr);
    return overall === null || own === null ? 0 : Math.round((own - overall) * scale) / scale;
  });
  return { spec, shifts };
}

/** Scores lowered by their bin's shift: one threshold T on them is T + shift[b] in bin b. */
export function shiftScores<Pair extends ScoredPair>(
  pairs: readonly Pair[],
  shifts: BinShifts,
): Pair[] {
  return pairs.map((pair) => {
    const quality = qualityOfPair(pair);
    if (pair.score === null || quality === null) return pair;
    const shift = shifts.shifts[binIndex(shifts.spec, quality)] ?? 0;
    return { ...pair, score: pair.score - shift };
  });
}

/** The per-bin threshold as a cross-validation transform: shifts fitted on each fold's training pairs. */
export function binShiftTransform(spec: BinSpec, targetFmr: number): ScoreTransform {
  return (train) => {
    const shifts = fitBinShifts(train, spec, targetFmr);
    return (pairs) => shiftScores(pairs, shifts);
  };
}
