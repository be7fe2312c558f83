// The reaction-time rule at a slow camera: at ~6 frames a second (170 ms between frames) a head already
// turning when the prompt's frame was captured must not pass as an answer to the prompt. Before, the move
// started at the first frame after the prompt out of the frontal band, 170 ms after the prompt's frame,
// above reactionMsMin (150 ms): a turn begun 100 ms BEFORE the prompt passed as a reaction to it. The move
// starts, at the latest, at the last frame before the head left the band.
import { describe, expect, it } from 'vitest';
import type {
  Challenge,
  ChallengeState,
} from '../../../src/biometrics/liveness/active/challenge.ts';
import {
  ChallengeController,
  defaultChallengeOptions,
} from '../../../src/biometrics/liveness/active/challenge.ts';
import { syntheticHead } from './active-synthetic-face.ts';

const degrees = (d: number): number => (d * Math.PI) / 180;

function controllerFor(challenge: Challenge): ChallengeController {
  return new ChallengeController(() => 0, {
    ...defaultChallengeOptions,
    pool: [challenge],
    count: 1,
  });
}

/** When the prompt shows for a head held frontal at `fps` (the frame that settles the baseline). */
function promptFrameMs(fps: number): number {
  const controller = controllerFor('turn_left');
  for (let t = 1000; t < 5000; t += 1000 / fps) {
    if (controller.observe({ timestampMs: t, face: syntheticHead({ yaw: 0 }) }).status === 'asking')
      return t;
  }
  throw new Error('never asked');
}

/** A smooth move from `from` to `to` degrees over [start, start + ms). */
function ease(ms: number, start: number, duration: number, from: number, to: number): number {
  const f = Math.min(1, Math.max(0, (ms - start) / duration));
  return from + (to - from) * (0.5 - 0.5 * Math.cos(Math.PI * f));
}

/** Plays yaw(t) (degrees, t the frame's time) at `fps`; the final state. */
function play(challenge: Challenge, yawAt: (t: number) => number, fps: number): ChallengeState {
  const controller = controllerFor(challenge);
  for (let t = 1000; t < 9000; t += 1000 / fps) {
    const next = controller.observe({
      timestampMs: t,
      face: syntheticHead({ yaw: degrees(yawAt(t)) }),
    });
    if (next.status === 'passed' || next.status === 'failed') return next;
  }
  return controller.state;
}

describe('challenge reaction clock at 6 frames a second', () => {
  const fps = 6;
  const prompt = promptFrameMs(fps);

  it('a turn begun 100 ms before the prompt frame is too fast', () => {
    for (const [asked, sign] of [
      ['turn_left', 1],
      ['turn_right', -1],
    ] as const) {
      const state = play(asked, (t) => ease(t, prompt - 100, 600, 0, sign * 25), fps);
      expect(state, asked).toMatchObject({ status: 'failed', reason: 'too_fast' });
    }
  });

  it('the same turn begun 400 ms after the prompt frame passes', () => {
    for (const [asked, sign] of [
      ['turn_left', 1],
      ['turn_right', -1],
    ] as const) {
      const state = play(asked, (t) => ease(t, prompt + 400, 600, 0, sign * 25), fps);
      expect(state, asked).toMatchObject({ status: 'passed' });
    }
  });
});
