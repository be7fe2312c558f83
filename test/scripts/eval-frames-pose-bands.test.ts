// eval:frames chooses a pose band on some clips and scores it on another: the choice must hold FMR (no
// false match added to fusing every frame), lower FNMR or keep the gate, and never see the held-out clip.
import { describe, expect, it } from 'vitest';
import { defaultProbePose, inProbePose } from '../../src/biometrics/face-session.ts';
import {
  bandFigures,
  bandGrid,
  chooseBand,
  gateBand,
  heldOutChoices,
  inBand,
  sessionBand,
  type BandedClip,
  type PoseBand,
  type WindowFigures,
} from '../../scripts/eval-frames/pose-bands.ts';

const narrow = bandGrid.find((band) => band.yawHalfWidth === 0.06 && band.pitchMin === 0.4);
const wide = bandGrid.find((band) => band.yawHalfWidth === 0.2 && band.pitchMin === 0.25);
if (narrow === undefined || wide === undefined) throw new Error('grid bands missing');

function figures(window: number, fnmr: number | null, falseMatches = 0): WindowFigures {
  return {
    window,
    windows: fnmr === null ? 0 : 10,
    falseNonMatches: fnmr === null ? 0 : Math.round(fnmr * 10),
    fnmr,
    impostorComparisons: fnmr === null ? 0 : 1_000,
    falseMatches,
    highestImpostor: null,
  };
}

/** A clip of 100 frames: every grid band misses 40% without false matches unless `scores` says more. */
function clip(
  name: string,
  scores: Map<PoseBand, { fnmr: number | null; falseMatches?: number; frames?: number }>,
): BandedClip {
  return {
    clip: name,
    frames: 100,
    poseBands: [...bandGrid, sessionBand].map((band) => {
      const given = scores.get(band) ?? { fnmr: 0.4 };
      return {
        band,
        framesInBand: given.frames ?? (band === gateBand ? 100 : 60),
        windows: [figures(3, given.fnmr, given.falseMatches ?? 0)],
      };
    }),
  };
}

describe('eval:frames pose bands', () => {
  it("today's session band is the face session's probe pose, tested by the session's own rule", () => {
    expect(0.5 - sessionBand.yawHalfWidth).toBe(defaultProbePose.yawRatioMin);
    expect(0.5 + sessionBand.yawHalfWidth).toBe(defaultProbePose.yawRatioMax);
    for (const pose of [
      { yawRatio: 0.5, pitchRatio: 0.5 },
      { yawRatio: 0.34, pitchRatio: 0.5 },
      { yawRatio: 0.66, pitchRatio: 0.5 },
      { yawRatio: 0.5, pitchRatio: 0.3 },
      { yawRatio: 0.5, pitchRatio: 0.7 },
    ]) {
      expect(inBand(pose, sessionBand)).toBe(inProbePose(pose, defaultProbePose));
    }
    expect(inBand(null, gateBand)).toBe(false);
  });

  it('fuses only the frames inside each band, skipping the ones between', () => {
    const readings = [0.5, 0.2, 0.5, 0.5, 0.8, 0.5].map((yawRatio) => ({
      pose: { yawRatio, pitchRatio: 0.5 },
    }));
    const seen: number[] = [];
    const [session] = bandFigures([sessionBand], readings, [3], (inside, window) => {
      seen.push(inside.length);
      return figures(window, 0);
    });
    expect(session?.framesInBand).toBe(4);
    expect(seen).toEqual([4]);
  });

  it('chooses the band with the lowest FNMR that adds no false match, else keeps the gate', () => {
    const better = new Map([
      [narrow, { fnmr: 0.0, falseMatches: 1 }], // lowest FNMR, but a false match the gate does not have
      [wide, { fnmr: 0.1 }],
      [gateBand, { fnmr: 0.3 }],
    ]);
    expect(chooseBand([clip('a', better), clip('b', better)], 3)).toBe(wide);
    // Nothing beats fusing every frame: the gate stays.
    const worse = new Map([[gateBand, { fnmr: 0.1 }]]);
    expect(chooseBand([clip('a', worse)], 3)).toBe(gateBand);
    // A clip with no window in a band counts as a miss there, not as no evidence.
    const empty = new Map([
      [narrow, { fnmr: null }],
      [gateBand, { fnmr: 0.5 }],
    ]);
    const mixed = new Map([
      [narrow, { fnmr: 0.0 }],
      [gateBand, { fnmr: 0.5 }],
    ]);
    expect(chooseBand([clip('a', empty), clip('b', mixed)], 3)).not.toBe(narrow);
    // Equal FNMR: the band holding more frames (the kiosk waits less).
    const tie = new Map([
      [narrow, { fnmr: 0.0, frames: 20 }],
      [wide, { fnmr: 0.0, frames: 80 }],
    ]);
    expect(chooseBand([clip('a', tie)], 3)).toBe(wide);
  });

  it('held out: each clip is scored at the band chosen on the other clips, never on itself', () => {
    // Clip "odd" alone would pick the narrow band; the two others pick the wide one.
    const odd = clip(
      'odd',
      new Map([
        [narrow, { fnmr: 0.0 }],
        [wide, { fnmr: 0.9 }],
      ]),
    );
    const usual = new Map([
      [narrow, { fnmr: 0.9 }],
      [wide, { fnmr: 0.0 }],
    ]);
    const choices = heldOutChoices([odd, clip('b', usual), clip('c', usual)], [3]);
    const oddChoice = choices.find((choice) => choice.clip === 'odd');
    expect(oddChoice?.band).toBe(wide);
    expect(oddChoice?.figures.fnmr).toBe(0.9);
    // b's fold sees odd and c, which disagree (narrow and wide both miss 45% on average): fusing every
    // frame (40%) stays, and b is scored there.
    const b = choices.find((choice) => choice.clip === 'b');
    expect(b?.band).toBe(gateBand);
    expect(b?.figures.fnmr).toBe(0.4);
  });
});
