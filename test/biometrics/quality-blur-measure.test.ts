// The gate's `blurred` check reads blur, not face size or exposure (issue 8): real webcam faces scaled to
// the sizes a kiosk camera gives, and darkened, are not refused as blurred; defocused copies are, at each size.

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFaceEngine } from '../../src/biometrics/engine.node.ts';
import type { FaceEngine, FrameResult } from '../../src/biometrics/engine.ts';
import { decodeImage } from '../../src/biometrics/image-decode.node.ts';
import { sharedData } from './face-helpers.ts';

let engine: FaceEngine;

beforeAll(async () => {
  engine = await createFaceEngine();
});

afterAll(() => {
  engine.dispose();
});

// A webcam photo of faces2, a frame of a webcam clip (video/webcam/selfie_61dc1abd-8.mp4, in faces2) and
// a nuaa webcam crop (its defocused copies are refused too, but as turned_away: the landmarks disagree).
const photos = [
  { photo: 'faces2/selfie_61dc1abd/6.jpg', defocus: true },
  { photo: 'faces2/selfie_61dc1abd/8.jpg', defocus: true },
  { photo: 'faces/nuaa_client_0001/1.jpg', defocus: false },
];
// Face box widths: the 400x300 webcam frames (90-130 px) and a face further away.
const faceWidths = [110, 60];
/** A defocus of 4% of the face's width (4.4 px at 110, 2.4 px at 60), applied to the source photo. */
const blurOfFaceWidth = 0.04;

async function run(bytes: Buffer): Promise<FrameResult> {
  return engine.processFrame(await decodeImage(bytes));
}

/** The photo scaled so the detected face box is `width` px wide, and its frame width. */
async function scaledTo(
  bytes: Buffer,
  width: number,
): Promise<{ scaled: Buffer; frameWidth: number; faceWidth: number }> {
  const original = await run(bytes);
  if (!original.ok) throw new Error(`the original photo is refused: ${original.reason}`);
  const faceWidth = original.face.box.width;
  const meta = await sharp(bytes).metadata();
  const frameWidth = Math.round((meta.width ?? 0) * (width / faceWidth));
  return { scaled: await sharp(bytes).resize(frameWidth).png().toBuffer(), frameWidth, faceWidth };
}

describe.each(photos)('$photo', ({ photo, defocus }) => {
  describe.each(faceWidths)('with its face %i px wide', (width) => {
    it('is read, not refused as blurred', async () => {
      const bytes = await readFile(path.join(sharedData, photo));
      const { scaled } = await scaledTo(bytes, width);
      const result = await run(scaled);
      expect(result.ok ? 'ok' : result.reason).toBe('ok');
      if (result.ok) expect(result.face.box.width).toBeGreaterThan(width * 0.8);
    });

    it('darkened to a chip luma of about 45 is not refused as blurred', async () => {
      const bytes = await readFile(path.join(sharedData, photo));
      const { scaled } = await scaledTo(bytes, width);
      const sharpRead = await run(scaled);
      if (!sharpRead.ok) throw new Error(`refused: ${sharpRead.reason}`);
      const luma = sharpRead.face.photometrics?.lumaMean ?? Number.NaN;
      const dark = await sharp(scaled)
        .linear(45 / luma, 0)
        .png()
        .toBuffer();
      const result = await run(dark);
      expect(result.ok ? 'ok' : result.reason).toBe('ok');
      const darkLuma = result.ok ? (result.face.photometrics?.lumaMean ?? Number.NaN) : Number.NaN;
      expect(darkLuma).toBeGreaterThan(38);
      expect(darkLuma).toBeLessThan(55);
    });

    // Only where the defocused copy reaches the blur check at all (not the nuaa crop: see above).
    if (!defocus) return;
    it('defocused on the source photo (Gaussian, 4% of the face width) is refused as blurred', async () => {
      const bytes = await readFile(path.join(sharedData, photo));
      const { frameWidth, faceWidth } = await scaledTo(bytes, width);
      const blurred = await sharp(
        await sharp(bytes)
          .blur(blurOfFaceWidth * faceWidth)
          .png()
          .toBuffer(),
      )
        .resize(frameWidth)
        .png()
        .toBuffer();
      const result = await run(blurred);
      expect(result.ok ? 'ok' : result.reason).toBe('blurred');
    });
  });
});
