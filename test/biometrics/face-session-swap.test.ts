// The streaming face session decides on one tracked face: a live person's evidence (3-D head motion,
// passive scores, descriptors) is not lent to a photo of someone else that appears where they were after
// they left. live-05 (real frames, the kiosk's tracker and passive model) turns her head and is live,
// waiting only for a frontal frame to take the probe from; she leaves (3 s without a face); a printed photo
// of another person is held up at her face box. Before, the session decided on her motion and the photo's
// descriptors (the fused probe was the photo's person).
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cosineSimilarity } from '../../src/biometrics/calibration/scores.ts';
import { loadMaskDetector } from '../../src/biometrics/capture/mask-detector.node.ts';
import type { MaskDetector } from '../../src/biometrics/capture/mask-detector.ts';
import { createFaceEngine, createFaceTracker } from '../../src/biometrics/engine.node.ts';
import type { FaceEngine } from '../../src/biometrics/engine.ts';
import type { FaceSessionUpdate } from '../../src/biometrics/face-session.ts';
import { FaceSession } from '../../src/biometrics/face-session.ts';
import type { FaceTracker } from '../../src/biometrics/face-tracker.ts';
import type { Box } from '../../src/biometrics/geometry.ts';
import type { RgbImage } from '../../src/biometrics/image.ts';
import { loadPassiveTextureDetector } from '../../src/biometrics/liveness/passive-texture.node.ts';
import type { PassiveTextureDetector } from '../../src/biometrics/liveness/passive-texture.ts';
import { makeAttackClip } from '../../src/biometrics/replay/attack-clips.node.ts';
import { openFrameSource } from '../../src/biometrics/replay/frame-source.node.ts';
import { seededRandom } from '../../src/shared/seeded-random.ts';
import { modelsDir, sharedData } from './face-helpers.ts';

const cameraFps = 15;
const size = { width: 360, height: 480 };
const grey = 0x70;

/** live-05 at the kiosk camera's 15 fps, as face-session.test.ts reads it. */
function cameraFrames(video: string, startS: number, durationS: number): RgbImage[] {
  const frameBytes = size.width * size.height * 3;
  const raw = execFileSync(
    'ffmpeg',
    [
      ...['-v', 'error', '-ss', String(startS), '-i', video],
      ...['-t', String(durationS), '-vf', `fps=${cameraFps},scale=${size.width}:${size.height}`],
      ...['-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'],
    ],
    { maxBuffer: frameBytes * cameraFps * (durationS + 1) },
  );
  expect(raw.length % frameBytes).toBe(0);
  return Array.from({ length: raw.length / frameBytes }, (_, i) => ({
    ...size,
    data: new Uint8Array(raw.buffer, raw.byteOffset + i * frameBytes, frameBytes),
  }));
}

/** `source` scaled and moved (nearest neighbour) so that its face box lands on `target`, on grey. */
function placed(source: RgbImage, from: Box, target: Box): RgbImage {
  const scale = target.width / from.width;
  const data = new Uint8Array(size.width * size.height * 3).fill(grey);
  const fromX = from.x + from.width / 2;
  const fromY = from.y + from.height / 2;
  const toX = target.x + target.width / 2;
  const toY = target.y + target.height / 2;
  for (let y = 0; y < size.height; y++)
    for (let x = 0; x < size.width; x++) {
      const sx = Math.round((x - toX) / scale + fromX);
      const sy = Math.round((y - toY) / scale + fromY);
      if (sx < 0 || sy < 0 || sx >= source.width || sy >= source.height) continue;
      const s = (sy * source.width + sx) * 3;
      const d = (y * size.width + x) * 3;
      data[d] = source.data[s] ?? grey;
      data[d + 1] = source.data[s + 1] ?? grey;
      data[d + 2] = source.data[s + 2] ?? grey;
    }
  return { ...size, data };
}

let tracker: FaceTracker;
let engine: FaceEngine;
let passive: PassiveTextureDetector;
let mask: MaskDetector;
let matchThreshold: number;
let dir: string;

beforeAll(async () => {
  [tracker, engine, passive, mask] = await Promise.all([
    createFaceTracker(),
    createFaceEngine(),
    loadPassiveTextureDetector({ modelsDir }),
    loadMaskDetector({ modelsDir }),
  ]);
  const thresholds = JSON.parse(
    await readFile(path.join(modelsDir, 'thresholds.json'), 'utf8'),
  ) as { threshold: number };
  matchThreshold = thresholds.threshold;
  dir = await mkdtemp(path.join(tmpdir(), 'face-session-swap-'));
}, 120_000);
afterAll(async () => {
  tracker.dispose();
  engine.dispose();
  await rm(dir, { recursive: true, force: true });
});

describe('face session: a live person leaves and a photo of someone else takes their place', () => {
  it('never decides on the photo with her motion: decided only on her own face, if at all', async () => {
    const video = path.join(sharedData, 'video', 'live', 'live-05.mov');
    // Her frontal opening: what her own probe must match.
    const enrolled: Float32Array[] = [];
    for (const image of cameraFrames(video, 0, 3.2).filter((_, i) => i % 6 === 0)) {
      const read = await engine.processFrame(image);
      if (read.ok) enrolled.push(read.descriptor);
    }
    expect(enrolled.length).toBeGreaterThanOrEqual(5);
    const camera = cameraFrames(video, 3.2, 4.4);

    // The printed photo of another person, held still, placed where her face was.
    const clip = path.join(dir, 'print-still.mp4');
    const photo = path.join(sharedData, 'spoof', 'print', 'nuaa_0003_01_00_01_6.jpg');
    await makeAttackClip({
      photo,
      output: clip,
      motion: 'still',
      frames: 60,
      framesPerSecond: cameraFps,
      side: 480,
    });
    const source = await openFrameSource(clip, { folderFps: cameraFps });
    const print: RgbImage[] = [];
    for await (const frame of source.frames()) print.push(frame.image);
    const printFace = (await engine.processFrame(print[0] as RgbImage)).face;
    if (printFace === null) throw new Error('no face on the printed photo');
    const printDescriptor = await engine.processFrame(print[0] as RgbImage);
    if (!printDescriptor.ok) throw new Error('the printed photo reads no descriptor');
    // Another person: below the match threshold against her.
    for (const template of enrolled)
      expect(cosineSimilarity(template, printDescriptor.descriptor)).toBeLessThan(matchThreshold);

    const session = new FaceSession(tracker, {
      policy: 'natural',
      passive,
      mask,
      random: seededRandom(3),
      timeLimitMs: 15_000,
    });
    session.reset();
    let t = 0;
    const next = (): number => (t += 1000 / cameraFps);
    // She turns and comes back until the session is live and waits for her frontal frame (the probe).
    let herBox: Box | null = null;
    let waiting = false;
    for (const image of [...camera, ...camera]) {
      const update = await session.push(image, next());
      if (update.kind !== 'reading') throw new Error(`finished on her frames: ${update.kind}`);
      if (update.face !== null) herBox = update.face.box;
      if (update.prompt === 'look_at_camera' && update.face !== null) {
        waiting = true;
        break;
      }
    }
    expect(waiting).toBe(true);
    if (herBox === null) throw new Error('no face box of hers');
    // She leaves: 3 s without a face.
    const empty: RgbImage = {
      ...size,
      data: new Uint8Array(size.width * size.height * 3).fill(grey),
    };
    for (let i = 0; i < 3 * cameraFps; i++) {
      const update = await session.push(empty, next());
      expect(update.kind).toBe('reading');
    }
    // The photo at her face box.
    let final: FaceSessionUpdate | null = null;
    for (const image of print) {
      const update = await session.push(placed(image, printFace.box, herBox), next());
      if (update.kind !== 'reading') {
        final = update;
        break;
      }
    }
    if (final?.kind === 'decided') {
      const score = Math.max(...enrolled.map((e) => cosineSimilarity(e, final.descriptor)));
      expect(score, 'decided on a descriptor that is not hers').toBeGreaterThanOrEqual(
        matchThreshold,
      );
    }
    // In fact it does not decide: the photo starts the evidence again, and a photo has none.
    expect(final?.kind).not.toBe('decided');
  }, 180_000);
});
