// FaceSession.gates speaks only of the latest frame: a frame refused at the decision reports its own gates,
// and one that stopped before the decision (the time limit, a reset) none, never the frame before's.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadMaskDetector } from '../../src/biometrics/capture/mask-detector.node.ts';
import type { MaskDetector } from '../../src/biometrics/capture/mask-detector.ts';
import { createFaceTracker } from '../../src/biometrics/engine.node.ts';
import type { FaceSessionOptions } from '../../src/biometrics/face-session.ts';
import { FaceSession } from '../../src/biometrics/face-session.ts';
import type { FaceTracker } from '../../src/biometrics/face-tracker.ts';
import type { RgbImage } from '../../src/biometrics/image.ts';
import { loadPassiveTextureDetector } from '../../src/biometrics/liveness/passive-texture.node.ts';
import type { PassiveTextureDetector } from '../../src/biometrics/liveness/passive-texture.ts';
import { seededRandom } from '../../src/shared/seeded-random.ts';
import { modelsDir, sharedData } from './face-helpers.ts';

const width = 360;
const height = 288;
/** talking-face.mp4 from 49 s: a frontal face on every frame. */
const fromS = 49;
const frameCount = 6;
const frameMs = 40;

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
      ...['-v', 'error', '-ss', String(fromS)],
      ...['-i', path.join(sharedData, 'video', 'talking-face.mp4')],
      ...['-vf', `scale=${width}:${height}`, '-frames:v', String(frameCount)],
      ...['-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'],
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

function session(options: Partial<FaceSessionOptions> = {}): FaceSession {
  tracker.reset();
  return new FaceSession(tracker, {
    policy: 'natural',
    passive,
    mask,
    random: seededRandom(1),
    timeLimitMs: 15_000,
    ...options,
  });
}

function frame(i: number): RgbImage {
  const image = frames[i];
  if (image === undefined) throw new Error(`no frame ${String(i)}`);
  return image;
}

it('a frame refused at the decision reports its own gates', async () => {
  // The shipped passive model, with its score lost from the fourth frame on: that frame is refused.
  let scored = 0;
  const failing: PassiveTextureDetector = {
    ...passive,
    score: (crop) => {
      scored += 1;
      const score = passive.score(crop);
      return scored >= 4 ? { ...score, score: Number.NaN } : score;
    },
  };
  const faceSession = session({ passive: failing });
  for (let i = 0; i < 3; i++) {
    const update = await faceSession.push(frame(i), (i + 1) * frameMs);
    expect(update.kind).toBe('reading');
    expect(faceSession.gates?.reasons).not.toContain('passive_invalid_score');
  }
  const refused = await faceSession.push(frame(3), 4 * frameMs);
  if (refused.kind !== 'refused') throw new Error(`expected a refusal, got ${refused.kind}`);
  expect(refused.reasons).toContain('passive_invalid_score');
  const gates = faceSession.gates;
  expect(gates?.reasons).toEqual(refused.decision?.reasons);
  expect(gates?.passiveFrames).toBe(refused.decision?.scores.passiveFrames);
  expect(gates?.live).toBe(false);
}, 120_000);

it('a frame past the time limit, and a reset session, report no gates', async () => {
  const faceSession = session({ timeLimitMs: 3 * frameMs });
  for (let i = 0; i < 4; i++) {
    const update = await faceSession.push(frame(i), (i + 1) * frameMs);
    expect(update.kind).toBe('reading');
    expect(faceSession.gates?.face).toBe(true);
  }
  // The first face at 40 ms, this frame at 200 ms: past the 120 ms limit, refused before the engine.
  const late = await faceSession.push(frame(4), 5 * frameMs);
  if (late.kind !== 'refused') throw new Error(`expected a refusal, got ${late.kind}`);
  expect(late.reasons).toContain('timeout');
  expect(faceSession.gates).toBeNull();
  faceSession.reset();
  expect(faceSession.gates).toBeNull();
  await faceSession.push(frame(5), 6 * frameMs);
  expect(faceSession.gates?.face).toBe(true);
}, 120_000);
