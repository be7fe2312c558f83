// Turns a recording (or a still photo, as a printed-photo attack) into the .y4m file Chromium's fake
// camera plays, and extracts still frames for enrolment; a missing ffmpeg names the package to install.
import { execFile } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, open, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { makeAttackClip } from '../../src/biometrics/replay/attack-clips.node.ts';

const execFileAsync = promisify(execFile);

/** The ffmpeg (and tool probe) processes running now, for stopRunningTools. */
const runningTools = new Set<ChildProcess>();

/** `command` run to its end (execFile), tracked while it runs so a script stopping can end it. */
async function runTool(
  command: string,
  args: string[],
  options: { timeout?: number } = {},
): Promise<void> {
  const running = execFileAsync(command, args, options);
  const child = running.child;
  runningTools.add(child);
  try {
    await running;
  } finally {
    runningTools.delete(child);
  }
}

/**
 * Ends every tool this process started here and still running (an ffmpeg cutting the camera clip or the
 * enrolment frames), SIGTERM then SIGKILL after `graceMs`; resolves once each has exited. A script stopping
 * (a signal, a failure) calls it before it removes the tool's output folder.
 */
export async function stopRunningTools(graceMs = 2_000): Promise<void> {
  const children = [...runningTools];
  await Promise.all(
    children.map(async (child) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    }),
  );
}

export class MissingToolError extends Error {
  override name = 'MissingToolError';
}

/** Fails with the Debian package to install when a command is not on PATH. */
export async function requireTool(command: 'ffmpeg' | 'chromium'): Promise<void> {
  const probe = command === 'chromium' ? ['--version'] : ['-version'];
  try {
    await runTool(command === 'chromium' ? chromiumPath() : command, probe, {
      timeout: 30_000,
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new MissingToolError(
        `${command} is not installed: run \`sudo apt-get install -y ${command}\` (Debian package "${command}")`,
      );
    }
    throw error;
  }
}

/** Debian's Chromium, or FACEPAY_CHROMIUM. */
export function chromiumPath(): string {
  return process.env['FACEPAY_CHROMIUM'] ?? '/usr/bin/chromium';
}

/** ffmpeg quiet and non-interactive, reading `durationS` seconds of `video` from `startS`. */
function ffmpegSegment(video: string, startS: number, durationS: number): string[] {
  return [
    '-v',
    'error',
    '-y',
    '-nostdin',
    '-ss',
    String(startS),
    '-i',
    video,
    '-t',
    String(durationS),
  ];
}

/** A 4:2:0 .y4m of `durationS` seconds from `startS`, at most `side` px on its long edge. */
export async function cameraClip(options: {
  video: string;
  output: string;
  startS?: number;
  durationS: number;
  fps?: number;
  side?: number;
}): Promise<string> {
  await requireTool('ffmpeg');
  const side = options.side ?? 640;
  const scale = `scale='if(gt(iw,ih),min(${side},iw),-2)':'if(gt(iw,ih),-2,min(${side},ih))'`;
  await runTool('ffmpeg', [
    ...ffmpegSegment(options.video, options.startS ?? 0, options.durationS),
    '-vf',
    `${scale},fps=${options.fps ?? 15},format=yuv420p`,
    '-pix_fmt',
    'yuv420p',
    '-f',
    'yuv4mpegpipe',
    options.output,
  ]);
  // ffmpeg writes a header and no frame when the window starts past the video's end; Chromium would then
  // report no camera at all, which reads like a broken kiosk rather than a short video.
  if (!(await hasFrame(options.output))) {
    throw new EmptyCameraClipError(
      `${path.basename(options.video)} has no frame from ${options.startS ?? 0} s on: the video is shorter ` +
        'than that (choose an earlier start, e.g. --camera-from and --enrol-seconds)',
    );
  }
  return options.output;
}

/** The camera window holds no frame of the video. */
export class EmptyCameraClipError extends Error {
  override name = 'EmptyCameraClipError';
}

/** Whether a .y4m file has a frame after its header line. */
async function hasFrame(y4m: string): Promise<boolean> {
  const handle = await open(y4m, 'r');
  try {
    const head = Buffer.alloc(4096);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    const headerEnd = head.subarray(0, bytesRead).indexOf(0x0a);
    return (
      headerEnd >= 0 &&
      head
        .subarray(headerEnd + 1, bytesRead)
        .toString('latin1')
        .startsWith('FRAME')
    );
  } finally {
    await handle.close();
  }
}

/** A printed photo held up to the camera and moved (pan and zoom), as a .y4m camera clip. */
export async function photoAttackClip(options: {
  photo: string;
  output: string;
  seconds: number;
  fps?: number;
}): Promise<string> {
  await requireTool('ffmpeg');
  const fps = options.fps ?? 15;
  const mp4 = `${options.output}.mp4`;
  await makeAttackClip({
    photo: options.photo,
    output: mp4,
    motion: 'pan-zoom',
    frames: Math.round(options.seconds * fps),
    framesPerSecond: fps,
    side: 480,
  });
  await cameraClip({ video: mp4, output: options.output, durationS: options.seconds, fps });
  await rm(mp4, { force: true });
  return options.output;
}

/**
 * `count` frames spread over [startS, startS + durationS) as JPEG files, in time order, in a new folder in
 * `tempRoot` (the system's temp folder) that `dispose` removes.
 */
export async function extractFrames(options: {
  video: string;
  startS: number;
  durationS: number;
  count: number;
  tempRoot?: string;
}): Promise<{ files: string[]; dispose: () => Promise<void> }> {
  await requireTool('ffmpeg');
  const dir = await mkdtemp(path.join(options.tempRoot ?? os.tmpdir(), 'facepay-frames-'));
  const dispose = () => rm(dir, { recursive: true, force: true });
  const fps = options.count / options.durationS;
  try {
    await runTool('ffmpeg', [
      ...ffmpegSegment(options.video, options.startS, options.durationS),
      '-vf',
      `fps=${fps}`,
      '-q:v',
      '2',
      path.join(dir, 'frame-%03d.jpg'),
    ]);
    const files = (await readdir(dir)).filter((name) => name.endsWith('.jpg')).sort();
    return { files: files.map((name) => path.join(dir, name)), dispose };
  } catch (error) {
    // The caller gets no dispose to call: the folder goes now (an unreadable video left it behind).
    await dispose();
    throw error;
  }
}

/**
 * The part of talking-face.mp4 the demo, the tests and bench:e2e show the kiosk's camera (the person is
 * enrolled from its first `sampleEnrolSeconds`). The man blinks rarely: read on the face mesh + iris lids (what the
 * kiosk counts blinks on since cd4cd6d), 45-75 s has blinks at 47.04, 49.71, 57.83, 64.17 and 73.33 s.
 * Looped by Chromium, a blink comes within 10 s of any moment, inside the session's 15 s limit; the
 * 57.8-64.2 s gap is long enough for an asked blink challenge to time out (bench:e2e saw one such run).
 */
export const sampleCameraWindow = { startS: 45, durationS: 30 } as const;

/**
 * Seconds at the start of talking-face.mp4 the sample shopper is enrolled from (8 frames, up to 5 kept).
 * Measured in the kiosk e2e (Chromium, the camera window above): enrolled from the first 4 s, his fused
 * probe scored 0.960 with his best template, under the 0.9639 out-of-sample threshold (refused as no
 * match); from the first 8 s, 0.986. The first 4 s hold too few of his turns and expressions.
 */
export const sampleEnrolSeconds = 8;
