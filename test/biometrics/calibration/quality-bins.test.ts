// Quality bins of scored pairs (issue 8): a pair's bin is its worse image's, every pair lands in exactly one
// bin, rates are read at each test's own threshold, and per-bin shifts come from training impostors alone.
import { describe, expect, it } from 'vitest';
import type {
  ImageQuality,
  QualityPair,
  TestedPair,
} from '../../../src/biometrics/calibration/quality-bins.ts';
import {
  binLabels,
  binOf,
  failedBin,
  fitBinShifts,
  quantile,
  shiftScores,
  tallyBins,
  worseQuality,
} from '../../../src/biometrics/calibration/quality-bins.ts';

const good: ImageQuality = { faceWidth: 150, eyeDistance: 60, sharpness: 0.6, luma: 120 };
const small: ImageQuality = { faceWidth: 45, eyeDistance: 18, sharpness: 0.5, luma: 130 };

function pair(genuine: boolean, score: number | null, quality: ImageQuality | null): QualityPair {
  return {
    condition: 'c',
    identityA: 'a',
    identityB: genuine ? 'a' : 'b',
    genuine,
    score,
    variant: 'original',
    quality,
  };
}

describe('quality bins', () => {
  const spec = { measure: 'faceWidth', cuts: [50, 100] } as const;

  it('takes the worse image per measure and bins by it, the failed bin last', () => {
    expect(worseQuality(good, small)).toEqual({
      faceWidth: 45,
      eyeDistance: 18,
      sharpness: 0.5,
      luma: 120,
    });
    expect(worseQuality(good, null)).toBeNull();
    expect(binLabels(spec)).toEqual(['< 50', '50 - 100', '>= 100', failedBin]);
    expect(binOf(spec, small)).toBe('< 50');
    expect(binOf(spec, { ...good, faceWidth: 50 })).toBe('50 - 100');
    expect(binOf(spec, good)).toBe('>= 100');
    expect(binOf(spec, null)).toBe(failedBin);
  });

  it('partitions the tests and reads each at its own threshold', () => {
    const tested: TestedPair[] = [
      { pair: pair(true, 0.97, good), threshold: 0.96, fold: 'f1' },
      { pair: pair(true, 0.95, small), threshold: 0.96, fold: 'f1' },
      { pair: pair(false, 0.97, small), threshold: 0.96, fold: 'f1' },
      { pair: pair(false, 0.97, small), threshold: 0.98, fold: 'f2' },
      { pair: pair(false, 0.5, good), threshold: 0.96, fold: 'f2' },
      { pair: pair(true, null, null), threshold: 0.96, fold: 'f2' },
    ];
    const bins = tallyBins(tested, spec);
    expect(Object.keys(bins)).toEqual(binLabels(spec));
    const sum = (pick: (rates: (typeof bins)[string]) => number): number =>
      Object.values(bins).reduce((total, rates) => total + pick(rates), 0);
    expect(sum((r) => r.genuinePairs)).toBe(3);
    expect(sum((r) => r.impostorPairs)).toBe(3);
    expect(bins['< 50']).toMatchObject({
      genuinePairs: 1,
      falseNonMatches: 1,
      impostorPairs: 2,
      falseMatches: 1,
      fmr: 0.5,
      fmrWorstFold: 1,
    });
    expect(bins['50 - 100']).toMatchObject({ genuinePairs: 0, impostorPairs: 0, fmr: null });
    expect(bins['>= 100']).toMatchObject({ fnmr: 0, fmr: 0 });
    expect(bins[failedBin]).toMatchObject({
      genuinePairs: 1,
      failedToAcquire: 1,
      falseNonMatches: 1,
    });
  });

  it('counts an impostor pair once in its score tail however many folds tested it', () => {
    const impostor = pair(false, 0.9, small);
    const bins = tallyBins(
      [
        { pair: impostor, threshold: 0.96, fold: 'f1' },
        { pair: impostor, threshold: 0.96, fold: 'f2' },
      ],
      spec,
    );
    expect(bins['< 50']?.impostorPairs).toBe(2);
    expect(bins['< 50']?.impostorScores).toEqual({ count: 1, p99: 0.9, p999: 0.9, max: 0.9 });
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2);
    expect(quantile([], 0.5)).toBeNull();
  });

  it('shifts a bin whose impostors score higher by the gap between its threshold and the pooled one', () => {
    // 1000 impostors per bin: target 0.1% allows one false match, so the 2nd highest decides.
    const train = [
      ...Array.from({ length: 1000 }, (_, i) => pair(false, 0.5 + i * 1e-4, good)),
      ...Array.from({ length: 1000 }, (_, i) => pair(false, 0.6 + i * 1e-4, small)),
      pair(true, 0.99, small),
    ];
    const shifts = fitBinShifts(train, spec, 0.001);
    // Bins: < 50 (small), 50-100 (empty: no shift), >= 100 (good).
    expect(shifts.shifts[1]).toBe(0);
    expect(shifts.shifts[0]).toBeGreaterThan(0);
    expect(shifts.shifts[2]).toBeLessThan(0);
    const [shifted] = shiftScores([pair(true, 0.9, small)], shifts);
    expect(shifted?.score).toBeCloseTo(0.9 - (shifts.shifts[0] ?? 0), 6);
    expect(shiftScores([pair(true, null, null)], shifts)[0]?.score).toBeNull();
  });
});
