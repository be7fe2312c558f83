// The capture checks on real photos and frames of ../shared/data: the mask detector flags masked faces
// (over nose and mouth, or the mouth only) and passes bare ones (a mask under the chin included), an
// altered model file is refused, and the eyes-closed check refuses talking-face.mp4's blink frame only.
//
// The photos below are in the detector's fitting set (scripts/calibrate-mask.ts prints its
// out-of-sample rates); here they show the shipped model and its wiring read them the right way round.
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EyesClosedCheck } from '../../../src/biometrics/capture/eyes-closed.ts';
import { maskDetectorEntry } from '../../../src/biometrics/capture/mask-detector.entry.ts';
import { loadMaskDetector } from '../../../src/biometrics/capture/mask-detector.node.ts';
import type { MaskDetector } from '../../../src/biometrics/capture/mask-detector.ts';
import { parseMaskModel } from '../../../src/biometrics/capture/mask-detector.ts';
import { createFaceEngine } from '../../../src/biometrics/engine.node.ts';
import type { FaceEngine } from '../../../src/biometrics/engine.ts';
import { EngineStartupError } from '../../../src/biometrics/errors.ts';
import type { Point } from '../../../src/biometrics/geometry.ts';
import { decodeImage } from '../../../src/biometrics/image-decode.node.ts';
import type { RgbImage } from '../../../src/biometrics/image.ts';
import { modelsDir, sharedData } from '../face-helpers.ts';

let engine: FaceEngine;
let mask: MaskDetector;

beforeAll(async () => {
  [engine, mask] = await Promise.all([createFaceEngine(), loadMaskDetector({ modelsDir })]);
}, 120_000);
afterAll(() => engine.dispose());

async function landmarksOf(image: RgbImage): Promise<Point[]> {
  const result = await engine.processFrame(image, { describe: false });
  if (!result.ok) throw new Error(`the engine did not read the face: ${result.reason}`);
  return result.face.landmarks;
}

async function maskProbability(relative: string): Promise<number> {
  const image = await decodeImage(await readFile(path.join(sharedData, relative)));
  const reading = mask.check(image, await landmarksOf(image));
  if (reading === null) throw new Error(`${relative}: face outside the frame`);
  expect(reading.masked).toBe(reading.probability >= mask.threshold);
  return reading.probability;
}

describe('mask detector', () => {
  it('flags masks over the nose and mouth or the mouth alone (a phone selfie, an mfr2 photo)', async () => {
    for (const masked of [
      'faces2/mask_6014f71f/1.jpg', // mask_full
      'faces2/mask_6014f71f/2.jpg', // mask_mouth
      'faces/mfr2_AdrianDunbar/3.jpg', // surgical_blue
      'faces/mfr2_LadyGaga/3.jpg', // surgical_white
    ])
      expect(await maskProbability(masked), masked).toBeGreaterThanOrEqual(mask.threshold);
  }, 60_000);

  it('passes the same people bare, and a mask pulled under the chin', async () => {
    for (const bare of [
      'faces2/mask_6014f71f/4.jpg', // no-mask
      'faces2/mask_6014f71f/3.jpg', // mask_chin
      'faces/mfr2_AdrianDunbar/2.jpg', // no-mask
      'faces/mfr2_AdrianDunbar/4.jpg', // no-mask
    ])
      expect(await maskProbability(bare), bare).toBeLessThan(mask.threshold);
  }, 60_000);

  it('refuses a model file whose bytes are not the ones fitted (fail closed)', async () => {
    const bytes = new Uint8Array(await readFile(path.join(modelsDir, maskDetectorEntry.file)));
    await expect(parseMaskModel(bytes, maskDetectorEntry)).resolves.toMatchObject({
      threshold: mask.threshold,
    });
    const altered = bytes.slice();
    altered[altered.length - 3] = altered[altered.length - 3] === 0x31 ? 0x32 : 0x31;
    await expect(parseMaskModel(altered, maskDetectorEntry)).rejects.toThrow(EngineStartupError);
  });
});

describe('eyes closed', () => {
  /** talking-face.mp4 frames 150-189: open eyes, then the first blink (frames 164-167, deepest 165). */
  function talkingFrames(first: number, count: number): RgbImage[] {
    const [width, height] = [360, 288];
    const bytes = width * height * 3;
    const raw = execFileSync(
      'ffmpeg',
      [
        ...['-v', 'error', '-i', path.join(sharedData, 'video', 'talking-face.mp4')],
        ...['-vf', `select=gte(n\\,${first})`, '-vsync', '0', '-frames:v', String(count)],
        ...['-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'],
      ],
      { maxBuffer: bytes * count + 1024 },
    );
    expect(raw.length).toBe(bytes * count);
    return Array.from({ length: count }, (_, i) => ({
      width,
      height,
      data: new Uint8Array(raw.buffer, raw.byteOffset + i * bytes, bytes),
    }));
  }

  it("refuses the blink's closed frame and no open one", async () => {
    const first = 150;
    const check = new EyesClosedCheck();
    const closed: number[] = [];
    for (const [i, image] of talkingFrames(first, 30).entries())
      if (check.push(await landmarksOf(image), (i * 1000) / 24)) closed.push(first + i);
    expect(closed).toContain(165);
    expect(closed.every((frame) => frame >= 164 && frame <= 167)).toBe(true);
  }, 60_000);
});
