// `npm run bench:tracker-session`: what the face worker's engine costs per frame and how many frames the
// kiosk's face session takes to decide with it, A/B interleaved in one process (the machine is shared).
//
// Each run starts a session at a moment of talking-face.mp4's camera window (the one bench:e2e loops) and
// feeds it as the kiosk's worker is fed, the next frame being the one the camera shows when the previous
// push returns. By default a push is taken to last CADENCE_MS (62.5: the face worker's per-frame median in
// bench:e2e), so which frames the session sees, and so frames to decision, do not depend on this machine's
// load; CADENCE_MS=0 advances the clip by each push's measured wall time instead. Per variant: per-frame
// stage medians (measured), frames to decision, and frames to the point where only a blink or 3-D motion
// was missing (decision frames less the session's motionWaitMs in frames), the frames read with the face
// out of the session's probe pose (talking-face's man looks aside for seconds at a time: no descriptor is
// fused from those, whatever the engine costs), and the first less the second, medians over runs; then how
// often the natural policy asked the challenge (the passive median settled uncertain: this clip's man scores
// near the passive threshold, and the recording never answers, so such a run waits seconds for a live median)
// and the frame medians over the runs where it did not.
// Variants: `tracker` (FaceTracker as the kiosk's worker builds it: since 73995ac the detector also runs on
// tracked frames, to count faces), `tracker detect every frame` (the same tracker, redetectEveryFrames 1:
// the detector's box feeds the landmarks on every frame, no tracked passes) and `engine` (FaceEngine, the
// per-frame engine). Environment: RUNS (start moments, default 8), SECONDS (clip read from 45 s, default
// 20), CADENCE_MS.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { loadMaskDetector } from '../src/biometrics/capture/mask-detector.node.ts';
import { formatTable } from '../src/biometrics/calibration/report.ts';
import type { StageTimingsMs } from '../src/biometrics/engine.ts';
import { defaultFaceEngineOptions, FaceEngine } from '../src/biometrics/engine.ts';
import { defaultModelsDir, loadFaceParts } from '../src/biometrics/engine-load.node.ts';
import type { FaceSessionEngine, FaceSessionUpdate } from '../src/biometrics/face-session.ts';
import { defaultProbePose, FaceSession, inProbePose } from '../src/biometrics/face-session.ts';
import { defaultTrackerOptions, FaceTracker } from '../src/biometrics/face-tracker.ts';
import type { RgbImage } from '../src/biometrics/image.ts';
import { measurePose } from '../src/biometrics/quality.ts';
import { loadPassiveTextureDetector } from '../src/biometrics/liveness/passive-texture.node.ts';
import { percentile } from '../src/biometrics/replay/pipeline.ts';
import { seededRandom } from '../src/shared/seeded-random.ts';

const execFileAsync = promisify(execFile);
const repoRoot = path.resolve(import.meta.dirname, '..');
const videoFile = path.join(repoRoot, '..', 'shared', 'data', 'video', 'talking-face.mp4');
const runs = Number(process.env['RUNS'] ?? 8);
const seconds = Number(process.env['SECONDS'] ?? 20);
const clipStartS = 45;
const sessionLimitMs = 15_000;
const cadenceMs = Number(process.env['CADENCE_MS'] ?? 62.5);

interface Frame {
  readonly image: RgbImage;
  readonly timestampMs: number;
}

async function clipFrames(): Promise<Frame[]> {
  const width = 360;
  const height = 288;
  const fps = 24;
  const { stdout } = await execFileAsync(
    'ffmpeg',
    [
      ...['-v', 'error', '-ss', String(clipStartS), '-i', videoFile, '-t', String(seconds)],
      ...['-vf', `scale=${width}:${height}`, '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'],
    ],
    { encoding: 'buffer', maxBuffer: width * height * 3 * fps * (seconds + 1) },
  );
  const bytes = width * height * 3;
  const frames: Frame[] = [];
  for (let offset = 0; offset + bytes <= stdout.byteLength; offset += bytes)
    frames.push({
      image: { width, height, data: new Uint8Array(stdout.subarray(offset, offset + bytes)) },
      timestampMs: (frames.length * 1000) / fps,
    });
  return frames;
}

interface RunOutcome {
  readonly kind: FaceSessionUpdate['kind'];
  readonly frames: number;
  /** Frames before the decision whose face was not in the probe pose (turned aside, or no face): the
   * session fuses no descriptor from them, whatever the engine costs. */
  readonly framesTurned: number;
  /** The natural policy asked the challenge (the passive median settled in the uncertain band): the clip
   * cannot answer it, so the session waits for a live median with natural motion instead. */
  readonly challengeAsked: boolean;
  readonly sinceFirstFaceMs: number | null;
  readonly motionWaitMs: number | null;
  readonly stages: StageTimingsMs[];
}

/** One session from `startMs`, fed the frame the camera shows when the previous push returns. */
async function runSession(
  engine: FaceSessionEngine,
  tools: Omit<ConstructorParameters<typeof FaceSession>[1], 'policy' | 'random' | 'timeLimitMs'>,
  frames: readonly Frame[],
  startMs: number,
): Promise<RunOutcome> {
  engine.reset?.();
  const session = new FaceSession(engine, {
    ...tools,
    policy: 'natural',
    random: seededRandom(1),
    timeLimitMs: sessionLimitMs,
  });
  const stages: StageTimingsMs[] = [];
  let framesTurned = 0;
  let clock = startMs;
  let last = -1;
  for (;;) {
    let index = last + 1;
    while (index + 1 < frames.length && (frames[index + 1]?.timestampMs ?? Infinity) <= clock)
      index += 1;
    const frame = frames[index];
    if (frame === undefined)
      return {
        kind: 'reading',
        frames: stages.length,
        framesTurned,
        challengeAsked: session.challenges.length > 0,
        sinceFirstFaceMs: null,
        motionWaitMs: null,
        stages,
      };
    last = index;
    clock = Math.max(clock, frame.timestampMs);
    const started = performance.now();
    const update = await session.push(frame.image, frame.timestampMs);
    clock += cadenceMs > 0 ? cadenceMs : performance.now() - started;
    stages.push(update.timingsMs);
    const face = update.kind === 'reading' ? update.face : null;
    if (
      update.kind === 'reading' &&
      (face === null || !inProbePose(measurePose(face.landmarks), defaultProbePose))
    )
      framesTurned += 1;
    if (update.kind === 'decided')
      return {
        kind: update.kind,
        frames: update.framesUsed,
        framesTurned,
        challengeAsked: session.challenges.length > 0,
        sinceFirstFaceMs: update.sinceFirstFaceMs,
        motionWaitMs: update.motionWaitMs,
        stages,
      };
    if (update.kind === 'refused')
      return {
        kind: update.kind,
        frames: update.framesUsed,
        framesTurned,
        challengeAsked: session.challenges.length > 0,
        sinceFirstFaceMs: update.sinceFirstFaceMs,
        motionWaitMs: null,
        stages,
      };
  }
}

/** Frames to decision less those the session spent waiting only for natural motion. */
function framesLessWait(outcome: RunOutcome): number {
  const first = outcome.sinceFirstFaceMs ?? 0;
  const perFrame = first / Math.max(1, outcome.frames - 1);
  return outcome.frames - (perFrame > 0 ? (outcome.motionWaitMs ?? 0) / perFrame : 0);
}

function median(values: readonly number[]): string {
  return values.length === 0 ? '-' : percentile([...values], 0.5).toFixed(1);
}

async function main(): Promise<void> {
  const { runtime, models } = await loadFaceParts(defaultModelsDir);
  const parts = { faceapi: runtime.faceapi, models, backend: runtime.backend };
  const variants: { label: string; engine: FaceSessionEngine }[] = [
    {
      label: 'tracker',
      engine: new FaceTracker(parts, defaultFaceEngineOptions, defaultTrackerOptions),
    },
    {
      label: 'tracker detect every frame',
      engine: new FaceTracker(parts, defaultFaceEngineOptions, {
        ...defaultTrackerOptions,
        redetectEveryFrames: 1,
      }),
    },
    { label: 'engine', engine: new FaceEngine(parts, defaultFaceEngineOptions) },
  ];
  const tools = {
    passive: await loadPassiveTextureDetector({ modelsDir: defaultModelsDir }),
    mask: await loadMaskDetector({ modelsDir: defaultModelsDir }),
  };
  const frames = await clipFrames();
  const span = (frames.at(-1)?.timestampMs ?? 0) - sessionLimitMs;
  const outcomes = new Map<string, RunOutcome[]>(variants.map((v) => [v.label, []]));
  // Warm-up: a second of frames through each (the first frames on wasm are several times slower).
  for (const variant of variants) await runSession(variant.engine, tools, frames.slice(0, 24), 0);
  for (let run = 0; run < runs; run += 1) {
    const startMs = (span * run) / Math.max(1, runs);
    // Rotated, so no variant always runs first (or right after another) on a shared machine.
    const order = variants
      .map((_, i) => variants[(i + run) % variants.length])
      .filter((v) => v !== undefined);
    for (const variant of order) {
      const outcome = await runSession(variant.engine, tools, frames, startMs);
      outcomes.get(variant.label)?.push(outcome);
      console.log(
        `run ${run} at ${(clipStartS + startMs / 1000).toFixed(1)} s ${variant.label}: ${outcome.kind} ` +
          `frames ${outcome.frames} (${framesLessWait(outcome).toFixed(1)} less motion wait, ${outcome.framesTurned} turned away${outcome.challengeAsked ? ', challenge asked' : ''}) since first face ${outcome.sinceFirstFaceMs?.toFixed(0) ?? '-'} ms ` +
          `motion wait ${outcome.motionWaitMs?.toFixed(0) ?? '-'} ms`,
      );
    }
  }
  const stageNames = ['detect', 'landmarks', 'eyes', 'describe', 'passive', 'total'] as const;
  const rows = variants.map((variant) => {
    const all = outcomes.get(variant.label) ?? [];
    const decided = all.filter((o) => o.kind === 'decided');
    const unasked = decided.filter((o) => !o.challengeAsked);
    const frameStages = all.flatMap((o) => o.stages);
    return [
      variant.label,
      `${decided.length}/${all.length}`,
      ...stageNames.map((s) =>
        median(frameStages.map((t) => (t as Record<string, number>)[s] ?? 0)),
      ),
      median(decided.map((o) => o.frames)),
      median(decided.map((o) => framesLessWait(o))),
      median(decided.map((o) => o.framesTurned)),
      median(decided.map((o) => Math.max(0, framesLessWait(o) - o.framesTurned))),
      `${all.filter((o) => o.challengeAsked).length}/${all.length}`,
      median(unasked.map((o) => o.frames)),
      median(unasked.map((o) => framesLessWait(o))),
    ];
  });
  console.log(
    formatTable(
      [
        'variant',
        'decided',
        ...stageNames.map((s) => `${s} ms`),
        'frames to decision',
        'frames less motion wait',
        'frames turned away',
        'less both',
        'challenge asked',
        'unasked: frames to decision',
        'unasked: less motion wait',
      ],
      rows,
    ),
  );
}

await main();
