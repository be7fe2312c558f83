// A CNN activation map turned into a fixed-length PAD feature vector: per channel, its mean over all
// positions (global average pooling) and optionally its spread, so any face crop size gives one row.
import { assert } from '../../shared/assert.ts';

export interface PoolOptions {
  /** Also each channel's standard deviation over positions (texture energy, not just its level). */
  readonly std: boolean;
}

/**
 * `values`: a channels-last activation (NHWC with N = 1, or HWC), as tfjs returns it; `shape` its shape.
 * Returns the C channel means, then (with `std`) the C population standard deviations.
 */
export function poolActivation(
  values: ArrayLike<number>,
  shape: readonly number[],
  options: PoolOptions,
): Float64Array {
  const hwc = shape.length === 4 ? shape.slice(1) : shape;
  assert(shape.length === 3 || (shape.length === 4 && shape[0] === 1), 'one HWC activation map');
  const [height, width, channels] = hwc as [number, number, number];
  const positions = height * width;
  assert(positions > 0 && channels > 0, 'an activation map has positions and channels');
  assert(values.length === positions * channels, 'values match the shape');
  const sum = new Float64Array(channels);
  const sumSquares = new Float64Array(channels);
  for (let p = 0; p < positions; p++) {
    const base = p * channels;
    for (let c = 0; c < channels; c++) {
      const v = values[base + c] as number;
      sum[c] = (sum[c] as number) + v;
      sumSquares[c] = (sumSquares[c] as number) + v * v;
    }
  }
  const out = new Float64Array(options.std ? 2 * channels : channels);
  for (let c = 0; c < channels; c++) {
    const mean = (sum[c] as number) / positions;
    out[c] = mean;
    if (options.std) {
      // Clamped: rounding can leave a constant channel's variance a hair below zero.
      const variance = Math.max(0, (sumSquares[c] as number) / positions - mean * mean);
      out[channels + c] = Math.sqrt(variance);
    }
  }
  return out;
}
