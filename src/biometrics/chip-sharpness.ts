// How sharp a face chip is, read the same for a small or a large face and for a dark or a bright one: the
// quality gate's `blurred` measure (issue 8: the variance of the Laplacian measured face size and exposure).

import { assert } from '../shared/assert.ts';

export interface ChipSharpnessOptions {
  /** The chip is area-averaged by this factor first, so every face the gate accepts is read at or below
   * the resolution the camera gave it (a 150 px chip of a face with 16 px between the eyes is ~48 frame px). */
  pool: number;
  /** Width of the box filter that blurs the pooled chip again (Crete-Roffet's re-blur). */
  taps: number;
  /** Rows read: the central two thirds, or only its upper half (eyes and brows, never under a mask). */
  region: 'centre' | 'upper';
}

/** Chosen by scripts/measure-blur.ts: of pool 1 / 3 and re-blur 3 / 5 / 9 px, the flattest across face
 * sizes for sharp faces with blurred copies still apart; the upper half because a plain mask's cloth over
 * the lower half read as blur (a masked selfie 0.22 over the whole centre, 0.29 over eyes and brows). */
export const chipSharpnessOptions: ChipSharpnessOptions = { pool: 3, taps: 5, region: 'upper' };

/**
 * Area-average of a `side` x `side` plane over `pool` x `pool` blocks (side divisible by pool). With a
 * mask: 1 only where every pixel of the block is 1.
 */
export function poolPlane(plane: Float32Array, side: number, pool: number): Float32Array {
  assert(plane.length === side * side && side % pool === 0, 'a square plane pooled by a divisor');
  const out = side / pool;
  const pooled = new Float32Array(out * out);
  const area = pool * pool;
  for (let y = 0; y < out; y += 1) {
    for (let x = 0; x < out; x += 1) {
      let sum = 0;
      for (let dy = 0; dy < pool; dy += 1) {
        const row = (y * pool + dy) * side + x * pool;
        for (let dx = 0; dx < pool; dx += 1) sum += plane[row + dx] ?? 0;
      }
      pooled[y * out + x] = sum / area;
    }
  }
  return pooled;
}

/**
 * No-reference sharpness after Crete-Roffet et al. (2007, "The blur effect"): how much of the neighbour
 * differences a further box blur of `taps` pixels removes, in the worse of the two directions; 1 - blur,
 * so 0 is flat or fully blurred and values near 1 are sharp. A ratio of differences: a change of contrast
 * or exposure (a * grey + b) leaves it unchanged. Read over the central two thirds of the plane (the
 * face, not the background), or their upper half (`region`), and only where `inFrame` (1 = a real pixel, 0 = fill outside the frame) holds
 * for every pixel a difference and its re-blur read. NaN when nothing is left to read.
 */
export function reblurSharpness(
  grey: Float32Array,
  inFrame: Float32Array,
  side: number,
  taps: number,
  region: 'centre' | 'upper' = 'centre',
): number {
  assert(grey.length === side * side && inFrame.length === side * side, 'planes of one side');
  assert(taps >= 3 && taps % 2 === 1, 'an odd re-blur width of at least 3');
  const half = (taps - 1) / 2;
  const margin = Math.round(side / 6);
  const rowEnd = region === 'upper' ? margin + Math.round((side - 2 * margin) / 2) : side - margin;
  const at = (y: number, x: number): number => grey[y * side + x] ?? 0;
  const real = (y: number, x: number): boolean =>
    y >= 0 && x >= 0 && y < side && x < side && (inFrame[y * side + x] ?? 0) > 0.5;
  let blurWorst = Number.NaN;
  for (const [stepY, stepX] of [
    [0, 1],
    [1, 0],
  ] as const) {
    const blurredAt = (y: number, x: number): number | null => {
      let sum = 0;
      for (let k = -half; k <= half; k += 1) {
        const yy = y + k * stepY;
        const xx = x + k * stepX;
        if (!real(yy, xx)) return null;
        sum += at(yy, xx);
      }
      return sum / taps;
    };
    let sharpSum = 0;
    let lostSum = 0;
    for (let y = margin; y < rowEnd; y += 1) {
      for (let x = margin; x < side - margin; x += 1) {
        const py = y - stepY;
        const px = x - stepX;
        const here = blurredAt(y, x);
        const before = blurredAt(py, px);
        if (here === null || before === null) continue;
        const sharpDiff = Math.abs(at(y, x) - at(py, px));
        const blurDiff = Math.abs(here - before);
        sharpSum += sharpDiff;
        lostSum += Math.max(0, sharpDiff - blurDiff);
      }
    }
    if (sharpSum <= 0) continue;
    const blur = (sharpSum - lostSum) / sharpSum;
    blurWorst = Number.isNaN(blurWorst) ? blur : Math.max(blurWorst, blur);
  }
  return 1 - blurWorst;
}

/** The gate's measure on a `side` x `side` grey chip: pooled, then re-blurred (chipSharpnessOptions). */
export function chipSharpness(
  grey: Float32Array,
  inFrame: Float32Array,
  side: number,
  options: ChipSharpnessOptions = chipSharpnessOptions,
): number {
  const pooledSide = side / options.pool;
  const mask = poolPlane(inFrame, side, options.pool).map((value) => (value > 0.999 ? 1 : 0));
  return reblurSharpness(
    poolPlane(grey, side, options.pool),
    mask,
    pooledSide,
    options.taps,
    options.region,
  );
}
