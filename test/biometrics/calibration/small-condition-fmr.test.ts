// A condition with no more people than folds never has two of them in one k-fold test fold, so none of its
// impostor pairs is tested out of sample; leave-pair-out folds must test them, or the condition is flagged.

import { describe, expect, it } from 'vitest';
import type { ScoredPair } from '../../../src/biometrics/calibration/cross-validation.ts';
import {
  crossValidate,
  pairFoldPeople,
  summarizeConditions,
} from '../../../src/biometrics/calibration/cross-validation.ts';
import { selectThreshold } from '../../../src/biometrics/calibration/thresholds.ts';

const target = 0.001;

const people = (prefix: string, count: number): string[] =>
  Array.from({ length: count }, (_, index) => `${prefix}_${String(index).padStart(2, '0')}`);

/** Two images per person: genuine pairs at 0.95; every two people one impostor pair at `score(a, b)`. */
function conditionPairs(
  condition: string,
  names: readonly string[],
  score: (a: string, b: string) => number,
): ScoredPair[] {
  const pairs: ScoredPair[] = [];
  for (const [i, a] of names.entries()) {
    pairs.push({ condition, identityA: a, identityB: a, genuine: true, score: 0.95 });
    for (const b of names.slice(i + 1))
      pairs.push({ condition, identityA: a, identityB: b, genuine: false, score: score(a, b) });
  }
  return pairs;
}

// 12 webcam people (impostors 0.30) and a 4-person condition whose two look-alikes score 0.90.
const pairs = [
  ...conditionPairs('webcam', people('webcam', 12), () => 0.3),
  ...conditionPairs('tiny', people('tiny', 4), (a, b) =>
    a === 'tiny_00' && b === 'tiny_01' ? 0.9 : 0.2,
  ),
];
const options = {
  pairs,
  folds: 5,
  repeats: 4,
  seed: 'small',
  linked: [],
  targetFmr: target,
  fit: (train: Parameters<typeof selectThreshold>[0]) => selectThreshold(train, target).threshold,
  margins: [0, 0.01, 0.02],
};

describe('FMR of a condition with fewer people than folds', () => {
  it('is measured out of sample on every impostor person-pair, and catches the look-alikes', () => {
    const result = crossValidate(options);
    const tiny = summarizeConditions(result.outcomes, target).get('tiny');
    // Before leave-pair-out folds: 0 compared impostors, nothing flagged, held true.
    expect(tiny?.comparedImpostors).toBeGreaterThan(0);
    // The look-alikes' fold is fitted without them (webcam and the other tiny impostors: <= 0.30), so 0.90
    // is a false match there: proof that neither look-alike trained that fold's threshold.
    expect(tiny?.falseMatches).toBeGreaterThanOrEqual(1);
    expect(tiny?.foldsOverTarget).toBeGreaterThanOrEqual(1);
    const coverage = result.coverage.get('tiny');
    expect(coverage).toEqual({
      distinctGenuinePairs: 4,
      distinctImpostorPairs: 6,
      distinctComparedImpostors: 6,
      impostorPersonPairs: 6,
      impostorPersonPairsTested: 6,
      fmrNotMeasured: false,
    });
    expect(result.margin.held).toBe(false);
    expect(result.worstFold).toMatchObject({
      condition: 'tiny',
      label: 'pair tiny_00 + tiny_01',
      fmr: 1,
      overTarget: true,
    });
    // The shipped margin is still chosen on the k-fold folds alone (they never see the look-alikes).
    expect(result.marginFound).toBe(true);
    expect(result.marginWithPairFolds).toEqual({ margin: 0.02, found: false });
  });

  it('holds out each two people of a small condition once, with anyone linked to them', () => {
    const held = pairFoldPeople({ ...options, linked: [['tiny_00', 'webcam_05']] }).map((set) =>
      [...set].sort().join(' + '),
    );
    expect(held).toHaveLength(6);
    expect(held).toContain('tiny_00 + tiny_01 + webcam_05');
    expect(held).toContain('tiny_02 + tiny_03');
    // The 12-person condition has >= 2 people in every k-fold test fold: no pair folds.
    expect(held.every((names) => names.includes('tiny'))).toBe(true);
  });

  it('flags a condition whose impostor pairs no fold tested, and does not call the target held', () => {
    const result = crossValidate({ ...options, pairFoldsUpTo: 0 });
    expect(result.coverage.get('tiny')).toMatchObject({
      distinctImpostorPairs: 0,
      impostorPersonPairs: 6,
      impostorPersonPairsTested: 0,
      fmrNotMeasured: true,
    });
    expect(result.coverage.get('webcam')?.fmrNotMeasured).toBe(false);
    expect(result.margin.held).toBe(false);
  });
});
