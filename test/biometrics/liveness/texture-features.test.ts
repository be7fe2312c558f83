// Checks the LBP texture features against codes worked out by hand on tiny images, and the shape and
// normalisation of the feature vector the passive detector is trained on.
import { describe, expect, it } from 'vitest';
import { AssertionError } from '../../../src/shared/assert.ts';
import type { PadCue } from '../../../src/biometrics/liveness/pad-cues.ts';
import { cueLength, cuesLength, dct2 } from '../../../src/biometrics/liveness/pad-cues.ts';
import type {
  PixelImage,
  Plane,
  TextureFeatureSpec,
} from '../../../src/biometrics/liveness/texture-features.ts';
import {
  colourPlanes,
  featureLength,
  lbpCodes,
  lbpHistograms,
  neighbourOffsets,
  resizeToSquare,
  textureFeatures,
  uniformBinCount,
  uniformMapping,
} from '../../../src/biometrics/liveness/texture-features.ts';

function plane(rows: number[][]): Plane {
  const height = rows.length;
  const width = rows[0]?.length ?? 0;
  return { data: Float32Array.from(rows.flat()), width, height };
}

const spec: TextureFeatureSpec = {
  resizeSide: 64,
  channels: ['y', 'cb', 'cr', 'h', 's', 'v'],
  operators: [
    { points: 8, radius: 1, grid: 2 },
    { points: 8, radius: 2, grid: 1 },
    { points: 16, radius: 2, grid: 1 },
  ],
  sqrtBins: false,
};

describe('uniform LBP mapping', () => {
  it('has P(P-1)+3 bins: 59 for 8 points, 243 for 16', () => {
    expect(uniformBinCount(8)).toBe(59);
    expect(uniformBinCount(16)).toBe(243);
    const map = uniformMapping(8);
    expect(Math.max(...map)).toBe(58);
    expect(new Set(map).size).toBe(59);
  });

  it('sends patterns with more than two transitions to the last bin', () => {
    const map = uniformMapping(8);
    expect(map[0b01010101]).toBe(58);
    expect(map[0b00100100]).toBe(58);
    expect(map[0b00000000]).toBe(0);
    expect(map[0b11111111]).not.toBe(58);
    expect(map[0b11100011]).not.toBe(58);
  });
});

describe('LBP codes on hand-made images', () => {
  it('places neighbours counter-clockwise from the right, y down', () => {
    const offsets = neighbourOffsets(4, 1);
    expect(offsets).toEqual([
      { dx: 1, dy: 0 },
      { dx: 0, dy: -1 },
      { dx: -1, dy: 0 },
      { dx: 0, dy: 1 },
    ]);
  });

  it('LBP(4,1): bit p set when neighbour p >= centre', () => {
    // right 1 < 5, up 9, left 9, down 0  ->  bits 1 and 2  ->  0b0110
    const { codes, width, height } = lbpCodes(
      plane([
        [0, 9, 0],
        [9, 5, 1],
        [0, 0, 0],
      ]),
      4,
      1,
    );
    expect([width, height]).toEqual([1, 1]);
    expect(codes[0]).toBe(0b0110);
  });

  it('LBP(8,1): a flat image gives all ones despite interpolated diagonals', () => {
    const { codes } = lbpCodes(
      plane([
        [7, 7, 7],
        [7, 7, 7],
        [7, 7, 7],
      ]),
      8,
      1,
    );
    expect(codes[0]).toBe(255);
  });

  it('LBP(8,1): a vertical edge gives the uniform code 0b11000111', () => {
    // Right column and centre column 100, left column 0. The upper-left diagonal interpolates to
    // 0.29 * 100 < 100, so bits 3, 4, 5 (upper-left, left, lower-left) are clear.
    const { codes } = lbpCodes(
      plane([
        [0, 100, 100],
        [0, 100, 100],
        [0, 100, 100],
      ]),
      8,
      1,
    );
    expect(codes[0]).toBe(0b11000111);
  });

  it('LBP(8,1): one bright right neighbour sets only bit 0', () => {
    // The upper-right diagonal interpolates 0.21*0 + 0.5*0 + 0.09*10 + 0.21*20 = 5 < 10.
    const { codes } = lbpCodes(
      plane([
        [0, 0, 0],
        [0, 10, 20],
        [0, 0, 0],
      ]),
      8,
      1,
    );
    expect(codes[0]).toBe(1);
  });

  it('every block histogram sums to one', () => {
    const data = Array.from({ length: 20 }, (_, y) =>
      Array.from({ length: 20 }, (_, x) => (x * 7 + y * 13) % 31),
    );
    const hist = lbpHistograms(plane(data), { points: 8, radius: 1, grid: 2 });
    expect(hist.length).toBe(59 * 4);
    for (let b = 0; b < 4; b++) {
      const sum = hist.slice(b * 59, (b + 1) * 59).reduce((a, v) => a + v, 0);
      expect(sum).toBeCloseTo(1, 12);
    }
  });
});

describe('feature vector', () => {
  const width = 90;
  const height = 70;
  const rgb = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) {
    rgb[i * 3] = (i * 37) % 256;
    rgb[i * 3 + 1] = (i * 11 + 40) % 256;
    rgb[i * 3 + 2] = (i * 5 + 90) % 256;
  }

  it('has the spec length, finite values, and each histogram normalised', () => {
    expect(featureLength(spec)).toBe(6 * (59 * 4 + 59 + 243));
    const features = textureFeatures({ data: rgb, width, height, channels: 3 }, spec);
    expect(features.length).toBe(3228);
    expect(features.every(Number.isFinite)).toBe(true);
    const histogramSizes = [59, 59, 59, 59, 59, 243];
    let offset = 0;
    for (let c = 0; c < 6; c++) {
      for (const size of histogramSizes) {
        const sum = features.slice(offset, offset + size).reduce((a, v) => a + v, 0);
        expect(sum).toBeCloseTo(1, 9);
        offset += size;
      }
    }
    expect(offset).toBe(features.length);
  });

  it('is deterministic and accepts grey and RGBA input', () => {
    const a = textureFeatures({ data: rgb, width, height, channels: 3 }, spec);
    const b = textureFeatures({ data: rgb, width, height, channels: 3 }, spec);
    expect(Array.from(a)).toEqual(Array.from(b));
    const grey = new Uint8Array(width * height).map((_, i) => (i * 37) % 256);
    expect(textureFeatures({ data: grey, width, height, channels: 1 }, spec).length).toBe(3228);
    const rgba = new Uint8Array(width * height * 4).map((_, i) => (i * 3) % 256);
    expect(textureFeatures({ data: rgba, width, height, channels: 4 }, spec).length).toBe(3228);
  });

  it('resizing a constant image keeps it constant; YCbCr of grey is neutral', () => {
    const flat = new Uint8Array(100 * 80 * 3).fill(120);
    const resized = resizeToSquare({ data: flat, width: 100, height: 80, channels: 3 }, 64);
    expect(resized.rgb.every((v) => Math.abs(v - 120) < 1e-4)).toBe(true);
    const [y, cb, cr, s] = colourPlanes(resized, 64, ['y', 'cb', 'cr', 's']);
    expect(y?.data[0]).toBeCloseTo(120, 3);
    expect(cb?.data[0]).toBeCloseTo(128, 3);
    expect(cr?.data[0]).toBeCloseTo(128, 3);
    expect(s?.data[0]).toBeCloseTo(0, 6);
  });

  it('rejects a buffer that does not match its size as a programmer error', () => {
    const bad = { data: new Uint8Array(10), width: 64, height: 64, channels: 3 as const };
    expect(() => textureFeatures(bad, spec)).toThrow(AssertionError);
  });
});

describe('whole-crop cues (pad-cues.ts) appended to the vector', () => {
  const cueSpec: TextureFeatureSpec = {
    resizeSide: 64,
    channels: ['y', 'cb', 'cr', 'h', 's', 'v'],
    operators: [{ points: 8, radius: 1, grid: 1 }],
    sqrtBins: true,
    cues: ['colour_moments', 'frequency', 'blur', 'specular'],
  };
  // A deterministic textured RGB image: fine checker detail over a smooth colour ramp.
  function textured(width: number, height: number, fine: number): PixelImage {
    const data = new Uint8Array(width * height * 3);
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++) {
        const checker = ((x >> 1) + (y >> 1)) % 2 === 0 ? fine : -fine;
        const i = (y * width + x) * 3;
        data[i] = Math.max(0, Math.min(255, 80 + x + checker));
        data[i + 1] = Math.max(0, Math.min(255, 60 + y / 2 + checker));
        data[i + 2] = Math.max(0, Math.min(255, 120 - x / 3 + checker));
      }
    return { data, width, height, channels: 3 };
  }

  it('has the spec length (LBP bins + 29 cue values), all finite, and is deterministic', () => {
    expect(cuesLength(cueSpec.cues ?? [])).toBe(29);
    expect(featureLength(cueSpec)).toBe(6 * 59 + 29);
    const image = textured(150, 170, 30);
    const a = textureFeatures(image, cueSpec);
    const b = textureFeatures(image, cueSpec);
    expect(a).toHaveLength(featureLength(cueSpec));
    expect(a.every(Number.isFinite)).toBe(true);
    expect(Array.from(a)).toEqual(Array.from(b));
  });

  it('cues alone (no LBP operator) are a valid spec; a flat grey image gives finite cues', () => {
    const cuesOnly: TextureFeatureSpec = { ...cueSpec, operators: [] };
    const flat: PixelImage = {
      data: new Uint8Array(64 * 64).fill(128),
      width: 64,
      height: 64,
      channels: 1,
    };
    const v = textureFeatures(flat, cuesOnly);
    expect(v).toHaveLength(29);
    expect(v.every(Number.isFinite)).toBe(true);
  });

  it('the sharpness and high-frequency cues fall when the fine detail is removed', () => {
    const blurOnly: TextureFeatureSpec = { ...cueSpec, operators: [], cues: ['blur', 'frequency'] };
    const sharp = textureFeatures(textured(128, 128, 40), blurOnly);
    const smooth = textureFeatures(textured(128, 128, 0), blurOnly);
    expect(sharp[0]).toBeGreaterThan(smooth[0] ?? Infinity); // Laplacian energy
    // Share of the highest frequency band (last band before the peakiness value).
    expect(sharp[2 + cueLength('frequency') - 2]).toBeGreaterThan(
      smooth[2 + cueLength('frequency') - 2] ?? Infinity,
    );
  });

  it('the DCT is orthonormal: energy is kept', () => {
    const side = 16;
    const plane = Float64Array.from({ length: side * side }, (_, i) => (i * 37) % 255);
    const coefficients = dct2(plane, side);
    const energy = (v: Float64Array): number => v.reduce((sum, x) => sum + x * x, 0);
    expect(energy(coefficients)).toBeCloseTo(energy(plane), 6);
  });

  it('an unknown or repeated cue is a programmer error', () => {
    expect(() => featureLength({ ...cueSpec, cues: ['blur', 'blur'] })).toThrow(AssertionError);
    expect(() => featureLength({ ...cueSpec, cues: ['moire' as PadCue] })).toThrow(AssertionError);
    expect(() => featureLength({ ...cueSpec, operators: [], cues: [] })).toThrow(AssertionError);
  });
});
