// `npm run eval:frames`: recognition on what a kiosk camera delivers — every frame of the webcam and phone
// clips of ../shared/data/video/webcam against a gallery of everyone in faces/ and faces2/ — one frame at a
// time and fused over consecutive frames, as the face session fuses them, at an out-of-sample threshold.
//
// Usage: npx tsx scripts/eval-frames.ts [--clip <file>:<identity>]... [--windows 1,3,6] [--json <file>]
//          [--thresholds models/thresholds.json]
// Method.
// - Gallery: every person of faces/ and faces2/, one template per acquired photo (the hub scores a person by
//   their best template). The clip's own person is enrolled from photos only: faces2's `*_video_frame`
//   images (frames of these very clips) are left out.
// - Threshold, out of sample: for a clip of person P, the calibration's fit (lowest threshold with FMR <=
//   target on every subset) on every calibration pair that does not involve P, plus the safety margin of
//   models/thresholds.json. P's own photos never choose the threshold P is scored at.
// - Frames: decoded as `npm run replay` decodes them (rotation applied, every frame at its own time), each
//   through the production engine. A frame the quality gate refuses is counted by reason (FTA).
// - Windows: N consecutive acquired frames fused as the face session does (mean of unit descriptors,
//   renormalised). Genuine: the window's score with P. Impostor: with every other gallery person (not with
//   people the data says may be P: faces2's selfie_61dc1b5f and selfie_61dc1b75).
// Reported per clip and window size: FTA by reason, FNMR (windows below threshold), impostor comparisons,
// false matches and the highest impostor score; figures are measured, never assumed.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  acquireImages,
  cacheFileFor,
  firstDescriptorOf,
} from '../src/biometrics/calibration/acquire.node.ts';
import {
  calibrationRoots,
  descriptorCacheDir,
  linkedIdentities,
  loadPairs,
  readDataCsv,
} from '../src/biometrics/calibration/datasets.node.ts';
import type { ScoredPair } from '../src/biometrics/calibration/cross-validation.ts';
import {
  identityOf,
  scoredPairs,
  scoreSetOf,
  withMargin,
} from '../src/biometrics/calibration/cross-validation.ts';
import { pairImages } from '../src/biometrics/calibration/pairs.ts';
import { productionPipeline } from '../src/biometrics/calibration/production.node.ts';
import type { Cell } from '../src/biometrics/calibration/report.ts';
import { fixed, formatTable, percent } from '../src/biometrics/calibration/report.ts';
import { cosineSimilarity } from '../src/biometrics/calibration/scores.ts';
import { parseThresholdsFile } from '../src/biometrics/calibration/thresholds-file.ts';
import { selectThreshold } from '../src/biometrics/calibration/thresholds.ts';
import type { FaceEngine } from '../src/biometrics/engine.ts';
import { l2Normalize } from '../src/biometrics/engine.ts';
import { openFrameSource } from '../src/biometrics/replay/frame-source.node.ts';

const repoRoot = path.resolve(import.meta.dirname, '..');
const dataRoot = path.resolve(repoRoot, '..', 'shared', 'data');
const webcamDir = path.join(dataRoot, 'video', 'webcam');

interface Clip {
  file: string;
  /** The person as calibration names them: `faces2/<identity>`. */
  person: string;
}

interface FrameReading {
  reason: string | null;
  descriptor: Float32Array | null;
}

interface WindowFigures {
  window: number;
  windows: number;
  falseNonMatches: number;
  fnmr: number | null;
  impostorComparisons: number;
  falseMatches: number;
  highestImpostor: number | null;
}

interface ClipReport {
  clip: string;
  person: string;
  threshold: number;
  frames: number;
  failedToAcquire: Record<string, number>;
  windows: WindowFigures[];
}

function parseCli(): { clips: Clip[]; windows: number[]; json: string | null; thresholds: string } {
  const { values } = parseArgs({
    options: {
      clip: { type: 'string', multiple: true },
      windows: { type: 'string', default: '1,3,6' },
      json: { type: 'string' },
      thresholds: { type: 'string', default: path.join(repoRoot, 'models', 'thresholds.json') },
    },
  });
  const windows = values.windows.split(',').map(Number);
  if (windows.some((size) => !Number.isInteger(size) || size < 1 || size > 30)) {
    throw new Error('--windows: sizes 1..30, comma separated');
  }
  const clips = (values.clip ?? []).map((spec) => {
    const at = spec.lastIndexOf(':');
    if (at <= 0) throw new Error('--clip <file>:<identity>');
    return { file: path.resolve(spec.slice(0, at)), person: `faces2/${spec.slice(at + 1)}` };
  });
  return { clips, windows, json: values.json ?? null, thresholds: values.thresholds };
}

/** The webcam folder's clips and whose they are, from its manifest. */
async function defaultClips(): Promise<Clip[]> {
  const rows = await readDataCsv(path.join(webcamDir, 'manifest.csv'), ['file', 'identity']);
  return rows.map((row) => ({
    file: path.join(webcamDir, row['file'] ?? ''),
    person: `faces2/${row['identity'] ?? ''}`,
  }));
}

/** faces2's frames of the clips themselves (capture `*_video_frame`): never enrolled. */
async function videoFrameImages(): Promise<Set<string>> {
  const rows = await readDataCsv(path.join(dataRoot, 'faces2', 'capture.csv'), [
    'image',
    'capture',
  ]);
  return new Set(
    rows
      .filter((row) => row['capture']?.endsWith('_video_frame') === true)
      .map((row) => `faces2/${row['image'] ?? ''}`),
  );
}

async function readClip(engine: FaceEngine, file: string): Promise<FrameReading[]> {
  const source = await openFrameSource(file, { folderFps: 10 });
  const readings: FrameReading[] = [];
  for await (const frame of source.frames()) {
    const result = await engine.processFrame(frame.image);
    readings.push(
      result.ok
        ? { reason: null, descriptor: result.descriptor }
        : { reason: result.reason, descriptor: null },
    );
  }
  return readings;
}

function fuse(descriptors: readonly Float32Array[]): Float32Array {
  const first = descriptors[0];
  if (first === undefined) throw new Error('nothing to fuse');
  const sum = new Float32Array(first.length);
  for (const descriptor of descriptors) {
    for (let i = 0; i < sum.length; i += 1) sum[i] = (sum[i] ?? 0) + (descriptor[i] ?? 0);
  }
  return l2Normalize(sum);
}

function bestScore(probe: Float32Array, templates: readonly Float32Array[]): number {
  let best = -1;
  for (const template of templates) best = Math.max(best, cosineSimilarity(probe, template));
  return best;
}

function windowFigures(
  readings: readonly FrameReading[],
  window: number,
  person: string,
  gallery: ReadonlyMap<string, Float32Array[]>,
  threshold: number,
): WindowFigures {
  const acquired = readings.flatMap((reading) =>
    reading.descriptor === null ? [] : [reading.descriptor],
  );
  const own = gallery.get(person) ?? [];
  const samePerson = new Set(linkedIdentities.find((group) => group.includes(person)) ?? [person]);
  let windows = 0;
  let falseNonMatches = 0;
  let impostorComparisons = 0;
  let falseMatches = 0;
  let highestImpostor: number | null = null;
  for (let start = 0; start + window <= acquired.length; start += 1) {
    const probe = fuse(acquired.slice(start, start + window));
    windows += 1;
    if (bestScore(probe, own) < threshold) falseNonMatches += 1;
    for (const [other, templates] of gallery) {
      if (samePerson.has(other) || templates.length === 0) continue;
      const score = bestScore(probe, templates);
      impostorComparisons += 1;
      if (score >= threshold) falseMatches += 1;
      highestImpostor = Math.max(highestImpostor ?? -1, score);
    }
  }
  return {
    window,
    windows,
    falseNonMatches,
    fnmr: windows === 0 ? null : falseNonMatches / windows,
    impostorComparisons,
    falseMatches,
    highestImpostor,
  };
}

/** The calibration's fit on every pair that leaves out `person` (and anyone linked to them), plus the margin. */
function thresholdWithout(
  person: string,
  pairs: readonly ScoredPair[],
  targetFmr: number,
  margin: number,
): number {
  const left = new Set(linkedIdentities.find((group) => group.includes(person)) ?? [person]);
  const kept = pairs.filter((pair) => !left.has(pair.identityA) && !left.has(pair.identityB));
  return withMargin(selectThreshold(scoreSetOf(kept), targetFmr).threshold, margin);
}

async function main(): Promise<void> {
  const args = parseCli();
  const calibration = parseThresholdsFile(await readFile(args.thresholds, 'utf8'));
  const clips = args.clips.length > 0 ? args.clips : await defaultClips();
  const loaded = await loadPairs(calibrationRoots(dataRoot));
  const images = pairImages([...loaded.pairs, ...loaded.maskGroups]);
  const pipeline = await productionPipeline();
  try {
    if (calibration.modelId !== pipeline.engine.modelId) {
      throw new Error(
        `${args.thresholds} is for ${calibration.modelId}, not ${pipeline.engine.modelId}`,
      );
    }
    const acquired = await acquireImages({
      root: loaded.base,
      images,
      embed: pipeline.embed,
      pipelineKey: pipeline.pipelineKey,
      cacheFile: cacheFileFor(descriptorCacheDir, pipeline.pipelineKey),
    });
    const descriptorOf = firstDescriptorOf(acquired);
    const pairs = scoredPairs([...loaded.pairs, ...loaded.maskGroups], descriptorOf);
    const clipFrames = await videoFrameImages();
    const gallery = new Map<string, Float32Array[]>();
    for (const image of images) {
      const descriptor = descriptorOf(image);
      const person = identityOf(image);
      const templates = gallery.get(person) ?? [];
      gallery.set(person, templates);
      if (descriptor !== null && !clipFrames.has(image)) templates.push(descriptor);
    }
    const reports: ClipReport[] = [];
    for (const clip of clips) {
      if (!gallery.has(clip.person)) throw new Error(`${clip.person} is not in faces/ or faces2/`);
      const started = performance.now();
      const readings = await readClip(pipeline.engine, clip.file);
      const threshold = thresholdWithout(
        clip.person,
        pairs,
        calibration.targetFmr,
        calibration.outOfSample.safetyMargin,
      );
      const failedToAcquire: Record<string, number> = {};
      for (const reading of readings) {
        if (reading.reason !== null) {
          failedToAcquire[reading.reason] = (failedToAcquire[reading.reason] ?? 0) + 1;
        }
      }
      reports.push({
        clip: path.relative(dataRoot, clip.file),
        person: clip.person,
        threshold,
        frames: readings.length,
        failedToAcquire,
        windows: args.windows.map((window) =>
          windowFigures(readings, window, clip.person, gallery, threshold),
        ),
      });
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      process.stderr.write(
        `${path.basename(clip.file)}: ${readings.length} frames, ${seconds} s\n`,
      );
    }
    printReport(reports, gallery.size, pipeline.engine.modelId);
    if (args.json !== null) {
      await writeFile(
        args.json,
        `${JSON.stringify({ modelId: pipeline.engine.modelId, clips: reports }, null, 2)}\n`,
      );
    }
  } finally {
    pipeline.engine.dispose();
  }
}

function printReport(reports: readonly ClipReport[], galleryPeople: number, modelId: string): void {
  console.log(
    `model ${modelId}; gallery ${galleryPeople} people (faces/ + faces2/); threshold per clip fitted ` +
      `without the clip's person + the calibrated safety margin (out of sample)\n`,
  );
  const rows: Cell[][] = [];
  for (const report of reports) {
    const failed = Object.values(report.failedToAcquire).reduce((sum, count) => sum + count, 0);
    const reasons = Object.entries(report.failedToAcquire)
      .map(([reason, count]) => `${reason} ${count}`)
      .join(', ');
    for (const figures of report.windows) {
      rows.push([
        report.clip,
        fixed(report.threshold, 4),
        report.frames,
        `${percent(report.frames === 0 ? null : failed / report.frames, 1)}${reasons === '' ? '' : ` (${reasons})`}`,
        figures.window,
        figures.windows,
        `${percent(figures.fnmr, 1)} (${figures.falseNonMatches})`,
        `${percent(figures.impostorComparisons === 0 ? null : figures.falseMatches / figures.impostorComparisons, 3)} (${figures.falseMatches} of ${figures.impostorComparisons})`,
        fixed(figures.highestImpostor, 4),
      ]);
    }
  }
  console.log(
    formatTable(
      [
        'clip',
        'threshold',
        'frames',
        'FTA frames (reasons)',
        'fused',
        'windows',
        'FNMR',
        'FMR',
        'top impostor',
      ],
      rows,
    ),
  );
}

try {
  await main();
} catch (error) {
  console.error(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
  process.exitCode = 1;
}
