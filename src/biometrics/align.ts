// Face geometry on tensors: the square crop the 68-landmark net reads, and the roll-corrected 150 px
// face chip the descriptor net reads, with the chip's brightness and sharpness for the quality gate.

import * as tf from '@tensorflow/tfjs-core';
import { assert } from '../shared/assert.ts';
import type { Box, Point } from './geometry.ts';
import { boundingBox, boxCenter, rotateAbout, squareAround } from './geometry.ts';
import { chipSharpness } from './chip-sharpness.ts';
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
 * so a dark mask does not make a well-lit face "too dark") and the chip's sharpness over the same rows
 * (chip-sharpness.ts: a re-blur ratio on the chip pooled to 50 px, about the same for a small or a large,
 * a dark or a bright face; a plain mask's smooth cloth would read as blur). `inFrame` (chipInFrameMask)
 * leaves out the black fill where the chip runs past the frame: its hard edge would read as sharpness and
 * its black as darkness. NaN when nothing is left to read.
 */
export async function chipPhotometrics(
  chip: tf.Tensor3D,
  inFrame?: Float32Array,
): Promise<PhotometricMeasures> {
  assert(
    inFrame === undefined || inFrame.length === chipSide * chipSide,
    'the in-frame mask covers the chip',
  );
  const mask = inFrame ?? new Float32Array(chipSide * chipSide).fill(1);
  const greyTensor = tf.tidy(() => tf.sum(tf.mul(chip, tf.tensor1d(lumaWeights)), 2));
  let grey: Float32Array;
  try {
    grey = (await greyTensor.data()) as Float32Array;
  } finally {
    greyTensor.dispose();
  }
  const margin = Math.round(chipSide / 6);
  const upperEnd = margin + Math.round((chipSide - 2 * margin) / 2);
  let lumaSum = 0;
  let lumaCount = 0;
  for (let y = margin; y < upperEnd; y += 1) {
    for (let x = margin; x < chipSide - margin; x += 1) {
      const index = y * chipSide + x;
      if ((mask[index] ?? 0) > 0.5) {
        lumaSum += grey[index] ?? 0;
        lumaCount += 1;
      }
    }
  }
  return {
    lumaMean: lumaCount > 0 ? lumaSum / lumaCount : Number.NaN,
    sharpness: chipSharpness(grey, mask, chipSide).sharpness,
  };
}
