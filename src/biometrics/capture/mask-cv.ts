// Fitting and judging the mask detector: a standardised logistic model whose threshold is set on scores
// out of sample within the training people, and an outer leave-people-out loop that measures the recipe.
//
// A false "mask" alarm costs more than a missed mask: it asks a bare face to remove a mask it does not
// wear, and the enrolment takes no template from that frame. So the threshold is the lowest one whose
// false-alarm rate, on the training people's out-of-fold scores, stays within falseAlarmMax.
import { assert } from '../../shared/assert.ts';
import type { LogisticModel, Scored, Standardiser } from '../liveness/linear-model.ts';
import {
  auc,
  errorRatesAt,
  fitStandardiser,
  logit,
  sigmoid,
  standardise,
  trainLogistic,
} from '../liveness/linear-model.ts';
import type { FoldSpread } from '../liveness/pad-folds.ts';
import { groupFolds, spread } from '../liveness/pad-folds.ts';

export interface MaskCvSample {
  /** One person: no fold has them on both sides. */
  readonly group: string;
  readonly subset: string;
  readonly masked: boolean;
  readonly x: Float64Array;
}

export interface MaskRecipe {
  readonly l2: number;
  readonly iterations: number;
  /** Highest false-alarm rate (unmasked called masked) the threshold may give on training people. */
  readonly falseAlarmMax: number;
  /** Folds over the training people that give the out-of-fold scores the threshold is set on. */
  readonly innerFolds: number;
}

export const defaultMaskRecipe: MaskRecipe = {
  l2: 0.01,
  iterations: 3000,
  falseAlarmMax: 0.02,
  innerFolds: 5,
};

export interface MaskFit {
  readonly standardiser: Standardiser;
  readonly model: LogisticModel;
  readonly threshold: number;
}

function fitLinear(samples: readonly MaskCvSample[], recipe: MaskRecipe) {
  const standardiser = fitStandardiser(samples.map((s) => s.x));
  const model = trainLogistic(
    samples.map((s) => standardise(s.x, standardiser)),
    samples.map((s) => (s.masked ? 1 : 0)),
    { l2: recipe.l2, iterations: recipe.iterations },
  );
  return { standardiser, model };
}

export function maskScore(fit: Omit<MaskFit, 'threshold'>, x: Float64Array): number {
  return sigmoid(logit(fit.model, standardise(x, fit.standardiser)));
}

/** As linear-model's Scored: `live` is 1 for a mask, so APCER reads as false alarms, BPCER as misses. */
function scoredOf(samples: readonly MaskCvSample[], scores: readonly number[]): Scored[] {
  return samples.map((s, i) => ({ score: scores[i] ?? 0, live: s.masked ? 1 : 0 }));
}

/** The lowest threshold between observed scores whose false-alarm rate is within `falseAlarmMax`. */
export function thresholdAt(scored: readonly Scored[], falseAlarmMax: number): number {
  const scores = [...new Set(scored.map((s) => s.score))].sort((a, b) => a - b);
  const candidates = scores.map((s, i) => (i === 0 ? s : ((scores[i - 1] ?? s) + s) / 2));
  candidates.push((scores[scores.length - 1] ?? 0.5) + 1e-9);
  const chosen = candidates.find((t) => errorRatesAt(scored, t).apcer <= falseAlarmMax);
  assert(chosen !== undefined, 'the threshold above every score has no false alarm');
  return Math.min(1 - 1e-9, Math.max(1e-9, chosen));
}

/** Model on every sample given; threshold from out-of-fold scores over those samples' people. */
export function fitMask(samples: readonly MaskCvSample[], recipe: MaskRecipe): MaskFit {
  const folds = groupFolds(samples, recipe.innerFolds);
  const oof = new Map<MaskCvSample, number>();
  for (const fold of folds) {
    const fit = fitLinear(fold.train, recipe);
    for (const s of fold.test) oof.set(s, maskScore(fit, s.x));
  }
  const scores = samples.map((s) => oof.get(s) ?? 0);
  const threshold = thresholdAt(scoredOf(samples, scores), recipe.falseAlarmMax);
  return { ...fitLinear(samples, recipe), threshold };
}

export interface MaskRates {
  readonly unmasked: number;
  readonly masked: number;
  /** Unmasked faces called masked, over unmasked faces. */
  readonly falseAlarm: number | null;
  /** Masked faces not called masked, over masked faces. */
  readonly miss: number | null;
}

export function maskRates(
  scored: readonly { sample: MaskCvSample; score: number; threshold: number }[],
): MaskRates {
  const unmasked = scored.filter((s) => !s.sample.masked);
  const masked = scored.filter((s) => s.sample.masked);
  return {
    unmasked: unmasked.length,
    masked: masked.length,
    falseAlarm:
      unmasked.length === 0
        ? null
        : unmasked.filter((s) => s.score >= s.threshold).length / unmasked.length,
    miss:
      masked.length === 0
        ? null
        : masked.filter((s) => s.score < s.threshold).length / masked.length,
  };
}

export interface MaskCvResult {
  /** Every sample scored once, by the fold that held its person out, at that fold's threshold. */
  readonly scored: readonly { sample: MaskCvSample; score: number; threshold: number }[];
  readonly pooled: MaskRates;
  readonly folds: readonly MaskRates[];
  readonly falseAlarmSpread: FoldSpread | null;
  readonly missSpread: FoldSpread | null;
  /** Pooled out-of-fold AUC (scores of different folds' models pooled: a guide, not the operating point). */
  readonly auc: number;
}

export function crossValidateMask(
  samples: readonly MaskCvSample[],
  options: { folds: number; recipe: MaskRecipe },
): MaskCvResult {
  const scored: { sample: MaskCvSample; score: number; threshold: number }[] = [];
  const folds: MaskRates[] = [];
  for (const fold of groupFolds(samples, options.folds)) {
    const fit = fitMask(fold.train, options.recipe);
    const held = fold.test.map((sample) => ({
      sample,
      score: maskScore(fit, sample.x),
      threshold: fit.threshold,
    }));
    scored.push(...held);
    folds.push(maskRates(held));
  }
  return {
    scored,
    pooled: maskRates(scored),
    folds,
    falseAlarmSpread: spread(folds.map((f) => f.falseAlarm)),
    missSpread: spread(folds.map((f) => f.miss)),
    auc: auc(scored.map((s) => ({ score: s.score, live: s.sample.masked ? 1 : 0 }))),
  };
}
