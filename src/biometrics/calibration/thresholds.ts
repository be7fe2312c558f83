// Error rates of a similarity threshold per subset and the choice of the operating threshold: the lowest
// one at which EVERY subset keeps its false-match rate under the target, so the worst subset decides.

import { assert } from '../../shared/assert.ts';
import type { ScoreSet, SubsetScores } from './scores.ts';

/** Thresholds are chosen on this grid (cosine similarity), which also keeps the stored value short. */
export const thresholdStep = 1e-4;
const gridScale = Math.round(1 / thresholdStep);

export interface SubsetRates {
  genuinePairs: number;
  impostorPairs: number;
  failedToAcquire: number;
  /** Impostor pairs whose two images were acquired: the FMR's denominator. */
  comparedImpostors: number;
  falseMatches: number;
  falseNonMatches: number;
  /** False matches / impostor pairs that were compared; null when none was (no impostor pairs). */
  fmr: number | null;
  /** (Genuine pairs below the threshold + genuine pairs failed to acquire) / all genuine pairs; null when none. */
  fnmr: number | null;
}

/** A pair matches when its similarity is at or above the threshold. */
export function ratesAt(scores: SubsetScores, threshold: number): SubsetRates {
  const falseMatches = countAtOrAbove(scores.impostor, threshold);
  const falseNonMatches =
    scores.genuine.length -
    countAtOrAbove(scores.genuine, threshold) +
    scores.genuineFailedToAcquire;
  return {
    genuinePairs: scores.genuinePairs,
    impostorPairs: scores.impostorPairs,
    failedToAcquire: scores.failedToAcquire,
    comparedImpostors: scores.impostor.length,
    falseMatches,
    falseNonMatches,
    fmr: scores.impostor.length === 0 ? null : falseMatches / scores.impostor.length,
    fnmr: scores.genuinePairs === 0 ? null : falseNonMatches / scores.genuinePairs,
  };
}

function countAtOrAbove(values: readonly number[], threshold: number): number {
  let count = 0;
  for (const value of values) if (value >= threshold) count += 1;
  return count;
}

/** The smallest grid value strictly above `value`. */
export function gridAbove(value: number): number {
  assert(Number.isFinite(value), 'a score must be finite');
  let step = Math.floor(value * gridScale) + 1;
  while (step / gridScale <= value) step += 1;
  return step / gridScale;
}

/**
 * The lowest grid threshold at which this subset's FMR is at most `targetFmr`: with n compared
 * impostor pairs, k = floor(target * n) false matches are allowed, so the threshold must lie just above
 * the (k+1)-th highest impostor score. Null when the subset has no compared impostor pair (no constraint).
 */
export function subsetThresholdForFmr(
  impostor: readonly number[],
  targetFmr: number,
): number | null {
  assert(targetFmr >= 0 && targetFmr < 1, 'the target FMR must be in [0, 1)');
  if (impostor.length === 0) return null;
  const allowed = Math.floor(targetFmr * impostor.length + 1e-9);
  if (allowed >= impostor.length) return null;
  const descending = [...impostor].sort((a, b) => b - a);
  const pivot = descending[allowed];
  assert(pivot !== undefined, 'the pivot score exists');
  return gridAbove(pivot);
}

export interface ThresholdChoice {
  threshold: number;
  /** The subset whose own threshold was the highest (the worst subset). */
  decidedBy: string;
  /** Each subset's own lowest threshold for the target, null where it has no impostor pairs. */
  subsetThresholds: Map<string, number | null>;
}

export function selectThreshold(scoreSet: ScoreSet, targetFmr: number): ThresholdChoice {
  const subsetThresholds = new Map<string, number | null>();
  let threshold = Number.NEGATIVE_INFINITY;
  let decidedBy = '';
  for (const [subset, scores] of scoreSet) {
    const own = subsetThresholdForFmr(scores.impostor, targetFmr);
    subsetThresholds.set(subset, own);
    if (own !== null && own > threshold) {
      threshold = own;
      decidedBy = subset;
    }
  }
  assert(decidedBy !== '', 'at least one subset must have compared impostor pairs');
  for (const scores of scoreSet.values()) {
    const { fmr } = ratesAt(scores, threshold);
    assert(
      fmr === null || fmr <= targetFmr,
      'the chosen threshold holds the target on every subset',
    );
  }
  return { threshold, decidedBy, subsetThresholds };
}

export interface ErrorTradeoff {
  /** FNMR at the subset's own lowest threshold with FMR <= target; null without impostors. */
  fnmrAtTarget: number | null;
  ownThreshold: number | null;
  /** Equal error rate: the mean of FMR and FNMR where they are closest; null without both kinds. */
  eer: number | null;
}

export function errorTradeoff(scores: SubsetScores, targetFmr: number): ErrorTradeoff {
  const ownThreshold = subsetThresholdForFmr(scores.impostor, targetFmr);
  const fnmrAtTarget = ownThreshold === null ? null : ratesAt(scores, ownThreshold).fnmr;
  return { fnmrAtTarget, ownThreshold, eer: equalErrorRate(scores) };
}

/** Sweeps every observed score as a threshold; exact, O(n log n). */
export function equalErrorRate(scores: SubsetScores): number | null {
  const impostors = scores.impostor.length;
  if (impostors === 0 || scores.genuinePairs === 0) return null;
  const events = [
    ...scores.genuine.map((value) => ({ value, genuine: true })),
    ...scores.impostor.map((value) => ({ value, genuine: false })),
  ].sort((a, b) => a.value - b.value);
  // At threshold = events[i].value: everything before i is rejected, everything from i on is accepted.
  let genuineBelow = 0;
  let impostorBelow = 0;
  let best = { gap: Number.POSITIVE_INFINITY, eer: 1 };
  for (let i = 0; i <= events.length; i += 1) {
    const event = events[i];
    if (i > 0 && event !== undefined && event.value === events[i - 1]?.value) {
      countEvent(event);
      continue;
    }
    const fmr = (impostors - impostorBelow) / impostors;
    const fnmr = (genuineBelow + scores.genuineFailedToAcquire) / scores.genuinePairs;
    if (Math.abs(fmr - fnmr) < best.gap)
      best = { gap: Math.abs(fmr - fnmr), eer: (fmr + fnmr) / 2 };
    if (event !== undefined) countEvent(event);
  }
  return best.eer;

  function countEvent(event: { genuine: boolean }): void {
    if (event.genuine) genuineBelow += 1;
    else impostorBelow += 1;
  }
}
