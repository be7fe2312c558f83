// When a challenge move starts, for the reaction-time rule: when the head leaves the frontal band on the
// side asked. A head swaying the other way as the prompt shows has not started the move, so a person who
// then swings across and turns as asked, well after the prompt, is no "too fast" answer even where no
// frame fell inside the narrow frontal band (+-3 degrees) on the way; a move begun at the prompt is.
// And between two moves: a head that comes back to within about 5 degrees of where it started is asked
// the next one; one that stays turned is not.
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

/** Plays yaw(msSincePrompt) (degrees; before the prompt the head is frontal) at `fps` for one drawn
 * challenge; returns the final state. */
function play(
  challenge: Challenge,
  yawAfterPrompt: (ms: number) => number,
  fps = 30,
): ChallengeState {
  const frameMs = 1000 / fps;
  const controller = new ChallengeController(() => 0, {
    ...defaultChallengeOptions,
    pool: [challenge],
    count: 1,
  });
  let promptMs: number | null = null;
  for (let t = 1000; t < 9000; t += frameMs) {
    const yaw = promptMs === null ? 0 : yawAfterPrompt(t - promptMs);
    const next = controller.observe({ timestampMs: t, face: syntheticHead({ yaw: degrees(yaw) }) });
    // The prompt shows from the frame that settled the baseline: the clock of the reaction time.
    if (next.status === 'asking') promptMs ??= t;
    if (next.status === 'passed' || next.status === 'failed') return next;
  }
  return controller.state;
}

/** A smooth move from `from` to `to` degrees over [start, start + ms). */
function ease(ms: number, start: number, duration: number, from: number, to: number): number {
  const f = Math.min(1, Math.max(0, (ms - start) / duration));
  return from + (to - from) * (0.5 - 0.5 * Math.cos(Math.PI * f));
}

describe('challenge move start', () => {
  it('a head swaying the other way at the prompt, then swinging across to turn as asked, passes', () => {
    for (const [asked, sign] of [
      ['turn_left', 1],
      ['turn_right', -1],
    ] as const) {
      // At a webcam's 8 frames a second: 8 degrees the wrong way in the first frame after the prompt
      // (out of the frontal band, short of a turn), then from 500 ms one swing across to 25 degrees the
      // asked way, no frame inside the band on the way.
      const state = play(
        asked,
        (ms) => (ms < 500 ? -sign * 8 : ease(ms, 500, 300, -sign * 8, sign * 25)),
        8,
      );
      expect(state, asked).toMatchObject({ status: 'passed' });
    }
  });

  it('at 30 frames a second the same person, who sways back in first, passes as before', () => {
    for (const [asked, sign] of [
      ['turn_left', 1],
      ['turn_right', -1],
    ] as const) {
      // 10 degrees the wrong way over 200 ms right after the prompt, back by 500 ms, then 25 degrees the
      // asked way from 600 ms.
      const state = play(asked, (ms) =>
        ms < 600
          ? ease(ms, 0, 200, 0, -sign * 10) - ease(ms, 300, 200, 0, -sign * 10)
          : ease(ms, 600, 400, 0, sign * 25),
      );
      expect(state, asked).toMatchObject({ status: 'passed' });
    }
  });

  it('a turn the asked way begun as the prompt shows is still too fast', () => {
    const state = play('turn_left', (ms) => ease(ms, 0, 400, 0, 25));
    expect(state).toMatchObject({ status: 'failed', reason: 'too_fast' });
  });

  it('a sway the wrong way that becomes a turn the wrong way is still the wrong action', () => {
    const state = play('turn_left', (ms) => ease(ms, 300, 400, 0, -25));
    expect(state).toMatchObject({ status: 'failed', reason: 'wrong_action' });
  });
});

/** Two drawn moves answered by a head that comes back from each to `restDegrees` off its baseline (on the
 * side it went), not to the baseline itself: as people do, a few degrees off where they started. */
function playTwo(pool: readonly Challenge[], restDegrees: number): ChallengeState {
  const controller = new ChallengeController(() => 0, {
    ...defaultChallengeOptions,
    pool,
    count: 2,
  });
  const frameMs = 1000 / 30;
  let asked: Challenge | null = null;
  let askedAtMs = 0;
  let rest = { yaw: 0, pitch: 0 };
  for (let t = 1000; t < 15000; t += frameMs) {
    let yaw = rest.yaw;
    let pitch = rest.pitch;
    if (asked !== null) {
      const ms = t - askedAtMs;
      const sign = asked === 'turn_left' || asked === 'look_up' ? 1 : -1;
      // Out 25 degrees (15 for a look) from 300 ms, held 200 ms, back to the rest pose by 1,300 ms.
      const turn = asked === 'turn_left' || asked === 'turn_right';
      const peak = sign * (turn ? 25 : 15);
      const out = ease(ms, 300, 400, 0, peak) - ease(ms, 900, 400, 0, peak - sign * restDegrees);
      if (turn) yaw = rest.yaw + out;
      else pitch = rest.pitch + out;
    }
    const next = controller.observe({
      timestampMs: t,
      face: syntheticHead({ yaw: degrees(yaw), pitch: degrees(pitch) }),
    });
    if (next.status === 'passed' || next.status === 'failed') return next;
    if (next.status === 'asking' && next.challenge !== asked) {
      rest = { yaw, pitch };
      asked = next.challenge;
      askedAtMs = t;
    }
  }
  return controller.state;
}

describe('coming back between two moves', () => {
  it('a head that comes back to within 5 degrees of where it started is asked the next move', () => {
    // 4.5 degrees: outside the frontal band (3.3 degrees of yaw, 3.7 of pitch), inside the way back.
    expect(playTwo(['turn_left', 'turn_right'], 4.5)).toMatchObject({ status: 'passed' });
    expect(playTwo(['look_up', 'look_down'], 4.5)).toMatchObject({ status: 'passed' });
  });

  it('a head that stays turned or looking away is not asked again, and times out', () => {
    expect(playTwo(['turn_left', 'turn_right'], 9)).toMatchObject({
      status: 'failed',
      reason: 'timeout',
    });
    expect(playTwo(['look_up', 'look_down'], 9)).toMatchObject({
      status: 'failed',
      reason: 'timeout',
    });
  });
});
