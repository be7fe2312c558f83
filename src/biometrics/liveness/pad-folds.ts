// The out-of-sample protocol of the passive detector: folds that never put one person (NUAA subject)
// or one camera-and-person (pad/ set) in both the fitting and the scoring half of a fold.
import { assert } from '../../shared/assert.ts';
export { spread } from '../calibration/fold-spread.ts';
export type { FoldSpread } from '../calibration/fold-spread.ts';

/** What a fold needs of a sample: the group it belongs to (a person, or a pad/ set = camera + person). */
export interface Grouped {
  readonly group: string;
}

export interface Fold<T> {
  /** The groups scored in this fold; every group is scored in exactly one fold. */
  readonly testGroups: readonly string[];
  readonly train: readonly T[];
  readonly test: readonly T[];
}

/**
 * Group k-fold: the sorted groups are dealt round-robin into k folds (k = number of groups: leave one
 * group out). Deterministic: the same samples always give the same folds, so figures reproduce.
 */
export function groupFolds<T extends Grouped>(samples: readonly T[], k: number): Fold<T>[] {
  const groups = [...new Set(samples.map((s) => s.group))].sort();
  assert(Number.isInteger(k) && k >= 2, 'k must be an integer of at least 2');
  assert(groups.length >= k, `${k} folds need at least ${k} groups, have ${groups.length}`);
  const folds: Fold<T>[] = [];
  for (let f = 0; f < k; f++) {
    const testGroups = groups.filter((_, i) => i % k === f);
    const held = new Set(testGroups);
    folds.push({
      testGroups,
      train: samples.filter((s) => !held.has(s.group)),
      test: samples.filter((s) => held.has(s.group)),
    });
  }
  assertFolds(samples, folds);
  return folds;
}

export function leaveOneGroupOut<T extends Grouped>(samples: readonly T[]): Fold<T>[] {
  return groupFolds(samples, new Set(samples.map((s) => s.group)).size);
}

/** The protocol's promise, checked on every fold built: disjoint halves, every group scored once. */
export function assertFolds<T extends Grouped>(
  samples: readonly T[],
  folds: readonly Fold<T>[],
): void {
  const scored = new Map<string, number>();
  for (const fold of folds) {
    const trainGroups = new Set(fold.train.map((s) => s.group));
    for (const s of fold.test) assert(!trainGroups.has(s.group), `group ${s.group} in both halves`);
    assert(fold.train.length + fold.test.length === samples.length, 'a fold lost samples');
    for (const g of fold.testGroups) scored.set(g, (scored.get(g) ?? 0) + 1);
  }
  for (const s of samples) assert(scored.get(s.group) === 1, `group ${s.group} not scored once`);
}
