// The ArcFace alignment: a synthetic face whose five points sit under a known similarity must come out
// with those points on insightface's template (within a pixel), and the fitted transform must be the inverse.

import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadFaceApiRuntime } from '../../../src/biometrics/backend.node.ts';
import type { Similarity } from '../../../src/biometrics/embedders/arcface-align.ts';
import {
  applySimilarity,
  arcfaceCrop,
  arcfaceTemplate,
  arcfaceTransform,
  fitSimilarity,
  fivePoints,
  invertSimilarity,
} from '../../../src/biometrics/embedders/arcface-align.ts';
import type { Point } from '../../../src/biometrics/geometry.ts';

beforeAll(async () => {
  await loadFaceApiRuntime({ allowNative: false });
});

/** Template -> frame: the face 2.6x the template's size, turned 25 degrees, placed at (150, 90). */
const angle = (25 * Math.PI) / 180;
const scale = 2.6;
const placement: Similarity = {
  a: scale * Math.cos(angle),
  b: scale * Math.sin(angle),
  tx: 150,
  ty: 90,
};

/** 68 landmarks whose eye rings are centred on the placed eye points, with nose tip and mouth corners placed. */
function syntheticLandmarks(): Point[] {
  const [leftEye, rightEye, nose, mouthLeft, mouthRight] = arcfaceTemplate.map((point) =>
    applySimilarity(placement, point),
  );
  const ring = (centre: Point | undefined, k: number): Point => {
    const c = centre ?? { x: 0, y: 0 };
    const phase = (k * Math.PI) / 3;
    return { x: c.x + 6 * Math.cos(phase), y: c.y + 3 * Math.sin(phase) };
  };
  return Array.from({ length: 68 }, (_, index) => {
    if (index >= 36 && index <= 41) return ring(leftEye, index - 36);
    if (index >= 42 && index <= 47) return ring(rightEye, index - 42);
    if (index === 30) return nose ?? { x: 0, y: 0 };
    if (index === 48) return mouthLeft ?? { x: 0, y: 0 };
    if (index === 54) return mouthRight ?? { x: 0, y: 0 };
    return { x: 200, y: 200 }; // Any other point: the alignment must not read it.
  });
}

/** A 400x400 black frame with a bright 3x3 square (255 in one channel per point) at each of the 5 points. */
function frameWithDots(points: readonly Point[]): tf.Tensor3D {
  const side = 400;
  const data = new Int32Array(side * side * 3);
  for (const [index, point] of points.entries()) {
    const cx = Math.round(point.x);
    const cy = Math.round(point.y);
    for (let dy = -1; dy <= 1; dy += 1) {
      for (let dx = -1; dx <= 1; dx += 1) {
        data[((cy + dy) * side + (cx + dx)) * 3 + (index % 3)] = 255 + index;
      }
    }
  }
  return tf.tensor3d(data, [side, side, 3], 'int32');
}

/** The brightness-weighted centre of channel `channel` within 8 px of `near`, in crop pixels. */
function centroid(crop: number[][][], near: Point, channel: number): Point {
  let sum = 0;
  let x = 0;
  let y = 0;
  for (let row = Math.floor(near.y - 8); row <= Math.ceil(near.y + 8); row += 1) {
    for (let col = Math.floor(near.x - 8); col <= Math.ceil(near.x + 8); col += 1) {
      const value = crop[row]?.[col]?.[channel] ?? 0;
      sum += value;
      x += value * col;
      y += value * row;
    }
  }
  expect(sum).toBeGreaterThan(0);
  return { x: x / sum, y: y / sum };
}

describe('fitSimilarity', () => {
  it('recovers the rotation, scale and shift that placed the points', () => {
    const placed = arcfaceTemplate.map((point) => applySimilarity(placement, point));
    const fitted = fitSimilarity(arcfaceTemplate, placed);
    expect(fitted.a).toBeCloseTo(placement.a, 9);
    expect(fitted.b).toBeCloseTo(placement.b, 9);
    expect(fitted.tx).toBeCloseTo(placement.tx, 9);
    expect(fitted.ty).toBeCloseTo(placement.ty, 9);
  });

  it('inverts exactly', () => {
    const back = invertSimilarity(placement);
    for (const point of arcfaceTemplate) {
      const round = applySimilarity(back, applySimilarity(placement, point));
      expect(round.x).toBeCloseTo(point.x, 9);
      expect(round.y).toBeCloseTo(point.y, 9);
    }
  });
});

describe('arcface alignment of a synthetic face', () => {
  it('reads eye centres, nose tip and mouth corners from the 68 landmarks', () => {
    const five = fivePoints(syntheticLandmarks());
    const placed = arcfaceTemplate.map((point) => applySimilarity(placement, point));
    for (const [index, point] of five.entries()) {
      expect(point.x).toBeCloseTo(placed[index]?.x ?? Number.NaN, 9);
      expect(point.y).toBeCloseTo(placed[index]?.y ?? Number.NaN, 9);
    }
  });

  it('undoes the face turn and size: the frame-to-crop transform is 1/2.6 at -25 degrees', () => {
    const transform = arcfaceTransform(syntheticLandmarks(), 112);
    expect(Math.hypot(transform.a, transform.b)).toBeCloseTo(1 / scale, 9);
    expect((Math.atan2(transform.b, transform.a) * 180) / Math.PI).toBeCloseTo(-25, 6);
  });

  it('puts the five points on the 112x112 template within a pixel, leaking no tensor', async () => {
    const landmarks = syntheticLandmarks();
    const frame = frameWithDots(fivePoints(landmarks));
    const before = tf.memory().numTensors;
    const crop = arcfaceCrop(frame, landmarks);
    expect(tf.memory().numTensors).toBe(before + 1);
    expect(crop.shape).toEqual([112, 112, 3]);
    const pixels = (await crop.array()) as number[][][];
    tf.dispose([crop, frame]);
    for (const [index, target] of arcfaceTemplate.entries()) {
      const found = centroid(pixels, target, index % 3);
      expect(Math.hypot(found.x - target.x, found.y - target.y)).toBeLessThan(1);
    }
  });
});
