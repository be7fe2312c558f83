// Frames of a recording as the camera would deliver them: a video decoded by Debian's ffmpeg (rotation
// applied, scaled to the engine's frame size, each frame at its own time) or a folder of images.
import { spawn } from 'node:child_process';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { assert } from '../../shared/assert.ts';
import {
  faceFrameSideMaxPixels,
  faceImageBytesMax,
  replayFolderFilesMax,
  replayFramesPerSecondMax,
} from '../../shared/limits.ts';
import { decodeImage } from '../image-decode.node.ts';
import type { FramePlan } from './frame-plan.ts';
import { planFrames } from './frame-plan.ts';
import type { ReplayFrame } from './pipeline.ts';
import type { VideoProbe } from './video-probe.node.ts';
import { probeVideo, ReplayInputError } from './video-probe.node.ts';

export { ReplayInputError } from './video-probe.node.ts';
export const frameImageExtensions = new Set(['.jpg', '.jpeg', '.png', '.webp', '.bmp', '.tif']);

export interface FrameSource {
  readonly kind: 'video' | 'folder';
  readonly path: string;
  readonly width: number | null;
  readonly height: number | null;
  /** The mean rate of the frames given (a recording's frames need not be evenly spaced). */
  readonly framesPerSecond: number;
  readonly sourceFrames: number;
  readonly plan: FramePlan;
  frames(): AsyncGenerator<ReplayFrame>;
  /** The first `count` frames, consecutive (one segment), whatever the plan: as a camera shows them. */
  opening(count: number): AsyncGenerator<ReplayFrame>;
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

/**
 * Which frames the harness reads, by time: every frame the file has, at its own time, or (above
 * replayFramesPerSecondMax) a constant-rate resampling, as the kiosk's camera loop would see them.
 */
export interface VideoTimeline {
  readonly frames: number;
  readonly framesPerSecond: number;
  /** Set when frames are resampled to this rate (ffmpeg's fps filter) instead of read one by one. */
  readonly resampleFps: number | null;
  /** Presentation time of frame `index`, in µs from the container's origin. */
  timeMicros(index: number): number;
}

export function videoTimeline(times: readonly number[]): VideoTimeline {
  assert(times.length > 0, 'a timeline needs at least one frame');
  const first = times[0] ?? 0;
  const spanMicros = (times.at(-1) ?? first) - first;
  const rate = times.length > 1 && spanMicros > 0 ? ((times.length - 1) * 1e6) / spanMicros : 0;
  // A 30 fps camera's timestamps measure 30.00x: rounding is no reason to resample.
  if (rate > replayFramesPerSecondMax * 1.02) {
    const step = 1e6 / replayFramesPerSecondMax;
    return {
      frames: Math.floor(spanMicros / step + 1e-6) + 1,
      framesPerSecond: replayFramesPerSecondMax,
      resampleFps: replayFramesPerSecondMax,
      timeMicros: (index) => first + Math.round(index * step),
    };
  }
  return {
    frames: times.length,
    // One frame, or frames that all share a time: no rate to speak of; one a second keeps the
    // session's frame budget (seconds × rate) finite.
    framesPerSecond: rate > 0 ? rate : 1,
    resampleFps: null,
    timeMicros: (index) => times[Math.min(index, times.length - 1)] ?? first,
  };
}

async function openVideo(file: string): Promise<FrameSource> {
  const probe = await probeVideo(file);
  const timeline = videoTimeline(probe.frameTimesMicros);
  const size = frameSize(probe);
  const plan = planFrames(timeline.frames);
  const run = (segment: number, start: number, count: number): AsyncGenerator<ReplayFrame> =>
    decodeRun(file, { ...size, probe, timeline, segment, start, count });
  return {
    kind: 'video',
    path: file,
    ...size,
    framesPerSecond: timeline.framesPerSecond,
    sourceFrames: timeline.frames,
    plan,
    async *frames() {
      for (const [segment, part] of plan.segments.entries())
        yield* run(segment, part.start, part.count);
    },
    opening: (count) => run(0, 0, Math.min(count, timeline.frames)),
  };
}

interface RunSpec {
  width: number;
  height: number;
  probe: VideoProbe;
  timeline: VideoTimeline;
  segment: number;
  start: number;
  count: number;
}

/** showinfo's line for each frame leaving the filter graph, its time in µs (settb=AVTB). */
const showinfoLine = /\] \[info\] n:\s*\d+\s+pts:\s*(-?\d+|NOPTS)\b/;
const errorLine = /\[(?:error|fatal|panic)\] (.*)$/;

function ffmpegArgs(file: string, run: RunSpec): string[] {
  const { probe, timeline } = run;
  const args = ['-hide_banner', '-nostdin', '-nostats', '-loglevel', 'level+info', '-copyts'];
  if (run.start > 0) {
    // Seek to halfway between the frame before and the run's first frame: ffmpeg drops what
    // precedes the seek point, so the run starts on its frame whatever the rounding.
    const at = timeline.timeMicros(run.start);
    const before = timeline.timeMicros(run.start - 1);
    const seek = (at + before) / 2e6 - probe.startSeconds;
    if (seek > 0) args.push('-ss', seek.toFixed(6));
  }
  args.push('-i', file, '-map', '0:v:0', '-an', '-sn', '-dn');
  const resample =
    timeline.resampleFps === null
      ? []
      : // The run's first time: the fps filter fills from start_time, so an earlier one repeats frames.
        [`fps=${timeline.resampleFps}:start_time=${timeline.timeMicros(run.start) / 1e6}`];
  // AVTB: showinfo prints each frame's time in µs, whatever the container's time base.
  const filters = [...resample, `scale=${run.width}:${run.height}`, 'settb=AVTB', 'showinfo'];
  args.push('-vf', filters.join(','), '-fps_mode', 'passthrough');
  args.push('-frames:v', String(run.count), '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1');
  return args;
}

/**
 * ffmpeg's stderr, read as it comes: each frame's time from showinfo (µs, null where the frame has
 * none) and the error lines. showinfo writes a frame's line before the frame's bytes reach stdout.
 */
function frameTimesOf(stderr: NodeJS.ReadableStream): {
  timeOf(k: number): Promise<number | null | undefined>;
  errors(): string;
} {
  const times: (number | null)[] = [];
  let errors = '';
  let open = true;
  let wake: (() => void) | null = null;
  let rest = '';
  stderr.setEncoding('utf8');
  stderr.on('data', (text: string) => {
    const lines = (rest + text).split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) {
      const shown = showinfoLine.exec(line);
      if (shown !== null) times.push(shown[1] === 'NOPTS' ? null : Number(shown[1]));
      const error = errorLine.exec(line);
      if (error !== null && errors.length < 4096) errors += `${error[1]}\n`;
    }
    wake?.();
  });
  stderr.on('close', () => {
    open = false;
    wake?.();
  });
  return {
    async timeOf(k) {
      while (times.length <= k && open) await new Promise<void>((resolve) => (wake = resolve));
      return times[k];
    },
    errors: () => errors.trim(),
  };
}

/** One ffmpeg process per run: seek, scale, raw RGB on stdout, each frame at its own time. */
async function* decodeRun(file: string, run: RunSpec): AsyncGenerator<ReplayFrame> {
  const frameBytes = run.width * run.height * 3;
  const origin = run.timeline.timeMicros(0);
  const child = spawn('ffmpeg', ffmpegArgs(file, run), { stdio: ['ignore', 'pipe', 'pipe'] });
  const log = frameTimesOf(child.stderr);
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  // Chunks are joined once a whole frame is in: a 720p frame comes in some 40 pipe reads.
  const chunks: Buffer[] = [];
  let buffered = 0;
  let produced = 0;
  let previousMs = -Infinity;
  let last = performance.now();
  try {
    for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
      chunks.push(chunk);
      buffered += chunk.length;
      while (buffered >= frameBytes && produced < run.count) {
        const joined = Buffer.concat(chunks, buffered);
        const data = new Uint8Array(joined.subarray(0, frameBytes));
        chunks.length = 0;
        if (joined.length > frameBytes) chunks.push(joined.subarray(frameBytes));
        buffered -= frameBytes;
        const index = run.start + produced;
        const micros = (await log.timeOf(produced)) ?? run.timeline.timeMicros(index);
        // A camera never gives two frames at one instant: a repeated time moves a microsecond on.
        const timestampMs = Math.max((micros - origin) / 1000, previousMs + 0.001);
        previousMs = timestampMs;
        const now = performance.now();
        yield {
          index,
          segment: run.segment,
          timestampMs,
          image: { width: run.width, height: run.height, data },
          decodeMs: now - last,
        };
        produced += 1;
        last = performance.now();
      }
    }
    const code = await exited;
    if (code !== 0 && produced === 0)
      throw new ReplayInputError(`${file}: ffmpeg failed (${code}): ${log.errors()}`);
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
  run: { fps: number; segment: number; start: number; count: number },
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
