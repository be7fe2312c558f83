// Chromium's fake camera fed from recordings as people make them: a MediaRecorder webm (no duration,
// guessed rate) and a rotation-tagged phone clip become .y4m clips and enrolment stills the right way up.
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cameraClip,
  EmptyCameraClipError,
  extractFrames,
} from '../../scripts/kiosk/camera-clip.ts';
import { makeMediaRecorderClip, makePhoneClip } from '../biometrics/replay/recorded-clip-makers.ts';

interface Y4m {
  width: number;
  height: number;
  /** The luma plane of each frame. */
  frames: Buffer[];
}

function parseY4m(file: Buffer): Y4m {
  const headerEnd = file.indexOf(0x0a);
  const header = file.subarray(0, headerEnd).toString('latin1');
  const width = Number(/ W(\d+)/.exec(header)?.[1]);
  const height = Number(/ H(\d+)/.exec(header)?.[1]);
  expect(header).toMatch(/ C420/);
  const frames: Buffer[] = [];
  let at = headerEnd + 1;
  while (at < file.length) {
    expect(file.subarray(at, at + 5).toString('latin1')).toBe('FRAME');
    at = file.indexOf(0x0a, at) + 1;
    frames.push(file.subarray(at, at + width * height));
    at += (width * height * 3) / 2;
  }
  return { width, height, frames };
}

describe('camera clips from recorded files', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'camera-clip-recordings-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('turns a MediaRecorder webm into a 15 fps camera clip and stills', async () => {
    const video = await makeMediaRecorderClip(dir);
    const output = path.join(dir, 'mediarecorder.y4m');
    await cameraClip({ video, output, durationS: 2, fps: 15 });
    const y4m = parseY4m(await readFile(output));
    expect({ width: y4m.width, height: y4m.height }).toEqual({ width: 320, height: 240 });
    expect(y4m.frames).toHaveLength(30);
    const stills = await extractFrames({ video, startS: 0.5, durationS: 2, count: 3 });
    try {
      expect(stills.files).toHaveLength(3);
    } finally {
      await stills.dispose();
    }
  });

  it('leaves no frames folder behind when ffmpeg cannot read the video', async () => {
    const video = path.join(dir, 'not-a-video.mp4');
    await writeFile(video, 'this is text, not a video');
    const tempRoot = await mkdtemp(path.join(dir, 'frames-root-'));
    await expect(
      extractFrames({ video, startS: 0, durationS: 1, count: 2, tempRoot }),
    ).rejects.toThrow();
    expect(await readdir(tempRoot)).toEqual([]);
  });

  it('says the video is too short, instead of giving Chromium an empty camera, when the window starts past its end', async () => {
    const video = await makeMediaRecorderClip(dir);
    const output = path.join(dir, 'past-the-end.y4m');
    await expect(cameraClip({ video, output, startS: 8, durationS: 2 })).rejects.toThrow(
      EmptyCameraClipError,
    );
    await expect(cameraClip({ video, output, startS: 8, durationS: 2 })).rejects.toThrow(
      /no frame from 8 s on/,
    );
  });

  it('turns a rotation-tagged phone clip into an upright camera clip', async () => {
    const video = await makePhoneClip(dir);
    const output = path.join(dir, 'phone.y4m');
    await cameraClip({ video, output, durationS: 1, fps: 15 });
    const y4m = parseY4m(await readFile(output));
    expect({ width: y4m.width, height: y4m.height }).toEqual({ width: 240, height: 320 });
    expect(y4m.frames).toHaveLength(15);
    for (const luma of y4m.frames) {
      // The coded top band is on the left once turned as the phone showed it.
      expect(luma[160 * y4m.width + 10]).toBeGreaterThan(200);
      expect(luma[160 * y4m.width + 230]).toBeLessThan(80);
    }
  });
});
