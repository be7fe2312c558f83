import { describe, expect, it } from 'vitest';
import { poolActivation } from '../../../src/biometrics/liveness/activation-pool.ts';

// A 2x3 map with 2 channels, channels-last: channel 0 reads 1..6 over the positions, channel 1 is 10
// everywhere except one position at 40.
const values = [1, 10, 2, 10, 3, 10, 4, 40, 5, 10, 6, 10];

describe('poolActivation', () => {
  it('averages each channel over all positions of an NHWC map', () => {
    const pooled = poolActivation(values, [1, 2, 3, 2], { std: false });
    expect(Array.from(pooled)).toEqual([3.5, 15]);
  });

  it('appends each channel population standard deviation after the means', () => {
    const pooled = poolActivation(values, [2, 3, 2], { std: true });
    expect(pooled).toHaveLength(4);
    expect(pooled[0]).toBeCloseTo(3.5, 12);
    expect(pooled[1]).toBeCloseTo(15, 12);
    // 1..6: variance 35/12; channel 1: five 10s and a 40 around 15, variance (5*25 + 625)/6 = 125.
    expect(pooled[2]).toBeCloseTo(Math.sqrt(35 / 12), 12);
    expect(pooled[3]).toBeCloseTo(Math.sqrt(125), 12);
  });

  it('gives a constant channel zero spread, never NaN', () => {
    const pooled = poolActivation([0.1, 0.1, 0.1, 0.1], [1, 2, 2, 1], { std: true });
    expect(pooled[0]).toBeCloseTo(0.1, 12);
    expect(pooled[1]).toBe(0);
  });

  it('refuses values that do not match the shape or a batch of several maps', () => {
    expect(() => poolActivation(values, [1, 2, 2, 2], { std: false })).toThrow();
    expect(() => poolActivation(values, [2, 1, 3, 2], { std: false })).toThrow();
  });
});
