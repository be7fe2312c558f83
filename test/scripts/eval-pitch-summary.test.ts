// eval:pitch's pure summaries: the vertical shrink, the clip's frontal pitch and reference frame, the
// per-frame signs, and the worst a fake does counted only in the direction its pitch moved.
import { describe, expect, it } from 'vitest';
import type { Point } from '../../src/biometrics/geometry.ts';
import { pitchOf } from '../../src/biometrics/liveness/active/pose.ts';
import type { ClipSegments, FrameReading } from '../../scripts/bench-challenge/segments.ts';
import type { LookBounds, PitchFrame } from '../../scripts/eval-pitch/summary.ts';
import {
  headroom,
  kindWorst,
  margins,
  passingClips,
  pitchBaseline,
  pitchFrames,
  readableFrames,
  summariseClip,
} from '../../scripts/eval-pitch/summary.ts';
import { syntheticFace3d } from '../biometrics/liveness/active-synthetic-face.ts';

/** The synthetic face seen from the front, 100 px per eye distance. */
const frontal: Point[] = syntheticFace3d({ eyeOpen: 1 }).map((p) => ({
  x: 320 + 100 * p.x,
  y: 240 + 100 * p.y,
}));
const noseTip = 30;

/** The same face with the nose tip moved down (> 0) or up (< 0) by `dy` px: a head pitching. */
function noseMoved(dy: number): Point[] {
  return frontal.map((p, k) => (k === noseTip ? { x: p.x, y: p.y + dy } : p));
}

function readings(faces: readonly Point[][]): FrameReading[] {
  return faces.map((landmarks, index) => ({
    index,
    timestampMs: index * 40,
    face: { box: { x: 200, y: 100, width: 240, height: 280 }, landmarks, eyes: null },
  }));
}

function segments(stretch: { start: number; end: number }): ClipSegments {
  return {
    frontalYaw: 0,
    frontalBand: 0.03,
    frontalPitch: null,
    levelBand: 0.025,
    stretches: [stretch],
    blinks: [],
    segments: [],
    rejected: [],
  };
}

const frame = (pitchDelta: number, vertical: number | null, shrink: number): PitchFrame => ({
  index: 0,
  timestampMs: 0,
  yawDelta: 0,
  pitchDelta,
  vertical,
  shrink,
});

const bounds: LookBounds = { pitch: 0.1, parallax: 0.08, pitchPerShrink: 1 };

describe('eval:pitch summary', () => {
  it('reads the vertical shrink of a face squashed about its eye line, and none for a face moved closer', () => {
    const squashed = frontal.map((p) => ({ x: p.x, y: 240 + 0.8 * (p.y - 240) }));
    const closer = frontal.map((p) => ({ x: 320 + 1.5 * (p.x - 320), y: 240 + 1.5 * (p.y - 240) }));
    const faces = readings([frontal, squashed, closer]);
    const baseline = pitchBaseline(faces, segments({ start: 0, end: 0 }), 0.025);
    if (baseline === null) throw new Error('no baseline');
    const [, short, near] = pitchFrames(faces, baseline);
    expect(short?.shrink).toBeCloseTo(0.2, 6);
    // Squashed as a whole, the nose keeps its place between eyes and mouth: no pitch change.
    expect(short?.pitchDelta).toBeCloseTo(0, 9);
    expect(near?.shrink).toBeCloseTo(0, 6);
  });

  it('takes the pitch most frontal frames share as the baseline, and the frame at it as the reference', () => {
    // Three frames at the frontal pitch, two looking down: the median would be pulled, the mode is not.
    const faces = [noseMoved(12), noseMoved(14), frontal, noseMoved(0.5), noseMoved(-0.5)];
    const baseline = pitchBaseline(readings(faces), segments({ start: 0, end: 4 }), 0.025);
    expect(baseline?.index).toBe(2);
    expect(baseline?.pitch).toBeCloseTo(pitchOf(frontal), 9);
    expect(
      pitchBaseline(readings(faces), { ...segments({ start: 0, end: 0 }), stretches: [] }, 0.025),
    ).toBeNull();
  });

  it('signs a nose moving down as looking down in both pitch and vertical parallax, and up as up', () => {
    const faces = [frontal, noseMoved(15), noseMoved(-15)];
    const baseline = pitchBaseline(readings(faces), segments({ start: 0, end: 0 }), 0.025);
    if (baseline === null) throw new Error('no baseline');
    const [still, down, up] = pitchFrames(readings(faces), baseline);
    expect(still?.pitchDelta).toBeCloseTo(0, 9);
    expect(down?.pitchDelta).toBeGreaterThan(0.1);
    expect(down?.vertical).toBeGreaterThan(0.1);
    expect(up?.pitchDelta).toBeLessThan(-0.1);
    expect(up?.vertical).toBeLessThan(-0.1);
    const summary = summariseClip(
      [still, down, up].flatMap((f) => (f === undefined ? [] : [f])),
      bounds,
    );
    expect(summary.down?.index).toBe(1);
    expect(summary.up?.index).toBe(2);
    expect(summary.counts.down).toEqual({ pitch: 1, parallax: 1, all: 1 });
  });

  it("counts a card's parallax only in the direction its pitch moved, and a frame that did not shrink as passing any ratio", () => {
    const card = [
      // Pitched up with the nose dipping: parallax against the look, not for it.
      frame(-0.2, 0.3, 0.4),
      // Pitched down a little, the nose dipping a little, much shrink.
      frame(0.12, 0.05, 0.3),
      // Pitched down, no shrink at all.
      frame(0.11, -0.01, -0.02),
    ];
    const worst = kindWorst([{ name: 'card', frames: card }], bounds);
    expect(worst.pitch?.value).toBeCloseTo(0.2, 9);
    expect(worst.parallaxPastBound?.value).toBeCloseTo(0.05, 9);
    expect(worst.ratioPastBound?.value).toBe(Infinity);
    expect(passingClips([{ name: 'card', frames: card }], bounds)).toEqual({
      up: [],
      down: [],
      frames: 0,
    });
    const nod = [frame(0.2, 0.15, 0.1)];
    expect(passingClips([{ name: 'nod', frames: nod }], bounds)).toEqual({
      up: [],
      down: ['nod'],
      frames: 1,
    });
  });

  it('leaves turned frames and frames whose pitch ratio collapsed out of the look figures', () => {
    const turned = { ...frame(0.3, 0.2, 0.1), yawDelta: -0.25 };
    const collapsed = frame(-2.5e6, -0.4, 0.8);
    const kept = [frame(0.2, 0.15, 0.1), { ...frame(-0.15, -0.1, 0.05), yawDelta: 0.19 }];
    expect(readableFrames([turned, collapsed, ...kept], 0.2)).toEqual({
      frames: kept,
      turned: 1,
      collapsed: 1,
    });
  });

  it('gives the room above each bound, the other two held: a frame failing another bound sets none', () => {
    const frames = [
      frame(0.2, 0.15, 0.1),
      // A bigger pitch change without the parallax: raises no pitch room, but its parallax is measured.
      frame(0.5, 0.02, 0.1),
    ];
    expect(headroom(frames, bounds)).toEqual({
      up: { pitch: null, parallax: null, ratio: null },
      down: { pitch: 0.2, parallax: 0.15, ratio: 2 },
    });
  });

  it('sets each bound against the fakes worst and the real looks weakest room first', () => {
    const card = { name: 'card', frames: [frame(0.09, 0.07, 0.2), frame(-0.07, -0.09, 0.18)] };
    const strong = { name: 'strong', frames: [frame(0.4, 0.4, 0.2)] };
    const weak = { name: 'weak', frames: [frame(-0.13, -0.15, 0.05)] };
    const [pitch, parallax, ratio] = margins([card], [strong, weak], bounds);
    expect(pitch?.fakeWorst?.value).toBeCloseTo(0.09, 9);
    expect(parallax?.fakeWorst?.value).toBeCloseTo(0.09, 9);
    expect(ratio?.fakeWorst?.value).toBeCloseTo(0.45, 9);
    expect(pitch?.looks.map((l) => [l.clip, l.direction])).toEqual([
      ['weak', 'up'],
      ['strong', 'down'],
    ]);
    expect(ratio?.looks.map((l) => l.room)).toEqual([2, 2.6]);
  });
});
