// The enrolment station's photo-vs-live check: its calibration file is refused unless it is the record the
// calibration writes, the decision falls exactly at the threshold, and on real faces2 photos and video
// frames (through the production engine) a person's own ID photo outscores another person's.

import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeImage } from '../../../src/biometrics/image-decode.node.ts';
import { createFaceEngine } from '../../../src/biometrics/engine.node.ts';
import type { FaceEngine } from '../../../src/biometrics/engine.ts';
import type { PhotoVsLiveCalibration } from '../../../src/biometrics/calibration/photo-vs-live.ts';
import {
  comparePhotoToLive,
  parsePhotoVsLiveFile,
  photoToLiveScore,
  PhotoVsLiveFileError,
} from '../../../src/biometrics/calibration/photo-vs-live.ts';
import { readPhotoVsLiveFile } from '../../../src/biometrics/calibration/photo-vs-live.node.ts';
import { parseThresholdsFile } from '../../../src/biometrics/calibration/thresholds-file.ts';
import { AssertionError } from '../../../src/shared/assert.ts';
import { readFile } from 'node:fs/promises';
import { modelsDir, sharedData } from '../face-helpers.ts';

const valid = {
  modelId: 'faceapi-recognition-128-b413e420d684',
  threshold: 0.9684,
  targetFmr: 0.001,
  combine: 'fused',
  outOfSample: {
    fmr: 0,
    fnmr: 0.35,
    genuinePairs: 48,
    impostorPairs: 156,
    folds: 4,
    seeds: 10,
    fmrWorstFold: 0,
    fnmrWorstFold: 0.9,
  },
  pairs: 'faces2 selfie_webcam: still photo vs video frame',
  fittedAt: '2026-12-02T03:52:59.246Z',
};

type Json = Record<string, unknown>;

function withChange(change: (file: Json & { outOfSample: Json }) => void): string {
  const file = structuredClone(valid) as Json & { outOfSample: Json };
  change(file);
  return JSON.stringify(file);
}

describe('parsePhotoVsLiveFile', () => {
  it('reads a well-formed record', () => {
    const file = parsePhotoVsLiveFile(JSON.stringify(valid));
    expect(file.threshold).toBe(0.9684);
    expect(file.combine).toBe('fused');
    expect(file.outOfSample.seeds).toBe(10);
  });

  it.each<[string, string]>([
    ['text that is not JSON', '{"modelId": '],
    ['a missing threshold', withChange((file) => delete file['threshold'])],
    ['a threshold above 1', withChange((file) => (file['threshold'] = 1.2))],
    ['a threshold given as text', withChange((file) => (file['threshold'] = '0.96'))],
    ['an unknown way to combine frames', withChange((file) => (file['combine'] = 'mean'))],
    ['a missing out-of-sample FNMR', withChange((file) => delete file.outOfSample['fnmr'])],
    ['an FMR above 1', withChange((file) => (file.outOfSample['fmr'] = 3))],
    ['fewer than two folds', withChange((file) => (file.outOfSample['folds'] = 1))],
    ['a fractional pair count', withChange((file) => (file.outOfSample['genuinePairs'] = 4.5))],
    ['a fit date that is not ISO', withChange((file) => (file['fittedAt'] = 'yesterday'))],
    ['an empty model id', withChange((file) => (file['modelId'] = ''))],
    ['no pairs line', withChange((file) => delete file['pairs'])],
  ])('refuses %s', (_, text) => {
    expect(() => parsePhotoVsLiveFile(text)).toThrow(PhotoVsLiveFileError);
  });

  it('refuses a record fitted for another face model', () => {
    const text = JSON.stringify(valid);
    expect(() => parsePhotoVsLiveFile(text, 'faceapi-recognition-128-000000000000')).toThrow(
      /is for faceapi-recognition-128-b413e420d684/,
    );
    expect(parsePhotoVsLiveFile(text, valid.modelId).modelId).toBe(valid.modelId);
  });

  it('the committed models/photo-vs-live.json is a valid record for the model of thresholds.json', async () => {
    const thresholds = parseThresholdsFile(
      await readFile(path.join(modelsDir, 'thresholds.json'), 'utf8'),
    );
    const file = await readPhotoVsLiveFile(undefined, thresholds.modelId);
    expect(file.targetFmr).toBeLessThanOrEqual(thresholds.targetFmr);
    expect(file.outOfSample.impostorPairs).toBeGreaterThan(0);
    expect(file.outOfSample.genuinePairs).toBeGreaterThan(0);
  });
});

function unit(values: readonly number[]): Float32Array {
  const norm = Math.hypot(...values);
  return Float32Array.from(values, (value) => value / norm);
}

/** A unit vector at cosine `c` from [1, 0, 0] in the plane of the first two axes. */
function atCosine(c: number): Float32Array {
  return Float32Array.from([c, Math.sqrt(1 - c * c), 0]);
}

describe('comparePhotoToLive', () => {
  const photo = unit([1, 0, 0]);

  it('matches at the threshold itself and not one grid step above it', () => {
    const live = [atCosine(0.96)];
    const { score } = comparePhotoToLive(photo, live, { threshold: 0, combine: 'median' });
    expect(score).toBeCloseTo(0.96, 6);
    expect(comparePhotoToLive(photo, live, { threshold: score, combine: 'median' })).toEqual({
      score,
      matched: true,
    });
    expect(
      comparePhotoToLive(photo, live, { threshold: score + 1e-4, combine: 'median' }).matched,
    ).toBe(false);
  });

  it('combines several frames as the median, the best, or the fused mean descriptor', () => {
    const live = [atCosine(0.9), atCosine(0.5), atCosine(0.99)];
    expect(photoToLiveScore(photo, live, 'median')).toBeCloseTo(0.9, 6);
    expect(photoToLiveScore(photo, live, 'best')).toBeCloseTo(0.99, 6);
    expect(photoToLiveScore(photo, live.slice(0, 2), 'median')).toBeCloseTo(0.7, 6);
    // The mean of the three unit frames, normalised, against the photo: computed here by hand.
    const mean = [0, 1, 2].map((axis) => live.reduce((sum, frame) => sum + (frame[axis] ?? 0), 0));
    const expected = (mean[0] ?? 0) / Math.hypot(...mean);
    expect(photoToLiveScore(photo, live, 'fused')).toBeCloseTo(expected, 6);
    const calibration: Pick<PhotoVsLiveCalibration, 'threshold' | 'combine'> = {
      threshold: 0.95,
      combine: 'median',
    };
    expect(comparePhotoToLive(photo, live, calibration).matched).toBe(false);
    expect(comparePhotoToLive(photo, live, { ...calibration, combine: 'best' }).matched).toBe(true);
  });

  it('refuses no live frame and descriptors of another length as programmer errors', () => {
    expect(() => comparePhotoToLive(photo, [], { threshold: 0.9, combine: 'fused' })).toThrow(
      AssertionError,
    );
    expect(() =>
      comparePhotoToLive(photo, [unit([1, 0])], { threshold: 0.9, combine: 'median' }),
    ).toThrow(AssertionError);
  });
});

describe('comparePhotoToLive on real faces2 captures (production engine)', () => {
  let engine: FaceEngine;

  beforeAll(async () => {
    engine = await createFaceEngine();
  });

  afterAll(() => {
    engine.dispose();
  });

  async function describeImage(relative: string): Promise<Float32Array> {
    const image = await decodeImage(await readFile(path.join(sharedData, 'faces2', relative)));
    const result = await engine.processFrame(image);
    if (!result.ok) throw new Error(`${relative}: ${result.reason}`);
    return result.descriptor;
  }

  it("a person's webcam frames match their own webcam photo and not another person's", async () => {
    const calibration = await readPhotoVsLiveFile(undefined, engine.modelId);
    // capture.csv: 8-10 are frames of selfie_61dc1abd's webcam clip, 7 his webcam photo; 61dc197c/3 is
    // another man's webcam photo.
    const live = await Promise.all(
      ['8', '9', '10'].map((n) => describeImage(`selfie_61dc1abd/${n}.jpg`)),
    );
    const own = comparePhotoToLive(await describeImage('selfie_61dc1abd/7.jpg'), live, calibration);
    const other = comparePhotoToLive(
      await describeImage('selfie_61dc197c/3.jpg'),
      live,
      calibration,
    );
    expect(own.matched).toBe(true);
    expect(other.matched).toBe(false);
    expect(own.score).toBeGreaterThan(other.score);
  });
});
