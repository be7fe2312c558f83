// Threshold selection on synthetic scores with known answers (the worst subset decides, failures to
// acquire count against FNMR), and a calibration record that is byte-identical for the same scores.

import { describe, expect, it } from 'vitest';
import { maskSplitPairs, parseMasksCsv } from '../../../src/biometrics/calibration/masks.ts';
import { PairsFileError, parsePairsCsv } from '../../../src/biometrics/calibration/pairs.ts';
import { withMargin } from '../../../src/biometrics/calibration/cross-validation.ts';
import type { ScoreSet, SubsetScores } from '../../../src/biometrics/calibration/scores.ts';
import { scorePairs } from '../../../src/biometrics/calibration/scores.ts';
import type { CalibrationInput } from '../../../src/biometrics/calibration/thresholds-file.ts';
import {
  buildThresholdsFile,
  parseThresholdsFile,
  serializeThresholdsFile,
} from '../../../src/biometrics/calibration/thresholds-file.ts';
import {
  equalErrorRate,
  gridAbove,
  ratesAt,
  selectThreshold,
  subsetThresholdForFmr,
} from '../../../src/biometrics/calibration/thresholds.ts';

function subset(
  genuine: number[],
  impostor: number[],
  failed: { genuine?: number; impostor?: number } = {},
): SubsetScores {
  const genuineFailed = failed.genuine ?? 0;
  const impostorFailed = failed.impostor ?? 0;
  return {
    genuine,
    impostor,
    genuinePairs: genuine.length + genuineFailed,
    impostorPairs: impostor.length + impostorFailed,
    failedToAcquire: genuineFailed + impostorFailed,
    genuineFailedToAcquire: genuineFailed,
  };
}

/** 1000 impostors 0.000..0.999 (FMR 0.1% allows one: the threshold lies just above 0.998); 100 at most 0.9. */
function syntheticScores(order: 'forward' | 'reversed' = 'forward'): Map<string, SubsetScores> {
  const wide = Array.from({ length: 1000 }, (_, index) => index / 1000);
  const narrow = Array.from({ length: 100 }, (_, index) => (index * 0.9) / 99);
  const arrange = (values: number[]): number[] =>
    order === 'forward' ? values : [...values].reverse();
  return new Map([
    ['easy', subset(arrange([0.95, 0.97, 0.99, 0.5]), arrange(narrow))],
    ['hard', subset(arrange([0.9985, 0.999, 0.95, 0.3]), arrange(wide), { genuine: 1 })],
    ['genuine-only', subset([0.99, 0.2], [])],
  ]);
}

/** A record input whose cross-validation chose `margin` on top of the fit of `scores` and `extraGroups`. */
function input(scores: ScoreSet, extraGroups: ScoreSet = new Map(), margin = 0): CalibrationInput {
  const fitted = selectThreshold(new Map([...scores, ...extraGroups]), 0.001).threshold;
  return {
    modelId: 'test-model',
    dimension: 128,
    targetFmr: 0.001,
    scores,
    extraGroups,
    dataset: {
      pairsSha256: 'p',
      imagesSha256: 'i',
      images: 3,
      pairs: 9,
      sources: [{ name: 'faces', pairsSha256: 'p' }],
      imageSha256Prefixes: ['0123456789abcdef'],
    },
    crossValidation: {
      outcomes: [],
      inSampleThreshold: fitted,
      margin: { margin, held: true },
      threshold: withMargin(fitted, margin),
      marginFound: true,
      marginWithPairFolds: { margin, found: true },
      worstFold: null,
      coverage: new Map(),
      plans: [],
    },
    protocol: { folds: 5, repeats: 1, seed: 'test' },
    pipeline: { backend: 'wasm' },
    createdBy: 'test',
  };
}

describe('threshold selection', () => {
  it('picks the lowest grid threshold above the (k+1)-th highest impostor score', () => {
    const scores = syntheticScores();
    expect(subsetThresholdForFmr(scores.get('hard')?.impostor ?? [], 0.001)).toBe(0.9981);
    expect(subsetThresholdForFmr(scores.get('easy')?.impostor ?? [], 0.001)).toBe(0.9001);
    expect(subsetThresholdForFmr([], 0.001)).toBeNull();
  });

  it('lets the worst subset decide, and every subset holds the target there', () => {
    const choice = selectThreshold(syntheticScores(), 0.001);
    expect(choice.threshold).toBe(0.9981);
    expect(choice.decidedBy).toBe('hard');
    expect(choice.subsetThresholds.get('genuine-only')).toBeNull();
    const hard = ratesAt(syntheticScores().get('hard') ?? subset([], []), choice.threshold);
    expect(hard).toMatchObject({ falseMatches: 1, fmr: 0.001 });
    // One step lower lets the second impostor (0.998) through: 0.2% > target.
    expect(ratesAt(syntheticScores().get('hard') ?? subset([], []), 0.9979).fmr).toBe(0.002);
  });

  it('counts a genuine pair failed to acquire as a non-match, and an impostor one as not compared', () => {
    const scores = subset([0.99, 0.5], [0.1, 0.2], { genuine: 2, impostor: 3 });
    expect(ratesAt(scores, 0.9)).toEqual({
      genuinePairs: 4,
      impostorPairs: 5,
      failedToAcquire: 5,
      comparedImpostors: 2,
      falseMatches: 0,
      falseNonMatches: 3,
      fmr: 0,
      fnmr: 0.75,
    });
  });

  it('keeps thresholds strictly above the score they must reject, on a 1e-4 grid', () => {
    for (const value of [0.7, 0.5, 0.12345, -0.3, 0.99999]) {
      const threshold = gridAbove(value);
      expect(threshold).toBeGreaterThan(value);
      expect(threshold - value).toBeLessThanOrEqual(1e-4 + 1e-12);
      expect(Math.round(threshold * 1e4) / 1e4).toBe(threshold);
    }
  });

  it('computes the equal error rate', () => {
    expect(equalErrorRate(subset([0.9, 0.8], [0.1, 0.2]))).toBe(0);
    expect(equalErrorRate(subset([0.9, 0.1], [0.5, 0.95]))).toBe(0.5);
    expect(equalErrorRate(subset([0.9], []))).toBeNull();
  });
});

describe('calibration record', () => {
  it('is byte-identical for the same scores, whatever their order', () => {
    const first = serializeThresholdsFile(buildThresholdsFile(input(syntheticScores())));
    const second = serializeThresholdsFile(buildThresholdsFile(input(syntheticScores())));
    const reordered = serializeThresholdsFile(
      buildThresholdsFile(input(syntheticScores('reversed'))),
    );
    expect(second).toBe(first);
    expect(reordered).toBe(first);
    expect(first.endsWith('\n')).toBe(true);
  });

  it('records the threshold, model and per-subset rates, and reads back', () => {
    const file = parseThresholdsFile(
      serializeThresholdsFile(buildThresholdsFile(input(syntheticScores()))),
    );
    expect(file).toMatchObject({
      modelId: 'test-model',
      metric: 'cosine-similarity',
      threshold: 0.9981,
      targetFmr: 0.001,
      decidedBy: 'hard',
    });
    expect(file.perSubset['hard']).toMatchObject({
      genuinePairs: 5,
      impostorPairs: 1000,
      failedToAcquire: 1,
      fmr: 0.001,
      fnmr: 0.6,
    });
    expect(file.perSubset['genuine-only']?.fmr).toBeNull();
    expect(file.curve.perSubset['hard']?.fmr).toHaveLength(file.curve.thresholds.length);
  });

  it('lets an extra group (a mask split) raise the threshold', () => {
    const groups = new Map([['mfr2/masked-masked', subset([0.9995], [0.9992])]]);
    const file = buildThresholdsFile(input(syntheticScores(), groups));
    expect(file.threshold).toBe(0.9993);
    expect(file.decidedBy).toBe('mfr2/masked-masked');
    expect(file.perGroup['mfr2/masked-masked']?.fmr).toBe(0);
  });

  it('ships the fit plus the safety margin the cross-validation chose, and records both', () => {
    const file = buildThresholdsFile(input(syntheticScores(), new Map(), 0.0012));
    expect(file.threshold).toBe(0.9993);
    expect(file.outOfSample).toMatchObject({ inSampleThreshold: 0.9981, safetyMargin: 0.0012 });
    // In-sample rates are reported at the shipped threshold: the margin rejects the 0.9985 and 0.999 pairs.
    expect(file.perSubset['hard']).toMatchObject({ falseMatches: 0, falseNonMatches: 5 });
  });

  it('refuses a malformed record', () => {
    expect(() => parseThresholdsFile('{')).toThrow(/not JSON/);
    expect(() => parseThresholdsFile('{"modelId":"x"}')).toThrow(/invalid/);
  });
});

describe('pairs, scores and mask split', () => {
  const csv = [
    'img_a,img_b,label,subset',
    'a/1.jpg,a/2.jpg,1,s',
    'a/1.jpg,b/1.jpg,0,s',
    'b/1.jpg,c/1.jpg,0,s',
  ].join('\n');

  it('scores pairs and turns a missing descriptor into a failure to acquire', () => {
    const unit = (x: number): Float32Array => new Float32Array([x, Math.sqrt(1 - x * x)]);
    const descriptors = new Map([
      ['a/1.jpg', unit(1)],
      ['a/2.jpg', unit(0.8)],
      ['b/1.jpg', unit(0)],
    ]);
    const scores = scorePairs(parsePairsCsv(csv), (image) => descriptors.get(image) ?? null);
    const s = scores.get('s');
    expect(s?.genuine[0]).toBeCloseTo(0.8, 6);
    expect(s?.impostor[0]).toBeCloseTo(0, 6);
    expect(s).toMatchObject({ genuinePairs: 1, impostorPairs: 2, failedToAcquire: 1 });
  });

  it('refuses paths that leave the data root and bad labels', () => {
    expect(() => parsePairsCsv('img_a,img_b,label,subset\n../x.jpg,a/1.jpg,1,s')).toThrow(
      PairsFileError,
    );
    expect(() => parsePairsCsv('img_a,img_b,label,subset\na/1.jpg,a/2.jpg,2,s')).toThrow(
      PairsFileError,
    );
    expect(() => parsePairsCsv('a,b,c,d\n')).toThrow(PairsFileError);
  });

  it('splits masked-face pairs by who wears a mask', () => {
    const masks = parseMasksCsv('image,mask\na/1.jpg,no-mask\na/2.jpg,cloth\nb/1.jpg,N95\n');
    const split = maskSplitPairs(parsePairsCsv(csv), 's', masks.set('c/1.jpg', false));
    expect(split.map((pair) => pair.subset)).toEqual([
      's/masked-unmasked',
      's/masked-unmasked',
      's/masked-unmasked',
    ]);
    expect(() => maskSplitPairs(parsePairsCsv(csv), 's', new Map())).toThrow(/no mask label/);
  });
});
