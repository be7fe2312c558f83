// The streaming natural-motion measure against analyzeNaturalMotion on the same window: with no slack it
// gives the same parallax, yaw spread, blinks and face changes at every frame; with slack, nearly so.
import { describe, expect, it } from 'vitest';
import { boundingBox } from '../../../src/biometrics/geometry.ts';
import type { MotionFrame } from '../../../src/biometrics/liveness/active/natural-motion.ts';
import {
  analyzeNaturalMotion,
  defaultNaturalMotionOptions,
} from '../../../src/biometrics/liveness/active/natural-motion.ts';
import { NaturalMotionStream } from '../../../src/biometrics/liveness/active/natural-motion-stream.ts';
import { seededRandom } from '../../../src/shared/seeded-random.ts';
import { kioskView, project, syntheticFace3d, syntheticLids } from './active-synthetic-face.ts';

/** A head turning to and fro (up to `yawMax` rad) with landmark jitter, blinking twice, lost once. */
function wanderingHead(frames: number, yawMax: number): MotionFrame[] {
  const random = seededRandom(7);
  return Array.from({ length: frames }, (_, k) => {
    const t = k * 40;
    const gone = k >= 50 && k < 53;
    const eyeOpen = (t >= 1200 && t < 1360) || (t >= 3000 && t < 3160) ? 0.15 : 1;
    const landmarks = project(syntheticFace3d({ eyeOpen }), {
      ...kioskView,
      yaw: yawMax * Math.sin(k / 12),
    }).map((p) => ({ x: p.x + (random() - 0.5) * 1.5, y: p.y + (random() - 0.5) * 1.5 }));
    const face = gone
      ? null
      : {
          box: boundingBox(landmarks),
          landmarks,
          eyes: syntheticLids(landmarks),
          descriptor: null,
        };
    return { timestampMs: t, segment: 0, face };
  });
}

function stream(windowFrames: number, referenceYawSlack: number): NaturalMotionStream {
  return new NaturalMotionStream({
    motion: defaultNaturalMotionOptions,
    windowFrames,
    referenceYawSlack,
  });
}

describe('natural motion, streamed', () => {
  it('matches analyzeNaturalMotion on the last window at every frame when the reference has no slack', () => {
    const frames = wanderingHead(140, 0.35);
    const window = 40;
    const motion = stream(window, 0);
    for (const [k, frame] of frames.entries()) {
      motion.push(frame);
      const streamed = motion.summary();
      const batch = analyzeNaturalMotion(frames.slice(Math.max(0, k + 1 - window), k + 1));
      if (batch.parallax === null) expect(streamed.parallax).toBeNull();
      else expect(streamed.parallax).toBeCloseTo(batch.parallax, 9);
      if (batch.yawSpread === null) expect(streamed.yawSpread).toBeNull();
      else expect(streamed.yawSpread).toBeCloseTo(batch.yawSpread, 9);
    }
    // Blinks and continuity run over the whole stream, as analyzeNaturalMotion over the whole run.
    const whole = analyzeNaturalMotion(frames);
    expect(motion.summary().blinks).toEqual(whole.blinks);
    expect(whole.blinks.length).toBeGreaterThanOrEqual(2);
    expect(motion.summary().faceChanges).toBe(whole.faceChanges);
  });

  it('with slack, a shopper holding still re-picks the reference far less often, and it stays close', () => {
    const frames = wanderingHead(140, 0.05);
    const exact = stream(120, 0);
    const slack = stream(120, 0.01);
    let worst = 0;
    for (const frame of frames) {
      exact.push(frame);
      slack.push(frame);
      const a = exact.summary().parallax;
      const b = slack.summary().parallax;
      if (a !== null && b !== null) worst = Math.max(worst, Math.abs(a - b));
    }
    expect(slack.referenceChanges).toBeLessThan(exact.referenceChanges / 2);
    expect(worst).toBeLessThan(0.03);
  });

  it('keeps only the window: memory does not grow with the session', () => {
    const motion = stream(16, 0.01);
    for (const frame of wanderingHead(140, 0.35)) motion.push(frame);
    const summary = motion.summary();
    expect(summary.framesWithFace).toBe(137);
    expect(summary.parallax).not.toBeNull();
  });
});
