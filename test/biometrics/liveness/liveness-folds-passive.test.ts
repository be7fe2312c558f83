// Leave-one-video-out for the recording decision's passive threshold (issue 8): a held-out clip is decided at
// a threshold fitted (train:pad's rule) on the other clips' passive medians only, never on its own score.
import { describe, expect, it } from 'vitest';
import type { FoldClip } from '../../../src/biometrics/liveness/liveness-folds.ts';
import {
  inSampleDecisions,
  leaveOneVideoOut,
  passivePointOf,
  tallyFolds,
} from '../../../src/biometrics/liveness/liveness-folds.ts';

const targets = { apcerMax: 0.05, refuseBpcerMax: 0.02 };
/** The model's own threshold the clips' liveAt were decided at. */
const shippedThreshold = 0.85;

/** Two candidate blink bounds; every clip but the photo blinks (a labelled blink on a bona fide clip) and
 * passes all but the passive check at both, so only the passive median decides. */
function clip(name: string, kind: FoldClip['kind'], median: number | null): FoldClip {
  const passiveLive = median !== null && median >= shippedThreshold;
  const blinks = kind === 'photo' ? [0, 0] : [1, 1];
  return {
    name,
    group: name,
    kind,
    blinks,
    ...(kind === 'bona fide' ? { labelled: { found: [1, 1], spurious: [0, 0] } } : {}),
    liveAt: [passiveLive, passiveLive],
    liveWithoutBlink: false,
    passive: { median, restLiveAt: [true, true], restLiveWithoutBlink: false },
  };
}

const clips: FoldClip[] = [
  clip('live-a', 'bona fide', 0.9),
  clip('live-b', 'bona fide', 0.6),
  clip('live-c', 'bona fide', 0.7),
  clip('replay-a', 'replay', 0.5),
  // The replay that scores highest: without it the threshold falls below its own median.
  clip('replay-b', 'replay', 0.65),
  clip('photo-a', 'photo', 0.3),
  clip('too-few-frames', 'bona fide', null),
];

describe('leave-one-video-out passive threshold', () => {
  it("fits each fold's threshold on the other clips only, never on the held-out one", () => {
    const folds = leaveOneVideoOut(clips, 2, 'labels', targets);
    expect(folds).toHaveLength(clips.length);
    for (const fold of folds) {
      const others = clips.filter((c) => c.group !== fold.heldOut);
      expect(fold.passive, fold.heldOut).toEqual(passivePointOf(others, targets));
      for (const d of fold.decisions) expect(d.passiveThreshold).toBe(fold.passive?.threshold);
    }
    const at = (heldOut: string) => folds.find((f) => f.heldOut === heldOut);
    // With replay-b in training the threshold sits above 0.65; held out, it is fitted without it.
    expect(at('live-b')?.passive?.threshold).toBeGreaterThan(0.65);
    expect(at('replay-b')?.passive?.threshold).toBeLessThan(0.65);
    expect(at('replay-b')?.decisions).toEqual([
      expect.objectContaining({ name: 'replay-b', live: true, correct: false }),
    ]);
    // In sample, replay-b's own score rules that threshold out, and it is refused.
    const inSample = inSampleDecisions(clips, 2, 'labels', targets);
    expect(inSample.passive?.threshold).toBeGreaterThan(0.65);
    expect(inSample.decisions.find((d) => d.name === 'replay-b')?.live).toBe(false);
    // A clip without a median is never live, whatever its fold's threshold.
    expect(at('too-few-frames')?.decisions[0]?.live).toBe(false);
  });

  it("does not move a held-out clip's threshold when its own median changes", () => {
    const before = leaveOneVideoOut(clips, 2, 'labels', targets);
    const changed = clips.map((c) =>
      c.name === 'replay-b' ? clip('replay-b', 'replay', 0.99) : c,
    );
    const after = leaveOneVideoOut(changed, 2, 'labels', targets);
    const threshold = (folds: typeof before, heldOut: string) =>
      folds.find((f) => f.heldOut === heldOut)?.passive?.threshold;
    expect(threshold(after, 'replay-b')).toBe(threshold(before, 'replay-b'));
    // ... while a fold that trains on replay-b sees the change.
    expect(threshold(after, 'live-a')).toBeGreaterThan(0.9);
  });

  it('decides at the refitted threshold, not the one the clip was run at', () => {
    const folds = leaveOneVideoOut(clips, 2, 'labels', targets);
    const bona = tallyFolds(folds).find((t) => t.kind === 'bona fide');
    // At the model's 0.85 only live-a passes; the folds' thresholds (just above replay-b's 0.65) accept
    // live-a and live-c too, not live-b (0.6) nor too-few-frames: 2 of 4.
    expect(bona).toMatchObject({ n: 4, correct: 2, folds: 4 });
    expect(folds.find((f) => f.heldOut === 'live-c')?.decisions[0]?.live).toBe(true);
    const shipped = leaveOneVideoOut(clips, 2, 'labels');
    expect(tallyFolds(shipped).find((t) => t.kind === 'bona fide')).toMatchObject({ correct: 1 });
  });

  it('refuses to refit when a clip carries no passive split', () => {
    const { passive, ...bare } = clips[0] as FoldClip;
    expect(passive).toBeDefined();
    expect(() => leaveOneVideoOut([bare, ...clips.slice(1)], 2, 'labels', targets)).toThrow(
      /passive threshold/,
    );
  });
});
