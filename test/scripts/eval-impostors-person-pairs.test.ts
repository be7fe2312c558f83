// eval:impostors' own logic, without running a model: false matches counted per unordered person pair
// (so a|b and b|a are one pair), and the what-if merge that turns only the named people's pairs genuine.
import { describe, expect, it } from 'vitest';
import type { ImpostorMatch } from '../../scripts/eval-impostors.ts';
import { countByPersonPair, mergePeople } from '../../scripts/eval-impostors.ts';
import type { LabelledPair } from '../../src/biometrics/calibration/pairs.ts';

function match(
  imageA: string,
  imageB: string,
  score: number,
  extra: Partial<ImpostorMatch> = {},
): ImpostorMatch {
  return {
    condition: 'nuaa',
    imageA,
    imageB,
    personA: imageA.slice(0, imageA.lastIndexOf('/')),
    personB: imageB.slice(0, imageB.lastIndexOf('/')),
    score,
    threshold: 0.95,
    where: 'r0f0',
    ...extra,
  };
}

describe('countByPersonPair', () => {
  it('counts a|b and b|a as one person pair, most matches first', () => {
    const counts = countByPersonPair([
      match('p/c/1.jpg', 'p/d/1.jpg', 0.99),
      match('p/a/1.jpg', 'p/b/1.jpg', 0.96),
      match('p/b/2.jpg', 'p/a/3.jpg', 0.97, { where: 'r1f2' }),
    ]);
    expect(counts.map((c) => [c.personA, c.personB, c.matches])).toEqual([
      ['p/a', 'p/b', 2],
      ['p/c', 'p/d', 1],
    ]);
    expect(counts[0]?.maxScore).toBe(0.97);
    expect(counts[0]?.where).toEqual(['r0f0', 'r1f2']);
  });

  it('counts one image pair matching in two folds as two matches of one image pair', () => {
    const [only] = countByPersonPair([
      match('p/a/1.jpg', 'p/b/1.jpg', 0.96, { where: 'r0f1' }),
      match('p/b/1.jpg', 'p/a/1.jpg', 0.96, { where: 'r2f1' }),
    ]);
    expect(only?.matches).toBe(2);
    expect(only?.distinctImagePairs).toBe(1);
  });

  it('keeps the same two people apart in different conditions', () => {
    const counts = countByPersonPair([
      match('p/a/1.jpg', 'p/b/1.jpg', 0.96),
      match('p/a/1.jpg', 'p/b/1.jpg', 0.96, { condition: 'nuaa/other' }),
    ]);
    expect(counts.map((c) => c.condition).sort()).toEqual(['nuaa', 'nuaa/other']);
  });
});

describe('mergePeople', () => {
  const pair = (imgA: string, imgB: string, genuine: boolean): LabelledPair => ({
    imgA,
    imgB,
    genuine,
    subset: 'nuaa',
  });

  it('turns only the pairs between merged people genuine', () => {
    const merged = mergePeople(
      [
        pair('f/a/1.jpg', 'f/b/1.jpg', false),
        pair('f/a/1.jpg', 'f/c/1.jpg', false),
        pair('f/b/2.jpg', 'f/c/1.jpg', false),
        pair('f/a/1.jpg', 'f/a/2.jpg', true),
      ],
      [['f/a', 'f/b']],
    );
    expect(merged.map((p) => p.genuine)).toEqual([true, false, false, true]);
  });
});
