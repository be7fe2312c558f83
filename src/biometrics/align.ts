// Face geometry on tensors: the square crop the 68-landmark net reads, and the roll-corrected 150 px
// face chip the descriptor net reads, with the chip's brightness and sharpness for the quality gate.

import * as tf from '@tensorflow/tfjs-core';
import { assert } from '../shared/assert.ts';
import type { Box, Point } from './geometry.ts';
import { boundingBox, boxCenter, rotateAbout, squareAround } from './geometry.ts';
import type { PhotometricMeasures } from './quality.ts';
import { eyeCenters } from './quality.ts';

export const landmarkInputSide = 112;
export const chipSide = 150;
/** Padding around the landmarks' bounding box, as face-api's own alignment uses (20% of each side). */
const chipPadding = 0.2;
const lumaWeights = [0.299, 0.587, 0.114];

/** Crops `box` (may extend past the image: filled with black) and resizes it to `side` x `side`, float32. */
export function cropSquare(image: tf.Tensor3D, box: Box, side: number): tf.Tensor3D {
  const [height, width] = image.shape;
  return tf.tidy(() => {
    const batch = tf.expandDims(tf.cast(image, 'float32'), 0) as tf.Tensor4D;
    const y1 = box.y / (height - 1);
    const x1 = box.x / (width - 1);
    const y2 = (box.y + box.height) / (height - 1);
    const x2 = (box.x + box.width) / (width - 1);
    const crop = tf.image.cropAndResize(
      batch,
      tf.tensor2d([[y1, x1, y2, x2]]),
      tf.tensor1d([0], 'int32'),
      [side, side],
    );
    return tf.squeeze(crop, [0]) as tf.Tensor3D;
  });
}

/** The square the landmark net should see for a face whose landmarks span `landmarks`. */
export function landmarkBox(landmarks: readonly Point[]): Box {
  const bounds = boundingBox(landmarks);
  return squareAround(boxCenter(bounds), Math.max(bounds.width, bounds.height));
}

/** A face chip with the eyes level: rotation about the eye line, then face-api's padded landmark box. */
export function alignedChip(image: tf.Tensor3D, landmarks: readonly Point[]): tf.Tensor3D {
  const { left, right } = eyeCenters(landmarks);
  const roll = Math.atan2(right.y - left.y, right.x - left.x);
  const upright = landmarks.map((point) => rotateAbout(point, left, -roll));
  const bounds = boundingBox(upright);
  const side = Math.max(bounds.width, bounds.height) * (1 + chipPadding);
  const center = rotateAbout(boxCenter(bounds), left, roll);
  return rotatedSquare(image, center, side, roll, chipSide);
}

/**
 * A `side`-pixel square centred on `center`, rotated by `roll`, resampled (bilinear) to `out` x `out`
 * float32; outside the image it is black, as human's cropAndResize extrapolates.
 */
export function rotatedSquare(
  frame: tf.Tensor3D,
  center: Point,
  side: number,
  roll: number,
  out: number,
): tf.Tensor3D {
  assert(side > 0 && out > 0, 'a crop has a positive size');
  const scale = side / out;
  const cos = Math.cos(roll) * scale;
  const sin = Math.sin(roll) * scale;
  const half = out / 2;
  const matrix = [
    cos,
    -sin,
    center.x - half * (cos - sin),
    sin,
    cos,
    center.y - half * (sin + cos),
    0,
    0,
  ];
  return warpToSquare(frame, matrix, out);
}

/**
 * The `out` x `out` float32 resample (bilinear, black outside the frame) through tfjs's projective
 * `matrix`, which maps each output pixel to its place in the frame.
 */
export function warpToSquare(frame: tf.Tensor3D, matrix: number[], out: number): tf.Tensor3D {
  return tf.tidy(() => {
    const batch = tf.expandDims(tf.cast(frame, 'float32'), 0) as tf.Tensor4D;
    const crop = tf.image.transform(batch, tf.tensor2d([matrix]), 'bilinear', 'constant', 0, [
      out,
      out,
    ]);
    return tf.squeeze(crop, [0]) as tf.Tensor3D;
  });
}

/**
 * Mean luma over the upper half of the chip's central two thirds (eyes and brows: never under a mask,
 * so a dark mask does not make a well-lit face "too dark") and variance of the Laplacian over the whole
 * central two thirds (mostly skin, no background).
 */
export async function chipPhotometrics(chip: tf.Tensor3D): Promise<PhotometricMeasures> {
  const [luma, sharpness] = tf.tidy(() => {
    const margin = Math.round(chipSide / 6);
    const inner = chipSide - 2 * margin;
    const centre = tf.slice(chip, [margin, margin, 0], [inner, inner, 3]);
    const grey = tf.sum(tf.mul(centre, tf.tensor1d(lumaWeights)), 2);
    const upper = tf.slice(grey, [0, 0], [Math.round(inner / 2), inner]);
    const kernel = tf.tensor4d([0, 1, 0, 1, -4, 1, 0, 1, 0], [3, 3, 1, 1]);
    const laplacian = tf.conv2d(
      tf.reshape(grey, [1, inner, inner, 1]) as tf.Tensor4D,
      kernel,
      1,
      'valid',
    );
    return [tf.mean(upper), tf.moments(laplacian).variance];
  });
  try {
    const [lumaValue, sharpnessValue] = await Promise.all([luma.data(), sharpness.data()]);
    return { lumaMean: lumaValue[0] ?? 0, sharpness: sharpnessValue[0] ?? 0 };
  } finally {
    tf.dispose([luma, sharpness]);
  }
}
