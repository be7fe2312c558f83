// Colour and texture of the nose, mouth, chin and lower cheeks against the person's own skin above the
// mask line (forehead, under the eyes): a face mask is a cloth of another colour and texture there.
//
// Isomorphic and pure: RGB pixels and the 68 landmarks in, a fixed-length feature row out (or null when
// the face lies too far outside the frame to sample). Sampled on a grid in face coordinates (eye line
// across and down, in eye distances), so roll and scale do not matter and a frame costs a few hundred reads.
import { assert } from '../../shared/assert.ts';
import type { Point } from '../geometry.ts';
import { mean } from '../geometry.ts';
import type { RgbImage } from '../image.ts';

/** Names the feature layout; a model fitted on another layout is refused at load. */
export const maskFeatureSpec = 'mask-features-v3';

/** A rectangle in face coordinates: u across and v down, in eye distances from the point between the
 * eyes (eyes at u = -0.5 and 0.5, the mouth near v = 1.1, the chin near 1.8). Not placed from the mouth
 * landmarks: under a mask the net guesses them, often too high. */
interface Region {
  readonly u0: number;
  readonly u1: number;
  readonly v0: number;
  readonly v1: number;
}

/** Skin a mask leaves bare, as two references: above the brows (hair may cover it) and just under the
 * lower lids (glasses may cover it; a mask's top edge runs from the nose bridge, ~0.35 down, to the
 * cheeks lower at the sides). */
const foreheadRegions: readonly Region[] = [{ u0: -0.45, u1: 0.45, v0: -0.8, v1: -0.55 }];
const underEyeRegions: readonly Region[] = [
  { u0: -0.7, u1: -0.3, v0: 0.15, v1: 0.3 },
  { u0: 0.3, u1: 0.7, v0: 0.15, v1: 0.3 },
];

/** What a mask covers: over the nose (mask_full), the mouth (mask_full, mask_mouth), the chin (all three
 * positions, a chin mask too: the mouth region tells it apart) and the lower cheeks. */
const probeRegions: readonly (readonly Region[])[] = [
  [{ u0: -0.15, u1: 0.15, v0: 0.5, v1: 0.75 }],
  [{ u0: -0.3, u1: 0.3, v0: 1.0, v1: 1.25 }],
  [{ u0: -0.25, u1: 0.25, v0: 1.4, v1: 1.6 }],
  [
    { u0: -0.85, u1: -0.55, v0: 0.8, v1: 1.1 },
    { u0: 0.55, u1: 0.85, v0: 0.8, v1: 1.1 },
  ],
];

/** Per probe region: skin fraction against each reference, then mean Cb, Cr and luma and the luma
 * spread against the under-eye reference; then how far apart the two references' colours are, and how
 * red the reddest of the mouth region is (lips: a beard darkens the mouth and chin as a mask does, but
 * leaves the lips showing). */
const perProbe = 6;
const mouthProbe = 1;
const lipQuantile = 0.9;
export const maskFeatureLength = probeRegions.length * perProbe + 2;

/** Grid points per region side. */
const gridSide = 8;
/** A region with fewer than this fraction of its points inside the frame makes the reading unusable. */
const insideFractionMin = 0.6;
/** A pixel is skin-coloured when its chroma is within this many reference spreads of the reference ... */
const skinChromaSpreads = 2.5;
/** ... (spread floored here: an evenly lit face has almost no chroma spread) ... */
const skinChromaRadiusMin = 6;
/** ... and its luma within this factor of the reference's either way (a black mask has grey chroma). */
const skinLumaRatioMax = 1.8;

interface Sample {
  y: number;
  cb: number;
  cr: number;
}

export function maskFeatures(image: RgbImage, landmarks: readonly Point[]): Float64Array | null {
  assert(landmarks.length === 68, 'a face has 68 landmarks');
  const frame = faceFrame(landmarks);
  const foreheadSamples = sampleRegions(image, frame, foreheadRegions);
  const underEyeSamples = sampleRegions(image, frame, underEyeRegions);
  if (foreheadSamples === null || underEyeSamples === null) return null;
  const forehead = summarise(foreheadSamples);
  const underEye = summarise(underEyeSamples);
  const row = new Float64Array(maskFeatureLength);
  for (let r = 0; r < probeRegions.length; r++) {
    const samples = sampleRegions(image, frame, probeRegions[r] ?? []);
    if (samples === null) return null;
    const probe = summarise(samples);
    const at = r * perProbe;
    row[at] = skinFraction(samples, forehead);
    row[at + 1] = skinFraction(samples, underEye);
    row[at + 2] = probe.cb - underEye.cb;
    row[at + 3] = probe.cr - underEye.cr;
    row[at + 4] = Math.log((probe.y + 1) / (underEye.y + 1));
    row[at + 5] = Math.log((probe.ySpread + 1) / (underEye.ySpread + 1));
    if (r === mouthProbe)
      row[maskFeatureLength - 2] =
        quantileOf(
          samples.map((s) => s.cr),
          lipQuantile,
        ) - underEye.cr;
  }
  row[maskFeatureLength - 1] = Math.hypot(forehead.cb - underEye.cb, forehead.cr - underEye.cr);
  assert(row.every(Number.isFinite), 'mask features are finite');
  return row;
}

interface FaceFrame {
  readonly origin: Point;
  /** One eye distance along the eye line. */
  readonly across: Point;
  /** One eye distance, perpendicular to the eye line (downwards in the image). */
  readonly down: Point;
}

function faceFrame(landmarks: readonly Point[]): FaceFrame {
  const left = mean(landmarks.slice(36, 42));
  const right = mean(landmarks.slice(42, 48));
  const origin = { x: (left.x + right.x) / 2, y: (left.y + right.y) / 2 };
  const across = { x: right.x - left.x, y: right.y - left.y };
  // Downwards, perpendicular to the eye line (image y grows downwards), one eye distance long.
  return { origin, across, down: { x: -across.y, y: across.x } };
}

function sampleRegions(
  image: RgbImage,
  frame: FaceFrame,
  regions: readonly Region[],
): Sample[] | null {
  const samples: Sample[] = [];
  for (const region of regions) {
    const before = samples.length;
    for (let i = 0; i < gridSide; i++) {
      const u = region.u0 + ((i + 0.5) / gridSide) * (region.u1 - region.u0);
      for (let j = 0; j < gridSide; j++) {
        const v = region.v0 + ((j + 0.5) / gridSide) * (region.v1 - region.v0);
        const x = Math.round(frame.origin.x + u * frame.across.x + v * frame.down.x);
        const y = Math.round(frame.origin.y + u * frame.across.y + v * frame.down.y);
        if (x < 0 || y < 0 || x >= image.width || y >= image.height) continue;
        samples.push(ycbcr(image, x, y));
      }
    }
    if (samples.length - before < insideFractionMin * gridSide * gridSide) return null;
  }
  return samples;
}

/** ITU-R BT.601 full-range YCbCr of one pixel. */
function ycbcr(image: RgbImage, x: number, y: number): Sample {
  const at = (y * image.width + x) * 3;
  const r = image.data[at] ?? 0;
  const g = image.data[at + 1] ?? 0;
  const b = image.data[at + 2] ?? 0;
  return {
    y: 0.299 * r + 0.587 * g + 0.114 * b,
    cb: 128 - 0.168736 * r - 0.331264 * g + 0.5 * b,
    cr: 128 + 0.5 * r - 0.418688 * g - 0.081312 * b,
  };
}

interface Summary {
  y: number;
  cb: number;
  cr: number;
  ySpread: number;
  chromaSpread: number;
}

/** Medians (hair over the forehead or a shadow moves a mean) and spreads (median absolute deviation). */
function summarise(samples: readonly Sample[]): Summary {
  const y = median(samples.map((s) => s.y));
  const cb = median(samples.map((s) => s.cb));
  const cr = median(samples.map((s) => s.cr));
  return {
    y,
    cb,
    cr,
    ySpread: median(samples.map((s) => Math.abs(s.y - y))),
    chromaSpread: median(samples.map((s) => Math.hypot(s.cb - cb, s.cr - cr))),
  };
}

function skinFraction(samples: readonly Sample[], ref: Summary): number {
  const radius = Math.max(skinChromaRadiusMin, skinChromaSpreads * ref.chromaSpread);
  return samples.filter((s) => isSkin(s, ref, radius)).length / samples.length;
}

function isSkin(sample: Sample, ref: Summary, radius: number): boolean {
  const chroma = Math.hypot(sample.cb - ref.cb, sample.cr - ref.cr);
  const luma = (sample.y + 1) / (ref.y + 1);
  return chroma <= radius && luma <= skinLumaRatioMax && luma >= 1 / skinLumaRatioMax;
}

function quantileOf(values: number[], q: number): number {
  assert(values.length > 0, 'quantile of nothing');
  values.sort((a, b) => a - b);
  return values[Math.min(values.length - 1, Math.floor(q * values.length))] ?? 0;
}

function median(values: number[]): number {
  assert(values.length > 0, 'median of nothing');
  values.sort((a, b) => a - b);
  const mid = Math.floor(values.length / 2);
  return values.length % 2 === 1
    ? (values[mid] ?? 0)
    : ((values[mid - 1] ?? 0) + (values[mid] ?? 0)) / 2;
}
