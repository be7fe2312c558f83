// Identity-disjoint k-fold cross-validation of the threshold choice: every rate it reports comes from people
// whose images played no part in choosing the threshold they are scored at (DESIGN.md, last section).
//
// Folds are made of people, not images or pairs: a test pair has BOTH its people in the test fold, and the
// threshold of that fold is fitted on pairs whose people are both outside it. The safety margin added to the
// fitted threshold is itself chosen by an inner cross-validation on the training folds only (nested), so the
// out-of-sample figures are not flattered by the margin's choice.

import { assert } from '../../shared/assert.ts';
import type { LabelledPair } from './pairs.ts';
import type { FoldSpread } from './fold-spread.ts';
import { spread } from './fold-spread.ts';
import type { ScoreSet } from './scores.ts';
import { groupScores, pairScore } from './scores.ts';
import type { SubsetRates } from './thresholds.ts';
import { ratesAt, selectThreshold, thresholdStep } from './thresholds.ts';

/** One compared (or failed) pair, labelled with its condition (subset or mask group) and its two people. */
export interface ScoredPair {
  readonly condition: string;
  readonly identityA: string;
  readonly identityB: string;
  readonly genuine: boolean;
  /** Cosine similarity; null when either image failed to acquire. */
  readonly score: number | null;
  /** The probe's (second image's) quality measure, where a banded procedure needs it. */
  readonly probeQuality?: number | null;
}

/** The person of an image path: its directory (`faces2/selfie_61dc1abd/3.jpg` -> `faces2/selfie_61dc1abd`). */
export function identityOf(image: string): string {
  const slash = image.lastIndexOf('/');
  assert(slash > 0, 'an image path names its identity directory');
  return image.slice(0, slash);
}

/** `qualityOf`: a quality measure of an image (null where none), recorded as the probe's (imgB's). */
export function scoredPairs(
  pairs: readonly LabelledPair[],
  descriptorOf: (image: string) => Float32Array | null,
  qualityOf?: (image: string) => number | null,
): ScoredPair[] {
  return pairs.map((pair) => ({
    condition: pair.subset,
    identityA: identityOf(pair.imgA),
    identityB: identityOf(pair.imgB),
    genuine: pair.genuine,
    score: pairScore(descriptorOf(pair.imgA), descriptorOf(pair.imgB)),
    ...(qualityOf === undefined ? {} : { probeQuality: qualityOf(pair.imgB) }),
  }));
}

export function scoreSetOf(pairs: Iterable<ScoredPair>): ScoreSet {
  return groupScores(
    [...pairs].map((pair) => ({ group: pair.condition, genuine: pair.genuine, score: pair.score })),
  );
}

/** Person -> fold, for one repeat. */
export type FoldPlan = ReadonlyMap<string, number>;

export interface FoldPlanOptions {
  readonly pairs: readonly ScoredPair[];
  readonly folds: number;
  readonly seed: string;
  /** People who may be one person (the data says so): always kept in the same fold. */
  readonly linked: readonly (readonly string[])[];
}

/**
 * Assigns people to folds, stratified by condition so every fold gets people of every subset: within a
 * condition the people are ordered by a seeded hash and dealt round-robin, continuing where the previous
 * condition stopped so fold sizes stay even. Deterministic for a seed.
 */
export function planFolds(options: FoldPlanOptions): FoldPlan {
  assert(Number.isInteger(options.folds) && options.folds >= 2, 'at least two folds');
  const homeCondition = new Map<string, string>();
  for (const pair of options.pairs) {
    for (const identity of [pair.identityA, pair.identityB]) {
      const home = homeCondition.get(identity);
      if (home === undefined || pair.condition < home) homeCondition.set(identity, pair.condition);
    }
  }
  const groupOf = linkedGroups(options.linked, homeCondition);
  // A linked group is dealt once, with the condition of the first member met.
  const groupsByCondition = new Map<string, Set<string>>();
  const placed = new Set<string>();
  for (const [identity, condition] of homeCondition) {
    const group = groupOf.get(identity) ?? identity;
    const groups = groupsByCondition.get(condition) ?? new Set<string>();
    groupsByCondition.set(condition, groups);
    if (placed.has(group)) continue;
    placed.add(group);
    groups.add(group);
  }
  const foldOfGroup = new Map<string, number>();
  let dealt = 0;
  for (const condition of [...groupsByCondition.keys()].sort()) {
    const groups = [...(groupsByCondition.get(condition) ?? [])].sort(
      (a, b) => seededHash(options.seed, a) - seededHash(options.seed, b) || (a < b ? -1 : 1),
    );
    for (const group of groups) {
      foldOfGroup.set(group, dealt % options.folds);
      dealt += 1;
    }
  }
  const plan = new Map<string, number>();
  for (const identity of homeCondition.keys()) {
    const fold = foldOfGroup.get(groupOf.get(identity) ?? identity);
    assert(fold !== undefined, 'every person is in a fold');
    plan.set(identity, fold);
  }
  return plan;
}

function linkedGroups(
  linked: readonly (readonly string[])[],
  present: ReadonlyMap<string, string>,
): Map<string, string> {
  const groupOf = new Map<string, string>();
  for (const group of linked) {
    const members = group.filter((identity) => present.has(identity)).sort();
    const name = members[0];
    if (name === undefined) continue;
    for (const identity of members) {
      assert(!groupOf.has(identity), 'a person is linked in one group only');
      groupOf.set(identity, name);
    }
  }
  return groupOf;
}

/** FNV-1a of seed and name: a stable shuffle key, no crypto needed. */
function seededHash(seed: string, name: string): number {
  let hash = 0x811c9dc5;
  for (const char of `${seed}\u0000${name}`) {
    hash ^= char.codePointAt(0) ?? 0;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/** The pairs whose two people are both in `folds`. */
export function pairsWithin(
  pairs: readonly ScoredPair[],
  plan: FoldPlan,
  folds: ReadonlySet<number>,
): ScoredPair[] {
  return pairs.filter((pair) => {
    const a = plan.get(pair.identityA);
    const b = plan.get(pair.identityB);
    assert(a !== undefined && b !== undefined, 'every scored person has a fold');
    return folds.has(a) && folds.has(b);
  });
}

/** A condition holds the target when its false matches are within floor(target x compared impostors). */
export function holdsTarget(scores: ScoreSet, threshold: number, targetFmr: number): boolean {
  for (const subset of scores.values()) {
    const { falseMatches } = ratesAt(subset, threshold);
    if (falseMatches > Math.floor(targetFmr * subset.impostor.length + 1e-9)) return false;
  }
  return true;
}

/** Safety margins the calibrations try, in cosine units: 0 to 0.05 in steps of 0.0005. */
export const safetyMargins: readonly number[] = Array.from(
  { length: 101 },
  (_, index) => (index * 5) / 10_000,
);

/** Fitted threshold plus margin, on the threshold grid and never above 1 (a cosine similarity). */
export function withMargin(threshold: number, margin: number): number {
  const scale = Math.round(1 / thresholdStep);
  return Math.min(1, Math.round((threshold + margin) * scale) / scale);
}

export interface CrossValidationOptions {
  readonly pairs: readonly ScoredPair[];
  readonly folds: number;
  /** Independent fold plans (different seeds); more repeats put more pairs of people into test folds. */
  readonly repeats: number;
  readonly seed: string;
  readonly linked: readonly (readonly string[])[];
  readonly targetFmr: number;
  /** The threshold procedure being validated: training scores in, threshold out. */
  readonly fit: (train: ScoreSet) => number;
  /** Safety margins tried in order (ascending); the first that holds every inner fold is used. */
  readonly margins: readonly number[];
  /**
   * A score transform fitted on the training pairs and applied to training and test pairs alike before the
   * threshold is fitted and scored (e.g. per-quality-band shifts); fitted again inside every inner fold.
   * Absent: scores as they are.
   */
  readonly transform?: ScoreTransform;
}

/** What a calibration records of its cross-validation; the threshold procedure itself is fixed below. */
export type ThresholdValidationProtocol = Omit<
  CrossValidationOptions,
  'fit' | 'margins' | 'transform'
>;

/**
 * Options validating the product's threshold procedure (selectThreshold at the target FMR, then the safety
 * margins), so that calibrate and the scripts auditing it rerun the very same procedure.
 */
export function thresholdCrossValidationOptions(
  protocol: ThresholdValidationProtocol,
): CrossValidationOptions {
  return {
    ...protocol,
    fit: (train) => selectThreshold(train, protocol.targetFmr).threshold,
    margins: safetyMargins,
  };
}

/** Training pairs in, a function rewriting pairs' scores out. */
export type ScoreTransform = (
  train: readonly ScoredPair[],
) => (pairs: readonly ScoredPair[]) => ScoredPair[];

const identityTransform: ScoreTransform = () => (pairs) => [...pairs];

/** Training and test pairs, both rewritten by the transform fitted on the training pairs alone. */
function fittedSplit(
  options: CrossValidationOptions,
  plan: FoldPlan,
  trainFolds: ReadonlySet<number>,
  testFolds: ReadonlySet<number>,
): { train: ScoreSet; test: ScoreSet } {
  const trainPairs = pairsWithin(options.pairs, plan, trainFolds);
  const rewrite = (options.transform ?? identityTransform)(trainPairs);
  return {
    train: scoreSetOf(rewrite(trainPairs)),
    test: scoreSetOf(rewrite(pairsWithin(options.pairs, plan, testFolds))),
  };
}

export interface FoldOutcome {
  readonly repeat: number;
  readonly fold: number;
  /** Fitted on the training people, plus the margin the inner folds chose. */
  readonly threshold: number;
  readonly margin: number;
  /** People in the test fold. */
  readonly people: number;
  readonly rates: ReadonlyMap<string, SubsetRates>;
}

export interface MarginChoice {
  readonly margin: number;
  /** False when even the largest margin left some inner fold above the target. */
  readonly held: boolean;
}

export interface CrossValidationResult {
  readonly outcomes: readonly FoldOutcome[];
  /** Fitted on everyone, without margin: the in-sample threshold. */
  readonly inSampleThreshold: number;
  /** The margin chosen by cross-validation over all people, and the threshold it gives. */
  readonly margin: MarginChoice;
  readonly threshold: number;
  /** The fold plan of each repeat (outcome.repeat indexes it): lets a caller score other probes per fold. */
  readonly plans: readonly FoldPlan[];
}

export function crossValidate(options: CrossValidationOptions): CrossValidationResult {
  assert(options.margins.length > 0, 'at least one margin to try');
  assert(Number.isInteger(options.repeats) && options.repeats >= 1, 'at least one repeat');
  const allFolds = new Set(Array.from({ length: options.folds }, (_, fold) => fold));
  const plans = Array.from({ length: options.repeats }, (_, repeat) =>
    planFolds({ ...options, seed: `${options.seed}/${repeat}` }),
  );
  const outcomes: FoldOutcome[] = [];
  for (const [repeat, plan] of plans.entries()) {
    for (const fold of allFolds) {
      const trainFolds = new Set([...allFolds].filter((other) => other !== fold));
      const margin = chooseMargin(options, [plan], trainFolds);
      const { train, test } = fittedSplit(options, plan, trainFolds, new Set([fold]));
      const threshold = withMargin(options.fit(train), margin.margin);
      const rates = new Map([...test].map(([name, scores]) => [name, ratesAt(scores, threshold)]));
      const people = [...plan.values()].filter((value) => value === fold).length;
      outcomes.push({ repeat, fold, threshold, margin: margin.margin, people, rates });
    }
  }
  const everyone = (options.transform ?? identityTransform)(options.pairs)(options.pairs);
  const inSampleThreshold = options.fit(scoreSetOf(everyone));
  const margin = chooseMargin(options, plans, allFolds);
  return {
    outcomes,
    inSampleThreshold,
    margin,
    threshold: withMargin(inSampleThreshold, margin.margin),
    plans,
  };
}

/**
 * The smallest margin at which, for every plan and every fold g among `folds`, the threshold fitted on the
 * other folds of `folds` plus the margin keeps every condition of fold g within the target.
 */
function chooseMargin(
  options: CrossValidationOptions,
  plans: readonly FoldPlan[],
  folds: ReadonlySet<number>,
): MarginChoice {
  const checks: { fitted: number; test: ScoreSet }[] = [];
  for (const plan of plans) {
    for (const fold of folds) {
      const others = new Set([...folds].filter((other) => other !== fold));
      const { train, test } = fittedSplit(options, plan, others, new Set([fold]));
      checks.push({ fitted: options.fit(train), test });
    }
  }
  for (const margin of options.margins) {
    const everywhere = checks.every((check) =>
      holdsTarget(check.test, withMargin(check.fitted, margin), options.targetFmr),
    );
    if (everywhere) return { margin, held: true };
  }
  const largest = options.margins.at(-1);
  assert(largest !== undefined, 'margins are not empty');
  return { margin: largest, held: false };
}

export interface ConditionSummary {
  /** Counts summed over every test fold (every repeat): each pair is scored once per repeat. */
  readonly genuinePairs: number;
  readonly impostorPairs: number;
  readonly comparedImpostors: number;
  readonly failedToAcquire: number;
  readonly falseMatches: number;
  readonly falseNonMatches: number;
  readonly fmr: number | null;
  readonly fnmr: number | null;
  /** Over the folds where the rate could be measured (compared impostors; genuine pairs); null: none. */
  readonly fmrSpread: FoldSpread | null;
  readonly fnmrSpread: FoldSpread | null;
  /** Test folds where false matches exceeded floor(target x compared impostors). */
  readonly foldsOverTarget: number;
}

export function summarizeConditions(
  outcomes: readonly FoldOutcome[],
  targetFmr: number,
): Map<string, ConditionSummary> {
  const names = [...new Set(outcomes.flatMap((outcome) => [...outcome.rates.keys()]))].sort();
  return new Map(
    names.map((name) => {
      const rates = outcomes.flatMap((outcome) => {
        const found = outcome.rates.get(name);
        return found === undefined ? [] : [found];
      });
      return [name, summarize(rates, targetFmr)];
    }),
  );
}

function summarize(rates: readonly SubsetRates[], targetFmr: number): ConditionSummary {
  const sum = (pick: (rate: SubsetRates) => number): number =>
    rates.reduce((total, rate) => total + pick(rate), 0);
  const impostorsCompared = sum((rate) => rate.comparedImpostors);
  const falseMatches = sum((rate) => rate.falseMatches);
  const falseNonMatches = sum((rate) => rate.falseNonMatches);
  const genuinePairs = sum((rate) => rate.genuinePairs);
  const fmrs = rates.flatMap((rate) => (rate.fmr === null ? [] : [rate.fmr]));
  const fnmrs = rates.flatMap((rate) => (rate.fnmr === null ? [] : [rate.fnmr]));
  return {
    genuinePairs,
    impostorPairs: sum((rate) => rate.impostorPairs),
    comparedImpostors: impostorsCompared,
    failedToAcquire: sum((rate) => rate.failedToAcquire),
    falseMatches,
    falseNonMatches,
    fmr: impostorsCompared === 0 ? null : falseMatches / impostorsCompared,
    fnmr: genuinePairs === 0 ? null : falseNonMatches / genuinePairs,
    fmrSpread: spread(fmrs),
    fnmrSpread: spread(fnmrs),
    foldsOverTarget: rates.filter(
      (rate) => rate.falseMatches > Math.floor(targetFmr * rate.comparedImpostors + 1e-9),
    ).length,
  };
}
