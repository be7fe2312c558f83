// A replayed session left undecided says why: the frames it could not use, per quality reason, in the
// summary's JSON, on `npm run replay`'s session line and in eval:liveness's session column.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMaskDetector } from '../../../src/biometrics/capture/mask-detector.node.ts';
import { defaultFaceEngineOptions } from '../../../src/biometrics/engine.ts';
import { createFaceTracker } from '../../../src/biometrics/engine.node.ts';
import type { FaceTracker } from '../../../src/biometrics/face-tracker.ts';
import { loadPassiveTextureDetector } from '../../../src/biometrics/liveness/passive-texture.node.ts';
import { defaultQualityThresholds } from '../../../src/biometrics/quality.ts';
import { describeSession, replayRecording } from '../../../src/biometrics/replay/replay.node.ts';
import { refusedFramesText } from '../../../src/biometrics/replay/session-feed.ts';
import { sessionCell } from '../../../scripts/eval-liveness-video.ts';

const run = promisify(execFile);
const repoRoot = path.resolve(import.meta.dirname, '../../..');
const models = path.join(repoRoot, 'models');
const live = path.resolve(repoRoot, '../shared/data/video/live/live-01.mov');

describe('replayed session: frames refused per reason', () => {
  let dir: string;
  let clip: string;
  let engine: FaceTracker;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'session-refused-'));
    clip = path.join(dir, 'live-01-2s.mp4');
    // The live selfie's first 2 s (50 frames at 25 fps): the face is in every frame.
    await run('ffmpeg', [
      ...['-v', 'error', '-y', '-nostdin', '-i', live, '-t', '2', '-an'],
      ...['-c:v', 'libx264', '-crf', '18', '-pix_fmt', 'yuv420p', clip],
    ]);
    // Sharpness is a 0..1 ratio (chip-sharpness.ts): a bound above 1 refuses every face as blurred.
    engine = await createFaceTracker({
      modelsDir: models,
      engine: {
        ...defaultFaceEngineOptions,
        quality: { ...defaultQualityThresholds, sharpnessMin: 1.5 },
      },
    });
  }, 60_000);
  afterAll(async () => {
    engine?.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it('counts every frame the gate refused as blurred, and the undecided lines say so', async () => {
    const recording = await replayRecording(clip, {
      engine,
      passive: await loadPassiveTextureDetector({ modelsDir: models }),
      mask: await loadMaskDetector({ modelsDir: models }),
      folderFps: 25,
      reportFrames: 0,
    });
    const session = recording.json.session;
    expect(session).not.toBeNull();
    if (session === null) return;
    expect(recording.json.frames).toBe(50);
    expect(session).toMatchObject({
      outcome: 'undecided',
      reasons: ['recording_ended'],
      framesUsed: 50,
    });
    // The face was found in every frame; the gate refused each one as blurred.
    expect(recording.json.framesWithFace).toBe(50);
    expect(session.refusedFramesByReason).toEqual({ blurred: 50 });
    expect(refusedFramesText(session)).toBe('50 of 50 frames blurred');
    expect(describeSession(session)).toContain('recording_ended; 50 of 50 frames blurred');
    expect(sessionCell({ ...session, ms: session.sinceFirstFaceMs })).toBe(
      'session:undecided(recording_ended; 50 of 50 frames blurred)',
    );
  }, 120_000);
});
