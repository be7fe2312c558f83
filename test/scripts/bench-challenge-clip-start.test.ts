// bench:challenge --responder none --from clip-start: an attacker who starts a recording for the kiosk.
// Every challenge order is played once, each from the clip's first frame, with a seed that draws it.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { challengeKinds, drawChallenges } from '../../src/biometrics/liveness/active/challenge.ts';
import { faceSessionTimeLimitMsMax } from '../../src/shared/limits.ts';
import { seededRandom } from '../../src/shared/seeded-random.ts';
import { challengeOptions } from '../../scripts/bench-challenge/clips.ts';
import {
  orderCount,
  planFromClipStart,
  probeReplayClip,
  runReplayClip,
} from '../../scripts/bench-challenge/replay.ts';
import type { SessionTools } from '../../scripts/bench-challenge/run.ts';
import { loadSessionTools } from '../../scripts/bench-challenge/run.ts';
import { modelsDir, sharedData } from '../biometrics/face-helpers.ts';

/** A webcam clip with two blinks and no turn (7.7 fps, 76 frames): every order holds a turn it lacks. */
const noTurnClip = path.join(sharedData, 'video', 'webcam', 'selfie_61dc1b75-8.webm');

let tools: SessionTools;

beforeAll(async () => {
  tools = await loadSessionTools(modelsDir);
}, 120_000);
afterAll(() => {
  tools.tracker.dispose();
});

describe('bench:challenge --responder none --from clip-start', () => {
  it('plans every order once, from the first frame, each with a seed the session draws it from', () => {
    const plans = planFromClipStart(challengeKinds, 2);
    expect(plans).toHaveLength(orderCount(challengeKinds, 2));
    expect(new Set(plans.map((p) => p.order.join('>'))).size).toBe(plans.length);
    for (const plan of plans) {
      expect(plan.startFrame).toBe(0);
      expect(drawChallenges(challengeKinds, 2, seededRandom(plan.run))).toEqual(plan.order);
    }
    expect(planFromClipStart(['blink', 'turn_left'], 1).map((p) => p.order)).toEqual(
      expect.arrayContaining([['blink'], ['turn_left']]),
    );
  });

  it('plays each order from the clip’s first frame; a person who never turns passes none', async () => {
    const clip = await probeReplayClip(noTurnClip, 'live');
    // Blink and turns: 6 orders, not the session's 20, so the test stays within its time.
    const pool = ['blink', 'turn_left', 'turn_right'] as const;
    const results = await runReplayClip(
      clip,
      { runs: 1, timeLimitMs: faceSessionTimeLimitMsMax / 2, from: 'clip-start', pool },
      tools,
    );
    expect(results.map((r) => r.order.join('>'))).toEqual(
      planFromClipStart(pool, challengeOptions.count).map((p) => p.order.join('>')),
    );
    for (const r of results) {
      expect(r.startFrame).toBe(0);
      expect(r.result.outcome).not.toBe('decided');
      expect(r.result.challengeAskedAtMs).not.toBeNull();
    }
  }, 120_000);
});
