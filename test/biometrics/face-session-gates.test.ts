// The face session reports its decision's gates frame by frame (FaceSession.gates, read by
// scripts/session-gates.ts): on a recorded clip, no frame it read on had every gate held, and the frame it
// decided on had all of them.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadMaskDetector } from '../../src/biometrics/capture/mask-detector.node.ts';
import type { MaskDetector } from '../../src/biometrics/capture/mask-detector.ts';
import { createFaceTracker } from '../../src/biometrics/engine.node.ts';
import type { FaceSessionGates } from '../../src/biometrics/face-session.ts';
import { defaultFaceSessionTuning, FaceSession } from '../../src/biometrics/face-session.ts';
import type { FaceTracker } from '../../src/biometrics/face-tracker.ts';
import type { RgbImage } from '../../src/biometrics/image.ts';
import { loadPassiveTextureDetector } from '../../src/biometrics/liveness/passive-texture.node.ts';
import type { PassiveTextureDetector } from '../../src/biometrics/liveness/passive-texture.ts';
import { seededRandom } from '../../src/shared/seeded-random.ts';
import { modelsDir, sharedData } from './face-helpers.ts';

const width = 360;
const height = 288;
/** talking-face.mp4 from 49 s (within bench:e2e's camera window): a blink about 1.1 s in. */
const fromS = 49;
const frameCount = 60;

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
      ...[
        '-i',
        path.join(sharedData, 'video', 'talking-face.mp4'),
        '-vf',
        `scale=${width}:${height}`,
      ],
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

function allHeld(gates: FaceSessionGates): boolean {
  const tuning = defaultFaceSessionTuning;
  return (
    gates.face &&
    gates.passiveFrames >= tuning.natural.passiveFramesMin &&
    gates.passiveBand === 'live' &&
    gates.naturalMotion &&
    gates.agreeingFrames >= tuning.descriptorFramesMin &&
    gates.probeFrame &&
    gates.live &&
    gates.reasons.length === 0
  );
}

it('reads on frames with a gate short and decides on the first frame with all held', async () => {
  const session = new FaceSession(tracker, {
    policy: 'natural',
    passive,
    mask,
    random: seededRandom(1),
    timeLimitMs: 15_000,
  });
  expect(session.gates).toBeNull();
  const readOn: FaceSessionGates[] = [];
  let decidedOn: FaceSessionGates | null = null;
  for (const [i, frame] of frames.entries()) {
    const update = await session.push(frame, (i + 1) * 40);
    const gates = session.gates;
    expect(gates).not.toBeNull();
    if (gates === null) return;
    if (update.kind === 'decided') {
      decidedOn = gates;
      break;
    }
    expect(update.kind).toBe('reading');
    readOn.push(gates);
  }
  expect(decidedOn).not.toBeNull();
  if (decidedOn === null) return;
  expect(allHeld(decidedOn)).toBe(true);
  expect(readOn.length).toBeGreaterThanOrEqual(defaultFaceSessionTuning.natural.passiveFramesMin);
  expect(readOn.filter(allHeld)).toEqual([]);
  // Passive frames and agreeing descriptors were there before the end: the last frames waited on the rest.
  expect(readOn.at(-1)?.passiveFrames).toBeGreaterThanOrEqual(
    defaultFaceSessionTuning.natural.passiveFramesMin,
  );
}, 300_000);
