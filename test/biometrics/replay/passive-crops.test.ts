// Training crops for the passive detector from a recording: evenly spread frames, cropped as the replay
// pipeline crops what it scores, and the split's guard that keeps test recordings out of training.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFaceEngine } from '../../../src/biometrics/engine.node.ts';
import type { FaceEngine } from '../../../src/biometrics/engine.ts';
import { assertTrainableRecording } from '../../../src/biometrics/liveness/pad-split.ts';
import { passiveCropsFromRecording } from '../../../src/biometrics/replay/passive-crops.node.ts';

const run = promisify(execFile);
const repoRoot = path.resolve(import.meta.dirname, '../../..');
const dataRoot = path.resolve(repoRoot, '../shared/data');

describe('passiveCropsFromRecording', () => {
  let dir: string;
  let clip: string;
  let engine: FaceEngine;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'passive-crops-'));
    clip = path.join(dir, 'talking.mp4');
    // Two seconds of the talking-face recording (360x288, 24 fps): 48 frames.
    const source = path.join(dataRoot, 'video/talking-face.mp4');
    await run('ffmpeg', ['-v', 'error', '-y', '-nostdin', '-i', source, '-t', '2', '-an', clip]);
    engine = await createFaceEngine();
  });
  afterAll(async () => {
    engine.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it('reads the asked number of evenly spread frames and crops the face of each', async () => {
    const result = await passiveCropsFromRecording(clip, engine, 6);
    expect(result.framesRead).toBe(6);
    expect(result.crops).toHaveLength(6);
    for (const crop of result.crops) {
      // A face crop (1.2 x the detector's box), not the whole 360x288 frame, and not a sliver.
      expect(crop.width).toBeGreaterThanOrEqual(32);
      expect(crop.width).toBeLessThan(288);
      expect(Math.abs(crop.width - crop.height)).toBeLessThanOrEqual(crop.width / 2);
      expect(crop.data).toHaveLength(crop.width * crop.height * 3);
    }
  });

  it('refuses a count that is not a positive integer', async () => {
    await expect(passiveCropsFromRecording(clip, engine, 0)).rejects.toThrow(/positive integer/);
  });
});

describe('assertTrainableRecording', () => {
  it('refuses the live and replay test recordings', () => {
    expect(() => assertTrainableRecording(`${dataRoot}/video/live/live-01.mov`, dataRoot)).toThrow(
      /test recording/,
    );
    expect(() =>
      assertTrainableRecording(`${dataRoot}/video/replay/replay-01.mp4`, dataRoot),
    ).toThrow(/test recording/);
  });

  it('accepts other recordings', () => {
    expect(() =>
      assertTrainableRecording(`${dataRoot}/video/talking-face.mp4`, dataRoot),
    ).not.toThrow();
    expect(() => assertTrainableRecording('/srv/kiosk-camera/live-7.mp4', dataRoot)).not.toThrow();
  });
});
