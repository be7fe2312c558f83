// The replay frame source on recordings as people make them: a browser's MediaRecorder file (no
// duration, no frame rate, jittered times), a variable-rate phone clip with a rotation tag, the webcam clips.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openFrameSource } from '../../../src/biometrics/replay/frame-source.node.ts';
import type { ReplayFrame } from '../../../src/biometrics/replay/pipeline.ts';
import { sharedData } from '../face-helpers.ts';

const run = promisify(execFile);

async function ffmpeg(args: string[]): Promise<void> {
  await run('ffmpeg', ['-v', 'error', '-y', '-nostdin', ...args]);
}

async function ffprobeJson(file: string, args: string[]): Promise<Record<string, unknown>> {
  const { stdout } = await run('ffprobe', ['-v', 'error', ...args, '-of', 'json', file]);
  return JSON.parse(stdout) as Record<string, unknown>;
}

/** The decoded frames' own times in ms from the first, as ffprobe's decoder gives them. */
async function decodedFrameTimesMs(file: string): Promise<number[]> {
  const info = await ffprobeJson(file, [
    '-select_streams',
    'v:0',
    '-show_entries',
    'frame=best_effort_timestamp_time',
  ]);
  const frames = info['frames'] as { best_effort_timestamp_time: string }[];
  const seconds = frames.map((f) => Number(f.best_effort_timestamp_time));
  return seconds.map((s) => (s - (seconds[0] ?? 0)) * 1000);
}

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

/** Chrome's MediaRecorder writes no DefaultDuration: overwrite ffmpeg's with an EBML Void of equal size. */
function dropDefaultDurations(webm: Buffer): Buffer {
  const out = Buffer.from(webm);
  const firstCluster = out.indexOf(Buffer.from([0x1f, 0x43, 0xb6, 0x75]));
  const id = Buffer.from([0x23, 0xe3, 0x83]);
  for (let at = out.indexOf(id); at >= 0 && at < firstCluster; at = out.indexOf(id, at + 1)) {
    const sizeByte = out[at + 3] ?? 0;
    expect(sizeByte & 0x80).toBe(0x80); // a one-byte size, as ffmpeg writes it
    const total = 4 + (sizeByte & 0x7f);
    out.fill(0, at, at + total);
    out[at] = 0xec;
    out[at + 1] = 0x80 | (total - 2);
  }
  return out;
}

/** A phone's portrait tag (the same matrix as video/webcam/selfie_61dc1abd-4.3gp): shown turned 90°. */
function tagRotation(mp4: Buffer): Buffer {
  const out = Buffer.from(mp4);
  const at = out.indexOf(Buffer.from('tkhd')); // the first track: the video, mapped first
  expect(at).toBeGreaterThan(0);
  const matrixAt = at + (out[at + 4] === 1 ? 56 : 44); // past the version 0 or 1 header fields
  const matrix = [0, -0x10000, 0, 0x10000, 0, 0, 0, 0, 0x40000000];
  matrix.forEach((value, k) => out.writeInt32BE(value, matrixAt + 4 * k));
  return out;
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
    const piped = path.join(dir, 'piped.webm');
    const clip = path.join(dir, 'mediarecorder.webm');
    // 45 frames at about 15 fps with 0-13 ms of jitter on a ms clock, written to a pipe: the muxer
    // cannot go back to write a duration or cues.
    const { stdout } = await run(
      'ffmpeg',
      [
        ...['-v', 'error', '-nostdin', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=15'],
        ...['-f', 'lavfi', '-i', 'sine=frequency=440:duration=3', '-frames:v', '45'],
        ...['-vf', "settb=1/1000,setpts='(N/15+0.013*random(1))/TB'", '-fps_mode', 'vfr'],
        ...['-enc_time_base:v', '1/1000', '-c:v', 'libvpx', '-b:v', '300k', '-c:a', 'libopus'],
        ...['-shortest', '-f', 'webm', 'pipe:1'],
      ],
      { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 },
    );
    await writeFile(piped, stdout);
    await writeFile(clip, dropDefaultDurations(await readFile(piped)));
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
    const plain = path.join(dir, 'phone-plain.mp4');
    const clip = path.join(dir, 'phone.mp4');
    // A bright band along the top of the coded (landscape) picture; 20 frames at 30 fps, then the
    // phone drops to 15 fps for 10 (as in low light); the sound runs on past the picture.
    const band = 'drawbox=x=0:y=0:w=iw:h=40:color=white:t=fill';
    const times = "settb=1/1000,setpts='if(lt(N,20),N/30,20/30+(N-20)/15)/TB'";
    await ffmpeg([
      ...['-f', 'lavfi', '-i', 'color=c=0x303030:size=320x240:rate=30', '-f', 'lavfi'],
      ...['-i', 'sine=frequency=440:duration=2.5', '-map', '0:v', '-map', '1:a'],
      ...['-frames:v', '30', '-vf', `${band},${times}`, '-fps_mode', 'vfr'],
      ...['-enc_time_base:v', '1/1000', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-c:a', 'aac'],
      plain,
    ]);
    await writeFile(clip, tagRotation(await readFile(plain)));
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
