// Thresholds per band of the probe's sharpness: the bands and shifts come from training pairs alone, a probe
// of unknown quality keeps its score, and cross-validation refits the bands inside every fold.

import { describe, expect, it } from 'vitest';
import type { ScoredPair } from '../../../src/biometrics/calibration/cross-validation.ts';
import {
  crossValidate,
  pairsWithin,
  planFolds,
} from '../../../src/biometrics/calibration/cross-validation.ts';
import {
  bandOf,
  fitQualityBands,
  qualityBandTransform,
  shiftByBand,
} from '../../../src/biometrics/calibration/quality-bands.ts';
import { selectThreshold } from '../../../src/biometrics/calibration/thresholds.ts';

const target = 0.001;

const people = (prefix: string, count: number): string[] =>
  Array.from({ length: count }, (_, index) => `${prefix}_${String(index).padStart(2, '0')}`);

/**
 * One condition where a blurred probe (sharpness 20) makes strangers look alike (impostors up to 0.90) and a
 * sharp one (sharpness 400) does not (impostors up to 0.60); every genuine pair scores `genuine`.
 */
function blurAndSharpPairs(
  count: number,
  genuine: { blurred: number; sharp: number },
): ScoredPair[] {
  const pairs: ScoredPair[] = [];
  const names = people('p', count);
  for (const [i, a] of names.entries()) {
    pairs.push({ ...pair(a, a, true, genuine.blurred), probeQuality: 20 });
    pairs.push({ ...pair(a, a, true, genuine.sharp), probeQuality: 400 });
    for (const [j, b] of names.slice(i + 1).entries()) {
      const spread = ((i * 7 + j * 3) % 10) / 100;
      pairs.push({ ...pair(a, b, false, 0.8 + spread), probeQuality: 20 + (j % 3) });
      pairs.push({ ...pair(a, b, false, 0.5 + spread), probeQuality: 400 + (j % 3) });
    }
  }
  return pairs;
}

function pair(a: string, b: string, genuine: boolean, score: number): ScoredPair {
  return { condition: 'webcam', identityA: a, identityB: b, genuine, score };
}

describe('probe quality bands', () => {
  it('cuts at the probes quantiles and shifts each band by its own impostors', () => {
    const bands = fitQualityBands(blurAndSharpPairs(20, { blurred: 0.95, sharp: 0.95 }), target, 2);
    expect(bands.cuts).toHaveLength(1);
    expect(bands.cuts[0]).toBeGreaterThan(22);
    expect(bands.cuts[0]).toBeLessThanOrEqual(400);
    expect(bandOf(bands, 20)).toBe(0);
    expect(bandOf(bands, 400)).toBe(1);
    // The blurred band's strangers reach 0.89, the sharp band's 0.59: the pooled threshold is the blurred
    // band's, so the sharp band's shift is about -0.3 and the blurred band's 0.
    expect(bands.shifts[0]).toBe(0);
    expect(bands.shifts[1]).toBeCloseTo(-0.3, 3);
  });

  it('leaves the score of a probe without a measured quality as it is', () => {
    const bands = { cuts: [100], shifts: [0.01, -0.2] };
    const unknown: ScoredPair = { ...pair('a', 'b', false, 0.7), probeQuality: null };
    const absent = pair('a', 'c', false, 0.7);
    const sharp: ScoredPair = { ...pair('a', 'd', false, 0.7), probeQuality: 150 };
    const [u, n, s] = shiftByBand([unknown, absent, sharp], bands);
    expect(u?.score).toBe(0.7);
    expect(n?.score).toBe(0.7);
    expect(s?.score).toBeCloseTo(0.9, 9);
  });

  it('ignores genuine pairs and pairs of unknown quality when fitting', () => {
    const pairs = blurAndSharpPairs(12, { blurred: 0.95, sharp: 0.95 });
    const noisy = [
      ...pairs,
      { ...pair('p_00', 'p_00', true, 0.99), probeQuality: 5000 },
      { ...pair('p_00', 'p_01', false, 0.99), probeQuality: null },
    ];
    expect(fitQualityBands(noisy, target, 2).shifts).toEqual(
      fitQualityBands(pairs, target, 2).shifts,
    );
  });

  it('lets a sharp genuine probe through that one threshold refuses, with FMR held out of sample', () => {
    const pairs = blurAndSharpPairs(30, { blurred: 0.95, sharp: 0.75 });
    const options = {
      pairs,
      folds: 3,
      repeats: 1,
      seed: 'bands',
      linked: [],
      targetFmr: target,
      fit: (train: Parameters<typeof selectThreshold>[0]) =>
        selectThreshold(train, target).threshold,
      margins: [0, 0.01, 0.02],
    };
    const single = crossValidate(options);
    const banded = crossValidate({ ...options, transform: qualityBandTransform(target, 2) });
    const totals = (result: typeof single): { fnm: number; fm: number } =>
      result.outcomes.reduce(
        (sum, outcome) => {
          const rates = outcome.rates.get('webcam');
          return {
            fnm: sum.fnm + (rates?.falseNonMatches ?? 0),
            fm: sum.fm + (rates?.falseMatches ?? 0),
          };
        },
        { fnm: 0, fm: 0 },
      );
    // One threshold must sit above the blurred strangers (~0.9), so every sharp genuine (0.75) fails.
    expect(totals(single).fnm).toBeGreaterThanOrEqual(30);
    expect(totals(banded).fnm).toBe(0);
    expect(totals(banded).fm).toBe(0);
  });

  it("fits the bands inside a fold on that fold's training people only", () => {
    const pairs = blurAndSharpPairs(15, { blurred: 0.95, sharp: 0.95 });
    const seen: (readonly ScoredPair[])[] = [];
    const recording = (train: readonly ScoredPair[]) => {
      seen.push(train);
      return qualityBandTransform(target, 2)(train);
    };
    const result = crossValidate({
      pairs,
      folds: 3,
      repeats: 1,
      seed: 'fold-fit',
      linked: [],
      targetFmr: target,
      fit: (train) => selectThreshold(train, target).threshold,
      margins: [0],
      transform: recording,
    });
    const plan = result.plans[0];
    expect(plan).toBeDefined();
    if (plan === undefined) return;
    // Every outer fold's transform saw exactly the pairs of the other folds' people.
    for (const fold of [0, 1, 2]) {
      const others = new Set([0, 1, 2].filter((other) => other !== fold));
      const expected = pairsWithin(pairs, plan, others).length;
      const testPeople = new Set([...plan].filter(([, f]) => f === fold).map(([id]) => id));
      const fitOnOthers = seen.filter(
        (train) =>
          train.length === expected &&
          train.every((p) => !testPeople.has(p.identityA) && !testPeople.has(p.identityB)),
      );
      expect(fitOnOthers.length).toBeGreaterThan(0);
    }
    // No fit inside the folds (inner or outer) ever saw every person: only the in-sample fit does.
    expect(seen.filter((train) => train.length === pairs.length)).toHaveLength(1);
    expect(planFolds({ pairs, folds: 3, seed: 'fold-fit/0', linked: [] })).toEqual(plan);
  });
});
