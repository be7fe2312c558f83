// The face session says how long it waited on a challenge it asked and needed: talking-face.mp4's passive
// median settles short of live, the natural policy asks a challenge the recording never answers, and the
// session waits until the median is live again; that wait (from the median's uncertain band on) is
// reported apart from the blink wait.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMaskDetector } from '../../src/biometrics/capture/mask-detector.node.ts';
import type { MaskDetector } from '../../src/biometrics/capture/mask-detector.ts';
import { createFaceTracker } from '../../src/biometrics/engine.node.ts';
import type { FaceSessionUpdate } from '../../src/biometrics/face-session.ts';
import { FaceSession } from '../../src/biometrics/face-session.ts';
import type { FaceTracker } from '../../src/biometrics/face-tracker.ts';
import type { RgbImage } from '../../src/biometrics/image.ts';
import { challengeKinds } from '../../src/shared/challenge-kinds.ts';
import { loadPassiveTextureDetector } from '../../src/biometrics/liveness/passive-texture.node.ts';
import type { PassiveTextureDetector } from '../../src/biometrics/liveness/passive-texture.ts';
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

/** The session on `images` at 24 fps until it finishes, with the prompts it showed until then. */
async function run(images: readonly RgbImage[]): Promise<{
  final: FaceSessionUpdate | null;
  prompts: (string | null)[];
}> {
  const session = new FaceSession(tracker, {
    policy: 'natural',
    passive,
    mask,
    random: seededRandom(3),
    timeLimitMs: 15_000,
  });
  session.reset();
  const prompts: (string | null)[] = [];
  for (const [i, image] of images.entries()) {
    const update = await session.push(image, (i * 1000) / fps);
    if (update.kind !== 'reading') return { final: update, prompts };
    prompts.push(update.prompt);
  }
  return { final: null, prompts };
}

/** The moves a challenge asks (a blink prompt is also the natural policy's own). */
const moves: readonly string[] = challengeKinds.filter((kind) => kind !== 'blink');

describe('face session challenge wait', () => {
  it('reports the wait on a challenge asked for an uncertain passive median, apart from the blink wait', async () => {
    const { final, prompts } = await run(frames);
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
  }, 120_000);
});
