// A calibration record written before `dimension` existed (models/thresholds.json as of 6d575ed, cut down to
// one subset) must still read: the evaluation scripts and scripts/record-fitted-people.ts, which exists to
// upgrade older records, parse it with parseThresholdsFile. The hub's loader keeps requiring the dimension.
import { describe, expect, it } from 'vitest';
import {
  parseThresholdsFile,
  ThresholdsFileError,
} from '../../../src/biometrics/calibration/thresholds-file.ts';

const clmtrackr = {
  genuinePairs: 55,
  impostorPairs: 0,
  failedToAcquire: 0,
  falseMatches: 0,
  falseNonMatches: 31,
  fmr: null,
  fnmr: 0.563636,
  ownThreshold: null,
  fnmrAtOwnThreshold: null,
  eer: null,
};

/** The shape calibrate wrote before b46c927: no dimension, no fitted people, no pair-fold fields. */
const olderRecord = {
  modelId: 'faceapi-recognition-128-b413e420d684',
  metric: 'cosine-similarity',
  decision: 'match when cosine similarity >= threshold',
  threshold: 0.9639,
  targetFmr: 0.001,
  decidedBy: 'nuaa',
  method: 'Each image embedded once by the production engine',
  outOfSample: {
    protocol: 'Identity-disjoint k-fold cross-validation',
    folds: 5,
    repeats: 4,
    seed: 'facepay-calibration',
    inSampleThreshold: 0.9574,
    safetyMargin: 0.0065,
    safetyMarginHeld: true,
    perCondition: {
      clmtrackr: {
        genuinePairs: 220,
        comparedImpostors: 0,
        failedToAcquire: 0,
        falseMatches: 0,
        falseNonMatches: 118,
        fmr: null,
        fnmr: 0.536364,
        fmrWorstFold: null,
        fmrMedianFold: null,
        fnmrWorstFold: 0.618182,
        fnmrMedianFold: 0.536364,
        foldsWithImpostors: 0,
        foldsWithGenuine: 4,
        foldsOverTarget: 0,
      },
    },
  },
  perSubset: { clmtrackr },
  perGroup: {},
  curve: { thresholds: [0], perSubset: { clmtrackr: { fmr: [null], fnmr: [0] } } },
  dataset: {
    pairsSha256: '46db2105b9027144dfcf89a155447429d4e3a635dc5475ba89fe9e6eb38a4e33',
    imagesSha256: 'd4d55dc10bf062a1278e87252c92b232508c5791675f50a99d774a3acadba178',
    images: 843,
    pairs: 55795,
    sources: [
      {
        name: 'faces',
        pairsSha256: '86f024a830069ec2e64cec551d9d998d9e6e4c3f39c12a2a6af791afe47d5f4c',
      },
    ],
    imageSha256Prefixes: ['0018dd919956008e'],
  },
  pipeline: { backend: 'wasm' },
  createdBy: 'scripts/calibrate.ts v2',
};

describe('a calibration record written before the dimension was recorded', () => {
  it('reads, with no dimension', () => {
    const file = parseThresholdsFile(JSON.stringify(olderRecord));
    expect(file.threshold).toBe(0.9639);
    expect(file.modelId).toBe('faceapi-recognition-128-b413e420d684');
    expect(file.dimension).toBeUndefined();
  });

  it('still refuses a dimension out of range when one is written', () => {
    expect(() => parseThresholdsFile(JSON.stringify({ ...olderRecord, dimension: 3 }))).toThrow(
      ThresholdsFileError,
    );
    expect(parseThresholdsFile(JSON.stringify({ ...olderRecord, dimension: 128 })).dimension).toBe(
      128,
    );
  });
});
