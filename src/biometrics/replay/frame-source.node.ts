// Frames of a recording as the camera would deliver them: a video decoded by Debian's ffmpeg (rotation
// applied, scaled to the engine's frame size, constant frame rate) or a folder of images sorted by name.
import { spawn } from 'node:child_process';
import { execFile } from 'node:child_process';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { assert } from '../../shared/assert.ts';
import {
  faceFrameSideMaxPixels,
  faceImageBytesMax,
  replayFolderFilesMax,
  replayFramesPerSecondMax,
  replayVideoSecondsMax,
} from '../../shared/limits.ts';
import { decodeImage } from '../image-decode.node.ts';
import type { FramePlan } from './frame-plan.ts';
import { planFrames } from './frame-plan.ts';
import type { ReplayFrame } from './pipeline.ts';

const execFileAsync = promisify(execFile);
export const frameImageExtensions = new Set(['.jpg', '.jpeg', '.png', '.webp', '.bmp', '.tif']);

export interface FrameSource {
  readonly kind: 'video' | 'folder';
  readonly path: string;
  readonly width: number | null;
  readonly height: number | null;
  readonly framesPerSecond: number;
  readonly sourceFrames: number;
  readonly plan: FramePlan;
  frames(): AsyncGenerator<ReplayFrame>;
  /** The first `count` frames, consecutive (one segment), whatever the plan: as a camera shows them. */
  opening(count: number): AsyncGenerator<ReplayFrame>;
}

export class ReplayInputError extends Error {
  override name = 'ReplayInputError';
}

interface Probe {
  width: number;
  height: number;
  rotation: number;
  framesPerSecond: number;
  durationSeconds: number;
}

function parseRate(rate: unknown): number {
  if (typeof rate !== 'string') return Number.NaN;
  const [num, den] = rate.split('/').map(Number);
  return den === undefined ? Number(num) : (num ?? Number.NaN) / den;
}

async function probeVideo(file: string): Promise<Probe> {
  const args = ['-v', 'error', '-select_streams', 'v:0', '-show_streams', '-show_format'];
  let stdout: string;
  try {
    ({ stdout } = await execFileAsync('ffprobe', [...args, '-of', 'json', file]));
  } catch (error) {
    throw new ReplayInputError(`${file}: ffprobe cannot read it`, { cause: error });
  }
  const info = JSON.parse(stdout) as {
    streams?: {
      width?: number;
      height?: number;
      avg_frame_rate?: string;
      r_frame_rate?: string;
      side_data_list?: { rotation?: number }[];
      tags?: { rotate?: string };
    }[];
    format?: { duration?: string };
  };
  const stream = info.streams?.[0];
  if (stream?.width === undefined || stream.height === undefined)
    throw new ReplayInputError(`${file}: no video stream`);
  const rotation =
    stream.side_data_list?.find((d) => d.rotation !== undefined)?.rotation ??
    Number(stream.tags?.rotate ?? 0);
  let fps = parseRate(stream.avg_frame_rate);
  if (!(fps > 0 && fps < 1000)) fps = parseRate(stream.r_frame_rate);
  const durationSeconds = Number(info.format?.duration);
  if (!(fps > 0 && fps < 1000) || !(durationSeconds > 0))
    throw new ReplayInputError(`${file}: no usable frame rate or duration`);
  if (durationSeconds > replayVideoSecondsMax)
    throw new ReplayInputError(`${file}: longer than ${replayVideoSecondsMax} s`);
  return {
    width: stream.width,
    height: stream.height,
    rotation,
    framesPerSecond: fps,
    durationSeconds,
  };
}

/** The engine's frame size: the displayed (rotated) picture fitted inside faceFrameSideMaxPixels. */
export function frameSize(probe: { width: number; height: number; rotation: number }): {
  width: number;
  height: number;
} {
  const turned = Math.abs(Math.round(probe.rotation / 90)) % 2 === 1;
  const width = turned ? probe.height : probe.width;
  const height = turned ? probe.width : probe.height;
  const scale = Math.min(1, faceFrameSideMaxPixels / Math.max(width, height));
  return {
    width: Math.max(1, Math.round(width * scale)),
    height: Math.max(1, Math.round(height * scale)),
  };
}

export async function openFrameSource(
  input: string,
  options: { folderFps: number },
): Promise<FrameSource> {
  const info = await stat(input).catch((error: unknown) => {
    throw new ReplayInputError(`${input}: not found`, { cause: error });
  });
  return info.isDirectory() ? openFolder(input, options.folderFps) : openVideo(input);
}

async function openVideo(file: string): Promise<FrameSource> {
  const probe = await probeVideo(file);
  const fps = Math.min(probe.framesPerSecond, replayFramesPerSecondMax);
  const size = frameSize(probe);
  const sourceFrames = Math.max(1, Math.floor(probe.durationSeconds * fps));
  const plan = planFrames(sourceFrames);
  return {
    kind: 'video',
    path: file,
    ...size,
    framesPerSecond: fps,
    sourceFrames,
    plan,
    async *frames() {
      for (const [segment, run] of plan.segments.entries())
        yield* decodeRun(file, { ...size, fps, segment, start: run.start, count: run.count });
    },
    opening: (count) =>
      decodeRun(file, { ...size, fps, segment: 0, start: 0, count: Math.min(count, sourceFrames) }),
  };
}

interface RunSpec {
  width: number;
  height: number;
  fps: number;
  segment: number;
  start: number;
  count: number;
}

/** One ffmpeg process per run: seek, resample to a constant rate, scale, raw RGB on stdout. */
async function* decodeRun(file: string, run: RunSpec): AsyncGenerator<ReplayFrame> {
  const frameBytes = run.width * run.height * 3;
  const seek = run.start / run.fps;
  const args = ['-v', 'error', '-nostdin', ...(seek > 0 ? ['-ss', seek.toFixed(3)] : [])];
  args.push('-i', file, '-an', '-vf', `fps=${run.fps},scale=${run.width}:${run.height}`);
  args.push('-frames:v', String(run.count), '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1');
  const child = spawn('ffmpeg', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    if (stderr.length < 4096) stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  let pending: Buffer = Buffer.alloc(0);
  let produced = 0;
  let last = performance.now();
  try {
    for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      while (pending.length >= frameBytes && produced < run.count) {
        const data = new Uint8Array(pending.subarray(0, frameBytes));
        pending = pending.subarray(frameBytes);
        const now = performance.now();
        yield {
          index: run.start + produced,
          segment: run.segment,
          timestampMs: ((run.start + produced) * 1000) / run.fps,
          image: { width: run.width, height: run.height, data },
          decodeMs: now - last,
        };
        produced += 1;
        last = performance.now();
      }
    }
    const code = await exited;
    if (code !== 0 && produced === 0)
      throw new ReplayInputError(`${file}: ffmpeg failed (${code}): ${stderr.trim()}`);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}

async function openFolder(dir: string, fps: number): Promise<FrameSource> {
  assert(fps > 0 && fps <= replayFramesPerSecondMax * 4, 'folder frame rate out of range');
  const names = (await readdir(dir))
    .filter((name) => frameImageExtensions.has(path.extname(name).toLowerCase()))
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  if (names.length > replayFolderFilesMax)
    throw new ReplayInputError(`${dir}: more than ${replayFolderFilesMax} frames`);
  if (names.length === 0) throw new ReplayInputError(`${dir}: no image frames`);
  const plan = planFrames(names.length);
  return {
    kind: 'folder',
    path: dir,
    width: null,
    height: null,
    framesPerSecond: fps,
    sourceFrames: names.length,
    plan,
    async *frames() {
      for (const [segment, run] of plan.segments.entries())
        yield* readFolderRun(dir, names, { fps, segment, start: run.start, count: run.count });
    },
    opening: (count) =>
      readFolderRun(dir, names, {
        fps,
        segment: 0,
        start: 0,
        count: Math.min(count, names.length),
      }),
  };
}

async function* readFolderRun(
  dir: string,
  names: readonly string[],
  run: Omit<RunSpec, 'width' | 'height'>,
): AsyncGenerator<ReplayFrame> {
  for (let index = run.start; index < run.start + run.count; index++) {
    const started = performance.now();
    const file = path.join(dir, names[index] ?? '');
    if ((await stat(file)).size > faceImageBytesMax)
      throw new ReplayInputError(`${file}: larger than ${faceImageBytesMax} bytes`);
    const image = await decodeImage(await readFile(file), {
      sideMaxPixels: faceFrameSideMaxPixels,
    });
    const decodeMs = performance.now() - started;
    yield { index, segment: run.segment, timestampMs: (index * 1000) / run.fps, image, decodeMs };
  }
}
