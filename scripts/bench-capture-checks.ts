// `npx tsx scripts/bench-capture-checks.ts`: what the eyes-closed and mask checks add to a kiosk frame,
// beside the tracking loop's own cost on the same frames (talking-face.mp4, the e2e camera).
//
// The checks sample a fixed grid in face coordinates (mask-features.ts), so their cost does not grow
// with the frame size; FRAMES (default 120) frames are read by the tracker once, then the checks run on
// each frame's landmarks ROUNDS (default 20) times. Medians and p95 in microseconds are printed.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { CaptureChecks } from '../src/biometrics/capture/capture-checks.ts';
import { loadMaskDetector } from '../src/biometrics/capture/mask-detector.node.ts';
import { createFaceTracker } from '../src/biometrics/engine.node.ts';
import type { Point } from '../src/biometrics/geometry.ts';
import type { RgbImage } from '../src/biometrics/image.ts';
import { defaultModelsDir } from '../src/biometrics/engine-load.node.ts';

const repoRoot = path.resolve(import.meta.dirname, '..');
const video = path.resolve(repoRoot, '..', 'shared', 'data', 'video', 'talking-face.mp4');
const frameCount = Number(process.env['FRAMES'] ?? 120);
const rounds = Number(process.env['ROUNDS'] ?? 20);
const [width, height] = [360, 288];

function quantileOf(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

async function main(): Promise<void> {
  const bytes = width * height * 3;
  const raw = execFileSync(
    'ffmpeg',
    ['-v', 'error', '-i', video, '-frames:v', String(frameCount), '-f', 'rawvideo'].concat([
      '-pix_fmt',
      'rgb24',
      '-',
    ]),
    { maxBuffer: bytes * frameCount + 1024 },
  );
  const frames: RgbImage[] = Array.from({ length: raw.length / bytes }, (_, i) => ({
    width,
    height,
    data: new Uint8Array(raw.buffer, raw.byteOffset + i * bytes, bytes),
  }));
  const [tracker, mask] = await Promise.all([
    createFaceTracker(),
    loadMaskDetector({ modelsDir: defaultModelsDir }),
  ]);
  const read: { image: RgbImage; landmarks: Point[] }[] = [];
  const trackerMs: number[] = [];
  for (const image of frames) {
    const result = await tracker.processFrame(image, { describe: false });
    trackerMs.push(result.timingsMs.total);
    if (result.ok) read.push({ image, landmarks: result.face.landmarks });
  }
  tracker.dispose();
  const checkUs: number[] = [];
  const maskUs: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const checks = new CaptureChecks(mask);
    for (const [i, frame] of read.entries()) {
      let started = performance.now();
      checks.check(frame.image, frame.landmarks, i * 40 + 1);
      checkUs.push((performance.now() - started) * 1000);
      started = performance.now();
      mask.check(frame.image, frame.landmarks);
      maskUs.push((performance.now() - started) * 1000);
    }
  }
  const row = (name: string, us: number[]): string =>
    `${name.padEnd(44)} median ${quantileOf(us, 0.5).toFixed(0).padStart(6)} us   p95 ${quantileOf(us, 0.95).toFixed(0).padStart(6)} us`;
  console.log(
    `${read.length} frames read well of ${frames.length} (${width}x${height}), ${rounds} rounds`,
  );
  console.log(row('eyes-closed + mask checks (CaptureChecks)', checkUs));
  console.log(row('mask detector alone', maskUs));
  console.log(
    row(
      'tracking loop, landmarks only (for scale)',
      trackerMs.map((ms) => ms * 1000),
    ),
  );
}

await main();
