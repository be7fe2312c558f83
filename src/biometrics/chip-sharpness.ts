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
  /** Differences are cored by this many noise deviations (of a neighbour difference) before the ratio;
   * 0 reads the raw ratio. */
  coring: number;
  /** How the noise level is estimated on the pooled plane: the median (robust to edges) or the mean
   * (Immerkaer 1996) of the absolute 3x3 Laplacian-difference residual. */
  noise: 'median' | 'mean';
  /** Rejected candidates, read only by scripts/measure-blur.ts (0 / 'cored' when left out). Differences
   * also cored by this fraction of the region's grey range (5th to 95th percentile). */
  contrastCoring?: number;
  /** Rejected candidate: the ratio's denominator, the cored differences ('cored') or all of them ('raw'). */
  total?: 'cored' | 'raw';
}

/** What the re-blur reads of a chip. */
export interface ChipSharpness {
  /** The cored re-blur ratio: 0 flat or fully blurred, near 1 sharp; what the gate's bound reads. */
  sharpness: number;
  /** The share of the neighbour differences left above the noise floor (cored sum / raw sum); 1 when
   * nothing is cored. Noise alone reads ~0.21 (a half-normal difference cored by its deviation). A
   * candidate second condition, measured by scripts/measure-blur.ts (`det`) and not used by the gate. */
  detail: number;
}

/** Chosen by scripts/measure-blur.ts: of pool 1 / 3 and re-blur 3 / 5 / 9 px, the flattest across face
 * sizes for sharp faces with blurred copies still apart; the upper half because a plain mask's cloth over
 * the lower half read as blur (a masked selfie 0.22 over the whole centre, 0.29 over eyes and brows).
 * Coring by one noise deviation (median estimate): without it a defocus then given camera noise or JPEG
 * blocking read sharp (a face 90 px wide defocused by 4.5% of its width: 0.16-0.29 clean, up to 0.50
 * with noise sigma 6 and 0.33 as a JPEG of quality 20); cored by 1 deviation it refuses 43/43 of those
 * copies noised at sigma 4 and 39/42 at q20, at the same bound, and lets through every sharp, dark,
 * noised or compressed copy of the unmasked photos. Coring by 2 (or the mean estimate) lowered sharp
 * small faces more than it helped; coring by a share of the grey range read sharp faces 42 px wide as
 * blurred. Dividing by all differences instead of the cored ones (`total: 'raw'`) makes noise alone read
 * near 0 (a flat synthetic chip plus noise: 0.16, against 0.77 cored and 0.82 uncored) but reads sharp
 * noisy nuaa crops as low as 0.18, so its ruled bound (0.17) refuses 269 of 402 defocused copies against
 * 397 of 402. The cost: a soft masked phone selfie reads 0.22-0.25 (0.25-0.30 uncored). A second
 * condition on `detail` (the share of differences above the noise floor, ~0.21 for noise alone) was
 * measured against copies defocused by 8% and 12% of the face width, then noised or compressed: a
 * defocused face keeps its smooth shading above the noise floor (detail 0.54-0.99, sharp copies darkened
 * and noised at sigma 6 down to 0.46), so its ruled bound (0.46) refuses no copy the ratio lets through;
 * the ratio itself reads every such copy that reaches the gate at most 0.21 (most are refused before it,
 * turned_away or no_face). Not chosen. */
export const chipSharpnessOptions: ChipSharpnessOptions = {
  pool: 3,
  taps: 5,
  region: 'upper',
  coring: 1,
  noise: 'median',
};

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
 * The noise deviation of a plane from the 3x3 residual of Immerkaer (1996, "Fast noise variance
 * estimation": [1 -2 1; -2 4 -2; 1 -2 1], blind to planes and ramps, 6 sigma for white noise), over rows
 * `rowStart`..`rowEnd` and columns `margin`..`side - margin` where all nine pixels are real: the mean of its
 * absolute value (Immerkaer) or its median (robust to the face's edges). NaN when nothing is read.
 */
export function noiseDeviation(
  grey: Float32Array,
  inFrame: Float32Array,
  side: number,
  rows: readonly [number, number],
  margin: number,
  method: 'median' | 'mean',
): number {
  const at = (y: number, x: number): number => grey[y * side + x] ?? 0;
  const residuals: number[] = [];
  for (let y = Math.max(1, rows[0]); y < Math.min(side - 1, rows[1]); y += 1) {
    for (let x = Math.max(1, margin); x < Math.min(side - 1, side - margin); x += 1) {
      let real = true;
      for (let dy = -1; dy <= 1 && real; dy += 1)
        for (let dx = -1; dx <= 1; dx += 1)
          if ((inFrame[(y + dy) * side + x + dx] ?? 0) <= 0.5) real = false;
      if (!real) continue;
      const value =
        at(y - 1, x - 1) +
        at(y - 1, x + 1) +
        at(y + 1, x - 1) +
        at(y + 1, x + 1) -
        2 * (at(y - 1, x) + at(y + 1, x) + at(y, x - 1) + at(y, x + 1)) +
        4 * at(y, x);
      residuals.push(Math.abs(value));
    }
  }
  if (residuals.length === 0) return Number.NaN;
  if (method === 'mean')
    return (Math.sqrt(Math.PI / 2) * residuals.reduce((a, b) => a + b, 0)) / residuals.length / 6;
  residuals.sort((a, b) => a - b);
  return (residuals[Math.floor(residuals.length / 2)] ?? 0) / (6 * 0.6745);
}

/**
 * No-reference sharpness after Crete-Roffet et al. (2007, "The blur effect"): how much of the neighbour
 * differences a further box blur of `taps` pixels removes, in the worse of the two directions; 1 - blur,
 * so 0 is flat or fully blurred and values near 1 are sharp. A ratio of differences: a change of contrast
 * or exposure (a * grey + b) leaves it unchanged. Read over the central two thirds of the plane (the
 * face, not the background), or their upper half (`region`), and only where `inFrame` (1 = a real pixel,
 * 0 = fill outside the frame) holds for every pixel a difference and its re-blur read. NaN when nothing
 * is left to read.
 * `coring` > 0: each difference first loses `coring` noise deviations of a neighbour difference
 * (noiseDeviation x sqrt 2), so sensor noise or compression blocking added after a blur, which the
 * re-blur removes as it would a sharp edge, no longer reads as sharpness; a plane with no difference
 * above that reads 0. Noise scales with the grey levels as the differences do, so the ratio still
 * ignores a * grey + b. `detail`: the cored differences' sum over the raw ones', both directions (see
 * ChipSharpness), also unchanged by a * grey + b.
 */
export function reblurSharpness(
  grey: Float32Array,
  inFrame: Float32Array,
  side: number,
  options: Omit<ChipSharpnessOptions, 'pool'>,
): ChipSharpness {
  const { taps, region, coring, noise } = options;
  const contrastCoring = options.contrastCoring ?? 0;
  const total = options.total ?? 'cored';
  assert(grey.length === side * side && inFrame.length === side * side, 'planes of one side');
  assert(taps >= 3 && taps % 2 === 1, 'an odd re-blur width of at least 3');
  const half = (taps - 1) / 2;
  const margin = Math.round(side / 6);
  const rowEnd = region === 'upper' ? margin + Math.round((side - 2 * margin) / 2) : side - margin;
  const at = (y: number, x: number): number => grey[y * side + x] ?? 0;
  const real = (y: number, x: number): boolean =>
    y >= 0 && x >= 0 && y < side && x < side && (inFrame[y * side + x] ?? 0) > 0.5;
  let floor = 0;
  if (coring > 0) {
    const deviation = noiseDeviation(grey, inFrame, side, [margin, rowEnd], margin, noise);
    floor = Number.isFinite(deviation) ? coring * Math.SQRT2 * deviation : 0;
  }
  if (contrastCoring > 0) {
    const values: number[] = [];
    for (let y = margin; y < rowEnd; y += 1)
      for (let x = margin; x < side - margin; x += 1) if (real(y, x)) values.push(at(y, x));
    values.sort((a, b) => a - b);
    const pick = (q: number): number => values[Math.floor(q * (values.length - 1))] ?? 0;
    floor = Math.max(floor, contrastCoring * (pick(0.95) - pick(0.05)));
  }
  let blurWorst = Number.NaN;
  let rawAll = 0;
  let coredAll = 0;
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
    let read = 0;
    for (let y = margin; y < rowEnd; y += 1) {
      for (let x = margin; x < side - margin; x += 1) {
        const py = y - stepY;
        const px = x - stepX;
        const here = blurredAt(y, x);
        const before = blurredAt(py, px);
        if (here === null || before === null) continue;
        read += 1;
        const rawDiff = Math.abs(at(y, x) - at(py, px));
        const sharpDiff = Math.max(0, rawDiff - floor);
        const blurDiff = Math.abs(here - before);
        sharpSum += total === 'raw' ? rawDiff : sharpDiff;
        rawAll += rawDiff;
        coredAll += sharpDiff;
        lostSum += Math.max(0, sharpDiff - blurDiff);
      }
    }
    if (read === 0) continue;
    const blur = sharpSum > 0 ? (sharpSum - lostSum) / sharpSum : 1;
    blurWorst = Number.isNaN(blurWorst) ? blur : Math.max(blurWorst, blur);
  }
  return { sharpness: 1 - blurWorst, detail: rawAll > 0 ? coredAll / rawAll : Number.NaN };
}

/** The gate's measures on a `side` x `side` grey chip: pooled, then re-blurred (chipSharpnessOptions). */
export function chipSharpness(
  grey: Float32Array,
  inFrame: Float32Array,
  side: number,
  options: ChipSharpnessOptions = chipSharpnessOptions,
): ChipSharpness {
  const pooledSide = side / options.pool;
  const mask = poolPlane(inFrame, side, options.pool).map((value) => (value > 0.999 ? 1 : 0));
  return reblurSharpness(poolPlane(grey, side, options.pool), mask, pooledSide, options);
}
