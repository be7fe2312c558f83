// Leave-one-video-out for the recording decision's blink bound (issue 8): a held-out video never takes
// part in choosing the bound that decides it, so a photo attack that blinks at a loose bound is judged at
// a bound its own blink did not rule out, while the in-sample fit (every clip) does rule it out.
import { describe, expect, it } from 'vitest';
import type { BoundClip } from '../../../src/biometrics/liveness/active/blink-bound-cv.ts';
import { chooseBound } from '../../../src/biometrics/liveness/active/blink-bound-cv.ts';
import type { FoldClip } from '../../../src/biometrics/liveness/liveness-folds.ts';
import {
  inSampleDecisions,
  leaveOneVideoOut,
  tallyFolds,
} from '../../../src/biometrics/liveness/liveness-folds.ts';

/** Three candidate bounds; a clip is live at a bound where it blinks (passive and faces taken as fine). */
function clip(
  name: string,
  kind: FoldClip['kind'],
  blinks: readonly number[],
  group = name,
): FoldClip {
  return {
    name,
    group,
    kind,
    blinks,
    labelled:
      kind === 'bona fide'
        ? { found: blinks.map((b) => Math.min(b, 1)), spurious: [0, 0, 0] }
        : undefined,
    liveAt: blinks.map((b) => b > 0),
    liveWithoutBlink: false,
  } as FoldClip;
}

const roleOf = (kind: FoldClip['kind']): BoundClip['role'] =>
  kind === 'bona fide' ? 'live' : kind === 'photo' ? 'attack' : 'other';

const clips: FoldClip[] = [
  clip('live-a', 'bona fide', [0, 1, 1]),
  clip('live-b', 'bona fide', [0, 0, 1]),
  clip('live-c', 'bona fide', [0, 1, 1]),
  // The photo's two clips form one fold: only the card-turn blinks, at the loosest bound.
  clip('photo-x pan', 'photo', [0, 0, 0], 'photo-x'),
  clip('photo-x turn', 'photo', [0, 0, 1], 'photo-x'),
  clip('replay', 'replay', [1, 1, 1]),
];

describe('leave-one-video-out blink bound', () => {
  it('decides each held-out group at the bound chosen on the other groups only', () => {
    const folds = leaveOneVideoOut(clips, 3, 'labels');
    expect(folds.map((f) => f.heldOut).sort()).toEqual(
      ['live-a', 'live-b', 'live-c', 'photo-x', 'replay'].sort(),
    );
    for (const fold of folds) {
      const others: BoundClip[] = clips
        .filter((c) => c.group !== fold.heldOut)
        .map((c) => ({ ...c, role: roleOf(c.kind) }));
      expect(fold.index, fold.heldOut).toBe(chooseBound(others, 3, 'labels').index);
      for (const d of fold.decisions) expect(d.index).toBe(fold.index);
    }
    // Without the photo, bound 2 is safe and finds the most labelled blinks: the card-turn passes there.
    const photo = folds.find((f) => f.heldOut === 'photo-x');
    expect(photo?.index).toBe(2);
    expect(photo?.decisions.map((d) => [d.name, d.live, d.correct])).toEqual([
      ['photo-x pan', false, true],
      ['photo-x turn', true, false],
    ]);
    // In sample the photo's own blink rules bound 2 out, and it is refused.
    const inSample = inSampleDecisions(clips, 3, 'labels');
    expect(inSample.index).toBe(1);
    expect(inSample.decisions.find((d) => d.name === 'photo-x turn')?.live).toBe(false);
  });

  it("does not move a fold's bound when the held-out clip's own counts change", () => {
    const before = leaveOneVideoOut(clips, 3, 'labels');
    // live-b now blinks at every bound, found once at the tightest and twice spurious at the others.
    const noisy: FoldClip = {
      ...clip('live-b', 'bona fide', [1, 2, 2]),
      labelled: { found: [1, 0, 0], spurious: [0, 2, 2] },
    };
    const changed = clips.map((c) => (c.name === 'live-b' ? noisy : c));
    const after = leaveOneVideoOut(changed, 3, 'labels');
    const fold = (folds: typeof before) => folds.find((f) => f.heldOut === 'live-b')?.index;
    expect(fold(after)).toBe(fold(before));
    // ... while every other fold, which trains on live-b, may see it.
    expect(fold(before)).toBe(1);
    expect(after.find((f) => f.heldOut === 'live-a')?.index).toBe(0);
    expect(before.find((f) => f.heldOut === 'live-a')?.index).toBe(1);
  });

  it('tallies each kind with its worst and median fold error', () => {
    const folds = leaveOneVideoOut(clips, 3, 'labels');
    const tally = tallyFolds(folds);
    const photo = tally.find((t) => t.kind === 'photo');
    expect(photo).toMatchObject({ n: 2, correct: 1, folds: 1, foldErrorWorst: 0.5 });
    const bona = tally.find((t) => t.kind === 'bona fide');
    expect(bona?.n).toBe(3);
    expect(bona?.folds).toBe(3);
    // live-b is refused at its fold's bound (it blinks only at the loosest): one fold of three wrong.
    expect(bona).toMatchObject({ correct: 2, foldErrorWorst: 1, foldErrorMedian: 0 });
    expect(tally.find((t) => t.kind === 'replay')).toMatchObject({ n: 1, correct: 0 });
  });

  it('refuses clip lists a fold cannot use', () => {
    expect(() =>
      leaveOneVideoOut([clips[0] as FoldClip, clips[0] as FoldClip], 3, 'labels'),
    ).toThrow(/unique/);
    expect(() => leaveOneVideoOut([clip('a', 'bona fide', [1])], 3, 'labels')).toThrow(
      /one blink count/,
    );
  });
});
