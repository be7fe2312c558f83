// The face session's engine describes only faces in the session's probe pose: a turned face's descriptor is
// never fused, so the tracker stops before the descriptor net on it, and says so (no descriptor, no
// describe time) while the frame stays ready; frames in the probe pose are described as before.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeInProbePose } from '../../src/biometrics/describe-in-probe-pose.ts';
import { createFaceTracker } from '../../src/biometrics/engine.node.ts';
import type { FrameResult, UndescribedFrame } from '../../src/biometrics/engine.ts';
import { defaultProbePose, inProbePose } from '../../src/biometrics/face-session.ts';
import type { FaceTracker } from '../../src/biometrics/face-tracker.ts';
import type { RgbImage } from '../../src/biometrics/image.ts';
import { sharedData } from './face-helpers.ts';

const width = 360;
const height = 288;
const frameCount = 60;

/** talking-face.mp4 from 45 s at 6 fps: the man looks aside for seconds at a time there. */
function videoFrames(): RgbImage[] {
  const raw = execFileSync(
    'ffmpeg',
    [
      ...['-v', 'error', '-ss', '45', '-i', path.join(sharedData, 'video', 'talking-face.mp4')],
      ...['-vf', 'fps=6', '-frames:v', String(frameCount), '-f', 'rawvideo'],
      ...['-pix_fmt', 'rgb24', '-'],
    ],
    { maxBuffer: width * height * 3 * frameCount + 1024 },
  );
  const frameBytes = width * height * 3;
  expect(raw.length).toBe(frameBytes * frameCount);
  return Array.from({ length: frameCount }, (_, i) => ({
    width,
    height,
    data: new Uint8Array(raw.buffer, raw.byteOffset + i * frameBytes, frameBytes),
  }));
}

let tracker: FaceTracker;
beforeAll(async () => {
  tracker = await createFaceTracker();
}, 120_000);
afterAll(() => tracker.dispose());

type Ready = Extract<FrameResult | UndescribedFrame, { ok: true }>;

function inPose(result: Ready): boolean {
  return result.face !== null && inProbePose(result.face.pose, defaultProbePose);
}

describe('describeInProbePose', () => {
  it('describes the ready frames in the probe pose and no ready frame of a turned face', async () => {
    const engine = describeInProbePose(tracker, defaultProbePose);
    engine.reset?.();
    const ready: Ready[] = [];
    for (const frame of videoFrames()) {
      const result = await engine.processFrame(frame, { describe: true });
      if (result.ok) ready.push(result);
    }
    const turned = ready.filter((result) => !inPose(result));
    const frontal = ready.filter(inPose);
    // The clip gives both kinds, so both halves of the rule are exercised.
    expect(turned.length).toBeGreaterThan(0);
    expect(frontal.length).toBeGreaterThan(0);
    expect(turned.map((result) => result.descriptor)).toEqual(turned.map(() => null));
    expect(turned.map((result) => result.timingsMs.describe)).toEqual(turned.map(() => 0));
    expect(frontal.every((result) => result.descriptor?.length === 128)).toBe(true);
    // Asked not to describe, it describes nothing; asked without options, every ready frame.
    tracker.reset();
    const [first] = videoFrames();
    if (first === undefined) throw new Error('no frame');
    const unasked = await engine.processFrame(first, { describe: false });
    expect(unasked.ok ? unasked.descriptor : unasked.reason).toBeNull();
    tracker.reset();
    const plain = await engine.processFrame(first);
    expect(plain.ok ? plain.descriptor.length : plain.reason).toBe(128);
  }, 180_000);
});
