// The two-matcher decision: a flagged pair is decided by the masked-pair matcher's score and threshold,
// any other pair by today's; a pair that failed to acquire is a non-match either way.

import { describe, expect, it } from 'vitest';
import type { RoutedPair } from '../../../src/biometrics/calibration/routed-match.ts';
import { routedRates } from '../../../src/biometrics/calibration/routed-match.ts';

const thresholds = { base: 0.96, occluded: 0.9 };

function pair(overrides: Partial<RoutedPair>): RoutedPair {
  return {
    condition: 'mfr2',
    genuine: true,
    base: 0.5,
    occluded: 0.5,
    routed: false,
    ...overrides,
  };
}

describe('routedRates', () => {
  it('decides a flagged pair by the masked-pair matcher only', () => {
    const rates = routedRates(
      [
        pair({ routed: true, base: 0.1, occluded: 0.9 }), // at the occluded threshold: a match
        pair({ routed: true, base: 0.99, occluded: 0.89 }), // today would match; occluded does not
        pair({ genuine: false, routed: true, base: 0.99, occluded: 0.2 }),
        pair({ genuine: false, routed: true, base: 0.2, occluded: 0.95 }),
      ],
      thresholds,
    ).get('mfr2');
    expect(rates).toMatchObject({ genuinePairs: 2, falseNonMatches: 1, falseMatches: 1 });
    expect(rates?.fnmr).toBe(0.5);
    expect(rates?.fmr).toBe(0.5);
  });

  it('decides an unflagged pair by today only, per condition', () => {
    const rates = routedRates(
      [
        pair({ condition: 'nuaa', base: 0.96, occluded: 0.1 }),
        pair({ condition: 'nuaa', genuine: false, base: 0.95, occluded: 0.99 }),
        pair({ condition: 'yaleb', genuine: false, base: 0.97, occluded: 0.1 }),
      ],
      thresholds,
    );
    expect(rates.get('nuaa')).toMatchObject({ falseNonMatches: 0, falseMatches: 0 });
    expect(rates.get('yaleb')).toMatchObject({ falseMatches: 1, comparedImpostors: 1 });
  });

  it('counts a pair that failed to acquire as a false non-match, and no impostor comparison', () => {
    const rates = routedRates(
      [
        pair({ routed: true, occluded: null }),
        pair({ routed: false, base: null }),
        pair({ genuine: false, routed: true, occluded: null }),
      ],
      thresholds,
    ).get('mfr2');
    expect(rates).toMatchObject({
      genuinePairs: 2,
      falseNonMatches: 2,
      failedToAcquire: 3,
      comparedImpostors: 0,
      fmr: null,
    });
  });
});
