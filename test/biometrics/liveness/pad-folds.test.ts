// The passive detector's out-of-sample protocol: on the real corpus of shared/data, no person (NUAA
// subject) or pad/ set is in both halves of a fold, and every one is scored in exactly one fold.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { listPadCorpus } from '../../../src/biometrics/liveness/pad-corpus.node.ts';
import {
  assertFolds,
  groupFolds,
  leaveOneGroupOut,
  spread,
} from '../../../src/biometrics/liveness/pad-folds.ts';
import { AssertionError } from '../../../src/shared/assert.ts';

const dataRoot = path.resolve(import.meta.dirname, '../../../../shared/data');

describe('PAD folds on shared/data', () => {
  it('lists every NUAA person and every pad/ set as its own group, with both classes', async () => {
    const samples = await listPadCorpus(dataRoot);
    const groups = [...new Set(samples.map((s) => s.group))].sort();
    const nuaa = groups.filter((g) => g.startsWith('nuaa:'));
    const pad = groups.filter((g) => g.startsWith('pad:'));
    expect(nuaa).toEqual([
      'nuaa:0001',
      'nuaa:0003',
      'nuaa:0005',
      'nuaa:0007',
      'nuaa:0009',
      'nuaa:0011',
      'nuaa:0013',
      'nuaa:0015',
    ]);
    expect(pad).toHaveLength(9);
    for (const g of pad) {
      const part = samples.filter((s) => s.group === g);
      expect(part.some((s) => s.live) && part.some((s) => !s.live)).toBe(true);
    }
    expect(
      samples.filter((s) => s.domain === 'nuaa' && !s.live).every((s) => s.species === 'print'),
    ).toBe(true);
  });

  it('leave one group out: no group in both halves, every group tested exactly once', async () => {
    const samples = await listPadCorpus(dataRoot);
    const folds = leaveOneGroupOut(samples);
    const groups = new Set(samples.map((s) => s.group));
    expect(folds).toHaveLength(groups.size);
    const tested: string[] = [];
    for (const fold of folds) {
      const trainGroups = new Set(fold.train.map((s) => s.group));
      for (const s of fold.test) expect(trainGroups.has(s.group)).toBe(false);
      expect(fold.train.length + fold.test.length).toBe(samples.length);
      tested.push(...new Set(fold.test.map((s) => s.group)));
    }
    expect(tested.sort()).toEqual([...groups].sort());
  });

  it('k-fold over the NUAA people: each person tested once, k folds of whole people', async () => {
    const nuaa = (await listPadCorpus(dataRoot)).filter((s) => s.domain === 'nuaa');
    const folds = groupFolds(nuaa, 4);
    expect(folds.map((f) => f.testGroups.length)).toEqual([2, 2, 2, 2]);
    const tested = folds.flatMap((f) => f.testGroups);
    expect(new Set(tested).size).toBe(8);
    expect(tested).toHaveLength(8);
    for (const fold of folds) {
      const held = new Set(fold.testGroups);
      expect(fold.train.some((s) => held.has(s.group))).toBe(false);
      expect(fold.test.every((s) => held.has(s.group))).toBe(true);
    }
    // Deterministic: the same samples give the same folds.
    expect(groupFolds(nuaa, 4).map((f) => f.testGroups)).toEqual(folds.map((f) => f.testGroups));
  });

  it('the check refuses a fold that leaks a person into training, or tests one twice', () => {
    const samples = [
      { group: 'a', id: 1 },
      { group: 'a', id: 2 },
      { group: 'b', id: 3 },
    ];
    const [a, b] = [samples.slice(0, 2), samples.slice(2)];
    expect(() =>
      assertFolds(samples, [
        { testGroups: ['a'], train: [...b, samples[0]!], test: a },
        { testGroups: ['b'], train: a, test: b },
      ]),
    ).toThrow(AssertionError);
    expect(() =>
      assertFolds(samples, [
        { testGroups: ['a'], train: b, test: a },
        { testGroups: ['a'], train: b, test: a },
      ]),
    ).toThrow(AssertionError);
    expect(() => groupFolds(samples, 3)).toThrow(AssertionError);
  });

  it('spread: worst is the highest error, median of the folds that have a value', () => {
    const s = spread([0.1, null, 0.5, 0, 0.2]);
    expect(s).toMatchObject({ folds: 4, worst: 0.5, best: 0 });
    expect(s?.median).toBeCloseTo(0.15, 12);
    expect(spread([null])).toBeNull();
  });
});
