// bench:challenge's scripted shopper on real clips read by the kiosk's tracker: the segments it answers
// with really are the actions asked (a turn past the challenge's turnYaw, eyes that close and reopen), it
// acts only a reaction time after the prompt, and its frames pass the kiosk's own challenge session.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultFaceSessionTuning } from '../../src/biometrics/face-session.ts';
import type { Challenge } from '../../src/biometrics/liveness/active/challenge.ts';
import { drawChallenges } from '../../src/biometrics/liveness/active/challenge.ts';
import { defaultContinuityOptions } from '../../src/biometrics/liveness/active/face-continuity.ts';
import { yawOf } from '../../src/biometrics/liveness/active/pose.ts';
import { faceSessionTimeLimitMsMax } from '../../src/shared/limits.ts';
import { seededRandom } from '../../src/shared/seeded-random.ts';
import type { ClipReadings } from '../../scripts/bench-challenge/clip-frames.ts';
import { decodeFrames, readClip } from '../../scripts/bench-challenge/clip-frames.ts';
import type { ShownFrame } from '../../scripts/bench-challenge/responder.ts';
import { ScriptedResponder } from '../../scripts/bench-challenge/responder.ts';
import type { SessionTools } from '../../scripts/bench-challenge/run.ts';
import { loadSessionTools, runScripted } from '../../scripts/bench-challenge/run.ts';
import type { ActionSegment, ClipSegments } from '../../scripts/bench-challenge/segments.ts';
import { findSegments } from '../../scripts/bench-challenge/segments.ts';
import { modelsDir, sharedData } from '../biometrics/face-helpers.ts';

const options = defaultFaceSessionTuning.challenge;
const limits = {
  ...defaultContinuityOptions,
  frontalYaw: options.frontalYaw,
  frontalPitch: options.frontalPitch,
};
/** A phone selfie that turns left, then right (25 fps, 360x480: about 10 s of engine time). */
const turnsClip = path.join(sharedData, 'video', 'live', 'live-01.mov');
/** A webcam clip with two blinks (7.7 fps, 76 frames). */
const blinkClip = path.join(sharedData, 'video', 'webcam', 'selfie_61dc1b75-8.webm');

let tools: SessionTools;
let turns: { clip: ClipReadings; found: ClipSegments };
let blinks: { clip: ClipReadings; found: ClipSegments };

async function analyse(file: string): Promise<{ clip: ClipReadings; found: ClipSegments }> {
  const clip = await readClip(file, tools.tracker);
  return { clip, found: findSegments(clip.readings, options, defaultContinuityOptions) };
}

beforeAll(async () => {
  tools = await loadSessionTools(modelsDir);
  turns = await analyse(turnsClip);
  blinks = await analyse(blinkClip);
}, 120_000);
afterAll(() => {
  tools.tracker.dispose();
});

function segment(found: ClipSegments, action: Challenge): ActionSegment {
  const s = found.segments.find((x) => x.action === action);
  if (s === undefined) throw new Error(`no ${action} segment`);
  return s;
}

function interval(clip: ClipReadings): number {
  return 1000 / clip.framesPerSecond;
}

function yawAt(clip: ClipReadings, index: number): number {
  const face = clip.readings[index]?.face;
  if (face === undefined || face === null) throw new Error(`no face at frame ${index}`);
  return yawOf(face.landmarks);
}

describe('segment finder on real clips', () => {
  it('finds a turn each way whose frames really pass turnYaw on that side and come back frontal', () => {
    const reference = turns.found.frontalYaw ?? NaN;
    for (const [action, side] of [
      ['turn_left', 1],
      ['turn_right', -1],
    ] as const) {
      const s = segment(turns.found, action);
      const deltas = [];
      for (let i = s.onset; i < s.end; i++) deltas.push((yawAt(turns.clip, i) - reference) * side);
      expect(Math.max(...deltas)).toBeGreaterThanOrEqual(options.turnYaw);
      expect(Math.min(...deltas)).toBeGreaterThan(0);
      expect(Math.abs(yawAt(turns.clip, s.end) - reference)).toBeLessThanOrEqual(
        options.frontalYaw,
      );
      for (let i = s.leadIn.start; i <= s.leadIn.end; i++)
        expect(Math.abs(yawAt(turns.clip, i) - reference)).toBeLessThanOrEqual(
          options.frontalYaw / 2,
        );
    }
  });

  it('finds blinks whose eyes really close below the open level and reopen', () => {
    expect(blinks.found.segments.length).toBeGreaterThan(0);
    for (const s of blinks.found.segments) {
      expect(s.action).toBe('blink');
      const openness = (i: number): number => blinks.clip.readings[i]?.face?.eyes?.openness ?? NaN;
      const open = [];
      for (let i = s.leadIn.start; i <= s.leadIn.end; i++) open.push(openness(i));
      const openLevel = Math.max(...open);
      expect(openness(s.onset)).toBeLessThan(openLevel * options.blink.closedFraction);
      expect(openness(s.end)).toBeGreaterThan(openness(s.onset));
    }
  });

  it('says which actions a clip has none of', () => {
    expect(turns.found.segments.some((s) => s.action === 'blink')).toBe(false);
    expect(blinks.found.segments.some((s) => s.action !== 'blink')).toBe(false);
  });
});

describe('scripted responder', () => {
  it('holds frontal through the prompt and the reaction time, then plays the asked turn', () => {
    const left = segment(turns.found, 'turn_left');
    const home = left.leadIn;
    const reactionMs = 500;
    const responder = new ScriptedResponder({
      readings: turns.clip.readings,
      frameIntervalMs: interval(turns.clip),
      reactionMs,
      home,
      answers: new Map([['turn_left', left]]),
      limits,
      turnDwellMs: null,
    });
    const shown: ShownFrame[] = [];
    const promptAfter = 10;
    for (let k = 0; k < 120; k++) {
      const frame = responder.next();
      shown.push(frame);
      responder.observe(k >= promptAfter ? 'turn_left' : null, frame.timestampMs);
    }
    const promptMs = shown[promptAfter]?.timestampMs ?? NaN;
    const reference = turns.found.frontalYaw ?? NaN;
    const early = shown.filter((f) => f.timestampMs < promptMs + reactionMs);
    expect(early.length).toBeGreaterThan(promptAfter);
    for (const f of early) {
      expect(['hold', 'lead_in']).toContain(f.phase);
      expect(Math.abs(yawAt(turns.clip, f.index) - reference)).toBeLessThanOrEqual(
        options.frontalYaw,
      );
    }
    const onset = shown.find((f) => f.phase === 'action');
    expect(onset?.index).toBe(left.onset);
    expect(onset?.timestampMs).toBeGreaterThanOrEqual(promptMs + reactionMs);
    expect(onset?.timestampMs).toBeLessThan(promptMs + reactionMs + interval(turns.clip));
    // The recorded turn, frame after frame, from its onset to its end.
    const played = shown.filter((f) => f.phase === 'action').map((f) => f.index);
    expect(played).toEqual(
      Array.from({ length: left.end - left.onset + 1 }, (_, k) => left.onset + k),
    );
    expect(responder.events.filter((e) => e.kind === 'onset')).toHaveLength(1);
  });

  it('keeps holding, and says so, when its clip has no answer to the prompt', () => {
    const left = segment(turns.found, 'turn_left');
    const responder = new ScriptedResponder({
      readings: turns.clip.readings,
      frameIntervalMs: interval(turns.clip),
      reactionMs: 500,
      home: left.leadIn,
      answers: new Map([['turn_left', left]]),
      limits,
      turnDwellMs: null,
    });
    const phases = new Set<string>();
    for (let k = 0; k < 60; k++) {
      const frame = responder.next();
      phases.add(frame.phase);
      responder.observe('blink', frame.timestampMs);
    }
    expect([...phases]).toEqual(['hold']);
    expect(responder.events.map((e) => e.kind)).toEqual(['prompt', 'no_answer']);
  });
});

describe('the kiosk session answered by the scripted shopper', () => {
  it("passes the challenge on the clip's own two turns, the person acting after each prompt", async () => {
    // The first seed whose order, drawn from the session's own pool, is the clip's two turns.
    const turnsOnly = (seed: number) =>
      drawChallenges(options.pool, options.count, seededRandom(seed)).every((c) =>
        c.startsWith('turn_'),
      );
    const seed = Array.from({ length: 200 }, (_, k) => k).find(turnsOnly) ?? -1;
    expect(seed).toBeGreaterThanOrEqual(0);
    const order = drawChallenges(options.pool, options.count, seededRandom(seed));
    expect([...order].sort()).toEqual(['turn_left', 'turn_right']);
    const answers = new Map(order.map((c) => [c, segment(turns.found, c)]));
    const first = answers.get(order[0] as Challenge) as ActionSegment;
    const wanted = new Set<number>();
    for (let i = 0; i < turns.clip.readings.length; i++) wanted.add(i);
    const outcome = await runScripted(
      {
        seed,
        order,
        readings: turns.clip.readings,
        images: await decodeFrames(turnsClip, wanted),
        frameIntervalMs: interval(turns.clip),
        home: first.leadIn,
        answers,
        reactionMs: 500,
        turnDwellMs: null,
        limits,
        timeLimitMs: faceSessionTimeLimitMsMax / 2,
      },
      tools,
    );
    expect(outcome.outcome).toBe('decided');
    expect(outcome.reasons).toContain('challenge_passed');
    const prompts = outcome.events.filter((e) => e.kind === 'prompt');
    const onsets = outcome.events.filter((e) => e.kind === 'onset');
    expect(prompts.map((e) => e.kind === 'prompt' && e.challenge)).toEqual(order);
    onsets.forEach((onset, k) => {
      expect(onset.atMs - (prompts[k]?.atMs ?? Infinity)).toBeGreaterThanOrEqual(500);
    });
  }, 120_000);
});
