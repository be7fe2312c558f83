// `npm run bench:face`: per-stage latency (median, p95) per backend, the tracking loop's frames per second on
// a real video, accuracy per subset, and face-api's reference usage (SSD + landmarks + descriptor) as baseline.
// Stage `eyes` is the face mesh + iris eyelid reading blinks are counted on (liveness/mesh-eye-reader.ts).
//
// Environment: PER_SUBSET (photos per subset, default 20), FRAMES (video frames, default 120),
// CPU_PHOTOS (photos on the pure-JS cpu backend, default 6; 0 skips it), REDETECT (tracker interval, default: the tracker's, 6),
// SEARCH_SIZES (gallery sizes for section 5, default 10000,100000,1000000; 0 skips it).
// Sections:
// 1. Photos (nuaa webcam crops + facerec web photos): FaceEngine.processFrame per stage, and face-api's
//    reference usage on the same photos, on the backend the engine chose (wasm here).
// 2. Video (../shared/data/video/talking-face.mp4, consecutive frames decoded by ffmpeg): the tracking loop
//    (detector on the first frame, when the face is lost and every REDETECT frames; landmarks from the
//    previous box otherwise), the engine with detection on every frame, and the reference usage on every
//    frame. "Decision-ready" = a frame that produced a descriptor; goal: median <= 150 ms (printed only).
// 3. Accuracy per subset at the calibrated threshold, from models/thresholds.json (`npm run calibrate`).
// 4. The same per-stage measurement on tfjs's cpu backend, when it loads, on a few photos.
// 5. 1:N search over synthetic protected templates (scripts/bench-search.ts in its own process, after the
//    engine is disposed, so the two measurements do not share a heap): p50/p95 and memory vs a plain loop.
import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { formatTable, percent } from '../src/biometrics/calibration/report.ts';
import { parseThresholdsFile } from '../src/biometrics/calibration/thresholds-file.ts';
import type { Stage, StageTimingsMs } from '../src/biometrics/engine.ts';
import { defaultFaceEngineOptions, FaceEngine } from '../src/biometrics/engine.ts';
import type { LoadedFaceParts } from '../src/biometrics/engine-load.node.ts';
import { defaultModelsDir, loadFaceParts } from '../src/biometrics/engine-load.node.ts';
import { faceapiInput } from '../src/biometrics/faceapi-bridge.ts';
import { decodeImage } from '../src/biometrics/image-decode.node.ts';
import type { RgbImage } from '../src/biometrics/image.ts';
import { defaultTrackerOptions, FaceTracker } from '../src/biometrics/face-tracker.ts';

const execFileAsync = promisify(execFile);
const repoRoot = path.resolve(import.meta.dirname, '..');
const sharedData = path.resolve(repoRoot, '..', 'shared', 'data');
const facesDir = path.join(sharedData, 'faces');
const videoFile = path.join(sharedData, 'video', 'talking-face.mp4');
const subsets = ['nuaa_client_', 'facerec_'];
const perSubsetMax = Number(process.env['PER_SUBSET'] ?? 20);
const videoFrames = Number(process.env['FRAMES'] ?? 120);
const cpuPhotos = Number(process.env['CPU_PHOTOS'] ?? 6);
const redetectEvery = Number(process.env['REDETECT'] ?? defaultTrackerOptions.redetectEveryFrames);
const decisionReadyGoalMs = 150;
const stages: Array<Stage | 'total'> = [
  'detect',
  'landmarks',
  'eyes',
  'quality',
  'align',
  'describe',
  'total',
];

type FaceApi = LoadedFaceParts['runtime']['faceapi'];

async function photos(prefix: string): Promise<string[]> {
  const identities = (await readdir(facesDir)).filter((name) => name.startsWith(prefix)).sort();
  const files: string[] = [];
  for (const identity of identities) {
    const names = (await readdir(path.join(facesDir, identity)))
      .filter((name) => name.endsWith('.jpg'))
      .sort();
    files.push(...names.map((name) => path.join(facesDir, identity, name)));
  }
  const step = Math.max(1, Math.floor(files.length / perSubsetMax));
  return files.filter((_, index) => index % step === 0).slice(0, perSubsetMax);
}

/** Consecutive RGB frames of a video, decoded by Debian's ffmpeg. */
async function videoRgbFrames(file: string, count: number): Promise<RgbImage[]> {
  const probe = await execFileAsync('ffprobe', [
    '-v',
    'error',
    '-select_streams',
    'v:0',
    '-show_entries',
    'stream=width,height',
    '-of',
    'csv=p=0',
    file,
  ]);
  const [width, height] = probe.stdout.trim().split(',').map(Number) as [number, number];
  const { stdout } = await execFileAsync(
    'ffmpeg',
    [
      '-v',
      'error',
      '-i',
      file,
      '-frames:v',
      String(count),
      '-f',
      'rawvideo',
      '-pix_fmt',
      'rgb24',
      '-',
    ],
    { encoding: 'buffer', maxBuffer: width * height * 3 * count + 1 },
  );
  const frameBytes = width * height * 3;
  const frames: RgbImage[] = [];
  for (let offset = 0; offset + frameBytes <= stdout.byteLength; offset += frameBytes) {
    frames.push({
      width,
      height,
      data: new Uint8Array(stdout.subarray(offset, offset + frameBytes)),
    });
  }
  return frames;
}

function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

function ms(value: number): string {
  return Number.isFinite(value) ? value.toFixed(1) : '-';
}

function stageRows(label: string, timings: readonly StageTimingsMs[]): string[][] {
  return stages.map((stage) => {
    const values = timings.map((timing) => timing[stage]);
    return [`${label} ${stage}`, ms(quantile(values, 0.5)), ms(quantile(values, 0.95))];
  });
}

async function referenceUsage(faceapi: FaceApi, image: RgbImage): Promise<number> {
  const tensor = tf.tensor3d(image.data, [image.height, image.width, 3], 'int32');
  const start = performance.now();
  await faceapi
    .detectAllFaces(faceapiInput(tensor), new faceapi.SsdMobilenetv1Options({ minConfidence: 0.5 }))
    .withFaceLandmarks()
    .withFaceDescriptors();
  const elapsed = performance.now() - start;
  tensor.dispose();
  return elapsed;
}

async function benchPhotos(
  engine: FaceEngine,
  faceapi: FaceApi,
  images: readonly RgbImage[],
): Promise<number> {
  const timings: StageTimingsMs[] = [];
  const reference: number[] = [];
  let ok = 0;
  for (const image of images) {
    const result = await engine.processFrame(image);
    if (result.ok) ok += 1;
    timings.push(result.timingsMs);
    reference.push(await referenceUsage(faceapi, image));
  }
  console.log(
    `\n1. photos: ${images.length} (nuaa + facerec), ${ok} passed the quality gate; backend ${tf.getBackend()}`,
  );
  const rows = [
    ...stageRows('engine', timings),
    ['face-api reference', ms(quantile(reference, 0.5)), ms(quantile(reference, 0.95))],
  ];
  console.log(formatTable(['stage (ms)', 'median', 'p95'], rows));
  const ratio =
    quantile(
      timings.map((t) => t.total),
      0.5,
    ) / quantile(reference, 0.5);
  console.log(`engine total / face-api reference (median): ${ratio.toFixed(2)}`);
  return ratio;
}

interface LoopRun {
  label: string;
  perFrame: number[];
  ready: number[];
  wallMs: number;
  detections: number;
}

async function benchVideo(
  parts: LoadedFaceParts,
  engine: FaceEngine,
  frames: readonly RgbImage[],
): Promise<LoopRun[]> {
  const engineParts = {
    faceapi: parts.runtime.faceapi,
    models: parts.models,
    backend: parts.runtime.backend,
  };
  const tracker = new FaceTracker(engineParts, defaultFaceEngineOptions, {
    ...defaultTrackerOptions,
    redetectEveryFrames: redetectEvery,
  });
  const first = frames[0];
  if (first === undefined) throw new Error(`no frames decoded from ${videoFile}`);
  await tracker.process(first);
  const trackedStages: StageTimingsMs[] = [];
  const runs: LoopRun[] = [
    await timeLoop(
      `tracking loop (detect every ${redetectEvery} or when lost)`,
      frames,
      async (frame) => {
        const result = await tracker.process(frame);
        trackedStages.push(result.timingsMs);
        return { totalMs: result.timingsMs.total, ready: result.ready, detected: result.detected };
      },
    ),
    await timeLoop('engine, detector on every frame', frames, async (frame) => {
      const result = await engine.processFrame(frame);
      return { totalMs: result.timingsMs.total, ready: result.ok, detected: true };
    }),
    await timeLoop('face-api reference (SSD + landmarks + descriptor)', frames, async (frame) => {
      const elapsed = await referenceUsage(parts.runtime.faceapi, frame);
      return { totalMs: elapsed, ready: true, detected: true };
    }),
  ];
  printVideo(runs, frames, trackedStages);
  return runs;
}

/** One pass of a loop over the frames: per-frame time, decision-ready frames, detector runs, wall time. */
async function timeLoop(
  label: string,
  frames: readonly RgbImage[],
  step: (frame: RgbImage) => Promise<{ totalMs: number; ready: boolean; detected: boolean }>,
): Promise<LoopRun> {
  const run: LoopRun = { label, perFrame: [], ready: [], wallMs: 0, detections: 0 };
  const start = performance.now();
  for (const frame of frames) {
    const result = await step(frame);
    run.perFrame.push(result.totalMs);
    if (result.ready) run.ready.push(result.totalMs);
    if (result.detected) run.detections += 1;
  }
  run.wallMs = performance.now() - start;
  return run;
}

function printVideo(
  runs: readonly LoopRun[],
  frames: readonly RgbImage[],
  trackedStages: readonly StageTimingsMs[],
): void {
  const size = `${frames[0]?.width ?? 0}x${frames[0]?.height ?? 0}`;
  console.log(
    `\n2. video: ${frames.length} consecutive frames of talking-face.mp4 (${size}); backend ${tf.getBackend()}`,
  );
  const baseline = runs[runs.length - 1];
  const rows = runs.map((run) => {
    const fps = (run.perFrame.length * 1000) / run.wallMs;
    const baseFps =
      baseline === undefined ? Number.NaN : (baseline.perFrame.length * 1000) / baseline.wallMs;
    return [
      run.label,
      fps.toFixed(1),
      `${run.ready.length}/${run.perFrame.length}`,
      run.detections,
      ms(quantile(run.ready, 0.5)),
      ms(quantile(run.ready, 0.95)),
      `${(fps / baseFps).toFixed(2)}x`,
    ];
  });
  console.log(
    formatTable(
      [
        'loop',
        'fps',
        'ready',
        'detector runs',
        'ready median ms',
        'ready p95 ms',
        'fps vs reference',
      ],
      rows,
    ),
  );
  console.log('tracking loop per stage:');
  console.log(formatTable(['stage (ms)', 'median', 'p95'], stageRows('tracked', trackedStages)));
  const tracked = runs[0];
  const median = tracked === undefined ? Number.NaN : quantile(tracked.ready, 0.5);
  console.log(
    `decision-ready frame (tracking loop, ${tf.getBackend()}): median ${ms(median)} ms; goal <= ${decisionReadyGoalMs} ms: ` +
      (median <= decisionReadyGoalMs ? 'met' : 'NOT met'),
  );
}

async function printAccuracy(engine: FaceEngine): Promise<void> {
  const file = path.join(repoRoot, 'models', 'thresholds.json');
  const calibration = parseThresholdsFile(await readFile(file, 'utf8'));
  const same = calibration.modelId === engine.modelId;
  console.log(
    `\n3. accuracy per subset at threshold ${calibration.threshold} (${calibration.metric}, target FMR ` +
      `${percent(calibration.targetFmr, 1)} on every subset), from models/thresholds.json` +
      (same
        ? ''
        : ` -- STALE: calibrated for ${calibration.modelId}, engine runs ${engine.modelId}`),
  );
  const rows = Object.entries(calibration.perSubset).map(([subset, entry]) => [
    subset,
    entry.genuinePairs,
    entry.impostorPairs,
    entry.failedToAcquire,
    percent(entry.fmr, 3),
    percent(entry.fnmr),
    percent(entry.fnmrAtOwnThreshold),
    percent(entry.eer),
  ]);
  console.log(
    formatTable(
      ['subset', 'genuine', 'impostor', 'FTA pairs', 'FMR', 'FNMR', 'FNMR@own', 'EER'],
      rows,
    ),
  );
}

async function benchCpu(engine: FaceEngine, images: readonly RgbImage[]): Promise<void> {
  if (cpuPhotos <= 0) return;
  const previous = tf.getBackend();
  try {
    await import('@tensorflow/tfjs-backend-cpu');
    if (!(await tf.setBackend('cpu'))) throw new Error('setBackend(cpu) returned false');
    await tf.ready();
  } catch (error) {
    console.log(
      `\n4. cpu backend: did not load (${error instanceof Error ? error.message : String(error)})`,
    );
    return;
  }
  const sample = images.slice(0, cpuPhotos);
  const first = sample[0];
  if (first !== undefined) await engine.processFrame(first); // moves the weights to the cpu backend
  const timings: StageTimingsMs[] = [];
  for (const image of sample) timings.push((await engine.processFrame(image)).timingsMs);
  console.log(`\n4. photos on the ${tf.getBackend()} backend (pure JS): ${sample.length}`);
  console.log(formatTable(['stage (ms)', 'median', 'p95'], stageRows('engine', timings)));
  await tf.setBackend(previous);
}

async function main(): Promise<void> {
  const parts = await loadFaceParts(defaultModelsDir);
  const engine = new FaceEngine(
    { faceapi: parts.runtime.faceapi, models: parts.models, backend: parts.runtime.backend },
    defaultFaceEngineOptions,
  );
  const { faceapi } = parts.runtime;
  await faceapi.nets.ssdMobilenetv1.loadFromDisk(defaultModelsDir);
  await faceapi.nets.faceLandmark68Net.loadFromDisk(defaultModelsDir);
  await faceapi.nets.faceRecognitionNet.loadFromDisk(defaultModelsDir);
  const files = (await Promise.all(subsets.map(photos))).flat();
  const images = await Promise.all(files.map(async (file) => decodeImage(await readFile(file))));
  const warmup = images[0];
  if (warmup === undefined) throw new Error(`no photos under ${facesDir}`);
  await engine.processFrame(warmup);
  await referenceUsage(faceapi, warmup);
  console.log(
    `backend ${parts.runtime.backend} (${parts.runtime.fallbackReason ?? 'native'}); model ${engine.modelId}`,
  );
  await benchPhotos(engine, faceapi, images);
  await benchVideo(parts, engine, await videoRgbFrames(videoFile, videoFrames));
  await printAccuracy(engine);
  await benchCpu(engine, images);
  engine.dispose();
  await benchSearch();
}

async function benchSearch(): Promise<void> {
  const sizes = process.env['SEARCH_SIZES'] ?? '10000,100000,1000000';
  if (sizes === '0') return;
  console.log(`\n5. 1:N search over synthetic protected templates (scripts/bench-search.ts)`);
  const tsx = path.resolve(import.meta.dirname, '..', 'node_modules', '.bin', 'tsx');
  const script = path.resolve(import.meta.dirname, 'bench-search.ts');
  const { stdout } = await execFileAsync(tsx, ['--expose-gc', script, '--sizes', sizes], {
    maxBuffer: 16 * 1024 * 1024,
  });
  process.stdout.write(stdout);
}

await main();
