// Identity-disjoint k-fold cross-validation of the threshold choice: every rate it reports comes from people
// whose images played no part in choosing the threshold they are scored at (DESIGN.md, last section).
//
// Folds are made of people, not images or pairs: a test pair has BOTH its people in the test fold, and the
// threshold of that fold is fitted on pairs whose people are both outside it. The safety margin added to the
// fitted threshold is itself chosen by an inner cross-validation on the training folds only (nested), so the
// out-of-sample figures are not flattered by the margin's choice.
//
// A condition with fewer than 2 x folds people has some k-fold test fold with at most one of them, and one
// with <= folds people never has two in one fold: none of its impostor pairs would be tested. So each two
// of its people with an impostor pair are also held out alone (a pair fold): fitted on everyone else, with
// a margin chosen by k folds of those people. `margin.held` is the nested verdict over every test fold; the
// shipped margin (chosen on the k-fold folds it is then checked on) is an in-sample choice (marginFound).

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
  /**
   * A condition with at most this many people also gets one leave-pair-out test fold per impostor
   * person-pair (see pairFoldPeople). Default 2 x folds - 1: below 2 x folds people some k-fold test fold
   * holds at most one of them, and a condition of <= folds people never has an impostor pair tested.
   * 0: no pair folds.
   */
  readonly pairFoldsUpTo?: number;
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
  trainPairs: readonly ScoredPair[],
  testPairs: readonly ScoredPair[],
): { train: ScoreSet; test: ScoreSet } {
  const rewrite = (options.transform ?? identityTransform)(trainPairs);
  return { train: scoreSetOf(rewrite(trainPairs)), test: scoreSetOf(rewrite(testPairs)) };
}

function planSplit(
  options: CrossValidationOptions,
  plan: FoldPlan,
  trainFolds: ReadonlySet<number>,
  testFolds: ReadonlySet<number>,
): { train: ScoreSet; test: ScoreSet } {
  return fittedSplit(
    options,
    pairsWithin(options.pairs, plan, trainFolds),
    pairsWithin(options.pairs, plan, testFolds),
  );
}

export interface FoldOutcome {
  /** `k-fold` (or absent): a fold of a repeat's plan; `pair`: two people (and anyone linked to them) held out alone. */
  readonly kind?: 'k-fold' | 'pair';
  /** For a pair fold: -1 and the pair fold's index. */
  readonly repeat: number;
  readonly fold: number;
  /** `repeat 2 fold 3`, or `pair A + B`. */
  readonly label?: string;
  /** Fitted on the training people, plus the margin the inner folds chose. */
  readonly threshold: number;
  readonly margin: number;
  /** People in the test fold. */
  readonly people: number;
  /** For a pair fold: its held-out people, sorted (its test pairs have both people among them). */
  readonly heldOut?: readonly string[];
  readonly rates: ReadonlyMap<string, SubsetRates>;
}

/**
 * Whether an outcome's test set holds a pair of these two people: both in its fold of its repeat's plan
 * (k-fold), or both among its held-out people (pair fold, whose `repeat` indexes no plan).
 */
export function outcomeTests(
  result: Pick<CrossValidationResult, 'plans'>,
  outcome: FoldOutcome,
): (identityA: string, identityB: string) => boolean {
  if (outcome.kind === 'pair') {
    assert(outcome.heldOut !== undefined, 'a pair fold names its held-out people');
    const held = new Set(outcome.heldOut);
    return (a, b) => held.has(a) && held.has(b);
  }
  const plan = result.plans[outcome.repeat];
  assert(plan !== undefined, "a k-fold outcome has its repeat's plan");
  return (a, b) => plan.get(a) === outcome.fold && plan.get(b) === outcome.fold;
}

/** The pairs an outcome tested (the test set its rates were measured on, before any transform). */
export function outcomeTestPairs<Pair extends ScoredPair>(
  pairs: readonly Pair[],
  result: Pick<CrossValidationResult, 'plans'>,
  outcome: FoldOutcome,
): Pair[] {
  const tests = outcomeTests(result, outcome);
  return pairs.filter((pair) => tests(pair.identityA, pair.identityB));
}

export interface MarginChoice {
  readonly margin: number;
  /**
   * Out of sample: true when every outer test fold (k-fold and pair folds), scored at its own threshold
   * (fitted without it + the margin chosen without it), kept every condition within the target, and every
   * condition with compared impostor pairs had some of them tested. Never an in-sample statement.
   */
  readonly held: boolean;
}

/** Which of a condition's pairs the test folds covered, each pair counted once however often it was tested. */
export interface ConditionCoverage {
  readonly distinctGenuinePairs: number;
  readonly distinctImpostorPairs: number;
  /** Distinct impostor pairs tested whose two images were acquired. */
  readonly distinctComparedImpostors: number;
  /** Impostor person-pairs (two people with an impostor pair in this condition) in the data / tested. */
  readonly impostorPersonPairs: number;
  readonly impostorPersonPairsTested: number;
  /** The data has compared impostor pairs of this condition but no test fold compared any: no FMR out of sample. */
  readonly fmrNotMeasured: boolean;
}

export interface WorstFold {
  readonly condition: string;
  readonly label: string;
  readonly fmr: number;
  readonly falseMatches: number;
  readonly comparedImpostors: number;
  readonly overTarget: boolean;
}

export interface CrossValidationResult {
  readonly outcomes: readonly FoldOutcome[];
  /** Fitted on everyone, without margin: the in-sample threshold. */
  readonly inSampleThreshold: number;
  /**
   * The shipped margin: the smallest at which every k-fold test fold of every repeat, at the threshold fitted
   * on the rest of its plan, holds every condition (chosen on those same folds), and the threshold it gives.
   * `held` is the nested out-of-sample verdict, not whether that choice succeeded (marginFound).
   */
  readonly margin: MarginChoice;
  readonly threshold: number;
  /** In sample: the shipped margin made the very folds it was chosen on hold (false: even the largest did not). */
  readonly marginFound: boolean;
  /** The same choice made over the k-fold AND the pair folds: what the policy would ship if they counted. */
  readonly marginWithPairFolds: { readonly margin: number; readonly found: boolean };
  /** The worst (condition, test fold) by FMR over every outer test fold; null when no impostor was compared. */
  readonly worstFold: WorstFold | null;
  readonly coverage: ReadonlyMap<string, ConditionCoverage>;
  /**
   * The fold plan of each repeat (a k-fold outcome's repeat indexes it; a pair fold's -1 does not, it names
   * its people in heldOut): outcomeTests rebuilds any outcome's test set to score other probes per fold.
   */
  readonly plans: readonly FoldPlan[];
}

interface Check {
  readonly fitted: number;
  readonly test: ScoreSet;
}

export function crossValidate(options: CrossValidationOptions): CrossValidationResult {
  assert(options.margins.length > 0, 'at least one margin to try');
  assert(Number.isInteger(options.repeats) && options.repeats >= 1, 'at least one repeat');
  const allFolds = new Set(Array.from({ length: options.folds }, (_, fold) => fold));
  const plans = Array.from({ length: options.repeats }, (_, repeat) =>
    planFolds({ ...options, seed: `${options.seed}/${repeat}` }),
  );
  const outcomes: FoldOutcome[] = [];
  const foldChecks: Check[] = [];
  const pairChecks: Check[] = [];
  const tested: (readonly number[])[] = [];
  const indices = options.pairs.map((_, index) => index);
  for (const [repeat, plan] of plans.entries()) {
    for (const fold of allFolds) {
      const trainFolds = new Set([...allFolds].filter((other) => other !== fold));
      const margin = chooseMargin(options, [plan], trainFolds);
      const { train, test } = planSplit(options, plan, trainFolds, new Set([fold]));
      const fitted = options.fit(train);
      foldChecks.push({ fitted, test });
      const threshold = withMargin(fitted, margin.margin);
      const rates = new Map([...test].map(([name, scores]) => [name, ratesAt(scores, threshold)]));
      const people = [...plan.values()].filter((value) => value === fold).length;
      const label = `repeat ${repeat} fold ${fold}`;
      outcomes.push({
        kind: 'k-fold',
        repeat,
        fold,
        label,
        threshold,
        margin: margin.margin,
        people,
        rates,
      });
      tested.push(indices.filter((index) => inFold(options.pairs[index], plan, fold)));
    }
  }
  for (const [index, heldOut] of pairFoldPeople(options).entries()) {
    const isHeld = (pair: ScoredPair): boolean =>
      heldOut.has(pair.identityA) || heldOut.has(pair.identityB);
    const trainPairs = options.pairs.filter((pair) => !isHeld(pair));
    const testIndices = indices.filter((i) => {
      const pair = options.pairs[i];
      return pair !== undefined && heldOut.has(pair.identityA) && heldOut.has(pair.identityB);
    });
    const testPairs = testIndices.flatMap((i) => options.pairs[i] ?? []);
    // Nested: the margin is chosen by k folds of the training people alone.
    const inner = { ...options, pairs: trainPairs };
    const innerPlan = planFolds({ ...inner, seed: `${options.seed}/pair-inner` });
    const margin = chooseMargin(inner, [innerPlan], allFolds);
    const { train, test } = fittedSplit(options, trainPairs, testPairs);
    const fitted = options.fit(train);
    pairChecks.push({ fitted, test });
    const threshold = withMargin(fitted, margin.margin);
    const rates = new Map([...test].map(([name, scores]) => [name, ratesAt(scores, threshold)]));
    const held = [...heldOut].sort();
    const label = `pair ${held.join(' + ')}`;
    const people = heldOut.size;
    outcomes.push({
      kind: 'pair',
      repeat: -1,
      fold: index,
      label,
      threshold,
      margin: margin.margin,
      people,
      heldOut: held,
      rates,
    });
    tested.push(testIndices);
  }
  const everyone = (options.transform ?? identityTransform)(options.pairs)(options.pairs);
  const inSampleThreshold = options.fit(scoreSetOf(everyone));
  const shipped = marginFromChecks(options, foldChecks);
  const withPairs = marginFromChecks(options, [...foldChecks, ...pairChecks]);
  const coverage = conditionCoverage(options.pairs, tested);
  const worstFold = worstOf(outcomes, options.targetFmr);
  const unmeasured = [...coverage.values()].some((entry) => entry.fmrNotMeasured);
  return {
    outcomes,
    inSampleThreshold,
    margin: {
      margin: shipped.margin,
      held:
        !unmeasured && outcomes.every((outcome) => holdsRates(outcome.rates, options.targetFmr)),
    },
    threshold: withMargin(inSampleThreshold, shipped.margin),
    marginFound: shipped.found,
    marginWithPairFolds: withPairs,
    worstFold,
    coverage,
    plans,
  };
}

function inFold(pair: ScoredPair | undefined, plan: FoldPlan, fold: number): boolean {
  return (
    pair !== undefined && plan.get(pair.identityA) === fold && plan.get(pair.identityB) === fold
  );
}

/** Within floor(target x compared impostors) false matches: the rule holdsTarget applies to scores. */
function withinTarget(rates: SubsetRates, targetFmr: number): boolean {
  return rates.falseMatches <= Math.floor(targetFmr * rates.comparedImpostors + 1e-9);
}

function holdsRates(rates: ReadonlyMap<string, SubsetRates>, targetFmr: number): boolean {
  return [...rates.values()].every((rate) => withinTarget(rate, targetFmr));
}

/**
 * The held-out sets of the pair folds: for every condition with at most `pairFoldsUpTo` people, every two
 * people with an impostor pair in it, with anyone linked to either; each distinct set once, in a stable order.
 */
export function pairFoldPeople(options: CrossValidationOptions): ReadonlySet<string>[] {
  const upTo = options.pairFoldsUpTo ?? 2 * options.folds - 1;
  const peopleOf = new Map<string, Set<string>>();
  for (const pair of options.pairs) {
    const people = peopleOf.get(pair.condition) ?? new Set<string>();
    peopleOf.set(pair.condition, people);
    people.add(pair.identityA).add(pair.identityB);
  }
  const everyone = new Map<string, string>();
  for (const pair of options.pairs) {
    everyone.set(pair.identityA, pair.condition);
    everyone.set(pair.identityB, pair.condition);
  }
  const groupOf = linkedGroups(options.linked, everyone);
  const membersOf = new Map<string, string[]>();
  for (const [identity, group] of groupOf)
    membersOf.set(group, [...(membersOf.get(group) ?? []), identity]);
  const closure = (identity: string): string[] =>
    membersOf.get(groupOf.get(identity) ?? '') ?? [identity];
  const sets = new Map<string, ReadonlySet<string>>();
  for (const pair of options.pairs) {
    if (pair.genuine || (peopleOf.get(pair.condition)?.size ?? 0) > upTo) continue;
    const held = new Set([...closure(pair.identityA), ...closure(pair.identityB)]);
    const key = [...held].sort().join('\u0000');
    if (!sets.has(key)) sets.set(key, held);
  }
  return [...sets].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, held]) => held);
}

function conditionCoverage(
  pairs: readonly ScoredPair[],
  tested: readonly (readonly number[])[],
): Map<string, ConditionCoverage> {
  const testedOnce = new Set(tested.flat());
  const personPair = (pair: ScoredPair): string =>
    [pair.identityA, pair.identityB].sort().join('\u0000');
  const names = [...new Set(pairs.map((pair) => pair.condition))].sort();
  return new Map(
    names.map((name) => {
      const mine = pairs.flatMap((pair, index) =>
        pair.condition === name ? [{ pair, index }] : [],
      );
      const impostors = mine.filter(({ pair }) => !pair.genuine);
      const seen = impostors.filter(({ index }) => testedOnce.has(index));
      const compared = seen.filter(({ pair }) => pair.score !== null).length;
      const comparable = impostors.some(({ pair }) => pair.score !== null);
      return [
        name,
        {
          distinctGenuinePairs: mine.filter(
            ({ pair, index }) => pair.genuine && testedOnce.has(index),
          ).length,
          distinctImpostorPairs: seen.length,
          distinctComparedImpostors: compared,
          impostorPersonPairs: new Set(impostors.map(({ pair }) => personPair(pair))).size,
          impostorPersonPairsTested: new Set(seen.map(({ pair }) => personPair(pair))).size,
          fmrNotMeasured: comparable && compared === 0,
        },
      ];
    }),
  );
}

function worstOf(outcomes: readonly FoldOutcome[], targetFmr: number): WorstFold | null {
  let worst: WorstFold | null = null;
  for (const outcome of outcomes) {
    for (const [condition, rates] of outcome.rates) {
      if (rates.fmr === null) continue;
      const candidate: WorstFold = {
        condition,
        label: outcome.label ?? `repeat ${outcome.repeat} fold ${outcome.fold}`,
        fmr: rates.fmr,
        falseMatches: rates.falseMatches,
        comparedImpostors: rates.comparedImpostors,
        overTarget: !withinTarget(rates, targetFmr),
      };
      if (
        worst === null ||
        candidate.fmr > worst.fmr ||
        (candidate.fmr === worst.fmr && candidate.falseMatches > worst.falseMatches)
      )
        worst = candidate;
    }
  }
  return worst;
}

/**
 * The smallest margin at which, for every plan and every fold g among `folds`, the threshold fitted on the
 * other folds of `folds` plus the margin keeps every condition of fold g within the target. `held` here
 * means only that such a margin was found on those folds.
 */
function chooseMargin(
  options: CrossValidationOptions,
  plans: readonly FoldPlan[],
  folds: ReadonlySet<number>,
): MarginChoice {
  const checks: Check[] = [];
  for (const plan of plans) {
    for (const fold of folds) {
      const others = new Set([...folds].filter((other) => other !== fold));
      const { train, test } = planSplit(options, plan, others, new Set([fold]));
      checks.push({ fitted: options.fit(train), test });
    }
  }
  const choice = marginFromChecks(options, checks);
  return { margin: choice.margin, held: choice.found };
}

function marginFromChecks(
  options: CrossValidationOptions,
  checks: readonly Check[],
): { margin: number; found: boolean } {
  for (const margin of options.margins) {
    const everywhere = checks.every((check) =>
      holdsTarget(check.test, withMargin(check.fitted, margin), options.targetFmr),
    );
    if (everywhere) return { margin, found: true };
  }
  const largest = options.margins.at(-1);
  assert(largest !== undefined, 'margins are not empty');
  return { margin: largest, found: false };
}

export interface ConditionSummary {
  /**
   * Counts summed over every test fold (every repeat, and the pair folds): a pair is counted once per fold
   * that tested it, so these are not numbers of distinct pairs (ConditionCoverage has those).
   */
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
