// The kiosk's tracking loop on consecutive frames of a real recording: the detector runs only at
// the start and on schedule, every frame is decision-ready, the descriptors agree with the per-frame
// engine, and no tensor is left behind.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { createFaceEngine, createFaceTracker } from '../../src/biometrics/engine.node.ts';
import type { FaceEngine } from '../../src/biometrics/engine.ts';
import type { FaceTracker } from '../../src/biometrics/face-tracker.ts';
import type { RgbImage } from '../../src/biometrics/image.ts';
import { sharedData } from './face-helpers.ts';

const width = 360;
const height = 288;
const frameCount = 30;

function videoFrames(): RgbImage[] {
  const raw = execFileSync(
    'ffmpeg',
    [
      '-v',
      'error',
      '-i',
      path.join(sharedData, 'video', 'talking-face.mp4'),
      '-frames:v',
      String(frameCount),
      '-f',
      'rawvideo',
      '-pix_fmt',
      'rgb24',
      '-',
    ],
    { maxBuffer: width * height * 3 * frameCount + 1024 },
  );
  const frameBytes = width * height * 3;
  expect(raw.length).toBe(frameBytes * frameCount);
  return Array.from({ length: frameCount }, (_, i) => ({
    width,
    height,
    data: new Uint8Array(raw.buffer, raw.byteOffset + i * frameBytes, frameBytes),
  }));
}

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += (a[i] ?? 0) * (b[i] ?? 0);
  return dot;
}

let tracker: FaceTracker;
let engine: FaceEngine;
beforeAll(async () => {
  tracker = await createFaceTracker({
    tracker: { redetectEveryFrames: 24, sizeRatioMax: 1.3, centreShiftMax: 0.25 },
  });
  engine = await createFaceEngine();
}, 120_000);
afterAll(() => engine.dispose());

describe('face tracker', () => {
  it('detects at the start and on schedule, keeps every frame ready, leaks no tensor', async () => {
    const frames = videoFrames();
    const before = tf.memory().numTensors;
    const results = [];
    for (const frame of frames) results.push(await tracker.process(frame));
    expect(tf.memory().numTensors).toBe(before);
    expect(results.every((r) => r.ready)).toBe(true);
    const detectorRuns = results.map((r, i) => (r.detected ? i : -1)).filter((i) => i >= 0);
    expect(detectorRuns).toEqual([0, 24]);
    expect(tracker.backend).toBe(engine.backend);

    const perFrame = await engine.processFrame(frames[10] as RgbImage);
    expect(perFrame.ok).toBe(true);
    const tracked = results[10]?.descriptor;
    if (!perFrame.ok || tracked == null) throw new Error('frame 10 must be ready in both loops');
    expect(cosine(tracked, perFrame.descriptor)).toBeGreaterThan(0.98);
  });

  it('reset forgets the tracked face: the next frame runs the detector', async () => {
    const frames = videoFrames().slice(0, 3);
    const first = await tracker.process(frames[0] as RgbImage);
    const second = await tracker.process(frames[1] as RgbImage);
    expect(second.detected).toBe(false);
    tracker.reset();
    const third = await tracker.process(frames[2] as RgbImage);
    expect([first.ready, second.ready, third.ready]).toEqual([true, true, true]);
    expect(third.detected).toBe(true);
  });
});
