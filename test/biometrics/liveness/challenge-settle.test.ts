// How soon the challenge asks its first move: after a steady frontal stretch of settleMs (and at least 3
// frames). At the kiosk worker's pace (about 12 frames a second) a shopper standing still is asked from
// her 4th frame, about 250 ms in; a head still moving is not asked until it has been steady that long.
import { describe, expect, it } from 'vitest';
import type { ChallengeState } from '../../../src/biometrics/liveness/active/challenge.ts';
import {
  ChallengeController,
  defaultChallengeOptions,
} from '../../../src/biometrics/liveness/active/challenge.ts';
import { syntheticHead } from './active-synthetic-face.ts';

const degrees = (d: number): number => (d * Math.PI) / 180;

/** Plays yaw(ms since the first frame) in degrees at `fps` until the first prompt; its time (ms since the
 * first frame) and the move asked, or null when none was asked within 3 s. */
function firstPrompt(yaw: (ms: number) => number, fps: number): number | null {
  const controller = new ChallengeController(() => 0, {
    ...defaultChallengeOptions,
    pool: ['turn_left', 'turn_right'],
    count: 2,
  });
  const frameMs = 1000 / fps;
  for (let ms = 0; ms < 3000; ms += frameMs) {
    const state: ChallengeState = controller.observe({
      timestampMs: 1000 + ms,
      face: syntheticHead({ yaw: degrees(yaw(ms)) }),
    });
    if (state.status === 'asking') return Math.round(ms);
    expect(state.status, `at ${Math.round(ms)} ms`).toBe('settling');
  }
  return null;
}

describe('challenge settle', () => {
  it('asks a shopper standing still her first move within 300 ms at the kiosk worker pace', () => {
    // 12 frames a second: frames at 0, 83, 167, 250 ms; the 4th spans 200 ms.
    expect(firstPrompt(() => 0, 12)).toBe(250);
    // A slow webcam's 8 frames a second: 3 frames span 250 ms.
    expect(firstPrompt(() => 0, 8)).toBe(250);
  });

  it('never asks before 3 frames, however far apart they are', () => {
    // 4 frames a second: the 2nd frame already spans 250 ms, the 3rd is the first that may settle.
    expect(firstPrompt(() => 0, 4)).toBe(500);
  });

  it('asks a head that was still turning only once it has been steady for the settle time', () => {
    // Turning from 20 degrees to frontal over the first 600 ms, then still: steady from about 500 ms on
    // (within the frontal band's 3.3 degrees of where it rests), so asked no sooner than 700 ms.
    const prompt = firstPrompt((ms) => (ms < 600 ? 20 * (1 - ms / 600) : 0), 30);
    expect(prompt).not.toBeNull();
    expect(prompt ?? 0).toBeGreaterThanOrEqual(700);
    expect(prompt ?? 0).toBeLessThan(900);
  });
});
