// The face session says how long it waited on a challenge it asked and needed: talking-face.mp4's passive
// median settles short of live, the natural policy asks a challenge the recording never answers, and the
// session waits until the median is live again; that wait (from the median's uncertain band on) is
// reported apart from the blink wait.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMaskDetector } from '../../src/biometrics/capture/mask-detector.node.ts';
import type { MaskDetector, MaskResult } from '../../src/biometrics/capture/mask-detector.ts';
import { createFaceTracker } from '../../src/biometrics/engine.node.ts';
import type { FaceSessionEngine, FaceSessionUpdate } from '../../src/biometrics/face-session.ts';
import { FaceSession } from '../../src/biometrics/face-session.ts';
import type { FaceTracker } from '../../src/biometrics/face-tracker.ts';
import type { RgbImage } from '../../src/biometrics/image.ts';
import { challengeKinds } from '../../src/shared/challenge-kinds.ts';
import { loadPassiveTextureDetector } from '../../src/biometrics/liveness/passive-texture.node.ts';
import type {
  PassiveTextureDetector,
  PassiveTextureResult,
} from '../../src/biometrics/liveness/passive-texture.ts';
import { seededRandom } from '../../src/shared/seeded-random.ts';
import { modelsDir, sharedData } from './face-helpers.ts';

const width = 360;
const height = 288;
const fps = 24;
/** talking-face.mp4's first blink is at about 7 s (frame ~167). */
const frameCount = 190;

let tracker: FaceTracker;
let passive: PassiveTextureDetector;
let mask: MaskDetector;
let frames: RgbImage[];

beforeAll(async () => {
  [tracker, passive, mask] = await Promise.all([
    createFaceTracker(),
    loadPassiveTextureDetector({ modelsDir }),
    loadMaskDetector({ modelsDir }),
  ]);
  const frameBytes = width * height * 3;
  const raw = execFileSync(
    'ffmpeg',
    [
      ...['-v', 'error', '-i', path.join(sharedData, 'video', 'talking-face.mp4')],
      ...['-frames:v', String(frameCount), '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'],
    ],
    { maxBuffer: frameBytes * frameCount + 1024 },
  );
  expect(raw.length).toBe(frameBytes * frameCount);
  frames = Array.from({ length: frameCount }, (_, i) => ({
    width,
    height,
    data: new Uint8Array(raw.buffer, raw.byteOffset + i * frameBytes, frameBytes),
  }));
}, 120_000);
afterAll(() => {
  tracker.dispose();
});

/** The parts the session reads each frame with. */
interface Parts {
  engine: FaceSessionEngine;
  passive: PassiveTextureDetector;
  mask: MaskDetector;
}

/** What the real parts answered on one frame (the session asks them in push order, one frame at a time). */
interface FrameAnswers {
  describe: boolean;
  result: Awaited<ReturnType<FaceTracker['processFrame']>>;
  passive: PassiveTextureResult[];
  mask: (MaskResult | null)[];
}

/** The real parts, each answer kept by the index of the frame being pushed (`frameAt`). */
function recordingParts(frameAt: { index: number }, answers: FrameAnswers[]): Parts {
  return {
    engine: {
      backend: tracker.backend,
      modelId: tracker.modelId,
      reset: () => tracker.reset(),
      processFrame: async (image: RgbImage, options?: { describe: boolean }) => {
        const result = await tracker.processFrame(image, options ?? { describe: true });
        answers[frameAt.index] = {
          describe: options?.describe ?? true,
          result,
          passive: [],
          mask: [],
        };
        return result;
      },
    } as FaceSessionEngine,
    passive: {
      modelId: passive.modelId,
      threshold: passive.threshold,
      refuseBelow: passive.refuseBelow,
      cropScale: passive.cropScale,
      spec: passive.spec,
      score: (crop) => {
        const answer = passive.score(crop);
        answers[frameAt.index]!.passive.push(answer);
        return answer;
      },
    },
    mask: {
      modelId: mask.modelId,
      threshold: mask.threshold,
      check: (image, landmarks) => {
        const answer = mask.check(image, landmarks);
        answers[frameAt.index]!.mask.push(answer);
        return answer;
      },
    },
  };
}

/**
 * The recorded answers given again, so the session's own logic can be run on other timestamps without
 * reading the frames again; throws if the session asks anything the recorded run did not.
 */
function replayParts(frameAt: { index: number }, recorded: readonly FrameAnswers[]): Parts {
  const left = recorded.map((a) => ({ ...a, passive: [...a.passive], mask: [...a.mask] }));
  const answersAt = () => {
    const answers = left[frameAt.index];
    if (answers === undefined) throw new Error(`frame ${frameAt.index} was not read when recorded`);
    return answers;
  };
  const next = <T>(queue: T[]): T => {
    if (queue.length === 0)
      throw new Error(`frame ${frameAt.index}: asked more than when recorded`);
    return queue.shift() as T;
  };
  return {
    engine: {
      backend: tracker.backend,
      modelId: tracker.modelId,
      reset: () => undefined,
      processFrame: (_image: RgbImage, options?: { describe: boolean }) => {
        const answers = answersAt();
        if ((options?.describe ?? true) !== answers.describe)
          throw new Error(`frame ${frameAt.index}: describe asked otherwise than when recorded`);
        return Promise.resolve(answers.result);
      },
    } as FaceSessionEngine,
    passive: { ...recordingParts(frameAt, []).passive, score: () => next(answersAt().passive) },
    mask: { ...recordingParts(frameAt, []).mask, check: () => next(answersAt().mask) },
  };
}

interface Run {
  final: FaceSessionUpdate | null;
  prompts: (string | null)[];
  /** The first frame at which the session had asked a challenge (null: never). */
  askedAt: number | null;
}

/** The session on `images` at `timestamps` (24 fps unless given) until it finishes. */
async function run(
  images: readonly RgbImage[],
  parts: Parts = { engine: tracker, passive, mask },
  frameAt = { index: 0 },
  timestamps: readonly number[] = images.map((_, i) => (i * 1000) / fps),
): Promise<Run> {
  const session = new FaceSession(parts.engine, {
    policy: 'natural',
    passive: parts.passive,
    mask: parts.mask,
    random: seededRandom(3),
    timeLimitMs: 15_000,
  });
  session.reset();
  const prompts: (string | null)[] = [];
  let askedAt: number | null = null;
  for (const [i, image] of images.entries()) {
    frameAt.index = i;
    const update = await session.push(image, timestamps[i]!);
    if (askedAt === null && session.challenges.length > 0) askedAt = i;
    if (update.kind !== 'reading') return { final: update, prompts, askedAt };
    prompts.push(update.prompt);
  }
  return { final: null, prompts, askedAt };
}

/** The moves a challenge asks (a blink prompt is also the natural policy's own). */
const moves: readonly string[] = challengeKinds.filter((kind) => kind !== 'blink');

/** A decided run's two waits. */
function waitsOf(result: Run): { motion: number; challenge: number; framesUsed: number } {
  if (result.final?.kind !== 'decided')
    throw new Error(`not decided: ${JSON.stringify(result.final)}`);
  const { motionWaitMs, challengeWaitMs, framesUsed } = result.final;
  return { motion: motionWaitMs, challenge: challengeWaitMs, framesUsed };
}

/**
 * Which waits counted each frame interval (from frame j to j + 1): the session run again once per interval
 * with that interval alone stretched by `stretchMs`; a wait that grows by it counted the interval. The
 * frames are read once (the real tracker, passive model and mask detector), then their answers replayed.
 */
async function waitsByInterval(images: readonly RgbImage[]): Promise<{
  base: Run;
  intervals: { motion: boolean; challenge: boolean; ms: number }[];
}> {
  const frameAt = { index: 0 };
  const recorded: FrameAnswers[] = [];
  const base = await run(images, recordingParts(frameAt, recorded), frameAt);
  const baseWaits = waitsOf(base);
  const times = images.map((_, i) => (i * 1000) / fps);
  // The replay itself changes nothing: the same waits at the same frame.
  expect(waitsOf(await run(images, replayParts(frameAt, recorded), frameAt, times))).toEqual(
    baseWaits,
  );
  const stretchMs = 0.25;
  const intervals = [];
  for (let j = 0; j + 1 < baseWaits.framesUsed; j += 1) {
    const stretched = times.map((t, i) => (i > j ? t + stretchMs : t));
    const waits = waitsOf(await run(images, replayParts(frameAt, recorded), frameAt, stretched));
    expect(waits.framesUsed).toBe(baseWaits.framesUsed);
    const grew = (now: number, before: number) => {
      const by = (now - before) / stretchMs;
      expect(Math.abs(by - Math.round(by))).toBeLessThan(1e-6);
      expect([0, 1]).toContain(Math.round(by));
      return Math.round(by) === 1;
    };
    intervals.push({
      motion: grew(waits.motion, baseWaits.motion),
      challenge: grew(waits.challenge, baseWaits.challenge),
      ms: times[j + 1]! - times[j]!,
    });
  }
  return { base, intervals };
}

/**
 * From frame 74 (3.1 s) a fresh session's passive median is uncertain from its first frames: the
 * challenge is needed at once but asked only once the median has settled (passiveRefuseFramesMin frames).
 * From frame 0 the median is live until frame 74 and the challenge is asked on the frame it turns.
 */
const uncertainFromFrame = 74;

/** Each read once, for every case below. */
const byInterval: Partial<Record<'whole' | 'fromUncertain', ReturnType<typeof waitsByInterval>>> =
  {};
const whole = () => (byInterval.whole ??= waitsByInterval(frames));
const fromUncertain = () =>
  (byInterval.fromUncertain ??= waitsByInterval(frames.slice(uncertainFromFrame)));

describe('face session challenge wait', () => {
  it('reports the wait on a challenge asked for an uncertain passive median, apart from the blink wait', async () => {
    const { final, prompts } = (await whole()).base;
    if (final?.kind !== 'decided') throw new Error(`not decided: ${JSON.stringify(final)}`);
    // The median settled uncertain, so a move was asked; the recording never made it, and the session
    // decided on its blink once the median was live again.
    expect(prompts.some((prompt) => moves.includes(prompt ?? ''))).toBe(true);
    expect(final.liveness.checks).toContain('blink');
    expect(final.liveness.checks).not.toContain('challenge_passed');
    expect(final.challengeWaitMs).toBeGreaterThan(0);
    expect(final.motionWaitMs).toBeGreaterThan(0);
    // Counted between frames, and never overlapping the blink wait: together within the session's time.
    expect(final.challengeWaitMs / (1000 / fps)).toBeCloseTo(
      Math.round(final.challengeWaitMs / (1000 / fps)),
      6,
    );
    expect(final.motionWaitMs + final.challengeWaitMs).toBeLessThanOrEqual(final.sinceFirstFaceMs);
  }, 300_000);

  it('counts no frame interval in both waits, and each wait is the intervals it counted', async () => {
    for (const [name, read] of [
      ['whole', whole],
      ['fromUncertain', fromUncertain],
    ] as const) {
      const { base, intervals } = await read();
      const waits = waitsOf(base);
      expect({
        name,
        both: intervals.flatMap((i, j) => (i.motion && i.challenge ? [j] : [])),
      }).toEqual({ name, both: [] });
      const sum = (pick: (i: (typeof intervals)[number]) => boolean) =>
        intervals.reduce((total, interval) => total + (pick(interval) ? interval.ms : 0), 0);
      expect(sum((i) => i.motion)).toBeCloseTo(waits.motion, 6);
      expect(sum((i) => i.challenge)).toBeCloseTo(waits.challenge, 6);
      expect(intervals.some((i) => i.challenge)).toBe(true);
    }
  }, 300_000);

  it('counts the frames before the challenge is asked, while the uncertain median settles (active_missing)', async () => {
    const { base, intervals } = await fromUncertain();
    // Asked once the uncertain median has settled; on the frames before, the session already needed it
    // and waited on it (active_missing, the passive band uncertain)...
    expect(base.askedAt).not.toBeNull();
    expect(base.askedAt).toBeGreaterThan(0);
    expect(intervals.slice(0, base.askedAt!).filter((i) => i.challenge).length).toBeGreaterThan(0);
    // ...and after, until the median was live again (active_incomplete).
    expect(intervals.slice(base.askedAt!).some((i) => i.challenge)).toBe(true);
    expect(base.prompts.some((prompt) => moves.includes(prompt ?? ''))).toBe(true);
  }, 300_000);
});
