// Leave-one-group-out choice of a blink bound: no blink on a training attack, most live clips with one,
// the middle of a tie; a held-out group is read at a bound chosen without it.
import { describe, expect, it } from 'vitest';
import type { BoundClip } from '../../../src/biometrics/liveness/active/blink-bound-cv.ts';
import {
  chooseBound,
  leaveOneGroupOut,
} from '../../../src/biometrics/liveness/active/blink-bound-cv.ts';

const clip = (
  name: string,
  role: BoundClip['role'],
  blinks: number[],
  group = name,
): BoundClip => ({ name, group, role, blinks });

describe('chooseBound', () => {
  it('takes the safe candidate that finds the most live blinks, the middle of a tie', () => {
    const clips = [
      clip('a', 'live', [0, 1, 1, 1, 2]),
      clip('b', 'live', [0, 0, 1, 1, 1]),
      clip('p', 'attack', [0, 0, 0, 0, 1]),
    ];
    // Candidates 2 and 3 both find both live clips with no attack blink: the tie's middle is 2.
    expect(chooseBound(clips, 5)).toEqual({ index: 2, score: 2 });
  });

  it('ignores clips that are neither live nor attack', () => {
    const clips = [clip('a', 'live', [0, 1, 1]), clip('r', 'other', [1, 1, 1])];
    expect(chooseBound(clips, 3)).toEqual({ index: 1, score: 1 });
  });

  it('chooses none when every candidate blinks on an attack', () => {
    const clips = [clip('a', 'live', [1, 1]), clip('p', 'attack', [1, 2])];
    expect(chooseBound(clips, 2)).toEqual({ index: null, score: 0 });
  });

  it('on labels, weighs labelled blinks found against blinks read where none was labelled', () => {
    const clips: BoundClip[] = [
      {
        ...clip('a', 'live', [1, 2, 5]),
        labelled: { found: [1, 1, 2], spurious: [0, 1, 3] },
      },
      // Unlabelled live clips do not count on labels, whatever they blink.
      clip('u', 'live', [0, 0, 4]),
      clip('p', 'attack', [0, 0, 0]),
    ];
    expect(chooseBound(clips, 3, 'labels')).toEqual({ index: 0, score: 1 });
    expect(chooseBound(clips, 3, 'clips')).toEqual({ index: 2, score: 2 });
  });

  it('asserts one count per candidate', () => {
    expect(() => chooseBound([clip('a', 'live', [1])], 2)).toThrow(/one count per candidate/);
  });
});

describe('leaveOneGroupOut', () => {
  it('reads each group at a bound chosen without it', () => {
    const clips = [
      clip('live1', 'live', [0, 1, 1]),
      clip('live2', 'live', [0, 0, 1]),
      // Only this attack forbids candidate 2: held out, its fold chooses 2 and it blinks falsely.
      clip('photo', 'attack', [0, 0, 3]),
    ];
    const held = leaveOneGroupOut(clips, 3);
    expect(held.find((h) => h.name === 'photo')).toMatchObject({ index: 2, blinks: 3 });
    // With the photo in training, candidate 2 is unsafe: live2's fold keeps 1 (live1 only), live2 reads 0.
    expect(held.find((h) => h.name === 'live2')).toMatchObject({ index: 1, blinks: 0 });
    // live1's fold: no safe candidate finds live2, so the tie (0 and 1) gives 0, and live1 reads none.
    expect(held.find((h) => h.name === 'live1')).toMatchObject({ index: 0, blinks: 0 });
  });

  it('holds a whole group out together', () => {
    const clips = [
      clip('x-live', 'live', [0, 1], 'x'),
      clip('x-attack', 'attack', [0, 1], 'x'),
      clip('y-live', 'live', [1, 1], 'y'),
    ];
    const held = leaveOneGroupOut(clips, 2);
    // Fold without x: only y-live, which both candidates find; the tie's middle is 0.
    expect(held.filter((h) => h.group === 'x').map((h) => h.index)).toEqual([0, 0]);
  });
});
