// The kiosk's face session (natural policy, the shipped passive model) on recorded clips it was never
// fitted on, read at a kiosk camera's ~12 frames a second: a live selfie clip decides without a challenge,
// a phone-screen replay whose texture is a confident attack is refused on its passive evidence alone,
// and a replay whose texture is uncertain is asked the challenge and refused when it cannot answer.
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMaskDetector } from '../../src/biometrics/capture/mask-detector.node.ts';
import type { MaskDetector } from '../../src/biometrics/capture/mask-detector.ts';
import { createFaceTracker } from '../../src/biometrics/engine.node.ts';
import type { FaceSessionUpdate } from '../../src/biometrics/face-session.ts';
import { defaultFaceSessionTuning, FaceSession } from '../../src/biometrics/face-session.ts';
import type { FaceTracker } from '../../src/biometrics/face-tracker.ts';
import type { RgbImage } from '../../src/biometrics/image.ts';
import { loadPassiveTextureDetector } from '../../src/biometrics/liveness/passive-texture.node.ts';
import type { PassiveTextureDetector } from '../../src/biometrics/liveness/passive-texture.ts';
import { openFrameSource } from '../../src/biometrics/replay/frame-source.node.ts';
import { seededRandom } from '../../src/shared/seeded-random.ts';
import { modelsDir, sharedData } from './face-helpers.ts';

/** The kiosk camera's rate: every other frame of these 25-30 frames/s clips. */
const kioskFps = 12;

interface Read {
  readonly image: RgbImage;
  readonly timestampMs: number;
}

/** The clip's opening as a kiosk camera would deliver it: its own frames and times, thinned. */
async function openingReads(file: string, seconds: number): Promise<Read[]> {
  const source = await openFrameSource(file, { folderFps: kioskFps });
  const step = Math.max(1, Math.round(source.framesPerSecond / kioskFps));
  const reads: Read[] = [];
  let ordinal = 0;
  for await (const frame of source.opening(Math.ceil(seconds * source.framesPerSecond))) {
    if (ordinal % step === 0) reads.push({ image: frame.image, timestampMs: frame.timestampMs });
    ordinal += 1;
  }
  return reads;
}

let tracker: FaceTracker;
let passive: PassiveTextureDetector;
let mask: MaskDetector;

beforeAll(async () => {
  [tracker, passive, mask] = await Promise.all([
    createFaceTracker(),
    loadPassiveTextureDetector({ modelsDir }),
    loadMaskDetector({ modelsDir }),
  ]);
}, 120_000);
afterAll(() => {
  tracker.dispose();
});

async function runClip(
  file: string,
  seconds: number,
): Promise<{ run: FaceSession; final: FaceSessionUpdate | null; pushed: number }> {
  const run = new FaceSession(tracker, {
    policy: 'natural',
    passive,
    mask,
    random: seededRandom(7),
    timeLimitMs: 15_000,
  });
  run.reset();
  const reads = await openingReads(file, seconds);
  expect(reads.length).toBeGreaterThan(seconds * kioskFps * 0.8);
  const before = tf.memory().numTensors;
  let pushed = 0;
  for (const read of reads) {
    const update = await run.push(read.image, read.timestampMs);
    pushed += 1;
    if (update.kind !== 'reading') {
      expect(tf.memory().numTensors).toBe(before);
      return { run, final: update, pushed };
    }
  }
  return { run, final: null, pushed };
}

describe('face session on recorded clips the passive model never saw', () => {
  it('decides a live selfie clip (live-01) without a challenge: live texture and 3-D motion', async () => {
    const { run, final } = await runClip(path.join(sharedData, 'video/live/live-01.mov'), 5);
    if (final?.kind !== 'decided') throw new Error(`live-01 not decided: ${JSON.stringify(final)}`);
    expect(final.decision.evidence).toContain('passive_texture_live');
    expect(final.decision.evidence).not.toContain('challenge_passed');
    expect(final.decision.scores.challengeNeeded).toBe(false);
    expect(run.challenges).toHaveLength(0);
  }, 90_000);

  it('refuses a phone-screen replay (replay-02) on its passive score alone, before any challenge', async () => {
    const { run, final, pushed } = await runClip(
      path.join(sharedData, 'video/replay/replay-02.mp4'),
      5,
    );
    if (final?.kind !== 'refused') throw new Error(`replay-02: ${JSON.stringify(final)}`);
    expect(final.reasons).toContain('passive_attack');
    expect(final.decision?.scores.passiveBand).toBe('attack');
    // Refused as soon as a refusal may be called, not after waiting for a blink or the time limit.
    expect(pushed).toBeLessThanOrEqual(defaultFaceSessionTuning.passiveRefuseFramesMin + 2);
    expect(run.challenges).toHaveLength(0);
  }, 90_000);

  it('asks the challenge of a replay with uncertain texture (replay-01) and never pays it', async () => {
    const { run, final } = await runClip(path.join(sharedData, 'video/replay/replay-01.mp4'), 8);
    if (final?.kind !== 'refused') throw new Error(`replay-01: ${JSON.stringify(final)}`);
    expect(run.challenges.length).toBeGreaterThan(0);
    expect(final.decision?.scores.passiveBand).toBe('uncertain');
    // The replayed person does not do what the kiosk asked: the answer, not the texture, refuses.
    expect(final.reasons.some((r) => r.startsWith('active_'))).toBe(true);
    expect(final.reasons).not.toContain('passive_attack');
  }, 90_000);
});
