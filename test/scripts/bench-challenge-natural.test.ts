// bench:challenge --policy natural on a real clip: a shopper who blinks only when asked is prompted, and
// decided, sooner when the kiosk prompts sooner; one who never blinks is never decided on the natural path.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FaceTracker } from '../../src/biometrics/face-tracker.ts';
import type { RgbImage } from '../../src/biometrics/image.ts';
import { faceSessionTimeLimitMsMax } from '../../src/shared/limits.ts';
import type { Clip } from '../../scripts/bench-challenge/clips.ts';
import { analyseClip, framesNeeded } from '../../scripts/bench-challenge/clips.ts';
import { decodeFrames } from '../../scripts/bench-challenge/clip-frames.ts';
import type { NaturalPlan } from '../../scripts/bench-challenge/natural.ts';
import {
  blinkPromptMs,
  planNatural,
  runNatural,
  tuningWithBlinkPromptAfter,
  whyNotNatural,
} from '../../scripts/bench-challenge/natural.ts';
import type { RunOutcome, SessionTools } from '../../scripts/bench-challenge/run.ts';
import { loadSessionTools } from '../../scripts/bench-challenge/run.ts';
import { defaultTurnExtent } from '../../scripts/bench-challenge/segments.ts';
import { modelsDir, sharedData } from '../biometrics/face-helpers.ts';

/** A webcam clip with two blinks (7.7 fps, 76 frames): few frames, so each session costs seconds. */
const blinkClip = path.join(sharedData, 'video', 'webcam', 'selfie_61dc1b75-8.webm');
const reactionMs = 500;
const timeLimitMs = faceSessionTimeLimitMsMax / 2;

let tracker: FaceTracker;
let tools: SessionTools;
let clip: Clip;
let plan: NaturalPlan;
let images: Map<number, RgbImage>;

beforeAll(async () => {
  tools = await loadSessionTools(modelsDir);
  tracker = tools.tracker;
  clip = await analyseClip(blinkClip, tracker, defaultTurnExtent);
  const [first] = planNatural([clip], 1);
  if (first === undefined) throw new Error(`the blink clip cannot run: ${whyNotNatural(clip)}`);
  plan = first;
  images = await decodeFrames(blinkClip, framesNeeded(clip));
}, 120_000);
afterAll(() => {
  tracker.dispose();
});

function shopper(blinkPromptAfterMs: number, blinks: boolean): Promise<RunOutcome> {
  const tuning = tuningWithBlinkPromptAfter(blinkPromptAfterMs);
  return runNatural(plan, images, { reactionMs, tuning, timeLimitMs, blinks }, tools);
}

function eventAt(outcome: RunOutcome, kind: 'prompt' | 'onset'): number {
  const event = outcome.events.find((e) => e.kind === kind);
  if (event === undefined) throw new Error(`no ${kind} event`);
  return event.atMs;
}

describe('bench:challenge --policy natural, a shopper who blinks only when prompted', () => {
  it('stands on a frontal stretch with no blink in it, and answers with one of its own blinks', () => {
    expect(whyNotNatural(clip)).toBeNull();
    expect(plan.blink.action).toBe('blink');
    for (const blink of clip.segments.blinks) {
      const onset = clip.readings.readings.findIndex((r) => r.timestampMs >= blink.startMs);
      expect(onset < plan.home.start || onset > plan.home.end).toBe(true);
    }
  });

  it('is prompted, and decided, sooner with blinkPromptAfterMs 0 than with 1500', async () => {
    const early = await shopper(0, true);
    const late = await shopper(1500, true);
    for (const outcome of [early, late]) {
      expect(outcome.outcome).toBe('decided');
      expect(outcome.reasons).toContain('blink');
      // The blink came only after the prompt and the reaction time: the prompt is what was measured.
      expect(eventAt(outcome, 'onset') - eventAt(outcome, 'prompt')).toBeGreaterThanOrEqual(
        reactionMs,
      );
    }
    const earlyPrompt = blinkPromptMs(early) ?? NaN;
    const latePrompt = blinkPromptMs(late) ?? NaN;
    expect(latePrompt).toBeGreaterThanOrEqual(1500);
    expect(earlyPrompt).toBeLessThan(latePrompt);
    expect(early.decisionMs ?? NaN).toBeLessThan(late.decisionMs ?? NaN);
  }, 120_000);

  it('is never decided when it never blinks, however soon it is prompted', async () => {
    const outcome = await shopper(0, false);
    expect(blinkPromptMs(outcome)).not.toBeNull();
    expect(outcome.outcome).not.toBe('decided');
    // It ran out of time still lacking natural motion: no pass without a blink or 3-D motion.
    expect(outcome.reasons).toEqual(
      expect.arrayContaining(['timeout', 'no_blink', 'no_3d_motion']),
    );
    expect(outcome.events.map((e) => e.kind)).toEqual(['prompt', 'no_answer']);
  }, 120_000);
});
