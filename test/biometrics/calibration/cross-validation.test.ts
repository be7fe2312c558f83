// Identity-disjoint cross-validation on synthetic people with known answers: no person on both sides of a
// fold, stratified and deterministic folds, and a threshold that looks safe in sample but not on new people.

import { describe, expect, it } from 'vitest';
import type { ScoredPair } from '../../../src/biometrics/calibration/cross-validation.ts';
import {
  crossValidate,
  identityOf,
  pairsWithin,
  planFolds,
  summarizeConditions,
  withMargin,
} from '../../../src/biometrics/calibration/cross-validation.ts';
import { selectThreshold } from '../../../src/biometrics/calibration/thresholds.ts';

const target = 0.001;

/** Every pair of `people` in `condition`: genuine pairs score 0.95; impostors `impostorScore(a, b)`. */
function conditionPairs(
  condition: string,
  people: readonly string[],
  impostorScore: (a: string, b: string) => number,
): ScoredPair[] {
  const pairs: ScoredPair[] = [];
  for (const [i, a] of people.entries()) {
    pairs.push({ condition, identityA: a, identityB: a, genuine: true, score: 0.95 });
    for (const b of people.slice(i + 1)) {
      pairs.push({
        condition,
        identityA: a,
        identityB: b,
        genuine: false,
        score: impostorScore(a, b),
      });
    }
  }
  return pairs;
}

const people = (prefix: string, count: number): string[] =>
  Array.from({ length: count }, (_, index) => `${prefix}_${String(index).padStart(2, '0')}`);

describe('identity-disjoint folds', () => {
  const pairs = [
    ...conditionPairs('webcam', people('webcam', 12), () => 0.3),
    ...conditionPairs('studio', people('studio', 7), () => 0.2),
  ];

  it('puts every person in exactly one fold and deals each subset evenly', () => {
    const plan = planFolds({ pairs, folds: 5, seed: 's', linked: [] });
    expect(plan.size).toBe(19);
    for (const prefix of ['webcam', 'studio']) {
      const sizes = [0, 1, 2, 3, 4].map(
        (fold) => [...plan].filter(([id, f]) => id.startsWith(prefix) && f === fold).length,
      );
      expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    }
  });

  it('never tests a pair one of whose people trained the threshold', () => {
    const plan = planFolds({ pairs, folds: 4, seed: 's', linked: [] });
    for (const fold of [0, 1, 2, 3]) {
      const test = pairsWithin(pairs, plan, new Set([fold]));
      const train = pairsWithin(pairs, plan, new Set([0, 1, 2, 3].filter((f) => f !== fold)));
      const trainPeople = new Set(train.flatMap((pair) => [pair.identityA, pair.identityB]));
      expect(test.length).toBeGreaterThan(0);
      for (const pair of test) {
        expect(trainPeople.has(pair.identityA) || trainPeople.has(pair.identityB)).toBe(false);
      }
    }
  });

  it('is deterministic for a seed, changes with it, and keeps linked people together', () => {
    const linked = [['webcam_03', 'webcam_07']];
    const first = planFolds({ pairs, folds: 5, seed: 'a', linked });
    expect(planFolds({ pairs, folds: 5, seed: 'a', linked })).toEqual(first);
    expect(first.get('webcam_03')).toBe(first.get('webcam_07'));
    const seeds = ['b', 'c', 'd', 'e'].map((seed) => planFolds({ pairs, folds: 5, seed, linked }));
    expect(seeds.some((plan) => JSON.stringify([...plan]) !== JSON.stringify([...first]))).toBe(
      true,
    );
    for (const plan of seeds) expect(plan.get('webcam_03')).toBe(plan.get('webcam_07'));
  });

  it('names a person by the directory of the image', () => {
    expect(identityOf('faces2/selfie_61dc1abd/3.jpg')).toBe('faces2/selfie_61dc1abd');
    expect(() => identityOf('3.jpg')).toThrow();
  });
});

describe('cross-validated threshold', () => {
  // Two look-alikes (linked so they always sit in one fold): the only impostor pair above 0.5. Fitted on
  // everyone, the threshold clears them (FMR 0 in sample); fitted without them it does not.
  const lookAlikes = new Set(['webcam_00', 'webcam_01']);
  const pairs = conditionPairs('webcam', people('webcam', 10), (a, b) =>
    lookAlikes.has(a) && lookAlikes.has(b) ? 0.9 : 0.5,
  );
  const fit = (train: Parameters<typeof selectThreshold>[0]): number =>
    selectThreshold(train, target).threshold;

  it('shows the false match the in-sample threshold hides', () => {
    const result = crossValidate({
      pairs,
      folds: 5,
      repeats: 1,
      seed: 's',
      linked: [[...lookAlikes]],
      targetFmr: target,
      fit,
      margins: [0],
    });
    expect(result.inSampleThreshold).toBe(0.9001);
    const summary = summarizeConditions(result.outcomes, target).get('webcam');
    expect(summary?.falseMatches).toBe(1);
    expect(summary?.foldsOverTarget).toBe(1);
    // The look-alikes' fold holds them and one more person (a linked pair is dealt as one): 1 of 3 pairs.
    expect(summary?.fmrSpread?.worst).toBeCloseTo(1 / 3);
    // Genuine pairs at 0.95 stay matched in every fold: FNMR 0 out of sample too.
    expect(summary?.fnmr).toBe(0);
  });

  it('chooses the smallest margin that holds every held-out fold, and ships fit + margin', () => {
    // Each new person's impostor scores sit a little above those of the people seen before.
    const graded = conditionPairs('webcam', people('webcam', 10), (a, b) => {
      const rank = Math.max(Number(a.slice(-2)), Number(b.slice(-2)));
      return 0.5 + rank * 0.001;
    });
    const result = crossValidate({
      pairs: graded,
      folds: 5,
      repeats: 2,
      seed: 's',
      linked: [],
      targetFmr: target,
      fit,
      margins: [0, 0.001, 0.002, 0.005, 0.01],
    });
    expect(result.margin.held).toBe(true);
    expect(result.margin.margin).toBeGreaterThan(0);
    expect(result.threshold).toBe(withMargin(result.inSampleThreshold, result.margin.margin));
    // With the nested margin no held-out fold lets an impostor through.
    const summary = summarizeConditions(result.outcomes, target).get('webcam');
    expect(summary?.falseMatches).toBe(0);
  });

  it('says when even the largest margin is not enough', () => {
    const result = crossValidate({
      pairs,
      folds: 5,
      repeats: 1,
      seed: 's',
      linked: [[...lookAlikes]],
      targetFmr: target,
      fit,
      margins: [0, 0.1],
    });
    expect(result.margin).toEqual({ margin: 0.1, held: false });
  });
});
