// The quality gate refuses a measure that is not a finite number (NaN passes every < and > test):
// degenerate landmarks or an empty chip must not read as a good face.

import { describe, expect, it } from 'vitest';
import type { PhotometricMeasures, PoseMeasures } from '../../src/biometrics/quality.ts';
import {
  defaultQualityThresholds,
  photometricReason,
  poseReason,
} from '../../src/biometrics/quality.ts';

const goodPose: PoseMeasures = {
  eyeDistancePixels: 60,
  rollDegrees: 0,
  yawRatio: 0.5,
  pitchRatio: 0.5,
};
const goodChip: PhotometricMeasures = { lumaMean: 128, sharpness: 100 };

describe('quality gate on measures that are not finite', () => {
  it('accepts the good measures it is compared with', () => {
    expect(poseReason(goodPose, defaultQualityThresholds)).toBeNull();
    expect(photometricReason(goodChip, defaultQualityThresholds)).toBeNull();
  });

  it('refuses NaN brightness and sharpness', () => {
    expect(
      photometricReason({ lumaMean: Number.NaN, sharpness: Number.NaN }, defaultQualityThresholds),
    ).not.toBeNull();
    expect(photometricReason({ ...goodChip, lumaMean: Number.NaN }, defaultQualityThresholds)).toBe(
      'too_dark',
    );
    expect(
      photometricReason({ ...goodChip, sharpness: Number.NaN }, defaultQualityThresholds),
    ).toBe('blurred');
    expect(
      photometricReason(
        { ...goodChip, sharpness: Number.POSITIVE_INFINITY },
        defaultQualityThresholds,
      ),
    ).toBe('blurred');
  });

  it('refuses NaN eye distance, yaw and pitch', () => {
    const nan = Number.NaN;
    expect(poseReason({ ...goodPose, eyeDistancePixels: nan }, defaultQualityThresholds)).toBe(
      'face_too_small',
    );
    expect(poseReason({ ...goodPose, yawRatio: nan }, defaultQualityThresholds)).toBe(
      'turned_away',
    );
    expect(poseReason({ ...goodPose, pitchRatio: nan }, defaultQualityThresholds)).toBe(
      'turned_away',
    );
    expect(
      poseReason(
        { eyeDistancePixels: nan, rollDegrees: nan, yawRatio: nan, pitchRatio: nan },
        defaultQualityThresholds,
      ),
    ).not.toBeNull();
  });
});
