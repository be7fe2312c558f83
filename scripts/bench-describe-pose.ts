// `npm run bench:describe-pose`: the kiosk's face session with the tracker as the worker had it (every ready
// frame the session asks for is described) and with describeInProbePose (turned faces are not described),
// A/B alternated in one process; per-frame stage times, frames described, and each session's outcome.
//
// Clips: talking-face.mp4 from RUNS start moments in 45..65 s, and every clip of ../shared/data/video/webcam
// from its start, at 360 px wide. As bench:tracker-session, a push is taken to last CADENCE_MS (default
// 62.5, the worker's per-frame median in bench:e2e), so which frames each session sees does not depend on
// this machine's load. Prints per clip and variant: outcome, frames used, reasons, frames described; then
// per variant the per-frame stage medians and p95 over every frame, and whether every outcome matched.
import { execFile } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { loadMaskDetector } from '../src/biometrics/capture/mask-detector.node.ts';
import { formatTable } from '../src/biometrics/calibration/report.ts';
import { describeInProbePose } from '../src/biometrics/describe-in-probe-pose.ts';
import { defaultFaceEngineOptions, descriptorDistance } from '../src/biometrics/engine.ts';
import { defaultModelsDir, loadFaceParts } from '../src/biometrics/engine-load.node.ts';
import type { FaceSessionEngine, FaceSessionTimingsMs } from '../src/biometrics/face-session.ts';
import { defaultProbePose, FaceSession } from '../src/biometrics/face-session.ts';
import { defaultTrackerOptions, FaceTracker } from '../src/biometrics/face-tracker.ts';
import type { RgbImage } from '../src/biometrics/image.ts';
import { loadPassiveTextureDetector } from '../src/biometrics/liveness/passive-texture.node.ts';
import { percentile } from '../src/biometrics/replay/pipeline.ts';
import { seededRandom } from '../src/shared/seeded-random.ts';

const execFileAsync = promisify(execFile);
const videoDir = path.resolve(import.meta.dirname, '..', '..', 'shared', 'data', 'video');
const runs = Number(process.env['RUNS'] ?? 4);
const cadenceMs = Number(process.env['CADENCE_MS'] ?? 62.5);
const sessionLimitMs = 15_000;
const width = 360;

interface Frame {
  readonly image: RgbImage;
  readonly timestampMs: number;
}

/** Frames at 24 fps, `width` wide (the height even, as ffmpeg's scale gives it). */
async function clipFrames(file: string, startS: number, seconds: number): Promise<Frame[]> {
  const fps = 24;
  const args = ['-v', 'error', '-ss', String(startS), '-i', file, '-t', String(seconds)];
  const probe = await execFileAsync(
    'ffmpeg',
    [
      ...args,
      ...['-frames:v', '1', '-vf', `scale=${width}:-2`, '-f', 'image2pipe', '-c:v', 'ppm', '-'],
    ],
    { encoding: 'buffer', maxBuffer: 1 << 24 },
  );
  const header = probe.stdout.subarray(0, 32).toString('latin1').split(/\s+/);
  const height = Number(header[2]);
  const { stdout } = await execFileAsync(
    'ffmpeg',
    [
      ...args,
      ...['-vf', `fps=${fps},scale=${width}:${height}`, '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'],
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

interface Outcome {
  readonly summary: string;
  readonly described: number;
  /** The decided session's fused descriptor. */
  readonly fused: Float32Array | null;
  readonly stages: FaceSessionTimingsMs[];
}

async function runSession(
  engine: FaceSessionEngine,
  tools: Omit<ConstructorParameters<typeof FaceSession>[1], 'policy' | 'random' | 'timeLimitMs'>,
  frames: readonly Frame[],
  startMs: number,
): Promise<Outcome> {
  engine.reset?.();
  const session = new FaceSession(engine, {
    ...tools,
    policy: 'natural',
    random: seededRandom(1),
    timeLimitMs: sessionLimitMs,
  });
  const stages: FaceSessionTimingsMs[] = [];
  let described = 0;
  let clock = startMs;
  let last = -1;
  for (;;) {
    let index = last + 1;
    while (index + 1 < frames.length && (frames[index + 1]?.timestampMs ?? Infinity) <= clock)
      index += 1;
    const frame = frames[index];
    if (frame === undefined)
      return { summary: `reading after ${stages.length} frames`, described, fused: null, stages };
    last = index;
    clock = Math.max(clock, frame.timestampMs) + cadenceMs;
    const update = await session.push(frame.image, frame.timestampMs);
    stages.push(update.timingsMs);
    if (update.timingsMs.describe > 0) described += 1;
    if (update.kind === 'decided')
      return {
        summary: `decided ${update.framesUsed} frames, ${update.descriptorFrames} fused`,
        described,
        fused: update.descriptor,
        stages,
      };
    if (update.kind === 'refused')
      return {
        summary: `refused ${update.framesUsed} frames: ${update.reasons.join(',')}`,
        described,
        fused: null,
        stages,
      };
  }
}

function stat(values: readonly number[]): string {
  if (values.length === 0) return '-';
  return `${percentile([...values], 0.5).toFixed(1)} / ${percentile([...values], 0.95).toFixed(1)}`;
}

function mean(values: readonly number[]): string {
  return values.length === 0
    ? '-'
    : (values.reduce((sum, v) => sum + v, 0) / values.length).toFixed(1);
}

async function main(): Promise<void> {
  const { runtime, models } = await loadFaceParts(defaultModelsDir);
  const tracker = new FaceTracker(
    { faceapi: runtime.faceapi, models, backend: runtime.backend },
    defaultFaceEngineOptions,
    defaultTrackerOptions,
  );
  const variants: { label: string; engine: FaceSessionEngine }[] = [
    { label: 'tracker (before)', engine: tracker },
    {
      label: 'describeInProbePose (after)',
      engine: describeInProbePose(tracker, defaultProbePose),
    },
  ];
  const tools = {
    passive: await loadPassiveTextureDetector({ modelsDir: defaultModelsDir }),
    mask: await loadMaskDetector({ modelsDir: defaultModelsDir }),
  };
  const talking = await clipFrames(path.join(videoDir, 'talking-face.mp4'), 45, 35);
  const webcam = (await readdir(path.join(videoDir, 'webcam'))).filter((f) => f !== 'manifest.csv');
  const cases: { label: string; frames: Frame[]; startMs: number }[] = [];
  for (let run = 0; run < runs; run += 1) {
    const startMs = (20_000 * run) / Math.max(1, runs);
    cases.push({ label: `talking-face @${45 + startMs / 1000}s`, frames: talking, startMs });
  }
  for (const file of webcam)
    cases.push({
      label: file,
      frames: await clipFrames(path.join(videoDir, 'webcam', file), 0, 10),
      startMs: 0,
    });
  // Warm-up: the first frames on wasm are several times slower.
  for (const variant of variants) await runSession(variant.engine, tools, talking.slice(0, 24), 0);
  const all = new Map<string, Outcome[]>(variants.map((v) => [v.label, []]));
  let same = 0;
  for (const [n, item] of cases.entries()) {
    // Alternated, so neither variant always runs first on a shared machine.
    const order = n % 2 === 0 ? variants : [...variants].reverse();
    const got = new Map<string, Outcome>();
    for (const variant of order) {
      const outcome = await runSession(variant.engine, tools, item.frames, item.startMs);
      got.set(variant.label, outcome);
      all.get(variant.label)?.push(outcome);
    }
    const summaries = variants.map((v) => got.get(v.label)?.summary);
    if (summaries.every((s) => s === summaries[0])) same += 1;
    const [a, b] = variants.map((v) => got.get(v.label)?.fused ?? null);
    const apart =
      a === null || b === null || a === undefined || b === undefined
        ? null
        : descriptorDistance(a, b);
    for (const variant of variants) {
      const outcome = got.get(variant.label);
      console.log(
        `${item.label} | ${variant.label}: ${outcome?.summary}; described ${outcome?.described}/${outcome?.stages.length}`,
      );
    }
    if (apart !== null) console.log(`${item.label}: fused descriptors ${apart.toFixed(4)} apart`);
  }
  const stageNames = ['detect', 'landmarks', 'eyes', 'describe', 'passive', 'total'] as const;
  console.log(
    formatTable(
      [
        'variant',
        'frames',
        'described',
        ...stageNames.map((s) => `${s} ms p50 / p95`),
        'describe ms mean',
        'total ms mean',
      ],
      variants.map((variant) => {
        const frames = (all.get(variant.label) ?? []).flatMap((o) => o.stages);
        const described = (all.get(variant.label) ?? []).reduce((sum, o) => sum + o.described, 0);
        return [
          variant.label,
          String(frames.length),
          String(described),
          ...stageNames.map((s) => stat(frames.map((t) => t[s]))),
          mean(frames.map((t) => t.describe)),
          mean(frames.map((t) => t.total)),
        ];
      }),
    ),
  );
  console.log(`outcomes the same: ${same}/${cases.length}`);
  tracker.dispose();
}

await main();
