// The calibration record (models/thresholds.json): the operating threshold with the model it is valid for,
// per-subset rates and curve points; built deterministically from scores and checked when read back.

import { z } from 'zod';
import { assert } from '../../shared/assert.ts';
import { templateDimensionMax, templateDimensionMin } from '../../shared/limits.ts';
import type {
  ConditionCoverage,
  ConditionSummary,
  CrossValidationResult,
} from './cross-validation.ts';
import { summarizeConditions, withMargin } from './cross-validation.ts';
import type { ProbeQualityBands } from './quality-bands.ts';
import type { ScoreSet } from './scores.ts';
import type { SubsetRates } from './thresholds.ts';
import { errorTradeoff, ratesAt, selectThreshold } from './thresholds.ts';

export const calibrationMetric = 'cosine-similarity';
/** Curve points: every 0.05 up to 0.80, then every 0.01 where the descriptors' scores actually separate. */
export const curveThresholds: readonly number[] = [
  ...Array.from({ length: 16 }, (_, index) => index / 20),
  ...Array.from({ length: 21 }, (_, index) => (80 + index) / 100),
];

export interface CalibrationInput {
  modelId: string;
  /** The model's descriptor length: the hub opens and re-keys templates of this dimension. */
  dimension: number;
  targetFmr: number;
  scores: ScoreSet;
  /** Further groups that must also hold the target (the mask split of the masked-face subset). */
  extraGroups: ScoreSet;
  dataset: ThresholdsFile['dataset'];
  /** The identity-disjoint cross-validation of the threshold procedure; its threshold is the one written. */
  crossValidation: CrossValidationResult;
  protocol: { folds: number; repeats: number; seed: string };
  /** What made the descriptors (engine options hash, backend); recorded, not interpreted. */
  pipeline: Record<string, string>;
  createdBy: string;
}

const rate = z.number().min(0).max(1).nullable();

const subsetEntry = z.object({
  fmr: rate,
  fnmr: rate,
  genuinePairs: z.number().int().nonnegative(),
  impostorPairs: z.number().int().nonnegative(),
  failedToAcquire: z.number().int().nonnegative(),
  falseMatches: z.number().int().nonnegative(),
  falseNonMatches: z.number().int().nonnegative(),
  ownThreshold: z.number().nullable(),
  fnmrAtOwnThreshold: rate,
  eer: rate,
});

const outOfSampleEntry = z.object({
  genuinePairs: z.number().int().nonnegative(),
  comparedImpostors: z.number().int().nonnegative(),
  failedToAcquire: z.number().int().nonnegative(),
  falseMatches: z.number().int().nonnegative(),
  falseNonMatches: z.number().int().nonnegative(),
  fmr: rate,
  fnmr: rate,
  fmrWorstFold: rate,
  fmrMedianFold: rate,
  fnmrWorstFold: rate,
  fnmrMedianFold: rate,
  foldsWithImpostors: z.number().int().nonnegative(),
  foldsWithGenuine: z.number().int().nonnegative(),
  foldsOverTarget: z.number().int().nonnegative(),
  // Optional so that records written before they existed still read.
  /** Each pair counted once however many test folds scored it (the counts above sum over folds). */
  distinctGenuinePairs: z.number().int().nonnegative().optional(),
  distinctImpostorPairs: z.number().int().nonnegative().optional(),
  distinctComparedImpostors: z.number().int().nonnegative().optional(),
  /** Two people with an impostor pair in this condition: in the data, and in some test fold. */
  impostorPersonPairs: z.number().int().nonnegative().optional(),
  impostorPersonPairsTested: z.number().int().nonnegative().optional(),
  /** True: the data has compared impostor pairs here but none was tested out of sample. */
  fmrNotMeasured: z.boolean().optional(),
  /** The pooled rates split by kind of test fold: the k-fold folds alone, the leave-pair-out folds alone. */
  fmrKFold: rate.optional(),
  fnmrKFold: rate.optional(),
  fmrPairFolds: rate.optional(),
  fnmrPairFolds: rate.optional(),
});

const worstFold = z.object({
  condition: z.string(),
  fold: z.string(),
  fmr: z.number().min(0).max(1),
  falseMatches: z.number().int().nonnegative(),
  comparedImpostors: z.number().int().nonnegative(),
  overTarget: z.boolean(),
});

export const thresholdsFileSchema = z.object({
  modelId: z.string().min(1),
  metric: z.literal(calibrationMetric),
  /**
   * Optional here so that records written before it existed (before b46c927) still read in the evaluation
   * scripts and scripts/record-fitted-people.ts; calibrate always writes it, and the hub's loader
   * (src/hub/identity/calibration.ts) still requires it.
   */
  dimension: z.number().int().min(templateDimensionMin).max(templateDimensionMax).optional(),
  decision: z.string(),
  threshold: z.number().min(-1).max(1),
  targetFmr: z.number().min(0).max(1),
  decidedBy: z.string(),
  method: z.string(),
  /** Figures of people the threshold was not fitted on: read these first. */
  outOfSample: z.object({
    protocol: z.string(),
    folds: z.number().int().min(2),
    repeats: z.number().int().min(1),
    seed: z.string(),
    inSampleThreshold: z.number().min(-1).max(1),
    safetyMargin: z.number().min(0),
    /** Nested, out of sample: every outer test fold held every condition at its own fitted + margin. */
    safetyMarginHeld: z.boolean(),
    /** In sample: the margin made the very folds it was chosen on hold. */
    safetyMarginFoundOnItsFolds: z.boolean().optional(),
    /** The same choice over the k-fold and the pair folds (not shipped; shown beside). */
    safetyMarginWithPairFolds: z.number().min(0).optional(),
    safetyMarginWithPairFoldsFound: z.boolean().optional(),
    pairFolds: z.number().int().nonnegative().optional(),
    worstFold: worstFold.nullable().optional(),
    perCondition: z.record(z.string(), outOfSampleEntry),
  }),
  perSubset: z.record(z.string(), subsetEntry),
  perGroup: z.record(z.string(), subsetEntry),
  curve: z.object({
    thresholds: z.array(z.number()),
    perSubset: z.record(z.string(), z.object({ fmr: z.array(rate), fnmr: z.array(rate) })),
  }),
  dataset: z.object({
    pairsSha256: z.string(),
    imagesSha256: z.string(),
    images: z.number().int(),
    pairs: z.number().int(),
    /** Each pairs file calibrated on (name = its directory under the data root) and its sha256. */
    sources: z.array(z.object({ name: z.string(), pairsSha256: z.string() })),
    /** The first 16 hex digits of each calibration image's sha256, sorted: lets an evaluation tell
     * which of its images chose the threshold (in sample) and which did not. */
    imageSha256Prefixes: z.array(z.string().regex(/^[0-9a-f]{16}$/)),
    /** The people of the calibration images, keyed by dataset and person (`nuaa:0001`, fitted-people.ts),
     * sorted: lets an evaluation tell a new photo of a fitted person (in sample) from a new person.
     * Absent from older records: an evaluation then cannot say and reports `unknown`. */
    fittedPeople: z.array(z.string().min(1)).optional(),
  }),
  pipeline: z.record(z.string(), z.string()),
  createdBy: z.string(),
});

export type ThresholdsFile = z.infer<typeof thresholdsFileSchema>;
export type SubsetEntry = z.infer<typeof subsetEntry>;

const method =
  'Each image embedded once by the production engine (detector, quality gate, alignment, descriptor); ' +
  'a pair whose image fails the gate is a failure to acquire (a non-match when genuine, not compared when an ' +
  'impostor). Fit: per subset, the lowest threshold on a 1e-4 grid with FMR <= targetFmr; the fitted ' +
  'threshold is the highest of these (over subsets and the extra groups: the mask split of mfr2). The ' +
  'operating threshold is the fit on all people plus a safety margin chosen by identity-disjoint ' +
  'cross-validation: the smallest margin at which, in every k-fold test fold, the threshold fitted on the ' +
  'other folds keeps every subset of the held-out people within the target (see outOfSample). That choice ' +
  'is judged on the folds it was chosen on; whether the target holds out of sample is ' +
  'outOfSample.safetyMarginHeld (nested). Match when similarity >= threshold.';

const outOfSampleProtocol =
  'Identity-disjoint k-fold cross-validation, repeated with different seeds: people (not images) are dealt ' +
  'to folds, stratified by subset; a test pair has both its people in the test fold; the threshold of a ' +
  'fold is fitted on pairs whose people are both outside it, plus a margin chosen by an inner ' +
  'cross-validation on the training folds only. A subset with fewer than 2 x folds people also gets a ' +
  'leave-pair-out test fold for each two of its people with an impostor pair (both held out, the threshold ' +
  'fitted on everyone else plus a margin chosen by k folds of those people): without them a subset of <= ' +
  'folds people never has an impostor pair tested. Rates are summed over all test folds (a pair tested in ' +
  'several folds counts each time; the distinct* counts count it once); worst and median are over the ' +
  'folds where the rate could be measured. safetyMarginHeld: every test fold, at its own threshold ' +
  '(fitted and margin chosen without it), kept every subset within the target, and every subset with ' +
  'compared impostors had some tested (fmrNotMeasured false).';

/** Six decimals: enough for rates over 20,000 pairs, short enough to read, stable across runs. */
function round6(value: number | null): number | null {
  return value === null ? null : Math.round(value * 1e6) / 1e6;
}

export function buildThresholdsFile(input: CalibrationInput): ThresholdsFile {
  const constraints = new Map([...input.scores, ...input.extraGroups]);
  assert(constraints.size === input.scores.size + input.extraGroups.size, 'group names are unique');
  const choice = selectThreshold(constraints, input.targetFmr);
  const cv = input.crossValidation;
  assert(
    choice.threshold === cv.inSampleThreshold,
    'the validated procedure is the one fitted here',
  );
  const threshold = cv.threshold;
  const perSubset = entriesAt(input.scores, threshold, input.targetFmr);
  const perGroup = entriesAt(input.extraGroups, threshold, input.targetFmr);
  const curvePerSubset: ThresholdsFile['curve']['perSubset'] = {};
  for (const [subset, scores] of input.scores) {
    const points = curveThresholds.map((threshold) => ratesAt(scores, threshold));
    curvePerSubset[subset] = {
      fmr: points.map((point) => round6(point.fmr)),
      fnmr: points.map((point) => round6(point.fnmr)),
    };
  }
  const file: ThresholdsFile = {
    modelId: input.modelId,
    metric: calibrationMetric,
    dimension: input.dimension,
    decision: 'match when cosine similarity >= threshold',
    threshold,
    targetFmr: input.targetFmr,
    decidedBy: choice.decidedBy,
    method,
    outOfSample: {
      protocol: outOfSampleProtocol,
      ...input.protocol,
      inSampleThreshold: cv.inSampleThreshold,
      safetyMargin: cv.margin.margin,
      safetyMarginHeld: cv.margin.held,
      ...marginDetails(cv),
      perCondition: outOfSampleEntries(cv, input.targetFmr),
    },
    perSubset,
    perGroup,
    curve: { thresholds: [...curveThresholds], perSubset: curvePerSubset },
    dataset: input.dataset,
    pipeline: sortedRecord(input.pipeline),
    createdBy: input.createdBy,
  };
  assert(thresholdsFileSchema.safeParse(file).success, 'the built calibration record is valid');
  return file;
}

const bandsMethod =
  "The probe's chip sharpness (the quality gate's re-blur ratio, chip-sharpness.ts) is cut at the " +
  "quantiles of the training pairs' probes (terciles: 3 bands); a band's shift is its own impostors' threshold for the target " +
  'FMR (all subsets pooled) less the all-bands one; one threshold is fitted on scores lowered by their ' +
  "band's shift, worst subset decides, plus a margin chosen by nested identity-disjoint cross-validation " +
  "exactly as for the one threshold. A band's threshold = that threshold + its shift.";

/** The banded procedure's validation and its bands fitted on everyone. */
export interface BandedCalibration {
  readonly crossValidation: CrossValidationResult;
  readonly bands: ProbeQualityBands;
  /** All pairs, unshifted: the lowest band threshold's FMR is read from them. */
  readonly scores: ScoreSet;
}

/**
 * A candidate beside the shipped threshold: a threshold per band of the probe's chip sharpness
 * (quality-bands.ts), validated out of sample exactly like the one threshold. Printed, not written:
 * measured 2026-12-02 it does not beat the one threshold once its own nested margin is added.
 */
export interface BandedCandidate {
  readonly method: string;
  /** Ascending: a probe of sharpness s is in band (number of cuts <= s). */
  readonly cuts: readonly number[];
  /** Per band: match when cosine similarity >= this (the banded fit on everyone + margin + shift). */
  readonly thresholds: readonly number[];
  readonly inSampleThreshold: number;
  readonly safetyMargin: number;
  readonly safetyMarginHeld: boolean;
  readonly safetyMarginFoundOnItsFolds: boolean;
  readonly safetyMarginWithPairFolds: number;
  readonly safetyMarginWithPairFoldsFound: boolean;
  readonly pairFolds: number;
  readonly worstFold: ThresholdsFile['outOfSample']['worstFold'];
  readonly perCondition: ThresholdsFile['outOfSample']['perCondition'];
  /** Every impostor pair scored at the lowest band threshold: what a kiosk lying about sharpness could get. */
  readonly fmrAtLowestBand: Readonly<Record<string, number | null>>;
}

export function bandedCandidate(banded: BandedCalibration, targetFmr: number): BandedCandidate {
  const cv = banded.crossValidation;
  // The one threshold moved by each band's shift, on the grid and never above 1, as a margin is added.
  const thresholds = banded.bands.shifts.map((shift) => withMargin(cv.threshold, shift));
  const lowest = Math.min(...thresholds);
  const fmrAtLowestBand: Record<string, number | null> = {};
  for (const [name, scores] of banded.scores)
    fmrAtLowestBand[name] = round6(ratesAt(scores, lowest).fmr);
  return {
    method: bandsMethod,
    cuts: banded.bands.cuts.map((cut) => Math.round(cut * 1000) / 1000),
    thresholds,
    inSampleThreshold: cv.inSampleThreshold,
    safetyMargin: cv.margin.margin,
    safetyMarginHeld: cv.margin.held,
    ...marginDetails(cv),
    perCondition: outOfSampleEntries(cv, targetFmr),
    fmrAtLowestBand,
  };
}

function entriesAt(
  groups: ScoreSet,
  threshold: number,
  targetFmr: number,
): Record<string, SubsetEntry> {
  const entries: Record<string, SubsetEntry> = {};
  for (const [name, scores] of groups) {
    const tradeoff = errorTradeoff(scores, targetFmr);
    entries[name] = {
      ...roundRates(ratesAt(scores, threshold)),
      ownThreshold: tradeoff.ownThreshold,
      fnmrAtOwnThreshold: round6(tradeoff.fnmrAtTarget),
      eer: round6(tradeoff.eer),
    };
  }
  return entries;
}

function marginDetails(cv: CrossValidationResult): {
  safetyMarginFoundOnItsFolds: boolean;
  safetyMarginWithPairFolds: number;
  safetyMarginWithPairFoldsFound: boolean;
  pairFolds: number;
  worstFold: ThresholdsFile['outOfSample']['worstFold'];
} {
  const worst = cv.worstFold;
  return {
    safetyMarginFoundOnItsFolds: cv.marginFound,
    safetyMarginWithPairFolds: cv.marginWithPairFolds.margin,
    safetyMarginWithPairFoldsFound: cv.marginWithPairFolds.found,
    pairFolds: cv.outcomes.filter((outcome) => outcome.kind === 'pair').length,
    worstFold:
      worst === null
        ? null
        : {
            condition: worst.condition,
            fold: worst.label,
            fmr: round6(worst.fmr) ?? 0,
            falseMatches: worst.falseMatches,
            comparedImpostors: worst.comparedImpostors,
            overTarget: worst.overTarget,
          },
  };
}

function outOfSampleEntries(
  cv: CrossValidationResult,
  targetFmr: number,
): ThresholdsFile['outOfSample']['perCondition'] {
  const summaries = summarizeConditions(cv.outcomes, targetFmr);
  const kFold = summarizeConditions(
    cv.outcomes.filter((outcome) => outcome.kind !== 'pair'),
    targetFmr,
  );
  const pairFolds = summarizeConditions(
    cv.outcomes.filter((outcome) => outcome.kind === 'pair'),
    targetFmr,
  );
  const coverage: ReadonlyMap<string, ConditionCoverage> = cv.coverage;
  const entries: ThresholdsFile['outOfSample']['perCondition'] = {};
  const names = [...new Set([...summaries.keys(), ...coverage.keys()])].sort();
  for (const name of names) {
    const summary = summaries.get(name) ?? emptySummary;
    const covered = coverage.get(name);
    const paired = pairFolds.get(name);
    entries[name] = {
      genuinePairs: summary.genuinePairs,
      comparedImpostors: summary.comparedImpostors,
      failedToAcquire: summary.failedToAcquire,
      falseMatches: summary.falseMatches,
      falseNonMatches: summary.falseNonMatches,
      fmr: round6(summary.fmr),
      fnmr: round6(summary.fnmr),
      fmrWorstFold: round6(summary.fmrSpread?.worst ?? null),
      fmrMedianFold: round6(summary.fmrSpread?.median ?? null),
      fnmrWorstFold: round6(summary.fnmrSpread?.worst ?? null),
      fnmrMedianFold: round6(summary.fnmrSpread?.median ?? null),
      foldsWithImpostors: summary.fmrSpread?.folds ?? 0,
      foldsWithGenuine: summary.fnmrSpread?.folds ?? 0,
      foldsOverTarget: summary.foldsOverTarget,
      ...(covered === undefined
        ? {}
        : {
            distinctGenuinePairs: covered.distinctGenuinePairs,
            distinctImpostorPairs: covered.distinctImpostorPairs,
            distinctComparedImpostors: covered.distinctComparedImpostors,
            impostorPersonPairs: covered.impostorPersonPairs,
            impostorPersonPairsTested: covered.impostorPersonPairsTested,
            fmrNotMeasured: covered.fmrNotMeasured,
          }),
      ...(paired === undefined
        ? {}
        : {
            fmrKFold: round6(kFold.get(name)?.fmr ?? null),
            fnmrKFold: round6(kFold.get(name)?.fnmr ?? null),
            fmrPairFolds: round6(paired.fmr),
            fnmrPairFolds: round6(paired.fnmr),
          }),
    };
  }
  return entries;
}

/** A condition no test fold held any pair of. */
const emptySummary: ConditionSummary = {
  genuinePairs: 0,
  impostorPairs: 0,
  comparedImpostors: 0,
  failedToAcquire: 0,
  falseMatches: 0,
  falseNonMatches: 0,
  fmr: null,
  fnmr: null,
  fmrSpread: null,
  fnmrSpread: null,
  foldsOverTarget: 0,
};

function roundRates(
  rates: SubsetRates,
): Omit<SubsetEntry, 'ownThreshold' | 'fnmrAtOwnThreshold' | 'eer'> {
  return {
    genuinePairs: rates.genuinePairs,
    impostorPairs: rates.impostorPairs,
    failedToAcquire: rates.failedToAcquire,
    falseMatches: rates.falseMatches,
    falseNonMatches: rates.falseNonMatches,
    fmr: round6(rates.fmr),
    fnmr: round6(rates.fnmr),
  };
}

function sortedRecord(record: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** Same record -> same bytes: fixed key order from construction, no clock, trailing newline. */
export function serializeThresholdsFile(file: ThresholdsFile): string {
  return `${JSON.stringify(file, null, 2)}\n`;
}

export class ThresholdsFileError extends Error {
  override name = 'ThresholdsFileError';
}

export function parseThresholdsFile(text: string): ThresholdsFile {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ThresholdsFileError('the thresholds file is not JSON', { cause: error });
  }
  const parsed = thresholdsFileSchema.safeParse(json);
  if (!parsed.success) {
    throw new ThresholdsFileError(`the thresholds file is invalid: ${parsed.error.message}`);
  }
  return parsed.data;
}
