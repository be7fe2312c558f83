// The streaming face session on real frames from ../shared/data, through the kiosk's tracking loop:
// talking-face decides live with a descriptor of the same person, a moved printed photo is refused (also
// at the kiosk's low, irregular frame rates), prompts follow what the camera sees, a finished session
// waits for reset, frames left undescribed change no decision, and no tensor is left behind; a frame with
// eyes closed or a mask on is no template, and either held brings its prompt.
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cosineSimilarity } from '../../src/biometrics/calibration/scores.ts';
import { loadMaskDetector } from '../../src/biometrics/capture/mask-detector.node.ts';
import type { MaskDetector } from '../../src/biometrics/capture/mask-detector.ts';
import { createFaceEngine, createFaceTracker } from '../../src/biometrics/engine.node.ts';
import type { FaceEngine } from '../../src/biometrics/engine.ts';
import { EngineStartupError } from '../../src/biometrics/errors.ts';
import { decodeImage } from '../../src/biometrics/image-decode.node.ts';
import type { FaceSessionOptions, FaceSessionUpdate } from '../../src/biometrics/face-session.ts';
import {
  defaultFaceSessionTuning,
  FaceSession,
  framingPrompt,
  inProbePose,
} from '../../src/biometrics/face-session.ts';
import type { FaceTracker } from '../../src/biometrics/face-tracker.ts';
import type { RgbImage } from '../../src/biometrics/image.ts';
import { challengeKinds } from '../../src/biometrics/liveness/active/challenge.ts';
import { loadPassiveTextureDetector } from '../../src/biometrics/liveness/passive-texture.node.ts';
import type { PassiveTextureDetector } from '../../src/biometrics/liveness/passive-texture.ts';
import type { AttackMotion } from '../../src/biometrics/replay/attack-clips.node.ts';
import { makeAttackClip } from '../../src/biometrics/replay/attack-clips.node.ts';
import { openFrameSource } from '../../src/biometrics/replay/frame-source.node.ts';
import { measurePose } from '../../src/biometrics/quality.ts';
import { AssertionError } from '../../src/shared/assert.ts';
import { seededRandom } from '../../src/shared/seeded-random.ts';
import { modelsDir, sharedData } from './face-helpers.ts';

const width = 360;
const height = 288;
const talkingFps = 24;
/** talking-face.mp4's first blink is at about 7 s (frame ~167); no 3-D head motion before it. */
const talkingFrames = 190;

function talkingFace(): RgbImage[] {
  const frameBytes = width * height * 3;
  const raw = execFileSync(
    'ffmpeg',
    [
      ...['-v', 'error', '-i', path.join(sharedData, 'video', 'talking-face.mp4')],
      ...['-frames:v', String(talkingFrames), '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'],
    ],
    { maxBuffer: frameBytes * talkingFrames + 1024 },
  );
  expect(raw.length).toBe(frameBytes * talkingFrames);
  return Array.from({ length: talkingFrames }, (_, i) => ({
    width,
    height,
    data: new Uint8Array(raw.buffer, raw.byteOffset + i * frameBytes, frameBytes),
  }));
}

/** The kiosk camera's frames: `video` at 15 fps from `startS` (a side x side clip, or talking-face). */
function cameraFrames(
  video: string,
  options: { startS: number; durationS: number; width: number; height: number },
): RgbImage[] {
  const frameBytes = options.width * options.height * 3;
  const raw = execFileSync(
    'ffmpeg',
    [
      ...['-v', 'error', '-ss', String(options.startS), '-i', video],
      ...['-t', String(options.durationS), '-vf', `fps=${cameraFps}`],
      ...['-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'],
    ],
    { maxBuffer: frameBytes * cameraFps * (options.durationS + 1) },
  );
  expect(raw.length % frameBytes).toBe(0);
  return Array.from({ length: raw.length / frameBytes }, (_, i) => ({
    width: options.width,
    height: options.height,
    data: new Uint8Array(raw.buffer, raw.byteOffset + i * frameBytes, frameBytes),
  }));
}

const cameraFps = 15;

/**
 * The frames the kiosk's worker reads from a camera looping `camera` (as Chromium's fake camera
 * loops its clip): it takes the newest frame whenever it is free, so about `fps` a second, each gap
 * 0.6-1.4 times the mean. Each frame comes with its timestamp.
 */
function kioskReads(
  camera: readonly RgbImage[],
  options: { fps: number; seconds: number; seed: number },
): { image: RgbImage; timestampMs: number }[] {
  const random = seededRandom(options.seed);
  const reads: { image: RgbImage; timestampMs: number }[] = [];
  for (let t = 20 + 40 * random(); t < options.seconds * 1000;) {
    const image = camera[Math.floor((t * cameraFps) / 1000) % camera.length] as RgbImage;
    reads.push({ image, timestampMs: t });
    t += (1000 / options.fps) * (0.6 + 0.8 * random());
  }
  return reads;
}

const grey: RgbImage = { width, height, data: new Uint8Array(width * height * 3).fill(128) };

let tracker: FaceTracker;
let engine: FaceEngine;
let passive: PassiveTextureDetector;
let mask: MaskDetector;
let frames: RgbImage[];
let matchThreshold: number;

beforeAll(async () => {
  [tracker, engine, passive, mask] = await Promise.all([
    createFaceTracker(),
    createFaceEngine(),
    loadPassiveTextureDetector({ modelsDir }),
    loadMaskDetector({ modelsDir }),
  ]);
  frames = talkingFace();
  const thresholds = JSON.parse(
    await readFile(path.join(modelsDir, 'thresholds.json'), 'utf8'),
  ) as { threshold: number; modelId: string };
  expect(thresholds.modelId).toBe(tracker.modelId);
  matchThreshold = thresholds.threshold;
}, 120_000);
afterAll(() => {
  tracker.dispose();
  engine.dispose();
});

function session(options: Partial<FaceSessionOptions> = {}): FaceSession {
  const made = new FaceSession(tracker, {
    policy: 'natural',
    passive,
    mask,
    random: seededRandom(3),
    timeLimitMs: 15_000,
    ...options,
  });
  made.reset();
  return made;
}

async function runReads(
  run: FaceSession,
  reads: readonly { image: RgbImage; timestampMs: number }[],
): Promise<{ final: FaceSessionUpdate | null; updates: FaceSessionUpdate[] }> {
  const updates: FaceSessionUpdate[] = [];
  for (const read of reads) {
    const update = await run.push(read.image, read.timestampMs);
    updates.push(update);
    if (update.kind !== 'reading') return { final: update, updates };
  }
  return { final: null, updates };
}

async function runUntilFinished(
  run: FaceSession,
  images: readonly RgbImage[],
  fps: number,
): Promise<{ final: FaceSessionUpdate; readings: FaceSessionUpdate[]; pushed: number }> {
  const readings: FaceSessionUpdate[] = [];
  for (const [i, image] of images.entries()) {
    const update = await run.push(image, (i * 1000) / fps);
    if (update.kind !== 'reading') return { final: update, readings, pushed: i + 1 };
    readings.push(update);
  }
  throw new Error(`the session had not finished after ${images.length} frames`);
}

describe('face session on talking-face.mp4', () => {
  it('decides live as soon as a blink is seen, with a descriptor of the same person, leaking no tensor', async () => {
    const before = tf.memory().numTensors;
    const { final, readings, pushed } = await runUntilFinished(session(), frames, talkingFps);
    expect(tf.memory().numTensors).toBe(before);
    if (final.kind !== 'decided') throw new Error(`refused: ${JSON.stringify(final)}`);
    expect(pushed).toBeLessThanOrEqual(talkingFrames);
    expect(final.framesUsed).toBe(pushed);
    expect(final.sinceFirstFaceMs).toBeCloseTo(((pushed - 1) * 1000) / talkingFps, 6);
    expect(final.liveness.passed).toBe(true);
    expect(final.liveness.checks).toContain('passive_texture_live');
    expect(final.liveness.checks.some((c) => c === 'blink' || c === '3d_motion')).toBe(true);
    expect(final.decision.live).toBe(true);
    expect(final.modelId).toBe(tracker.modelId);
    expect(final.descriptorFrames).toBeGreaterThanOrEqual(
      defaultFaceSessionTuning.descriptorFramesMin,
    );
    let norm = 0;
    for (const v of final.descriptor) norm += v * v;
    expect(Math.sqrt(norm)).toBeCloseTo(1, 5);

    // The per-frame engine reads the same person from the frame the session decided on.
    const perFrame = await engine.processFrame(frames[pushed - 1] as RgbImage);
    if (!perFrame.ok) throw new Error(`per-frame engine: ${perFrame.reason}`);
    expect(cosineSimilarity(final.descriptor, perFrame.descriptor)).toBeGreaterThan(matchThreshold);

    // No life sign yet at the first good frame: the shopper is asked to blink from it on.
    const prompts = readings.map((r) => (r.kind === 'reading' ? r.prompt : 'finished'));
    const firstGood = readings.findIndex((r) => r.kind === 'reading' && r.quality === 'ok');
    expect(firstGood).toBeGreaterThanOrEqual(0);
    expect(prompts.indexOf('blink')).toBe(firstGood);
    // pad-texture-v3 scores this clip near its threshold: once its median has settled in the
    // uncertain band the challenge is asked (a recording does not answer it), and the blink decides
    // when the median is live again. Nothing else is prompted on these clean frontal frames.
    const challengePrompts = ['look_at_camera', 'blink', 'turn_left', 'turn_right'];
    expect(prompts.every((p) => p === null || challengePrompts.includes(p))).toBe(true);
    expect(prompts.slice(0, firstGood).every((p) => p === null)).toBe(true);
    const progress = readings.map((r) => (r.kind === 'reading' ? r.progress : 1));
    expect(progress.every((p, i) => p >= (progress[i - 1] ?? 0) && p < 1)).toBe(true);
  }, 60_000);

  it('says how much of its time was the wait for the blink alone: most of it when the blink is late, little when it is not', async () => {
    const late = await runUntilFinished(session(), frames, talkingFps);
    if (late.final.kind !== 'decided') throw new Error(`refused: ${JSON.stringify(late.final)}`);
    expect(late.final.liveness.checks).toContain('blink');
    // The blink comes ~7 s in; live passive scores and agreeing descriptors were there long before.
    expect(late.final.motionWaitMs).toBeGreaterThan(late.final.sinceFirstFaceMs / 2);
    expect(late.final.motionWaitMs).toBeLessThan(late.final.sinceFirstFaceMs);
    // The same blink 0.7 s after the first face: the session was still gathering the rest.
    const soon = await runUntilFinished(session(), frames.slice(150), talkingFps);
    if (soon.final.kind !== 'decided') throw new Error(`refused: ${JSON.stringify(soon.final)}`);
    expect(soon.final.liveness.checks).toContain('blink');
    expect(soon.final.motionWaitMs).toBeLessThan(soon.final.sinceFirstFaceMs / 2);
  }, 60_000);

  it('refuses when the time runs out, then asserts on push until reset', async () => {
    const run = session({ timeLimitMs: 500 });
    const updates: FaceSessionUpdate[] = [];
    for (const [i, t] of [0, 200, 400, 700].entries())
      updates.push(await run.push(frames[i] as RgbImage, t));
    const last = updates.at(-1);
    if (last?.kind !== 'refused') throw new Error(`expected a refusal, got ${last?.kind}`);
    expect(updates.slice(0, 3).every((u) => u.kind === 'reading')).toBe(true);
    expect(last.reasons).toContain('timeout');
    expect(last.reasons).toContain('passive_too_few_frames');
    expect(last.sinceFirstFaceMs).toBe(700);
    await expect(run.push(frames[4] as RgbImage, 800)).rejects.toThrow(AssertionError);
    run.reset();
    const next = await run.push(frames[5] as RgbImage, 900);
    expect(next.kind).toBe('reading');
  });

  it('under the challenge policy, settles on a frontal face, then prompts the first challenge', async () => {
    const run = session({ policy: 'challenge' });
    const [first] = run.challenges;
    expect(run.challenges).toHaveLength(defaultFaceSessionTuning.challenge.count);
    const prompts: (string | null)[] = [];
    for (const [i, image] of frames.slice(0, 30).entries()) {
      const update = await run.push(image, (i * 1000) / talkingFps);
      if (update.kind !== 'reading') throw new Error(`finished: ${JSON.stringify(update)}`);
      prompts.push(update.prompt);
      if (update.prompt !== null && challengeKinds.includes(update.prompt as never)) break;
    }
    expect(prompts[0]).toBe('look_at_camera');
    expect(prompts.at(-1)).toBe(first);
  });
});

describe('face session guidance and failures', () => {
  it('no face: look at the camera, and the time limit does not run', async () => {
    const run = session({ timeLimitMs: 100 });
    for (const t of [0, 500, 1000]) {
      const update = await run.push(grey, t);
      expect(update).toMatchObject({
        kind: 'reading',
        prompt: 'look_at_camera',
        face: null,
        quality: 'no_face',
        progress: 0,
      });
    }
  });

  it('a non-finite passive score refuses at once (fail closed)', async () => {
    const broken: PassiveTextureDetector = {
      ...passive,
      score: (crop) => ({ ...passive.score(crop), score: Number.NaN }),
    };
    const update = await session({ passive: broken }).push(frames[0] as RgbImage, 0);
    if (update.kind !== 'refused') throw new Error(`expected a refusal, got ${update.kind}`);
    expect(update.reasons).toContain('passive_invalid_score');
  });

  it('no passive model, no session', () => {
    const options = { policy: 'natural', random: Math.random, timeLimitMs: 1000, passive: null };
    expect(() => new FaceSession(tracker, options as unknown as FaceSessionOptions)).toThrow(
      EngineStartupError,
    );
  });

  it('no mask detector, no session', () => {
    const options = {
      policy: 'natural',
      random: Math.random,
      timeLimitMs: 1000,
      passive,
      mask: null,
    };
    expect(() => new FaceSession(tracker, options as unknown as FaceSessionOptions)).toThrow(
      EngineStartupError,
    );
  });

  it('framing: a face filling the frame is asked back, one at the edge to the centre', () => {
    const frame = { width: 640, height: 480 };
    const box = (x: number, y: number, side: number) => ({ x, y, width: side, height: side });
    expect(framingPrompt(box(220, 140, 200), frame, defaultFaceSessionTuning)).toBeNull();
    expect(framingPrompt(box(100, 20, 420), frame, defaultFaceSessionTuning)).toBe('move_back');
    expect(framingPrompt(box(0, 140, 150), frame, defaultFaceSessionTuning)).toBe('center_face');
  });
});

describe('face session: eyes closed and masks are no template', () => {
  it("a blink's closed frame counts for liveness but not as a template; open frames do", async () => {
    const run = session();
    const quality: string[] = [];
    for (const [i, image] of frames.slice(0, 166).entries()) {
      const update = await run.push(image, (i * 1000) / talkingFps);
      if (update.kind !== 'reading') throw new Error(`finished at ${i}: ${update.kind}`);
      quality.push(update.quality);
    }
    // Frame 165 is the blink's deepest (capture-checks.test.ts); every frame before the blink is a template.
    // Frame 165 is the blink's deepest (capture-checks.test.ts). A few frames where he talks looking
    // down read as narrow as it (eyes-closed.ts) and are left out too; the rest are templates.
    expect(quality[165]).toBe('eyes_closed');
    expect(quality.filter((q) => q === 'ok').length).toBeGreaterThanOrEqual(0.9 * quality.length);
    expect(quality.every((q) => q === 'ok' || q === 'eyes_closed')).toBe(true);
  }, 60_000);

  it('eyes held shut: no template, and after a second the prompt is to open them', async () => {
    const run = session();
    // Open eyes just before the blink, then its closed frame held (frame 165 again and again).
    const reads: { image: RgbImage; timestampMs: number }[] = frames
      .slice(156, 164)
      .map((image, i) => ({ image, timestampMs: i * 40 }));
    for (const t of [400, 800, 1200, 1450, 1700])
      reads.push({ image: frames[165] as RgbImage, timestampMs: t });
    const { final, updates } = await runReads(run, reads);
    expect(final).toBeNull();
    expect(updates.slice(0, 8).every((u) => u.kind === 'reading' && u.quality === 'ok')).toBe(true);
    const closed = updates.slice(8);
    expect(closed.map((u) => (u.kind === 'reading' ? u.quality : u.kind))).toEqual(
      Array(5).fill('eyes_closed'),
    );
    const prompts = closed.map((u) => (u.kind === 'reading' ? u.prompt : u.kind));
    expect(prompts.slice(0, 3)).not.toContain('open_eyes');
    expect(prompts.slice(3)).toEqual(['open_eyes', 'open_eyes']);
  }, 60_000);

  /** A phone selfie of mask_positions at a webcam's size. */
  async function selfie(n: number): Promise<RgbImage> {
    const file = path.join(sharedData, 'faces2', 'mask_6014f71f', `${n}.jpg`);
    const sharp = (await import('sharp')).default;
    return decodeImage(
      await sharp(await readFile(file))
        .resize({ width: 480 })
        .png()
        .toBuffer(),
    );
  }

  it('a mask on: no template, and the prompt is to remove it; the same person bare is not asked', async () => {
    const times = [0, 100, 200, 300, 400];
    const masked = await selfie(1);
    const withMask = await runReads(
      session(),
      times.map((timestampMs) => ({ image: masked, timestampMs })),
    );
    expect(withMask.final).toBeNull();
    expect(withMask.updates.map((u) => (u.kind === 'reading' ? u.quality : u.kind))).toEqual(
      Array(times.length).fill('masked'),
    );
    expect(withMask.updates.at(-1)).toMatchObject({ kind: 'reading', prompt: 'remove_mask' });

    const bare = await selfie(4);
    const without = await runReads(
      session(),
      times.map((timestampMs) => ({ image: bare, timestampMs })),
    );
    expect(without.updates.map((u) => (u.kind === 'reading' ? u.quality : u.kind))).toEqual(
      Array(times.length).fill('ok'),
    );
    expect(without.updates.some((u) => u.kind === 'reading' && u.prompt === 'remove_mask')).toBe(
      false,
    );
  }, 60_000);
});

describe('face session against a printed photo moved in front of the camera', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'face-session-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('is refused, never decided', async () => {
    const clip = path.join(dir, 'print-pan-zoom.mp4');
    const photo = path.join(sharedData, 'spoof', 'print', 'nuaa_0003_01_00_01_6.jpg');
    await makeAttackClip({
      photo,
      output: clip,
      motion: 'pan-zoom',
      frames: 75,
      framesPerSecond: 25,
      side: 480,
    });
    const source = await openFrameSource(clip, { folderFps: 25 });
    const images: RgbImage[] = [];
    for await (const frame of source.frames()) images.push(frame.image);
    const before = tf.memory().numTensors;
    const { final } = await runUntilFinished(session({ timeLimitMs: 2500 }), images, 25);
    expect(tf.memory().numTensors).toBe(before);
    if (final.kind !== 'refused') throw new Error(`a printed photo was decided live`);
    expect(final.reasons.some((r) => r === 'passive_attack' || r === 'timeout')).toBe(true);
    expect(final.reasons).toContain('no_blink');
  }, 60_000);
});

describe('face session on a live webcam clip of a person the passive model never saw (issue 7)', () => {
  // selfie_61dc1abd-8.mp4: a live woman at a webcam; pad-texture-v2 called her an attack and the kiosk
  // refused her (passive_attack) every time. Her passive median is now uncertain: the session asks
  // for the challenge (which a live shopper answers and this recording cannot) instead of refusing.
  it('asks for the challenge instead of refusing her as an attack', async () => {
    const clip = path.join(sharedData, 'video', 'webcam', 'selfie_61dc1abd-8.mp4');
    const images = cameraFrames(clip, { startS: 0, durationS: 5, width: 640, height: 360 });
    expect(images.length).toBeGreaterThan(60);
    const run = session();
    const { final } = await runReads(
      run,
      images.map((image, i) => ({ image, timestampMs: (i * 1000) / cameraFps })),
    );
    expect(final?.kind).not.toBe('decided');
    if (final?.kind === 'refused') expect(final.reasons).not.toContain('passive_attack');
    // Under the natural policy the challenge exists only once it has been asked.
    expect(run.challenges.length).toBeGreaterThan(0);
  }, 60_000);
});

describe('face session at the kiosk’s frame rates (5-10 a second, irregular)', () => {
  let dir: string;
  const photoCamera = new Map<AttackMotion, RgbImage[]>();
  let liveCamera: RgbImage[];
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'face-session-kiosk-'));
    // The e2e's printed photo: a still of the enrolled man, panned and zoomed (a 6 s clip, looped: where
    // it loops, the photo steps back in zoom and pan between two frames) or turned like a card.
    const still = path.join(dir, 'still.jpg');
    execFileSync('ffmpeg', [
      ...['-v', 'error', '-ss', '0.25', '-i', path.join(sharedData, 'video', 'talking-face.mp4')],
      ...['-frames:v', '1', still],
    ]);
    for (const motion of ['pan-zoom', 'card-turn'] as const) {
      const clip = path.join(dir, `photo-${motion}.mp4`);
      await makeAttackClip({
        photo: still,
        output: clip,
        motion,
        frames: 150,
        framesPerSecond: cameraFps,
        side: 480,
      });
      const frames = cameraFrames(clip, { startS: 0, durationS: 10, width: 480, height: 480 });
      photoCamera.set(motion, frames);
    }
    // talking-face blinks at 47.0 s (lids shut 47.04-47.12 s, head still: seen frame by frame), its first
    // blink after 45 s, and again at 48.0-48.2 s as the head drops (the 68-point reading saw only that).
    liveCamera = cameraFrames(path.join(sharedData, 'video', 'talking-face.mp4'), {
      startS: 45,
      durationS: 6,
      width,
      height,
    });
  }, 60_000);
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  // Before the blink detector asked for a steady face, these read as blinks and were decided live: the
  // tracker misreads the photo for one frame where the clip loops (6.1 s) or the card swings fastest.
  it.each([
    { motion: 'pan-zoom', fps: 6, seed: 2, seconds: 7 },
    { motion: 'card-turn', fps: 8, seed: 2, seconds: 4 },
  ] as const)(
    'a photo moved ($motion) and read at ~$fps fps is not decided live',
    async (rate) => {
      const camera = photoCamera.get(rate.motion) ?? [];
      const reads = kioskReads(camera, rate);
      const before = tf.memory().numTensors;
      const { final } = await runReads(session(), reads);
      expect(tf.memory().numTensors).toBe(before);
      expect(final?.kind).not.toBe('decided');
    },
    60_000,
  );

  it('live talking-face read at ~8 fps still decides on its blink', async () => {
    const reads = kioskReads(liveCamera, { fps: 8, seconds: 6, seed: 2 });
    const { final } = await runReads(session(), reads);
    if (final?.kind !== 'decided') throw new Error(`not decided: ${JSON.stringify(final)}`);
    expect(final.liveness.checks).toEqual(['passive_texture_live', 'blink']);
    // The blink at 47.0 s of the video, 2.0 s into the session, read by the face mesh + iris lids; the
    // 68-point reading missed it and decided on the next one, 3.4 s in.
    expect(final.sinceFirstFaceMs).toBeGreaterThan(2000);
    expect(final.sinceFirstFaceMs).toBeLessThan(3000);
  }, 60_000);

  it('describing only the frames that need it decides as describing every frame does, a frame later at most', async () => {
    const reads = kioskReads(liveCamera, { fps: 8, seconds: 6, seed: 2 });
    const everyFrame = { ...defaultFaceSessionTuning, describeEveryFrames: 1 };
    const skipping = await runReads(session(), reads);
    const all = await runReads(session({ tuning: everyFrame }), reads);
    if (skipping.final?.kind !== 'decided' || all.final?.kind !== 'decided')
      throw new Error('both should decide');
    // The blink completes on a frame read without its descriptor: the next one is described and decides.
    expect(skipping.final.framesUsed - all.final.framesUsed).toBeGreaterThanOrEqual(0);
    expect(skipping.final.framesUsed - all.final.framesUsed).toBeLessThanOrEqual(1);
    expect(skipping.final.liveness.checks).toEqual(all.final.liveness.checks);
    expect(skipping.final.descriptorFrames).toBe(defaultFaceSessionTuning.descriptorFramesMax);
    expect(cosineSimilarity(skipping.final.descriptor, all.final.descriptor)).toBeGreaterThan(
      matchThreshold,
    );
    const described = (updates: FaceSessionUpdate[]): number =>
      updates.filter((u) => u.kind !== 'refused' && u.timingsMs.describe > 0).length;
    // After the first descriptorFramesMax frames, about one frame in describeEveryFrames.
    const { descriptorFramesMax, describeEveryFrames } = defaultFaceSessionTuning;
    const frames = all.updates.length;
    expect(described(all.updates)).toBe(frames);
    // A frame turned away from the camera is described but never fused (probePose): each one read
    // leaves the session short of agreeing descriptors and asks for the next.
    const turned = skipping.updates.filter(
      (u) =>
        u.kind === 'reading' &&
        u.face !== null &&
        !inProbePose(measurePose(u.face.landmarks), defaultFaceSessionTuning.probePose),
    ).length;
    expect(described(skipping.updates)).toBeLessThanOrEqual(
      descriptorFramesMax + Math.ceil(frames / describeEveryFrames) + turned,
    );
    // Fewer than every frame (13 of 19 here: the session decides 2.4 s in, mostly on its first six).
    expect(described(skipping.updates)).toBeLessThan(described(all.updates));
  }, 60_000);
});

describe('face session on a head turning back to the camera, read at the camera’s full 15 fps', () => {
  // live-05: she faces the camera for 3 s (enrolled here), then turns her head to the side and back and
  // looks up (the camera's loop, as the station e2e shows her). Her 3-D motion is seen as she comes back;
  // the three frames read then (nose at 0.09-0.31 of the jaw's width) fused to a probe of 0.945-0.955
  // against her enrolment's templates (threshold 0.9639) from 11 of 12 starts before probePose; here,
  // with every sixth enrolment frame as templates, the first start's old probe scored 0.962.
  it('fuses only frames facing the camera: the probe matches her own enrolment from every start', async () => {
    const video = path.join(sharedData, 'video', 'live', 'live-05.mov');
    const size = { width: 360, height: 480 };
    const enrolled: Float32Array[] = [];
    for (const image of cameraFrames(video, { startS: 0, durationS: 3.2, ...size }).filter(
      (_, i) => i % 6 === 0,
    )) {
      const read = await engine.processFrame(image);
      if (read.ok) enrolled.push(read.descriptor);
    }
    expect(enrolled.length).toBeGreaterThanOrEqual(5);
    const camera = cameraFrames(video, { startS: 3.2, durationS: 4.4, ...size });
    const scores: number[] = [];
    for (let start = 0; start < camera.length; start += 6) {
      const looped = [...camera.slice(start), ...camera, ...camera];
      const { final } = await runUntilFinished(session(), looped, cameraFps);
      if (final.kind !== 'decided') throw new Error(`not decided: ${JSON.stringify(final)}`);
      expect(final.liveness.checks).toContain('3d_motion');
      scores.push(Math.max(...enrolled.map((t) => cosineSimilarity(t, final.descriptor))));
    }
    expect(scores).toHaveLength(Math.ceil(camera.length / 6));
    for (const score of scores) expect(score).toBeGreaterThanOrEqual(matchThreshold);
  }, 120_000);
});
