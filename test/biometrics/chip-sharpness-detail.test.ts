// The re-blur measure takes its options as one object and also reads the share of differences above the
// noise floor (issue 8 review), and the blur-bound rule counts the strong-defocus copies as ones to refuse.

import { describe, expect, it } from 'vitest';
import { chipSharpnessOptions, reblurSharpness } from '../../src/biometrics/chip-sharpness.ts';
import { defocusedVariant, keptVariant } from '../../scripts/blur-bound-rule.ts';

const side = 50;

/** Gaussian noise of `sigma` grey levels around 128, from a fixed seed. */
function noisePlane(sigma: number, seed: number): Float32Array {
  let state = seed;
  const uniform = (): number => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return (state + 0.5) / 4294967296;
  };
  return Float32Array.from({ length: side * side }, () => {
    const gauss = Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
    return 128 + sigma * gauss;
  });
}

const inFrame = new Float32Array(side * side).fill(1);

describe('reblurSharpness detail', () => {
  it('reads noise alone as sharp but with ~0.21 of its differences above the noise floor', () => {
    const read = reblurSharpness(noisePlane(4, 7), inFrame, side, chipSharpnessOptions);
    expect(read.sharpness).toBeGreaterThan(0.5);
    expect(read.detail).toBeGreaterThan(0.15);
    expect(read.detail).toBeLessThan(0.28);
  });

  it('reads stripes of 4 px under the same noise with most differences above the floor', () => {
    const noise = noisePlane(4, 7);
    const plane = noise.map((value, index) => value + (Math.floor((index % side) / 4) % 2) * 80);
    const read = reblurSharpness(plane, inFrame, side, chipSharpnessOptions);
    expect(read.detail).toBeGreaterThan(0.6);
  });

  it('reads no noise floor on a clean plane: detail 1', () => {
    const plane = Float32Array.from({ length: side * side }, (_, index) => (index % side) * 3);
    expect(reblurSharpness(plane, inFrame, side, chipSharpnessOptions).detail).toBeCloseTo(1, 6);
  });
});

describe('blur-bound rule variants', () => {
  it('counts the 8% and 12% defocus copies, as is or noised, as defocused, not kept', () => {
    for (const variant of ['def', 'def+n6', 'def8', 'def8+n4+q50', 'def12+n6']) {
      expect(defocusedVariant(variant)).toBe(true);
      expect(keptVariant(variant)).toBe(false);
    }
    expect(defocusedVariant('dark+n6')).toBe(false);
    expect(keptVariant('dark+n6')).toBe(true);
  });
});
