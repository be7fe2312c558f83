// eval:impostors (and calibrate:photo-vs-live, which scores its sessions per fold the same way) rebuild each
// cross-validation outcome's test set to list WHICH impostor pairs matched. A condition of fewer than
// 2 x folds people gets leave-pair-out folds (repeat -1, no fold plan): their test set must come from the
// held-out people the outcome names, not from plans[repeat] (undefined: the script threw).
import { describe, expect, it } from 'vitest';
import type { PairRecord } from '../../scripts/eval-impostors.ts';
import { foldMatches } from '../../scripts/eval-impostors.ts';
import type { ScoredPair } from '../../src/biometrics/calibration/cross-validation.ts';
import {
  crossValidate,
  identityOf,
  outcomeTestPairs,
  summarizeConditions,
  thresholdCrossValidationOptions,
} from '../../src/biometrics/calibration/cross-validation.ts';

const target = 0.001;

/** Two images per person; one genuine pair each (0.95), one impostor pair per two people at `score`. */
function condition(
  subset: string,
  count: number,
  score: (a: number, b: number) => number,
): PairRecord[] {
  const person = (index: number): string => `faces/${subset}_${String(index).padStart(2, '0')}`;
  const records: PairRecord[] = [];
  const record = (a: number, b: number, genuine: boolean, value: number): PairRecord => {
    const pair = { imgA: `${person(a)}/1.jpg`, imgB: `${person(b)}/2.jpg`, genuine, subset };
    const scored: ScoredPair = {
      condition: subset,
      identityA: identityOf(pair.imgA),
      identityB: identityOf(pair.imgB),
      genuine,
      score: value,
    };
    return { scored, pair };
  };
  for (let a = 0; a < count; a += 1) {
    records.push(record(a, a, true, 0.95));
    for (let b = a + 1; b < count; b += 1) records.push(record(a, b, false, score(a, b)));
  }
  return records;
}

// A 6-person condition whose people 0 and 1 look alike (0.90), and a 20-person one of clear strangers.
const records = [
  ...condition('selfie_webcam', 6, (a, b) => (a === 0 && b === 1 ? 0.9 : 0.2)),
  ...condition('webcam', 20, () => 0.3),
];
const pairs = records.map((record) => record.scored);
const validation = crossValidate(
  thresholdCrossValidationOptions({
    pairs,
    folds: 5,
    repeats: 2,
    seed: 'pair-fold-test-sets',
    linked: [],
    targetFmr: target,
  }),
);

describe('the test set of every cross-validation outcome, pair folds included', () => {
  it('has pair folds for the 6-person condition only, each naming its held-out people', () => {
    const pairFolds = validation.outcomes.filter((outcome) => outcome.kind === 'pair');
    // Every two of the 6 people have an impostor pair: 15 pair folds; the 20-person condition none.
    expect(pairFolds).toHaveLength(15);
    for (const outcome of pairFolds) {
      expect(outcome.repeat).toBe(-1);
      expect(outcome.heldOut).toHaveLength(2);
      expect(outcome.heldOut?.every((person) => person.startsWith('faces/selfie_webcam_'))).toBe(
        true,
      );
    }
  });

  it('is rebuilt for every outcome as the pairs its rates were measured on', () => {
    for (const outcome of validation.outcomes) {
      const test = outcomeTestPairs(pairs, validation, outcome);
      for (const [name, rates] of outcome.rates) {
        const mine = test.filter((pair) => pair.condition === name);
        expect(mine.filter((pair) => !pair.genuine)).toHaveLength(rates.comparedImpostors);
        expect(mine.filter((pair) => pair.genuine)).toHaveLength(rates.genuinePairs);
      }
      expect(new Set(test.map((pair) => pair.condition))).toEqual(new Set(outcome.rates.keys()));
    }
  });

  it('lets foldMatches list the false matches the recorded counts sum, the look-alikes in their pair fold', () => {
    const matches = foldMatches(records, validation);
    const summaries = summarizeConditions(validation.outcomes, target);
    for (const name of ['selfie_webcam', 'webcam']) {
      expect(matches.filter((match) => match.condition === name)).toHaveLength(
        summaries.get(name)?.falseMatches ?? -1,
      );
    }
    const lookAlikes = validation.outcomes.find(
      (outcome) =>
        outcome.kind === 'pair' &&
        outcome.heldOut?.join(' ') === 'faces/selfie_webcam_00 faces/selfie_webcam_01',
    );
    expect(lookAlikes).toBeDefined();
    // Fitted without the two look-alikes (every other impostor <= 0.30): 0.90 is a false match there.
    expect(matches).toContainEqual(
      expect.objectContaining({
        condition: 'selfie_webcam',
        personA: 'faces/selfie_webcam_00',
        personB: 'faces/selfie_webcam_01',
        score: 0.9,
        threshold: lookAlikes?.threshold,
        where: `p${lookAlikes?.fold}`,
      }),
    );
  });
});
