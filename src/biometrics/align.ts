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

/** Where the aligned chip lies in the frame: its centre, side (frame pixels) and roll (radians). */
export interface ChipPlacement {
  center: Point;
  side: number;
  roll: number;
}

/** The eyes-level placement of the chip: rotation about the eye line, then face-api's padded landmark box. */
export function chipPlacement(landmarks: readonly Point[]): ChipPlacement {
  const { left, right } = eyeCenters(landmarks);
  const roll = Math.atan2(right.y - left.y, right.x - left.x);
  const upright = landmarks.map((point) => rotateAbout(point, left, -roll));
  const bounds = boundingBox(upright);
  const side = Math.max(bounds.width, bounds.height) * (1 + chipPadding);
  const center = rotateAbout(boxCenter(bounds), left, roll);
  return { center, side, roll };
}

/** A face chip with the eyes level (chipPlacement), resampled to chipSide x chipSide. */
export function alignedChip(image: tf.Tensor3D, landmarks: readonly Point[]): tf.Tensor3D {
  const { center, side, roll } = chipPlacement(landmarks);
  return rotatedSquare(image, center, side, roll, chipSide);
}

/**
 * 1 for each chip pixel resampled from inside a `width` x `height` frame (all four bilinear neighbours
 * in it), 0 for the black fill outside: what chipPhotometrics must not read as face.
 */
export function chipInFrameMask(
  placement: ChipPlacement,
  width: number,
  height: number,
): Float32Array {
  const matrix = rotatedSquareMatrix(placement.center, placement.side, placement.roll, chipSide);
  const [a0, a1, a2, b0, b1, b2] = matrix as [number, number, number, number, number, number];
  const mask = new Float32Array(chipSide * chipSide);
  for (let y = 0; y < chipSide; y += 1) {
    for (let x = 0; x < chipSide; x += 1) {
      const sx = a0 * x + a1 * y + a2;
      const sy = b0 * x + b1 * y + b2;
      mask[y * chipSide + x] = sx >= 0 && sy >= 0 && sx <= width - 1 && sy <= height - 1 ? 1 : 0;
    }
  }
  return mask;
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
  return warpToSquare(frame, rotatedSquareMatrix(center, side, roll, out), out);
}

/** rotatedSquare's tfjs projective matrix: each output pixel's place in the frame. */
export function rotatedSquareMatrix(
  center: Point,
  side: number,
  roll: number,
  out: number,
): number[] {
  assert(side > 0 && out > 0, 'a crop has a positive size');
  const scale = side / out;
  const cos = Math.cos(roll) * scale;
  const sin = Math.sin(roll) * scale;
  const half = out / 2;
  return [cos, -sin, center.x - half * (cos - sin), sin, cos, center.y - half * (sin + cos), 0, 0];
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
 * central two thirds (mostly skin, no background). `inFrame` (chipInFrameMask) leaves out the black fill
 * where the chip runs past the frame: its hard edge would read as sharpness (a blurred face cut by the
 * frame read 207-253 against 8.4 whole) and its black as darkness. NaN when nothing is left to read.
 */
export async function chipPhotometrics(
  chip: tf.Tensor3D,
  inFrame?: Float32Array,
): Promise<PhotometricMeasures> {
  assert(
    inFrame === undefined || inFrame.length === chipSide * chipSide,
    'the in-frame mask covers the chip',
  );
  const [luma, sharpness] = tf.tidy(() => {
    const margin = Math.round(chipSide / 6);
    const inner = chipSide - 2 * margin;
    const centre = tf.slice(chip, [margin, margin, 0], [inner, inner, 3]);
    const grey = tf.sum(tf.mul(centre, tf.tensor1d(lumaWeights)), 2);
    const mask =
      inFrame === undefined
        ? tf.ones([inner, inner])
        : tf.slice(tf.tensor2d(inFrame, [chipSide, chipSide]), [margin, margin], [inner, inner]);
    const upperRows = Math.round(inner / 2);
    const upper = tf.slice(grey, [0, 0], [upperRows, inner]);
    const upperMask = tf.slice(mask, [0, 0], [upperRows, inner]);
    const lumaMean = tf.div(tf.sum(tf.mul(upper, upperMask)), tf.sum(upperMask));
    const kernel = tf.tensor4d([0, 1, 0, 1, -4, 1, 0, 1, 0], [3, 3, 1, 1]);
    const laplacian = tf.conv2d(
      tf.reshape(grey, [1, inner, inner, 1]) as tf.Tensor4D,
      kernel,
      1,
      'valid',
    );
    // A Laplacian value counts only where all five pixels it reads are in the frame.
    const stencil = tf.tensor4d([0, 1, 0, 1, 1, 1, 0, 1, 0], [3, 3, 1, 1]);
    const covered = tf.conv2d(
      tf.reshape(mask, [1, inner, inner, 1]) as tf.Tensor4D,
      stencil,
      1,
      'valid',
    );
    const valid = tf.cast(tf.greater(covered, 4.5), 'float32');
    const count = tf.sum(valid);
    const laplacianMean = tf.div(tf.sum(tf.mul(laplacian, valid)), count);
    const variance = tf.div(
      tf.sum(tf.mul(tf.square(tf.sub(laplacian, laplacianMean)), valid)),
      count,
    );
    return [lumaMean, variance];
  });
  try {
    const [lumaValue, sharpnessValue] = await Promise.all([luma.data(), sharpness.data()]);
    return { lumaMean: lumaValue[0] ?? Number.NaN, sharpness: sharpnessValue[0] ?? Number.NaN };
  } finally {
    tf.dispose([luma, sharpness]);
  }
}
