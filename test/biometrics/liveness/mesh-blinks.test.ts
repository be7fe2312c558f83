// Blinks as the kiosk now counts them: the tracker's face mesh + iris lids fed to natural motion's blink
// detector, on a labelled live clip and on a photo-attack clip, against the 68-point reading it replaced.
// Labels from scripts/eval-blink-mesh.ts (seen by eye): selfie_61dc1abd-4.3gp blinks once, at frame 56.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFaceTracker } from '../../../src/biometrics/engine.node.ts';
import type { FaceTracker } from '../../../src/biometrics/face-tracker.ts';
import type { Blink } from '../../../src/biometrics/liveness/active/blink.ts';
import { landmark68BlinkOptions } from '../../../src/biometrics/liveness/active/blink.ts';
import { eyeClosureReading } from '../../../src/biometrics/liveness/active/ear.ts';
import type { ActiveFrame } from '../../../src/biometrics/liveness/active/face-continuity.ts';
import { defaultNaturalMotionOptions } from '../../../src/biometrics/liveness/active/natural-motion.ts';
import type { NaturalMotionOptions } from '../../../src/biometrics/liveness/active/natural-motion.ts';
import { NaturalMotionStream } from '../../../src/biometrics/liveness/active/natural-motion-stream.ts';
import { makeAttackClip } from '../../../src/biometrics/replay/attack-clips.node.ts';
import { openFrameSource } from '../../../src/biometrics/replay/frame-source.node.ts';
import { faceSessionWindowFramesMax } from '../../../src/shared/limits.ts';
import { facePath, sharedData } from '../face-helpers.ts';

interface TrackedClip {
  /** What the kiosk's session hands natural motion: the tracker's face with its mesh + iris lids. */
  readonly frames: readonly ActiveFrame[];
  readonly timeOf: ReadonlyMap<number, number>;
  readonly eyesRead: number;
}

let tracker: FaceTracker;
let dir = '';

beforeAll(async () => {
  tracker = await createFaceTracker();
  dir = await mkdtemp(path.join(tmpdir(), 'facepay-mesh-blinks-'));
}, 120_000);

afterAll(async () => {
  tracker.dispose();
  await rm(dir, { recursive: true, force: true });
});

async function track(file: string): Promise<TrackedClip> {
  tracker.reset();
  const source = await openFrameSource(file, { folderFps: 25 });
  const frames: ActiveFrame[] = [];
  const timeOf = new Map<number, number>();
  let eyesRead = 0;
  const before = tf.memory().numTensors;
  for await (const frame of source.frames()) {
    const result = await tracker.processFrame(frame.image, { describe: false });
    const face = result.face;
    timeOf.set(frame.index, frame.timestampMs);
    if (face?.eyes !== null && face?.eyes !== undefined) eyesRead += 1;
    frames.push({
      timestampMs: frame.timestampMs,
      face:
        face === null
          ? null
          : { box: face.box, landmarks: face.landmarks, eyes: face.eyes, descriptor: null },
    });
  }
  // Every frame's mesh and iris tensors were released.
  expect(tf.memory().numTensors).toBe(before);
  return { frames, timeOf, eyesRead };
}

/** Natural motion's blinks over the clip, as the face session streams it. */
function blinks(frames: readonly ActiveFrame[], motion: NaturalMotionOptions): readonly Blink[] {
  const stream = new NaturalMotionStream({
    motion,
    windowFrames: faceSessionWindowFramesMax,
    referenceYawSlack: 0.02,
  });
  for (const frame of frames) stream.push(frame);
  return stream.summary().blinks;
}

/** The same frames with the lids the 68 points give, and the bounds set for them: the old reading. */
function as68(frames: readonly ActiveFrame[]): ActiveFrame[] {
  return frames.map((f) => {
    if (f.face === null) return f;
    const { openness, ear } = eyeClosureReading(f.face.landmarks);
    return { ...f, face: { ...f.face, eyes: { openness, ear } } };
  });
}
const motion68: NaturalMotionOptions = {
  ...defaultNaturalMotionOptions,
  blink: landmark68BlinkOptions,
};

describe('blinks on the face mesh + iris lids', () => {
  it('finds the labelled blink of a live webcam clip that the 68-point reading missed', async () => {
    const clip = await track(path.join(sharedData, 'video/webcam/selfie_61dc1abd-4.3gp'));
    expect(clip.eyesRead).toBe(clip.frames.filter((f) => f.face !== null).length);
    const labelled = clip.timeOf.get(56);
    if (labelled === undefined) throw new Error('frame 56 not read');
    const found = blinks(clip.frames, defaultNaturalMotionOptions);
    // One blink, and it is the one seen by eye: frame 56 lies within its closure (give or take a frame).
    expect(found).toHaveLength(1);
    expect(found[0]?.startMs).toBeLessThanOrEqual(labelled + 50);
    expect(found[0]?.endMs).toBeGreaterThanOrEqual(labelled - 50);
    expect(found[0]?.depth).toBeGreaterThan(0.25);
    expect(blinks(as68(clip.frames), motion68)).toHaveLength(0);
  }, 180_000);

  it('finds no blink on a printed photo turned like a card in front of the camera', async () => {
    const file = path.join(dir, 'deepface_01-card-turn.mp4');
    await makeAttackClip({
      photo: facePath('deepface_01/1.jpg'),
      output: file,
      motion: 'card-turn',
      frames: 150,
      framesPerSecond: 25,
      side: 480,
    });
    const clip = await track(file);
    // The mesh reads the photo's eyes on (nearly) every frame: no blink is not for want of a reading.
    expect(clip.eyesRead).toBeGreaterThan(0.9 * clip.frames.length);
    expect(blinks(clip.frames, defaultNaturalMotionOptions)).toHaveLength(0);
  }, 180_000);
});
