// bench:challenge --responder none's per-payment figure: a recording that passes some of its draws gets
// through a payment only if one of the payment's face tries draws in its favour, each try a fresh draw;
// across payments, only until the kiosk pauses face checks after faceLooksFailedInARowMax failed looks.
import { describe, expect, it } from 'vitest';
import { passWithinTries } from '../../scripts/bench-challenge/report.ts';
import { faceLooksFailedInARowMax } from '../../src/shared/limits.ts';

describe('passWithinTries', () => {
  it('is one minus the chance that every try refuses', () => {
    // 1 of 20 orders: 14.3% within 3 tries.
    expect(passWithinTries(1, 20, 3)).toBeCloseTo(1 - 0.95 ** 3, 12);
    expect(passWithinTries(1, 20, 3)).toBeCloseTo(0.142625, 6);
    expect(passWithinTries(0, 20, 3)).toBe(0);
    expect(passWithinTries(20, 20, 3)).toBe(1);
    expect(passWithinTries(1, 20, 1)).toBeCloseTo(0.05, 12);
  });

  it('across payments, until the kiosk pauses face checks: 26.5% for 1 of 20 over 6 looks', () => {
    expect(faceLooksFailedInARowMax).toBe(6);
    expect(passWithinTries(1, 20, faceLooksFailedInARowMax)).toBeCloseTo(1 - 0.95 ** 6, 12);
    expect(passWithinTries(1, 20, faceLooksFailedInARowMax)).toBeCloseTo(0.2649, 4);
  });

  it('grows with the tries, towards certainty for a recording that passes at all', () => {
    expect(passWithinTries(1, 20, 20)).toBeGreaterThan(0.64);
    expect(passWithinTries(1, 20, 200)).toBeGreaterThan(0.9999);
  });

  it('refuses counts that are no rate', () => {
    expect(() => passWithinTries(1, 0, 3)).toThrow(RangeError);
    expect(() => passWithinTries(3, 2, 3)).toThrow(RangeError);
    expect(() => passWithinTries(1, 20, 0)).toThrow(RangeError);
  });
});
