// The kiosk's tracking loop never reads a frame with a second face in it as decision-ready: the
// per-frame engine refuses such a frame as multiple_faces, and so must the tracker on the frames
// between its scheduled re-detections.

import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFaceEngine, createFaceTracker } from '../../src/biometrics/engine.node.ts';
import type { FaceEngine } from '../../src/biometrics/engine.ts';
import type { FaceTracker } from '../../src/biometrics/face-tracker.ts';
import type { RgbImage } from '../../src/biometrics/image.ts';
import { decodeSharp, sharedData } from './face-helpers.ts';

let engine: FaceEngine;
let tracker: FaceTracker;
let one: RgbImage;
let two: RgbImage;

beforeAll(async () => {
  engine = await createFaceEngine();
  tracker = await createFaceTracker();
  // One person at the kiosk (640 x 360), and the same frame with another person's face beside her.
  const base = await sharp(path.join(sharedData, 'faces2', 'selfie_61db413b', '1.jpg'))
    .resize({ width: 640 })
    .png()
    .toBuffer();
  const other = await sharp(path.join(sharedData, 'faces', 'nuaa_client_0001', '1.jpg'))
    .resize({ width: 180 })
    .png()
    .toBuffer();
  one = await decodeSharp(sharp(base));
  two = await decodeSharp(sharp(base).composite([{ input: other, left: 20, top: 60 }]));
}, 120_000);

afterAll(() => {
  engine.dispose();
  tracker.dispose();
});

describe('face tracker with a second face', () => {
  it('the per-frame engine reads one face, and refuses the frame with two as multiple_faces', async () => {
    expect((await engine.processFrame(one)).ok).toBe(true);
    const both = await engine.processFrame(two);
    expect(both.ok ? 'ok' : both.reason).toBe('multiple_faces');
  });

  it('gives no ready frame and no descriptor while two faces are in view, between re-detections too', async () => {
    tracker.reset();
    const sequence = [one, one, two, two, two, two, two, two];
    const results = [];
    for (const frame of sequence) results.push(await tracker.process(frame));
    expect(results[0]?.ready).toBe(true);
    expect(results[1]?.ready).toBe(true);
    const withTwo = results.slice(2);
    expect(withTwo.map((result) => result.ready)).toEqual(withTwo.map(() => false));
    expect(withTwo.map((result) => result.descriptor)).toEqual(withTwo.map(() => null));
    expect(withTwo.map((result) => result.reason)).toEqual(withTwo.map(() => 'multiple_faces'));
    // Back to one face: ready again.
    expect((await tracker.process(one)).ready).toBe(true);
  });
});
