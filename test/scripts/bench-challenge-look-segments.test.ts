// bench:challenge's segment finder on looks: a synthetic 3-D head that looks up and down between level
// stretches yields one look_up and one look_down segment, a still head none, and the responder plays one.
//
// Synthetic readings (the look-challenge test's projected head at 30 fps), so the finder runs pure and fast.
import { describe, expect, it } from 'vitest';
import { boundingBox } from '../../src/biometrics/geometry.ts';
import { defaultChallengeOptions } from '../../src/biometrics/liveness/active/challenge.ts';
import { defaultContinuityOptions } from '../../src/biometrics/liveness/active/face-continuity.ts';
import { ScriptedResponder } from '../../scripts/bench-challenge/responder.ts';
import type { ActionSegment, FrameReading } from '../../scripts/bench-challenge/segments.ts';
import { findSegments } from '../../scripts/bench-challenge/segments.ts';
import type { View } from '../biometrics/liveness/active-synthetic-face.ts';
import {
  kioskView,
  project,
  syntheticFace3d,
  syntheticLids,
} from '../biometrics/liveness/active-synthetic-face.ts';

const options = defaultChallengeOptions;
const frameMs = 1000 / 30;
const degrees = (d: number): number => (d * Math.PI) / 180;
const limits = {
  ...defaultContinuityOptions,
  frontalYaw: options.frontalYaw,
  frontalPitch: options.frontalPitch,
};

/** The head pivoting on the neck, `pitch` radians (> 0 up) and `yaw` radians, lids as the points give them. */
function reading(index: number, pose: { pitch: number; yaw: number }): FrameReading {
  const view: View = { ...kioskView, pivotY: 1.2, pitch: pose.pitch, yaw: pose.yaw };
  const landmarks = project(syntheticFace3d({ eyeOpen: 1 }), view);
  return {
    index,
    timestampMs: index * frameMs,
    face: { box: boundingBox(landmarks), landmarks, eyes: syntheticLids(landmarks) },
  };
}

/** Out in 12 frames (400 ms), held 9, back in 12: a deliberate move at a human pace. */
function ramp(frame: number): number {
  if (frame < 12) return (frame + 1) / 12;
  if (frame < 21) return 1;
  return Math.max(0, 1 - (frame - 20) / 12);
}

/** 40 level frames, then each move (33 frames) followed by 40 level frames. */
function clip(moves: readonly { pitch: number; yaw: number }[]): FrameReading[] {
  const poses: { pitch: number; yaw: number }[] = Array.from({ length: 40 }, () => ({
    pitch: 0,
    yaw: 0,
  }));
  for (const move of moves) {
    for (let f = 0; f < 33; f++)
      poses.push({ pitch: move.pitch * ramp(f), yaw: move.yaw * ramp(f) });
    for (let f = 0; f < 40; f++) poses.push({ pitch: 0, yaw: 0 });
  }
  return poses.map((pose, i) => reading(i, pose));
}

const lookUp = { pitch: degrees(15), yaw: 0 };
const lookDown = { pitch: -degrees(15), yaw: 0 };

function only(segments: readonly ActionSegment[], action: string): ActionSegment {
  const found = segments.filter((s) => s.action === action);
  expect(found).toHaveLength(1);
  return found[0] as ActionSegment;
}

describe('bench:challenge segment finder: looks', () => {
  it('finds a look up and a look down, each with a level lead-in, a plateau and a level hold after', () => {
    const readings = clip([lookUp, lookDown]);
    const found = findSegments(readings, options, defaultContinuityOptions);
    expect(found.frontalPitch).not.toBeNull();
    const up = only(found.segments, 'look_up');
    const down = only(found.segments, 'look_down');
    expect(found.rejected).toEqual([]);
    expect(up.peakDelta).toBeLessThan(-options.lookPitch);
    expect(down.peakDelta).toBeGreaterThan(options.lookPitch);
    for (const look of [up, down]) {
      expect(look.onset).toBeGreaterThan(look.leadIn.end);
      expect(look.leadIn.end).toBe(look.onset - 1);
      expect(look.swing).toBeGreaterThanOrEqual(options.lookParallaxMin);
      expect(look.pitchPerShrink).toBeGreaterThanOrEqual(options.lookPitchPerForeshorteningMin);
      expect(look.plateau?.start).toBeGreaterThanOrEqual(look.onset);
      expect(look.plateau?.end).toBeLessThan(look.end);
      expect(look.hold.spliced).toBe(false);
      expect(look.hold.range.start).toBeGreaterThanOrEqual(look.end);
    }
    expect(up.onset).toBeGreaterThan(40);
    expect(down.onset).toBeGreaterThan(up.end);
    // No turn in a clip whose head never leaves the frontal yaw.
    expect(found.segments.map((s) => s.action).sort()).toEqual(['look_down', 'look_up']);
  });

  it('finds nothing in a still head', () => {
    const found = findSegments(clip([]), options, defaultContinuityOptions);
    expect(found.segments).toEqual([]);
    expect(found.rejected).toEqual([]);
    expect(found.stretches).toEqual([{ start: 0, end: 39 }]);
  });

  it('rejects a look made while the head turns as far as a turn, and says so', () => {
    const both = { pitch: degrees(15), yaw: degrees(30) };
    const found = findSegments(clip([both]), options, defaultContinuityOptions);
    expect(found.segments.filter((s) => s.action === 'look_up')).toEqual([]);
    const why = found.rejected.find((r) => r.action === 'look_up')?.why;
    expect(why).toMatch(/^turns while looking/);
  });

  it('answers a look_up prompt with the clip’s look up, after the reaction time', () => {
    const readings = clip([lookUp, lookDown]);
    const found = findSegments(readings, options, defaultContinuityOptions);
    const up = only(found.segments, 'look_up');
    const responder = new ScriptedResponder({
      readings,
      frameIntervalMs: frameMs,
      reactionMs: 500,
      home: { start: 0, end: 39 },
      answers: new Map([['look_up', up]]),
      limits,
      turnDwellMs: null,
    });
    const shown = Array.from({ length: 10 }, () => responder.next());
    const promptMs = shown.at(-1)?.timestampMs ?? NaN;
    responder.observe('look_up', promptMs);
    const after = Array.from({ length: 60 }, () => responder.next());
    const onsetShown = after.find((f) => f.index === up.onset);
    expect(onsetShown?.phase).toBe('action');
    expect(onsetShown?.timestampMs).toBeGreaterThanOrEqual(promptMs + 500);
    expect(after.map((f) => f.index)).toContain(up.plateau?.start);
    expect(responder.events.map((e) => e.kind)).toEqual(
      expect.arrayContaining(['prompt', 'onset', 'action_end']),
    );
    expect(responder.events.find((e) => e.kind === 'onset')).toMatchObject({
      challenge: 'look_up',
    });
  });
});
