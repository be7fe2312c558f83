// Nested, group-disjoint cross-validation of the passive detector: the feature set, L2 and both
// thresholds of a fold are chosen on its training groups only, so every reported score is out of sample.
import { assert } from '../../shared/assert.ts';
import type { LogisticModel, Standardiser } from './linear-model.ts';
import {
  auc,
  fitStandardiser,
  logit,
  sigmoid,
  standardise,
  trainLogistic,
} from './linear-model.ts';
import type { Fold } from './pad-folds.ts';
import type { StumpEnsemble } from './stumps.ts';
import { stumpsLogit, trainStumps } from './stumps.ts';
import { groupFolds, leaveOneGroupOut, spread } from './pad-folds.ts';
import type { FoldSpread } from './pad-folds.ts';

/** One labelled presentation; `feature` indexes the candidates' feature rows. */
export interface PadCvSample {
  readonly group: string;
  /** Reported separately (nuaa prints, pad replays, ...): thresholds must hold in each. */
  readonly domain: string;
  readonly live: boolean;
  readonly index: number;
}

export interface PadCandidate {
  readonly name: string;
  /** Key into the feature table. */
  readonly features: string;
  readonly l2: number;
  /** Default logistic (L2 above); stumps: gradient-boosted decision stumps (stumps.ts, l2 unused). */
  readonly classifier?: 'logistic' | 'stumps';
}

/** Per feature key, one row per sample index; null: the face could not be acquired. */
export type FeatureTable = ReadonlyMap<string, readonly (Float64Array | null)[]>;

export interface OperatingTargets {
  /** Scores at or above the live threshold: at most this share of attacks in any domain. */
  readonly apcerMax: number;
  /** Scores below refuseBelow (a confident attack): at most this share of bona fide in any domain. */
  readonly refuseBpcerMax: number;
}

export interface OperatingPoint {
  /** At or above: live without asking more. */
  readonly threshold: number;
  /** Below: a confident attack, refused. Between the two: uncertain (ask for the active challenge). */
  readonly refuseBelow: number;
}

export interface CvOptions {
  readonly innerFolds: number;
  readonly iterations: number;
  readonly targets: OperatingTargets;
}

export interface FittedPad {
  readonly standardiser: Standardiser;
  readonly model: LogisticModel;
  /** Set for a stumps candidate: it scores instead of `model` (then all zeros). */
  readonly stumps?: StumpEnsemble;
}

/** The stumps candidate's settings (measured by eval:pad against logistic regression). */
export const stumpOptions = { rounds: 100, learningRate: 0.1, cutsPerFeature: 15, lambda: 1 };

export type Band = 'live' | 'uncertain' | 'attack';

export function bandOf(score: number, point: OperatingPoint): Band {
  assert(point.refuseBelow <= point.threshold, 'refuseBelow must not exceed the threshold');
  if (score >= point.threshold) return 'live';
  return score < point.refuseBelow ? 'attack' : 'uncertain';
}

/** Each group weighs the same in total and, inside it, each class the same: 616 replay frames of
 * nine sets must not drown eight NUAA people. */
export function groupBalancedWeights(samples: readonly PadCvSample[]): number[] {
  const counts = new Map<string, number>();
  const classes = new Map<string, Set<boolean>>();
  for (const s of samples) {
    const key = `${s.group}|${s.live}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
    classes.set(s.group, (classes.get(s.group) ?? new Set()).add(s.live));
  }
  const groups = classes.size;
  const n = samples.length;
  return samples.map((s) => {
    const count = counts.get(`${s.group}|${s.live}`) ?? 1;
    const inGroup = classes.get(s.group)?.size ?? 1;
    return n / (groups * inGroup * count);
  });
}

function rowsOf(samples: readonly PadCvSample[], table: FeatureTable, key: string) {
  const rows = table.get(key);
  assert(rows !== undefined, `no features for ${key}`);
  const acquired: { sample: PadCvSample; x: Float64Array }[] = [];
  for (const s of samples) {
    const x = rows[s.index];
    assert(x !== undefined, 'feature row index');
    if (x !== null) acquired.push({ sample: s, x });
  }
  return acquired;
}

export function fitPad(
  samples: readonly PadCvSample[],
  table: FeatureTable,
  candidate: PadCandidate,
  iterations: number,
): FittedPad {
  const rows = rowsOf(samples, table, candidate.features);
  const standardiser = fitStandardiser(rows.map((r) => r.x));
  if (candidate.classifier === 'stumps') {
    const stumps = trainStumps(
      rows.map((r) => standardise(r.x, standardiser)),
      rows.map((r) => (r.sample.live ? 1 : 0)),
      { ...stumpOptions, sampleWeights: groupBalancedWeights(rows.map((r) => r.sample)) },
    );
    const d = standardiser.mean.length;
    return { standardiser, model: { weights: new Float64Array(d), bias: 0 }, stumps };
  }
  const model = trainLogistic(
    rows.map((r) => standardise(r.x, standardiser)),
    rows.map((r) => (r.sample.live ? 1 : 0)),
    {
      l2: candidate.l2,
      iterations,
      sampleWeights: groupBalancedWeights(rows.map((r) => r.sample)),
    },
  );
  return { standardiser, model };
}

export function scorePad(fit: FittedPad, x: Float64Array): number {
  const z = standardise(x, fit.standardiser);
  return sigmoid(fit.stumps === undefined ? logit(fit.model, z) : stumpsLogit(fit.stumps, z));
}

/** A presentation's out-of-fold score; null when its face was not acquired. */
export interface ScoredSample {
  readonly sample: PadCvSample;
  readonly score: number | null;
}

function scoreAll(
  fit: FittedPad,
  samples: readonly PadCvSample[],
  table: FeatureTable,
  key: string,
): ScoredSample[] {
  const rows = table.get(key);
  assert(rows !== undefined, `no features for ${key}`);
  return samples.map((sample) => {
    const x = rows[sample.index];
    return { sample, score: x === null || x === undefined ? null : scorePad(fit, x) };
  });
}

/** Out-of-fold scores of `samples` under group folds (k, or leave-one-group-out when k >= groups). */
export function outOfFoldScores(
  samples: readonly PadCvSample[],
  table: FeatureTable,
  candidate: PadCandidate,
  options: Pick<CvOptions, 'innerFolds' | 'iterations'>,
): ScoredSample[] {
  const groups = new Set(samples.map((s) => s.group)).size;
  const folds =
    options.innerFolds >= groups
      ? leaveOneGroupOut(samples)
      : groupFolds(samples, options.innerFolds);
  const out: ScoredSample[] = [];
  for (const fold of folds) {
    const fit = fitPad(fold.train, table, candidate, options.iterations);
    out.push(...scoreAll(fit, fold.test, table, candidate.features));
  }
  return out;
}

const clampScore = (v: number): number => Math.min(1 - 1e-6, Math.max(1e-6, v));

/** Lowest threshold at which at most apcerMax of the attacks score at or above it. */
function liveThreshold(attackScores: readonly number[], apcerMax: number): number {
  const sorted = [...attackScores].sort((a, b) => b - a);
  const allowed = Math.floor(apcerMax * sorted.length + 1e-9);
  const firstRefused = sorted[allowed];
  if (firstRefused === undefined) return 1e-6;
  const lastAccepted = allowed > 0 ? sorted[allowed - 1] : undefined;
  return lastAccepted === undefined || lastAccepted === firstRefused
    ? firstRefused + 1e-9
    : (firstRefused + lastAccepted) / 2;
}

/** Highest threshold below which at most bpcerMax of the bona fide scores fall. */
function refuseThreshold(realScores: readonly number[], bpcerMax: number): number {
  const sorted = [...realScores].sort((a, b) => a - b);
  const allowed = Math.floor(bpcerMax * sorted.length + 1e-9);
  const firstKept = sorted[allowed];
  if (firstKept === undefined) return 1 - 1e-6;
  const lastRefused = allowed > 0 ? sorted[allowed - 1] : undefined;
  return lastRefused === undefined || lastRefused === firstKept
    ? firstKept
    : (firstKept + lastRefused) / 2;
}

/** Both thresholds from scores of people not fitted on, each bound holding in every domain. */
export function chooseOperatingPoint(
  scored: readonly ScoredSample[],
  targets: OperatingTargets,
): OperatingPoint {
  const domains = [...new Set(scored.map((s) => s.sample.domain))];
  let threshold = 1e-6;
  let refuseBelow = 1 - 1e-6;
  for (const domain of domains) {
    const part = scored.filter((s) => s.sample.domain === domain && s.score !== null);
    const attacks = part.filter((s) => !s.sample.live).map((s) => s.score ?? 0);
    const reals = part.filter((s) => s.sample.live).map((s) => s.score ?? 0);
    if (attacks.length > 0)
      threshold = Math.max(threshold, liveThreshold(attacks, targets.apcerMax));
    if (reals.length > 0)
      refuseBelow = Math.min(refuseBelow, refuseThreshold(reals, targets.refuseBpcerMax));
  }
  threshold = clampScore(threshold);
  return { threshold, refuseBelow: clampScore(Math.min(refuseBelow, threshold)) };
}

export interface Rates {
  readonly reals: number;
  readonly attacks: number;
  readonly failedToAcquire: number;
  /** Attacks scored live (at or above the threshold). */
  readonly apcer: number;
  /** Bona fide not scored live (below the threshold, or not acquired). */
  readonly bpcer: number;
  /** Bona fide refused outright (below refuseBelow, or not acquired). */
  readonly bpcerRefused: number;
  /** Attacks in the uncertain band (sent to the challenge). */
  readonly attacksUncertain: number;
  /** Bona fide in the uncertain band (asked for the challenge). */
  readonly realsUncertain: number;
  readonly auc: number | null;
}

/** Rates of scored presentations, each with the operating point of the model that scored it. */
export function ratesOf(scored: readonly (ScoredSample & { point: OperatingPoint })[]): Rates {
  const reals = scored.filter((s) => s.sample.live);
  const attacks = scored.filter((s) => !s.sample.live);
  const share = (part: readonly unknown[], of: readonly unknown[]): number =>
    of.length === 0 ? 0 : part.length / of.length;
  const band = (s: ScoredSample & { point: OperatingPoint }): Band | null =>
    s.score === null ? null : bandOf(s.score, s.point);
  const acquired = scored.filter((s) => s.score !== null);
  const both = acquired.some((s) => s.sample.live) && acquired.some((s) => !s.sample.live);
  return {
    reals: reals.length,
    attacks: attacks.length,
    failedToAcquire: scored.length - acquired.length,
    apcer: share(
      attacks.filter((s) => band(s) === 'live'),
      attacks,
    ),
    bpcer: share(
      reals.filter((s) => band(s) !== 'live'),
      reals,
    ),
    bpcerRefused: share(
      reals.filter((s) => band(s) === 'attack' || band(s) === null),
      reals,
    ),
    attacksUncertain: share(
      attacks.filter((s) => band(s) === 'uncertain'),
      attacks,
    ),
    realsUncertain: share(
      reals.filter((s) => band(s) === 'uncertain'),
      reals,
    ),
    auc: both
      ? auc(acquired.map((s) => ({ score: s.score ?? 0, live: s.sample.live ? 1 : 0 })))
      : null,
  };
}

export interface CandidateChoice {
  readonly candidate: PadCandidate;
  /** Thresholds that hold in every domain: what the shipped model uses. */
  readonly point: OperatingPoint;
  /** Thresholds set on one domain's presentations only (e.g. prints), to report that domain's
   * trade-off as its own protocol asks; never used to decide. */
  readonly domainPoints: Readonly<Record<string, OperatingPoint>>;
  /** Worst domain's BPCER at that domain's own APCER bound, on inner out-of-fold scores. */
  readonly criterion: number;
  readonly auc: number;
  readonly table: readonly { name: string; criterion: number; auc: number }[];
}

/** Domains with enough of both classes to set a threshold on (the Silent-Face trio is not one). */
export function thresholdDomains(samples: readonly PadCvSample[]): string[] {
  const domains = [...new Set(samples.map((s) => s.domain))].sort();
  return domains.filter((d) => {
    const part = samples.filter((s) => s.domain === d);
    return part.filter((s) => s.live).length >= 5 && part.filter((s) => !s.live).length >= 5;
  });
}

function judgeCandidate(oof: readonly ScoredSample[], options: CvOptions) {
  const domains = thresholdDomains(oof.map((s) => s.sample));
  const domainPoints: Record<string, OperatingPoint> = {};
  let criterion = 0;
  for (const d of domains) {
    const part = oof.filter((s) => s.sample.domain === d);
    const point = chooseOperatingPoint(part, options.targets);
    domainPoints[d] = point;
    criterion = Math.max(criterion, ratesOf(part.map((s) => ({ ...s, point }))).bpcer);
  }
  const point = chooseOperatingPoint(
    oof.filter((s) => domains.includes(s.sample.domain)),
    options.targets,
  );
  const area = ratesOf(oof.map((s) => ({ ...s, point }))).auc ?? 0.5;
  return { point, domainPoints, criterion, auc: area };
}

/** Picks the candidate whose inner out-of-fold scores separate live from attack best in the worst
 * domain; ties go to the higher AUC, then to the earlier (smaller) candidate. */
export function chooseCandidate(
  samples: readonly PadCvSample[],
  table: FeatureTable,
  candidates: readonly PadCandidate[],
  options: CvOptions,
): CandidateChoice {
  assert(candidates.length > 0, 'at least one candidate');
  let best: Omit<CandidateChoice, 'table'> | null = null;
  const rows: { name: string; criterion: number; auc: number }[] = [];
  for (const candidate of candidates) {
    const judged = judgeCandidate(outOfFoldScores(samples, table, candidate, options), options);
    rows.push({ name: candidate.name, criterion: judged.criterion, auc: judged.auc });
    if (
      best === null ||
      judged.criterion < best.criterion - 1e-12 ||
      (Math.abs(judged.criterion - best.criterion) <= 1e-12 && judged.auc > best.auc + 1e-12)
    )
      best = { candidate, ...judged };
  }
  assert(best !== null, 'a candidate was chosen');
  return { ...best, table: rows };
}

export interface OuterFoldResult {
  readonly testGroups: readonly string[];
  readonly choice: Omit<CandidateChoice, 'table'>;
  readonly scored: readonly (ScoredSample & { point: OperatingPoint })[];
}

/** The outer loop: leave one group out; everything fitted inside the fold's training groups. */
export function nestedCrossValidation(
  samples: readonly PadCvSample[],
  table: FeatureTable,
  candidates: readonly PadCandidate[],
  options: CvOptions & { onFold?: (done: number, of: number, fold: OuterFoldResult) => void },
): OuterFoldResult[] {
  const folds: Fold<PadCvSample>[] = leaveOneGroupOut(samples);
  const out: OuterFoldResult[] = [];
  for (const fold of folds) {
    const choice = chooseCandidate(fold.train, table, candidates, options);
    const fit = fitPad(fold.train, table, choice.candidate, options.iterations);
    const scored = scoreAll(fit, fold.test, table, choice.candidate.features).map((s) => ({
      ...s,
      point: choice.point,
    }));
    const kept: Omit<CandidateChoice, 'table'> = {
      candidate: choice.candidate,
      point: choice.point,
      domainPoints: choice.domainPoints,
      criterion: choice.criterion,
      auc: choice.auc,
    };
    const result = { testGroups: fold.testGroups, choice: kept, scored };
    out.push(result);
    options.onFold?.(out.length, folds.length, result);
  }
  return out;
}

export interface DomainSummary {
  readonly domain: string;
  /** Pooled over the folds, each presentation at its own fold's shipped operating point. */
  readonly pooled: Rates;
  /** Per fold (one held-out group) APCER and BPCER at that point: worst, median, best. */
  readonly apcerFolds: FoldSpread | null;
  readonly bpcerFolds: FoldSpread | null;
  /** The same at thresholds set on this domain's training presentations only; null when the domain
   * has too few of a class to set one. */
  readonly ownThreshold: {
    readonly pooled: Rates;
    readonly apcerFolds: FoldSpread | null;
    readonly bpcerFolds: FoldSpread | null;
  } | null;
}

function domainRates(
  folds: readonly OuterFoldResult[],
  domain: string,
  pointOf: (fold: OuterFoldResult) => OperatingPoint | undefined,
) {
  const perFold: Rates[] = [];
  const pooled: (ScoredSample & { point: OperatingPoint })[] = [];
  for (const fold of folds) {
    const point = pointOf(fold);
    const part = fold.scored.filter((s) => s.sample.domain === domain);
    if (point === undefined || part.length === 0) continue;
    const withPoint = part.map((s) => ({ ...s, point }));
    perFold.push(ratesOf(withPoint));
    pooled.push(...withPoint);
  }
  return {
    pooled: ratesOf(pooled),
    apcerFolds: spread(perFold.map((r) => (r.attacks > 0 ? r.apcer : null))),
    bpcerFolds: spread(perFold.map((r) => (r.reals > 0 ? r.bpcer : null))),
  };
}

export function summariseDomain(folds: readonly OuterFoldResult[], domain: string): DomainSummary {
  const shipped = domainRates(folds, domain, (f) => f.choice.point);
  const own = folds.every((f) => f.choice.domainPoints[domain] !== undefined)
    ? domainRates(folds, domain, (f) => f.choice.domainPoints[domain])
    : null;
  return { domain, ...shipped, ownThreshold: own };
}

/** Evenly spaced picks, at most `max` per group and class: near-duplicate frames add little. */
export function thinPerGroup<T extends { group: string; live: boolean }>(
  samples: readonly T[],
  max: number,
): T[] {
  assert(Number.isInteger(max) && max >= 1, 'max must be a positive integer');
  const byKey = new Map<string, T[]>();
  for (const s of samples) {
    const key = `${s.group}|${s.live}`;
    byKey.set(key, [...(byKey.get(key) ?? []), s]);
  }
  const keep = new Set<T>();
  for (const list of byKey.values()) {
    const step = list.length / Math.min(max, list.length);
    for (let i = 0; i < Math.min(max, list.length); i++) {
      const pick = list[Math.floor(i * step)];
      if (pick !== undefined) keep.add(pick);
    }
  }
  return samples.filter((s) => keep.has(s));
}
