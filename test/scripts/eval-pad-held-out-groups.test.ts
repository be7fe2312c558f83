// eval:pad names each held-out group's own APCER/BPCER: scored at the point of the fold that left it out,
// split by domain within a fold (a pad/ set's clips are not its crops), and counts the groups that let an
// attack through.
import { describe, expect, it } from 'vitest';
import type { OperatingPoint } from '../../src/biometrics/liveness/pad-cv.ts';
import {
  formatHeldOutGroups,
  groupsWithAcceptedAttacks,
  heldOutGroupRows,
} from '../../scripts/eval-pad/held-out-groups.ts';
import type { ShownPresentation } from './pad-fold-fixture.ts';
import { outerFold } from './pad-fold-fixture.ts';

const fold = (group: string, point: OperatingPoint, shown: readonly ShownPresentation[]) =>
  outerFold([group], point, shown);

const strict: OperatingPoint = { threshold: 0.8, refuseBelow: 0.2 };
const lenient: OperatingPoint = { threshold: 0.4, refuseBelow: 0.1 };

// Camera A at a strict point: one of two attacks at 0.85 passes; one real at 0.5 is not live.
// Its clips (same group, other domain): an attack at 0.5 stays out, a real not acquired.
// Camera B at a lenient point: the attack at 0.5 passes there (it would not at camera A's point).
const folds = [
  fold('pad:A', strict, [
    { domain: 'pad', live: false, score: 0.85 },
    { domain: 'pad', live: false, score: 0.1 },
    { domain: 'pad', live: true, score: 0.9 },
    { domain: 'pad', live: true, score: 0.5 },
    { domain: 'clips', live: false, score: 0.5 },
    { domain: 'clips', live: true, score: null },
  ]),
  fold('pad:B', lenient, [
    { domain: 'pad', live: false, score: 0.5 },
    { domain: 'pad', live: true, score: 0.9 },
  ]),
  fold('nuaa:0001', strict, [{ domain: 'nuaa', live: true, score: 0.9 }]),
];

describe('eval:pad per held-out group', () => {
  it("scores each group at its own fold's point, split by domain", () => {
    const rows = heldOutGroupRows(folds);
    expect(rows.map((r) => [r.group, r.domain])).toEqual([
      ['pad:A', 'clips'],
      ['pad:A', 'pad'],
      ['pad:B', 'pad'],
      ['nuaa:0001', 'nuaa'],
    ]);
    expect(rows[1]?.rates).toMatchObject({ reals: 2, attacks: 2, apcer: 0.5, bpcer: 0.5 });
    expect(rows[0]?.rates).toMatchObject({
      reals: 1,
      attacks: 1,
      failedToAcquire: 1,
      apcer: 0,
      bpcer: 1,
    });
    expect(rows[2]?.rates).toMatchObject({ reals: 1, attacks: 1, apcer: 1, bpcer: 0 });
  });

  it('counts the groups with an attack scored live, per domain, among those with attacks', () => {
    const counts = groupsWithAcceptedAttacks(heldOutGroupRows(folds));
    expect(counts.get('pad')).toEqual({ accepted: 2, withAttacks: 2 });
    expect(counts.get('clips')).toEqual({ accepted: 0, withAttacks: 1 });
    expect(counts.has('nuaa')).toBe(false);
    const text = formatHeldOutGroups(heldOutGroupRows(folds)).join('\n');
    expect(text).toContain('pad: 2 of 2 held-out groups had an attack presentation scored live');
    expect(text).toMatch(/pad:B\s+pad\s+1\s+1\s+0\s+100\.0%\s+0\.0%/);
  });
});
