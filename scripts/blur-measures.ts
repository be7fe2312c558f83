// The chip the blur measures read and the pre-issue-8 blur measure, shared by measure-blur.ts and
// fit-blur-bound.ts so both compare the same old and new numbers on the same engine chip.

import * as tf from '@tensorflow/tfjs-core';
import {
  chipInFrameMask,
  chipPlacement,
  chipSide,
  rotatedSquare,
} from '../src/biometrics/align.ts';
import type { Point } from '../src/biometrics/geometry.ts';
import type { RgbImage } from '../src/biometrics/image.ts';

/** The engine's aligned chip as grey (luma) and its in-frame mask, chipSide x chipSide. */
export async function greyChip(
  image: RgbImage,
  landmarks: readonly Point[],
): Promise<{ grey: Float32Array; mask: Float32Array }> {
  const placement = chipPlacement(landmarks);
  const frame = tf.tensor3d(image.data, [image.height, image.width, 3], 'int32');
  const grey = tf.tidy(() =>
    tf.sum(
      tf.mul(
        rotatedSquare(frame, placement.center, placement.side, placement.roll, chipSide),
        tf.tensor1d([0.299, 0.587, 0.114]),
      ),
      2,
    ),
  );
  frame.dispose();
  try {
    return {
      grey: (await grey.data()) as Float32Array,
      mask: chipInFrameMask(placement, image.width, image.height),
    };
  } finally {
    grey.dispose();
  }
}

/** The gate's measure before issue 8: variance of the Laplacian over the chip's central two thirds,
 * where all five pixels it reads are in the frame (raw luma, so it scales with contrast squared). */
export function laplacianVariance(grey: Float32Array, mask: Float32Array, side: number): number {
  const margin = Math.round(side / 6);
  const at = (y: number, x: number): number => grey[y * side + x] ?? 0;
  const real = (y: number, x: number): boolean => (mask[y * side + x] ?? 0) > 0.5;
  let count = 0;
  let sum = 0;
  let sumSquares = 0;
  for (let y = margin + 1; y < side - margin - 1; y += 1) {
    for (let x = margin + 1; x < side - margin - 1; x += 1) {
      if (!(real(y, x) && real(y - 1, x) && real(y + 1, x) && real(y, x - 1) && real(y, x + 1)))
        continue;
      const value = at(y - 1, x) + at(y + 1, x) + at(y, x - 1) + at(y, x + 1) - 4 * at(y, x);
      count += 1;
      sum += value;
      sumSquares += value * value;
    }
  }
  if (count === 0) return Number.NaN;
  const mean = sum / count;
  return sumSquares / count - mean * mean;
}
