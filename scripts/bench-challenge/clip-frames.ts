// Reads a live clip twice over for the challenge bench: once through the kiosk's tracker for the per-frame
// readings the segment finder works on, once for the pixels of the frames a scripted shopper will show.
//
// Frames are decoded as `npm run replay` decodes them (frame-source.node.ts: rotation applied, scaled to
// the engine's frame size, at most 30 fps), every frame from the first, so indices match between reads.
import path from 'node:path';
import type { FaceTracker } from '../../src/biometrics/face-tracker.ts';
import type { RgbImage } from '../../src/biometrics/image.ts';
import { openFrameSource } from '../../src/biometrics/replay/frame-source.node.ts';
import type { FrameReading } from './segments.ts';

export interface ClipReadings {
  readonly file: string;
  readonly name: string;
  readonly framesPerSecond: number;
  readonly width: number;
  readonly height: number;
  readonly readings: readonly FrameReading[];
  /** The tracker's time per frame (landmarks and lids, no descriptor), ms. */
  readonly engineMs: readonly number[];
}

/** The clip's name in a report: its file, or set/file for the pairs' live.* and attack.* files (same names). */
export function clipName(file: string): string {
  const base = path.basename(file);
  const pairFile = base.startsWith('live.') || base.startsWith('attack.');
  return pairFile ? `${path.basename(path.dirname(file))}/${base}` : base;
}

/** Every frame from the first, or the first `framesMax` (eval:pitch reads 20 s of the 200 s talking face). */
export async function readClip(
  file: string,
  tracker: FaceTracker,
  framesMax = Infinity,
): Promise<ClipReadings> {
  const source = await openFrameSource(file, { folderFps: 25 });
  tracker.reset();
  const readings: FrameReading[] = [];
  const engineMs: number[] = [];
  let width = 0;
  let height = 0;
  for await (const frame of source.opening(Math.min(source.sourceFrames, framesMax))) {
    width = frame.image.width;
    height = frame.image.height;
    const started = performance.now();
    const result = await tracker.processFrame(frame.image, { describe: false });
    engineMs.push(performance.now() - started);
    const face = result.face;
    readings.push({
      index: readings.length,
      timestampMs: frame.timestampMs,
      face: face === null ? null : { box: face.box, landmarks: face.landmarks, eyes: face.eyes },
    });
  }
  tracker.reset();
  return {
    file,
    name: clipName(file),
    framesPerSecond: source.framesPerSecond,
    width,
    height,
    readings,
    engineMs,
  };
}

/** The pixels of the wanted frames only (a 10 s clip at 1280 px whole is most of a gigabyte). */
export async function decodeFrames(
  file: string,
  wanted: ReadonlySet<number>,
): Promise<Map<number, RgbImage>> {
  const source = await openFrameSource(file, { folderFps: 25 });
  const images = new Map<number, RgbImage>();
  const last = Math.max(-1, ...wanted);
  let index = 0;
  for await (const frame of source.opening(Math.min(source.sourceFrames, last + 1))) {
    if (wanted.has(index)) images.set(index, frame.image);
    index += 1;
  }
  return images;
}
