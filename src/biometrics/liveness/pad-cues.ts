// Cheap whole-crop cues of a re-imaged face that LBP histograms see only indirectly: colour moments
// (print gamut, screen white point), frequency balance (moire, re-imaging blur), sharpness and glare.
import { assert } from '../../shared/assert.ts';

export const padCues = ['colour_moments', 'frequency', 'blur', 'specular'] as const;
export type PadCue = (typeof padCues)[number];

/** Radial DCT bands (fractions of the highest radius) whose energy shares the frequency cue reports. */
const frequencyBandEdges = [0.05, 0.15, 0.3, 0.5, 0.75, 1.0001] as const;

export function cueLength(cue: PadCue): number {
  switch (cue) {
    case 'colour_moments':
      return 18; // mean, std, skewness of Y, Cb, Cr, H, S, V
    case 'frequency':
      return frequencyBandEdges.length + 1; // log band shares of AC energy, plus high-band peakiness
    case 'blur':
      return 2; // log Laplacian energy over grey variance, log mean gradient over grey std
    case 'specular':
      return 2; // share of bright unsaturated pixels, top-1% brightness over median
  }
}

export function cuesLength(cues: readonly PadCue[]): number {
  return cues.reduce((sum, cue) => sum + cueLength(cue), 0);
}

/** The resized crop's colour planes, 0..255, all side x side. */
export interface CuePlanes {
  readonly side: number;
  readonly grey: Float32Array;
  readonly y: Float32Array;
  readonly cb: Float32Array;
  readonly cr: Float32Array;
  readonly h: Float32Array;
  readonly s: Float32Array;
  readonly v: Float32Array;
}

/** Each cue's values in the order of `cues`; every value finite. */
export function cueFeatures(planes: CuePlanes, cues: readonly PadCue[]): Float64Array {
  const n = planes.side * planes.side;
  for (const p of [planes.grey, planes.y, planes.cb, planes.cr, planes.h, planes.s, planes.v])
    assert(p.length === n, 'cue plane length mismatch');
  const out = new Float64Array(cuesLength(cues));
  let offset = 0;
  for (const cue of cues) {
    const values = computeCue(cue, planes);
    assert(values.length === cueLength(cue), 'cue length mismatch');
    out.set(values, offset);
    offset += values.length;
  }
  for (const v of out) assert(Number.isFinite(v), 'non-finite cue');
  return out;
}

function computeCue(cue: PadCue, planes: CuePlanes): number[] {
  switch (cue) {
    case 'colour_moments':
      return [planes.y, planes.cb, planes.cr, planes.h, planes.s, planes.v].flatMap(moments);
    case 'frequency':
      return frequencyShares(planes.grey, planes.side);
    case 'blur':
      return sharpness(planes.grey, planes.side);
    case 'specular':
      return glare(planes.s, planes.v);
  }
}

/** Mean and std scaled to 0..1, skewness clamped: a flat plane has std 0 and skewness 0. */
function moments(plane: Float32Array): number[] {
  const n = plane.length;
  let mean = 0;
  for (const v of plane) mean += v / n;
  let m2 = 0;
  let m3 = 0;
  for (const v of plane) {
    const d = v - mean;
    m2 += (d * d) / n;
    m3 += (d * d * d) / n;
  }
  const std = Math.sqrt(m2);
  const skew = std < 1e-6 ? 0 : Math.max(-10, Math.min(10, m3 / (std * std * std)));
  return [mean / 255, std / 255, skew];
}

const dctCache = new Map<number, Float64Array>();

/** Orthonormal DCT-II basis, row k = frequency k. */
function dctBasis(side: number): Float64Array {
  let basis = dctCache.get(side);
  if (basis !== undefined) return basis;
  basis = new Float64Array(side * side);
  for (let k = 0; k < side; k++) {
    const scale = k === 0 ? Math.sqrt(1 / side) : Math.sqrt(2 / side);
    for (let i = 0; i < side; i++)
      basis[k * side + i] = scale * Math.cos((Math.PI * (i + 0.5) * k) / side);
  }
  dctCache.set(side, basis);
  return basis;
}

/** 2-D DCT of a side x side plane (separable: rows, then columns). */
export function dct2(plane: Float32Array | Float64Array, side: number): Float64Array {
  assert(plane.length === side * side, 'dct plane length mismatch');
  const basis = dctBasis(side);
  const rows = new Float64Array(side * side);
  for (let y = 0; y < side; y++)
    for (let k = 0; k < side; k++) {
      let sum = 0;
      for (let x = 0; x < side; x++) sum += (basis[k * side + x] ?? 0) * (plane[y * side + x] ?? 0);
      rows[y * side + k] = sum;
    }
  const out = new Float64Array(side * side);
  for (let k = 0; k < side; k++)
    for (let u = 0; u < side; u++) {
      let sum = 0;
      for (let y = 0; y < side; y++) sum += (basis[k * side + y] ?? 0) * (rows[y * side + u] ?? 0);
      out[k * side + u] = sum;
    }
  return out;
}

/**
 * Shares of the AC energy in radial bands (log, floored) and the peakiness of the highest band (max
 * over mean coefficient energy there): re-imaging removes fine detail, a screen's pixel grid adds peaks.
 */
function frequencyShares(grey: Float32Array, side: number): number[] {
  const coefficients = dct2(grey, side);
  const bands = new Float64Array(frequencyBandEdges.length);
  const maxRadius = Math.SQRT2 * (side - 1);
  let total = 0;
  let highMax = 0;
  let highSum = 0;
  let highCount = 0;
  for (let v = 0; v < side; v++)
    for (let u = 0; u < side; u++) {
      if (u === 0 && v === 0) continue;
      const energy = (coefficients[v * side + u] ?? 0) ** 2;
      const r = Math.hypot(u, v) / maxRadius;
      const band = frequencyBandEdges.findIndex((edge) => r < edge);
      assert(band >= 0, 'every radius falls in a band');
      bands[band] = (bands[band] ?? 0) + energy;
      total += energy;
      if (band >= frequencyBandEdges.length - 2) {
        highMax = Math.max(highMax, energy);
        highSum += energy;
        highCount += 1;
      }
    }
  const shares = Array.from(bands, (e) => Math.log10(total > 0 ? e / total + 1e-6 : 1e-6));
  const peak = highSum > 0 ? Math.log10(highMax / (highSum / highCount)) : 0;
  return [...shares, peak];
}

/** Contrast-free sharpness: Laplacian energy and mean gradient, each over the plane's own spread. */
function sharpness(grey: Float32Array, side: number): number[] {
  let mean = 0;
  for (const v of grey) mean += v / grey.length;
  let variance = 0;
  for (const v of grey) variance += (v - mean) ** 2 / grey.length;
  let laplacian = 0;
  let gradient = 0;
  let count = 0;
  const at = (x: number, y: number): number => grey[y * side + x] ?? 0;
  for (let y = 1; y < side - 1; y++)
    for (let x = 1; x < side - 1; x++) {
      const c = at(x, y);
      const lap = at(x - 1, y) + at(x + 1, y) + at(x, y - 1) + at(x, y + 1) - 4 * c;
      laplacian += lap * lap;
      gradient += Math.hypot(at(x + 1, y) - at(x - 1, y), at(x, y + 1) - at(x, y - 1)) / 2;
      count += 1;
    }
  assert(count > 0, 'plane too small for sharpness');
  const spread = variance + 1;
  return [
    Math.log10((laplacian / count + 1) / spread),
    Math.log10((gradient / count + 1) / Math.sqrt(spread)),
  ];
}

/** Glare of a glossy print or a screen: bright, colourless pixels, and how far the brightest stand out. */
function glare(s: Float32Array, v: Float32Array): number[] {
  const n = v.length;
  let bright = 0;
  for (let i = 0; i < n; i++) if ((v[i] ?? 0) > 230 && (s[i] ?? 0) < 50) bright += 1;
  const sorted = Float32Array.from(v).sort();
  const median = sorted[Math.floor(n / 2)] ?? 0;
  const top = sorted[Math.min(n - 1, Math.floor(n * 0.99))] ?? 0;
  return [bright / n, (top + 1) / (median + 1)];
}
