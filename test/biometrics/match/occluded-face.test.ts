// The masked-pair matcher's chip on real photos: the grey fill covers every row below the cut, whatever
// was painted under it in the photo gives the same descriptor, and no tensor is left behind.

import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cosineSimilarity } from '../../../src/biometrics/calibration/scores.ts';
import { chipSide } from '../../../src/biometrics/align.ts';
import { loadFaceParts } from '../../../src/biometrics/engine-load.node.ts';
import { FaceEngine } from '../../../src/biometrics/engine.ts';
import type { FaceModels } from '../../../src/biometrics/face-models.ts';
import type { Point } from '../../../src/biometrics/geometry.ts';
import type { DecodedImage } from '../../../src/biometrics/image-decode.node.ts';
import type { OcclusionVariant } from '../../../src/biometrics/match/occluded-face.ts';
import {
  fillStartRow,
  occludedChip,
  occludedDescriptor,
  occludedFrame,
  occlusionGrey,
} from '../../../src/biometrics/match/occluded-face.ts';
import { eyeCenters } from '../../../src/biometrics/quality.ts';
import { decodeFace, modelsDir } from '../face-helpers.ts';

let engine: FaceEngine;
let models: FaceModels;

beforeAll(async () => {
  const parts = await loadFaceParts(modelsDir);
  models = parts.models;
  engine = new FaceEngine({
    faceapi: parts.runtime.faceapi,
    models,
    backend: parts.runtime.backend,
  });
});

afterAll(() => {
  engine.dispose();
});

const fill: OcclusionVariant = { kind: 'fill', name: 'fill-test', cut: 0.35 };
const band: OcclusionVariant = { kind: 'band', name: 'band-test', top: -0.75, cut: 0.35 };

async function landmarksOf(image: DecodedImage): Promise<Point[]> {
  const result = await engine.processFrame(image, { describe: false });
  if (!result.ok) throw new Error(`no usable face: ${result.reason}`);
  return result.face.landmarks;
}

function frameOf(image: DecodedImage): tf.Tensor3D {
  return tf.tensor3d(image.data, [image.height, image.width, 3], 'int32');
}

/** A copy of the photo with every pixel more than `below` eye distances under the eye line set to `rgb`. */
function paintLowerFace(
  image: DecodedImage,
  landmarks: readonly Point[],
  options: { below: number; rgb: readonly [number, number, number] },
): DecodedImage {
  const { left, right } = eyeCenters(landmarks);
  const distance = Math.hypot(right.x - left.x, right.y - left.y);
  const mid = { x: (left.x + right.x) / 2, y: (left.y + right.y) / 2 };
  const roll = Math.atan2(right.y - left.y, right.x - left.x);
  const data = Uint8Array.from(image.data);
  for (let y = 0; y < image.height; y += 1) {
    for (let x = 0; x < image.width; x += 1) {
      const v = (-(x - mid.x) * Math.sin(roll) + (y - mid.y) * Math.cos(roll)) / distance;
      if (v <= options.below) continue;
      data.set(options.rgb, (y * image.width + x) * 3);
    }
  }
  return { ...image, data };
}

describe('occludedChip', () => {
  it('starts the fill at a row that moves down with the cut and stays inside the chip', () => {
    expect(fillStartRow(0.2)).toBeLessThan(fillStartRow(0.35));
    expect(fillStartRow(0.35)).toBeLessThan(fillStartRow(0.55));
    expect(fillStartRow(-5)).toBe(0);
    expect(fillStartRow(5)).toBe(chipSide);
  });

  it('paints every row below the cut grey, keeps the eyes above it, and leaks no tensor', async () => {
    const image = await decodeFace('facerec_obama/1.jpg');
    const landmarks = await landmarksOf(image);
    const frame = frameOf(image);
    const before = tf.memory().numTensors;
    const chip = occludedChip(frame, landmarks, fill);
    const values = await chip.data();
    expect(chip.shape).toEqual([chipSide, chipSide, 3]);
    chip.dispose();
    frame.dispose();
    expect(tf.memory().numTensors).toBe(before - 1);
    const start = fillStartRow(fill.cut) * chipSide * 3;
    expect(values.slice(start).every((value) => value === occlusionGrey)).toBe(true);
    expect(values.slice(0, start).some((value) => value !== occlusionGrey)).toBe(true);
  });

  it('gives the band variant the network input size', async () => {
    const image = await decodeFace('facerec_obama/1.jpg');
    const frame = frameOf(image);
    const chip = occludedChip(frame, await landmarksOf(image), band);
    expect(chip.shape).toEqual([chipSide, chipSide, 3]);
    tf.dispose([chip, frame]);
  });
});

describe('occludedDescriptor', () => {
  it('does not see what lies under the fill: a painted-over lower face gives the same descriptor', async () => {
    const image = await decodeFace('facerec_obama/1.jpg');
    const landmarks = await landmarksOf(image);
    const painted = paintLowerFace(image, landmarks, { below: 0.5, rgb: [20, 90, 200] });
    const [frame, paintedFrame] = [frameOf(image), frameOf(painted)];
    try {
      const bare = await occludedDescriptor(models.recognition, frame, landmarks, fill);
      const masked = await occludedDescriptor(models.recognition, paintedFrame, landmarks, fill);
      expect(bare).toHaveLength(128);
      expect(Math.hypot(...bare)).toBeCloseTo(1, 5);
      expect(cosineSimilarity(bare, masked)).toBeGreaterThan(0.9999);
      // The fill is what makes it so: with the cut below the paint's edge the net sees the paint.
      const lower: OcclusionVariant = { kind: 'fill', name: 'fill-low', cut: 0.9 };
      const bareLow = await occludedDescriptor(models.recognition, frame, landmarks, lower);
      const maskedLow = await occludedDescriptor(
        models.recognition,
        paintedFrame,
        landmarks,
        lower,
      );
      expect(cosineSimilarity(bareLow, maskedLow)).toBeLessThan(0.999);
    } finally {
      tf.dispose([frame, paintedFrame]);
    }
  });
});

describe('occludedFrame', () => {
  it('greys exactly the pixels below the cut, keeps the rest, and leaks no tensor', async () => {
    const image = await decodeFace('facerec_obama/1.jpg');
    const landmarks = await landmarksOf(image);
    const frame = frameOf(image);
    const before = tf.memory().numTensors;
    const painted = occludedFrame(frame, landmarks, 0.35);
    expect(painted.shape).toEqual(frame.shape);
    expect(painted.dtype).toBe('int32');
    const values = await painted.data();
    painted.dispose();
    frame.dispose();
    expect(tf.memory().numTensors).toBe(before - 1);
    const expected = paintLowerFace(image, landmarks, {
      below: 0.35,
      rgb: [occlusionGrey, occlusionGrey, occlusionGrey],
    });
    let differing = 0;
    for (let i = 0; i < values.length; i += 1) if (values[i] !== expected.data[i]) differing += 1;
    // Only pixels on the cut line itself may fall on either side (float rounding of the line).
    expect(differing / values.length).toBeLessThan(0.002);
    expect(values.some((value, i) => value !== occlusionGrey && value === image.data[i])).toBe(
      true,
    );
  });
});
