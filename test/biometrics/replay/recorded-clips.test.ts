// The replay frame source on recordings as people make them: a browser's MediaRecorder file (no
// duration, no frame rate, jittered times), a variable-rate phone clip with a rotation tag, the webcam clips.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openFrameSource } from '../../../src/biometrics/replay/frame-source.node.ts';
import type { ReplayFrame } from '../../../src/biometrics/replay/pipeline.ts';
import { sharedData } from '../face-helpers.ts';
import {
  decodedFrameTimesMs,
  ffprobeJson,
  makeMediaRecorderClip,
  makePhoneClip,
  makeTrimmedClip,
} from './recorded-clip-makers.ts';

async function allFrames(file: string): Promise<ReplayFrame[]> {
  const source = await openFrameSource(file, { folderFps: 10 });
  const frames: ReplayFrame[] = [];
  for await (const frame of source.frames()) frames.push(frame);
  expect(frames).toHaveLength(source.sourceFrames);
  return frames;
}

function expectIncreasing(frames: readonly ReplayFrame[]): void {
  const times = frames.map((f) => f.timestampMs);
  expect(times.slice(1).every((t, i) => t > (times[i] ?? Infinity))).toBe(true);
}

describe('recordings as people make them', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'recorded-clips-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads a MediaRecorder-style webm (vp8 + opus, no duration, guessed rate) at its frames’ own times', async () => {
    const clip = await makeMediaRecorderClip(dir);
    const info = await ffprobeJson(clip, ['-show_streams', '-show_format']);
    const video = (info['streams'] as { codec_type: string; r_frame_rate: string }[]).find(
      (s) => s.codec_type === 'video',
    );
    // What the harness used to refuse: no duration anywhere, and a rate that is a guess.
    expect((info['format'] as { duration?: string }).duration).toBeUndefined();
    expect(video?.r_frame_rate).not.toBe('15/1');

    const frames = await allFrames(clip);
    const decoded = await decodedFrameTimesMs(clip);
    expect(decoded).toHaveLength(45);
    expect(frames).toHaveLength(45);
    expectIncreasing(frames);
    frames.forEach((frame, k) => expect(frame.timestampMs).toBeCloseTo(decoded[k] ?? NaN, 3));
    expect(frames[0]?.image).toMatchObject({ width: 320, height: 240 });
  });

  it('reads a variable-rate phone clip with a rotation tag upright, every frame at its own time', async () => {
    const clip = await makePhoneClip(dir);
    const info = await ffprobeJson(clip, ['-select_streams', 'v:0', '-show_streams']);
    const [stream] = info['streams'] as { side_data_list?: { rotation?: number }[] }[];
    expect(Math.abs(stream?.side_data_list?.[0]?.rotation ?? 0)).toBe(90);

    const source = await openFrameSource(clip, { folderFps: 10 });
    expect({ width: source.width, height: source.height }).toEqual({ width: 240, height: 320 });
    const frames = await allFrames(clip);
    const decoded = await decodedFrameTimesMs(clip);
    expect(decoded).toHaveLength(30);
    expect(frames).toHaveLength(30);
    expectIncreasing(frames);
    frames.forEach((frame, k) => expect(frame.timestampMs).toBeCloseTo(decoded[k] ?? NaN, 3));
    // Upright as the phone showed it: the coded top edge is on the left, the picture is portrait.
    for (const { image } of frames) {
      expect(image).toMatchObject({ width: 240, height: 320 });
      const columnMean = (x: number): number => {
        let sum = 0;
        for (let y = 0; y < image.height; y++) sum += image.data[(y * image.width + x) * 3] ?? 0;
        return sum / image.height;
      };
      expect(columnMean(10)).toBeGreaterThan(200);
      expect(columnMean(image.width - 10)).toBeLessThan(80);
      expect(image.data[(10 * image.width + 120) * 3]).toBeLessThan(80); // not along the top
    }
  });

  it('reads a trimmed clip from its first shown frame: frames an edit list hides are not counted', async () => {
    const clip = await makeTrimmedClip(dir);
    const packets = await ffprobeJson(clip, ['-select_streams', 'v:0', '-show_packets']);
    const decoded = await decodedFrameTimesMs(clip);
    // The file holds the 90 frames, of which the 60 after the cut are shown.
    expect(packets['packets']).toHaveLength(90);
    expect(decoded).toHaveLength(60);
    const frames = await allFrames(clip);
    expect(frames).toHaveLength(60);
    expectIncreasing(frames);
    frames.forEach((frame, k) => expect(frame.timestampMs).toBeCloseTo(decoded[k] ?? NaN, 3));
  });

  it('reads the webcam .webm clips of ../shared/data (sound first, no duration)', async () => {
    for (const [name, count] of [
      ['selfie_61dc1b5f-8.webm', 59],
      ['selfie_61dc1b75-8.webm', 76],
    ] as const) {
      const frames = await allFrames(path.join(sharedData, 'video', 'webcam', name));
      expect(frames).toHaveLength(count);
      expectIncreasing(frames);
      expect(frames[0]?.image).toMatchObject({ width: 1280, height: 720 });
    }
  });
});
