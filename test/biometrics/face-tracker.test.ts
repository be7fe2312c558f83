// The kiosk's tracking loop on consecutive frames of a real recording: the detector runs only at
// the start and on schedule, every frame is decision-ready, the descriptors agree with the per-frame
// engine, a frame read without its descriptor is otherwise read the same, and no tensor is left behind.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { cosineSimilarity } from '../../src/biometrics/calibration/scores.ts';
import { createFaceEngine, createFaceTracker } from '../../src/biometrics/engine.node.ts';
import type { FaceEngine } from '../../src/biometrics/engine.ts';
import type { FaceTracker } from '../../src/biometrics/face-tracker.ts';
import type { RgbImage } from '../../src/biometrics/image.ts';
import { openFrameSource } from '../../src/biometrics/replay/frame-source.node.ts';
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
    // The face mesh + iris lids were read on every frame (their tensors are in the count above).
    expect(results.every((r) => r.face?.eyes !== null && r.face?.eyes !== undefined)).toBe(true);
    expect(results.every((r) => (r.face?.eyes?.ear ?? 0) > 0.1)).toBe(true);
    const detectorRuns = results.map((r, i) => (r.detected ? i : -1)).filter((i) => i >= 0);
    expect(detectorRuns).toEqual([0, 24]);
    expect(tracker.backend).toBe(engine.backend);

    // Between detections the tracked face keeps the size the per-frame engine sees (no drift).
    for (const i of [5, 12, 20, 23, 29]) {
      const reference = await engine.processFrame(frames[i] as RgbImage);
      const trackedBox = results[i]?.face?.box;
      if (reference.face === null || trackedBox === undefined)
        throw new Error(`frame ${i}: no face`);
      expect(trackedBox.width / reference.face.box.width).toBeGreaterThan(0.85);
      expect(trackedBox.width / reference.face.box.width).toBeLessThan(1.18);
    }

    const perFrame = await engine.processFrame(frames[10] as RgbImage);
    expect(perFrame.ok).toBe(true);
    const tracked = results[10]?.descriptor;
    if (!perFrame.ok || tracked == null) throw new Error('frame 10 must be ready in both loops');
    expect(cosineSimilarity(tracked, perFrame.descriptor)).toBeGreaterThan(0.98);
  });

  it('without a descriptor asked for: the same landmarks and quality verdict, no describe stage', async () => {
    const frames = videoFrames().slice(0, 8);
    const described = [];
    tracker.reset();
    for (const frame of frames) described.push(await tracker.processFrame(frame));
    tracker.reset();
    const before = tf.memory().numTensors;
    const undescribed = [];
    for (const frame of frames)
      undescribed.push(await tracker.processFrame(frame, { describe: false }));
    expect(tf.memory().numTensors).toBe(before);
    for (const [i, result] of undescribed.entries()) {
      expect(result.ok).toBe(described[i]?.ok);
      expect(result.ok && result.descriptor).toBeNull();
      expect(result.timingsMs.describe).toBe(0);
      expect(result.face?.landmarks).toEqual(described[i]?.face?.landmarks);
      expect(result.face?.photometrics).toEqual(described[i]?.face?.photometrics);
    }
    const engineUndescribed = await engine.processFrame(frames[0] as RgbImage, { describe: false });
    expect(engineUndescribed).toMatchObject({ ok: true, descriptor: null });
    expect(engineUndescribed.timingsMs.describe).toBe(0);
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

  it('follows a person stepping closer: the tracked box keeps the size the engine sees', async () => {
    // live-05.mov, frames 186-215: the face grows by about 40% (engine box 120 -> 175 px).
    const source = await openFrameSource(path.join(sharedData, 'video', 'live', 'live-05.mov'), {
      folderFps: 25,
    });
    const frames: RgbImage[] = [];
    for await (const frame of source.frames()) {
      if (frame.index >= 186 && frame.index < 216) frames.push(frame.image);
      if (frame.index >= 216) break;
    }
    expect(frames).toHaveLength(30);
    const kiosk = await createFaceTracker();
    try {
      for (const frame of frames) {
        const tracked = await kiosk.process(frame);
        const reference = await engine.processFrame(frame);
        if (tracked.face === null || reference.face === null) continue;
        const ratio = tracked.face.box.width / reference.face.box.width;
        expect(ratio).toBeGreaterThan(0.8);
        expect(ratio).toBeLessThan(1.25);
      }
    } finally {
      kiosk.dispose();
    }
  });
});
