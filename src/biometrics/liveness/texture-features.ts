// Micro-texture features of a face crop for passive presentation-attack detection: printed photos and
// screens re-image the face and change its fine texture and colour, which uniform LBP histograms see.
import { assert } from '../../shared/assert.ts';
import {
  padImageSideMaxPixels,
  padImageSideMinPixels,
  padLbpPointsMax,
  padLbpRadiusMaxPixels,
  padResizeSideMaxPixels,
} from '../../shared/limits.ts';
import type { PadCue } from './pad-cues.ts';
import { cueFeatures, cuesLength, padCues } from './pad-cues.ts';

/** Decoded pixels, row-major, interleaved channels (1 grey, 3 RGB, 4 RGBA; alpha is ignored). */
export interface PixelImage {
  readonly data: Uint8Array | Uint8ClampedArray;
  readonly width: number;
  readonly height: number;
  readonly channels: 1 | 3 | 4;
}

/** A plane of one colour channel, values 0..255 as floats. */
export interface Plane {
  readonly data: Float32Array;
  readonly width: number;
  readonly height: number;
}

export const colourChannels = ['grey', 'y', 'cb', 'cr', 'h', 's', 'v'] as const;
export type ColourChannel = (typeof colourChannels)[number];

/** One LBP operator: P neighbours on a circle of radius R, histograms over a grid x grid of blocks. */
export interface LbpOperator {
  readonly points: number;
  readonly radius: number;
  readonly grid: number;
}

/** Everything needed to recompute the same vector at scoring time; stored inside the trained model. */
export interface TextureFeatureSpec {
  readonly resizeSide: number;
  readonly channels: readonly ColourChannel[];
  readonly operators: readonly LbpOperator[];
  /** Hellinger map (square root of each normalised bin): makes histogram distances behave linearly. */
  readonly sqrtBins: boolean;
  /** Whole-crop cues appended after the histograms (pad-cues.ts); none when absent. */
  readonly cues?: readonly PadCue[];
}

export function uniformBinCount(points: number): number {
  return points * (points - 1) + 3;
}

export function featureLength(spec: TextureFeatureSpec): number {
  assertSpec(spec);
  let perChannel = 0;
  for (const op of spec.operators) perChannel += uniformBinCount(op.points) * op.grid * op.grid;
  return perChannel * spec.channels.length + cuesLength(spec.cues ?? []);
}

export function assertSpec(spec: TextureFeatureSpec): void {
  assert(Number.isInteger(spec.resizeSide), 'resizeSide must be an integer');
  assert(
    spec.resizeSide >= 16 && spec.resizeSide <= padResizeSideMaxPixels,
    'resizeSide out of range',
  );
  assert(spec.channels.length > 0, 'at least one channel');
  const cues = spec.cues ?? [];
  assert(spec.operators.length > 0 || cues.length > 0, 'at least one LBP operator or cue');
  for (const c of cues) assert(padCues.includes(c), `unknown cue ${String(c)}`);
  assert(new Set(cues).size === cues.length, 'each cue once');
  for (const c of spec.channels) assert(colourChannels.includes(c), `unknown channel ${String(c)}`);
  for (const op of spec.operators) {
    assert(
      Number.isInteger(op.points) && op.points >= 4 && op.points <= padLbpPointsMax,
      'LBP points out of range',
    );
    assert(op.radius > 0 && op.radius <= padLbpRadiusMaxPixels, 'LBP radius out of range');
    assert(Number.isInteger(op.grid) && op.grid >= 1 && op.grid <= 8, 'LBP grid out of range');
    const inner = spec.resizeSide - 2 * Math.ceil(op.radius);
    assert(inner >= op.grid * 4, 'resizeSide too small for this operator and grid');
  }
}

export function assertPixelImage(image: PixelImage): void {
  const { width, height, channels, data } = image;
  assert(Number.isInteger(width) && Number.isInteger(height), 'image size must be integers');
  assert(width >= padImageSideMinPixels && height >= padImageSideMinPixels, 'image too small');
  assert(width <= padImageSideMaxPixels && height <= padImageSideMaxPixels, 'image too large');
  assert(channels === 1 || channels === 3 || channels === 4, 'channels must be 1, 3 or 4');
  assert(data.length === width * height * channels, 'pixel buffer length does not match size');
}

/**
 * Resamples one interleaved channel layout to a square side x side RGB (or grey) float image. Area
 * averaging when shrinking (no aliasing, which would itself look like moire), bilinear when growing.
 */
export function resizeToSquare(
  image: PixelImage,
  side: number,
): { rgb: Float32Array; grey: boolean } {
  assertPixelImage(image);
  assert(Number.isInteger(side) && side > 0 && side <= padResizeSideMaxPixels, 'bad resize side');
  const grey = image.channels === 1;
  const outChannels = grey ? 1 : 3;
  const out = new Float32Array(side * side * outChannels);
  const sx = image.width / side;
  const sy = image.height / side;
  for (let c = 0; c < outChannels; c++) {
    for (let oy = 0; oy < side; oy++) {
      for (let ox = 0; ox < side; ox++) {
        const value =
          sx >= 1 && sy >= 1
            ? areaSample(image, c, ox * sx, oy * sy, sx, sy)
            : bilinearSample(image, c, (ox + 0.5) * sx - 0.5, (oy + 0.5) * sy - 0.5);
        out[(oy * side + ox) * outChannels + c] = value;
      }
    }
  }
  return { rgb: out, grey };
}

function pixel(image: PixelImage, x: number, y: number, c: number): number {
  const v = image.data[(y * image.width + x) * image.channels + c];
  assert(v !== undefined, 'pixel index out of range');
  return v;
}

function areaSample(
  image: PixelImage,
  c: number,
  x0: number,
  y0: number,
  w: number,
  h: number,
): number {
  const x1 = Math.min(x0 + w, image.width);
  const y1 = Math.min(y0 + h, image.height);
  let sum = 0;
  let area = 0;
  for (let y = Math.floor(y0); y < y1; y++) {
    const cy = Math.min(y + 1, y1) - Math.max(y, y0);
    if (cy <= 0) continue;
    for (let x = Math.floor(x0); x < x1; x++) {
      const cx = Math.min(x + 1, x1) - Math.max(x, x0);
      if (cx <= 0) continue;
      sum += pixel(image, x, y, c) * cx * cy;
      area += cx * cy;
    }
  }
  assert(area > 0, 'empty resampling footprint');
  return sum / area;
}

function bilinearSample(image: PixelImage, c: number, x: number, y: number): number {
  const cx = Math.min(Math.max(x, 0), image.width - 1);
  const cy = Math.min(Math.max(y, 0), image.height - 1);
  const xa = Math.floor(cx);
  const ya = Math.floor(cy);
  const xb = Math.min(xa + 1, image.width - 1);
  const yb = Math.min(ya + 1, image.height - 1);
  const fx = cx - xa;
  const fy = cy - ya;
  const top = pixel(image, xa, ya, c) * (1 - fx) + pixel(image, xb, ya, c) * fx;
  const bottom = pixel(image, xa, yb, c) * (1 - fx) + pixel(image, xb, yb, c) * fx;
  return top * (1 - fy) + bottom * fy;
}

/** Splits a resized image into the requested colour planes (JPEG BT.601 YCbCr, HSV scaled to 0..255). */
export function colourPlanes(
  resized: { rgb: Float32Array; grey: boolean },
  side: number,
  channels: readonly ColourChannel[],
): Plane[] {
  const n = side * side;
  const stride = resized.grey ? 1 : 3;
  assert(resized.rgb.length === n * stride, 'resized buffer length mismatch');
  const planes = channels.map(() => new Float32Array(n));
  for (let i = 0; i < n; i++) {
    const r = resized.rgb[i * stride] ?? 0;
    const g = resized.grey ? r : (resized.rgb[i * stride + 1] ?? 0);
    const b = resized.grey ? r : (resized.rgb[i * stride + 2] ?? 0);
    for (let k = 0; k < channels.length; k++) {
      const plane = planes[k];
      const channel = channels[k];
      assert(plane !== undefined && channel !== undefined, 'plane index');
      plane[i] = channelValue(channel, r, g, b);
    }
  }
  return planes.map((data) => ({ data, width: side, height: side }));
}

function channelValue(channel: ColourChannel, r: number, g: number, b: number): number {
  switch (channel) {
    case 'grey':
    case 'y':
      return 0.299 * r + 0.587 * g + 0.114 * b;
    case 'cb':
      return 128 - 0.168736 * r - 0.331264 * g + 0.5 * b;
    case 'cr':
      return 128 + 0.5 * r - 0.418688 * g - 0.081312 * b;
    case 'h':
      return hue(r, g, b);
    case 's': {
      const max = Math.max(r, g, b);
      return max === 0 ? 0 : (255 * (max - Math.min(r, g, b))) / max;
    }
    case 'v':
      return Math.max(r, g, b);
  }
}

function hue(r: number, g: number, b: number): number {
  const max = Math.max(r, g, b);
  const delta = max - Math.min(r, g, b);
  if (delta === 0) return 0;
  let h: number;
  if (max === r) h = ((g - b) / delta + 6) % 6;
  else if (max === g) h = (b - r) / delta + 2;
  else h = (r - g) / delta + 4;
  return (h / 6) * 255;
}

/** Maps each P-bit code to its uniform-pattern bin (at most two 0/1 transitions), else the last bin. */
export function uniformMapping(points: number): Uint16Array {
  assert(
    Number.isInteger(points) && points >= 4 && points <= padLbpPointsMax,
    'LBP points out of range',
  );
  const size = 1 << points;
  const map = new Uint16Array(size);
  const nonUniformBin = uniformBinCount(points) - 1;
  let next = 0;
  for (let code = 0; code < size; code++) {
    map[code] = transitions(code, points) <= 2 ? next++ : nonUniformBin;
  }
  assert(next === nonUniformBin, 'uniform pattern count mismatch');
  return map;
}

function transitions(code: number, points: number): number {
  let count = 0;
  for (let p = 0; p < points; p++) {
    const a = (code >> p) & 1;
    const b = (code >> ((p + 1) % points)) & 1;
    if (a !== b) count++;
  }
  return count;
}

const mappingCache = new Map<number, Uint16Array>();
function cachedMapping(points: number): Uint16Array {
  let map = mappingCache.get(points);
  if (map === undefined) {
    map = uniformMapping(points);
    mappingCache.set(points, map);
  }
  return map;
}

/** Bilinear taps of one neighbour: four pixel offsets from the centre and their weights. */
interface NeighbourTaps {
  readonly offsets: readonly [number, number, number, number];
  readonly weights: readonly [number, number, number, number];
}

/** Neighbour p sits at angle 2*pi*p/P, counter-clockwise from the right (y grows downwards). */
export function neighbourOffsets(points: number, radius: number): { dx: number; dy: number }[] {
  const snap = (v: number): number => (Math.abs(v - Math.round(v)) < 1e-9 ? Math.round(v) + 0 : v);
  const list: { dx: number; dy: number }[] = [];
  for (let p = 0; p < points; p++) {
    const angle = (2 * Math.PI * p) / points;
    list.push({ dx: snap(radius * Math.cos(angle)), dy: snap(-radius * Math.sin(angle)) });
  }
  return list;
}

function neighbourTaps(points: number, radius: number, stride: number): NeighbourTaps[] {
  return neighbourOffsets(points, radius).map(({ dx, dy }) => {
    const x0 = Math.floor(dx);
    const y0 = Math.floor(dy);
    const fx = dx - x0;
    const fy = dy - y0;
    return {
      offsets: [
        y0 * stride + x0,
        y0 * stride + x0 + 1,
        (y0 + 1) * stride + x0,
        (y0 + 1) * stride + x0 + 1,
      ],
      weights: [(1 - fx) * (1 - fy), fx * (1 - fy), (1 - fx) * fy, fx * fy],
    };
  });
}

/**
 * Raw LBP codes (bit p set when neighbour p >= centre) of every pixel at least ceil(R) from the
 * border; returns the codes and the size of that inner region. A small tolerance keeps interpolated
 * neighbours of a flat region equal to the centre despite rounding.
 */
export function lbpCodes(
  plane: Plane,
  points: number,
  radius: number,
): { codes: Uint32Array; width: number; height: number } {
  assert(plane.data.length === plane.width * plane.height, 'plane length mismatch');
  const border = Math.ceil(radius);
  const width = plane.width - 2 * border;
  const height = plane.height - 2 * border;
  assert(width > 0 && height > 0, 'plane too small for LBP radius');
  const taps = neighbourTaps(points, radius, plane.width);
  const px = plane.data;
  const codes = new Uint32Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const centreIndex = (y + border) * plane.width + x + border;
      const centre = px[centreIndex] ?? 0;
      let code = 0;
      for (let p = 0; p < taps.length; p++) {
        const { offsets: o, weights: w } = taps[p] as NeighbourTaps;
        // Zero-weight taps may point one pixel past the border; they are skipped, never read.
        let v = 0;
        for (let k = 0; k < 4; k++) {
          const wk = w[k] as number;
          if (wk !== 0) v += wk * (px[centreIndex + (o[k] as number)] ?? 0);
        }
        if (v >= centre - 1e-4) code |= 1 << p;
      }
      codes[y * width + x] = code >>> 0;
    }
  }
  return { codes, width, height };
}

/** Uniform-LBP histograms of one plane over a grid of blocks, each block L1-normalised. */
export function lbpHistograms(plane: Plane, op: LbpOperator): Float64Array {
  const map = cachedMapping(op.points);
  const bins = uniformBinCount(op.points);
  const { codes, width, height } = lbpCodes(plane, op.points, op.radius);
  const out = new Float64Array(bins * op.grid * op.grid);
  const counts = new Float64Array(op.grid * op.grid);
  for (let y = 0; y < height; y++) {
    const by = Math.min(Math.floor((y * op.grid) / height), op.grid - 1);
    for (let x = 0; x < width; x++) {
      const bx = Math.min(Math.floor((x * op.grid) / width), op.grid - 1);
      const block = by * op.grid + bx;
      const bin = map[codes[y * width + x] ?? 0] ?? 0;
      out[block * bins + bin] = (out[block * bins + bin] ?? 0) + 1;
      counts[block] = (counts[block] ?? 0) + 1;
    }
  }
  for (let block = 0; block < counts.length; block++) {
    const n = counts[block] ?? 0;
    assert(n > 0, 'empty LBP block');
    for (let b = 0; b < bins; b++) out[block * bins + b] = (out[block * bins + b] ?? 0) / n;
  }
  return out;
}

/** The feature vector of a face crop: per channel, per operator, the normalised histograms in order. */
export function textureFeatures(image: PixelImage, spec: TextureFeatureSpec): Float64Array {
  assertSpec(spec);
  const resized = resizeToSquare(image, spec.resizeSide);
  const planes = colourPlanes(resized, spec.resizeSide, spec.channels);
  const out = new Float64Array(featureLength(spec));
  let offset = 0;
  for (const plane of planes) {
    for (const op of spec.operators) {
      const hist = lbpHistograms(plane, op);
      for (let i = 0; i < hist.length; i++) {
        const v = hist[i] ?? 0;
        out[offset + i] = spec.sqrtBins ? Math.sqrt(v) : v;
      }
      offset += hist.length;
    }
  }
  const cues = spec.cues ?? [];
  if (cues.length > 0) {
    const all = colourPlanes(resized, spec.resizeSide, ['grey', 'y', 'cb', 'cr', 'h', 's', 'v']);
    const [grey, y, cb, cr, h, s, v] = all.map((p) => p.data);
    assert(grey && y && cb && cr && h && s && v, 'seven cue planes');
    const values = cueFeatures({ side: spec.resizeSide, grey, y, cb, cr, h, s, v }, cues);
    out.set(values, offset);
    offset += values.length;
  }
  assert(offset === out.length, 'feature length mismatch');
  for (const v of out) assert(Number.isFinite(v), 'non-finite feature');
  return out;
}
