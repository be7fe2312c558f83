// `npm run eval:frames`: recognition on what a kiosk camera delivers — every frame of the webcam and phone
// clips of ../shared/data/video/webcam against a gallery of everyone in faces/ and faces2/ — one frame at a
// time and fused over consecutive frames, as the face session fuses them, at an out-of-sample threshold.
//
// Usage: npx tsx scripts/eval-frames.ts [--clip <file>:<identity>]... [--self-enrol <file>:<seconds>]...
//          [--band <yaw half-width>,<pitch min>,<pitch max>]... [--windows 1,3,6] [--json <file>]
//          [--thresholds models/thresholds.json] [--frame-width <px>]
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
// - Pose-aware variant: each acquired frame keeps the gate's yawRatio and pitchRatio (measurePose); windows
//   are then N consecutive acquired frames inside a frontal band (|yaw - 0.5| <= b, pitch in [lo, hi]), as a
//   kiosk that waits for frontal frames would fuse. The band is chosen leave-one-clip-out over a small grid
//   (lowest mean FNMR on the other clips, no false match added); in-sample figures beside, labelled. The
//   main table fuses every acquired frame (the session before it waited for frames facing the camera);
//   today's session band (face-session.ts defaultProbePose) is always scored beside it, and --band adds others.
// - Only the webcam clips' people are known to calibration (video/live and the pad clips' are not). A clip of
//   anyone else can be added with --self-enrol: its frames before <seconds> enrol it, the rest are probes at
//   the threshold fitted on every calibration pair (+ margin); its genuine scores are in-clip (labelled).
// - --frame-width N: every decoded frame wider than N px is scaled down to N px wide (sharp's default
//   resampling) before the engine reads it, as a kiosk camera at that resolution would deliver it (issue 8:
//   400x300 webcam frames, faces 90-130 px). The gallery's photos are not scaled.
// Reported per clip and window size: FTA by reason, FNMR (windows below threshold), impostor comparisons,
// false matches and the highest impostor score; figures are measured, never assumed.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
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
import type { RgbImage } from '../src/biometrics/image.ts';
import { l2Normalize } from '../src/biometrics/engine.ts';
import { openFrameSource } from '../src/biometrics/replay/frame-source.node.ts';
import {
  bandFigures,
  bandGrid,
  bandLabel,
  clipBand,
  falseMatchesOf,
  gateBand,
  heldOutChoices,
  inSampleChoices,
  meanFnmr,
  meanShare,
  sessionBand,
  type BandFigures,
  type BandedClip,
  type FramePose,
  type PoseBand,
  type PoseChoice,
  type WindowFigures,
} from './eval-frames/pose-bands.ts';

const repoRoot = path.resolve(import.meta.dirname, '..');
const dataRoot = path.resolve(repoRoot, '..', 'shared', 'data');
const webcamDir = path.join(dataRoot, 'video', 'webcam');

interface Clip {
  file: string;
  /** The person as calibration names them: `faces2/<identity>`, or `self:<file>` for a self-enrolled clip. */
  person: string;
  /** Self-enrolled (a clip whose person calibration does not know): its acquired frames before this many
   * seconds are that person's templates, the frames after are the probes. Null: enrolled from photos. */
  enrolSeconds: number | null;
}

interface FrameReading {
  timestampMs: number;
  reason: string | null;
  descriptor: Float32Array | null;
  /** The quality gate's pose measures (quality.ts measurePose on the 68 landmarks); null when not acquired. */
  pose: FramePose | null;
}

interface ClipReport extends BandedClip {
  person: string;
  threshold: number;
  failedToAcquire: Record<string, number>;
  windows: WindowFigures[];
  /** Per decoded frame: [yawRatio, pitchRatio] of an acquired frame, null for a refused one. */
  framePoses: ([number, number] | null)[];
  /** Self-enrolled clips only: how the person was enrolled (their genuine scores are in-clip). */
  selfEnrolment: { seconds: number; templates: number } | null;
}

function parseCli(): {
  clips: Clip[];
  selfEnrolled: Clip[];
  /** --band: bands to score as given (e.g. a session's tuning), beside the grid, never chosen here. */
  givenBands: PoseBand[];
  windows: number[];
  json: string | null;
  thresholds: string;
  frameWidth: number | null;
} {
  const { values } = parseArgs({
    options: {
      clip: { type: 'string', multiple: true },
      'self-enrol': { type: 'string', multiple: true },
      band: { type: 'string', multiple: true },
      windows: { type: 'string', default: '1,3,6' },
      json: { type: 'string' },
      thresholds: { type: 'string', default: path.join(repoRoot, 'models', 'thresholds.json') },
      'frame-width': { type: 'string' },
    },
  });
  const frameWidth = values['frame-width'] === undefined ? null : Number(values['frame-width']);
  if (frameWidth !== null && !(Number.isInteger(frameWidth) && frameWidth >= 64)) {
    throw new Error('--frame-width: a whole number of pixels, at least 64');
  }
  const windows = values.windows.split(',').map(Number);
  if (windows.some((size) => !Number.isInteger(size) || size < 1 || size > 30)) {
    throw new Error('--windows: sizes 1..30, comma separated');
  }
  const clips = (values.clip ?? []).map((spec) => {
    const at = spec.lastIndexOf(':');
    if (at <= 0) throw new Error('--clip <file>:<identity>');
    return {
      file: path.resolve(spec.slice(0, at)),
      person: `faces2/${spec.slice(at + 1)}`,
      enrolSeconds: null,
    };
  });
  const selfEnrolled = (values['self-enrol'] ?? []).map((spec) => {
    const at = spec.lastIndexOf(':');
    const seconds = Number(spec.slice(at + 1));
    if (at <= 0 || !(seconds > 0)) throw new Error('--self-enrol <file>:<seconds>');
    const file = path.resolve(spec.slice(0, at));
    return { file, person: `self:${path.basename(file)}`, enrolSeconds: seconds };
  });
  const givenBands = (values.band ?? []).map((spec) => {
    const [yawHalfWidth, pitchMin, pitchMax] = spec.split(',').map(Number);
    if (yawHalfWidth === undefined || pitchMin === undefined || pitchMax === undefined) {
      throw new Error('--band <yaw half-width>,<pitch min>,<pitch max>');
    }
    if (!(yawHalfWidth > 0 && yawHalfWidth <= 0.5 && pitchMin < pitchMax)) {
      throw new Error('--band: yaw half-width in (0, 0.5], pitch min below pitch max');
    }
    return { yawHalfWidth, pitchMin, pitchMax };
  });
  return {
    clips,
    selfEnrolled,
    givenBands,
    windows,
    json: values.json ?? null,
    thresholds: values.thresholds,
    frameWidth,
  };
}

/** The frame scaled down to `width` px wide (kept as is when it is not wider). */
async function scaledFrame(image: RgbImage, width: number | null): Promise<RgbImage> {
  if (width === null || image.width <= width) return image;
  const { data, info } = await sharp(Buffer.from(image.data), {
    raw: { width: image.width, height: image.height, channels: 3 },
  })
    .resize(width)
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data) };
}

/** The webcam folder's clips and whose they are, from its manifest. */
async function defaultClips(): Promise<Clip[]> {
  const rows = await readDataCsv(path.join(webcamDir, 'manifest.csv'), ['file', 'identity']);
  return rows.map((row) => ({
    file: path.join(webcamDir, row['file'] ?? ''),
    person: `faces2/${row['identity'] ?? ''}`,
    enrolSeconds: null,
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

async function readClip(
  engine: FaceEngine,
  file: string,
  frameWidth: number | null,
): Promise<FrameReading[]> {
  const source = await openFrameSource(file, { folderFps: 10 });
  const readings: FrameReading[] = [];
  for await (const frame of source.frames()) {
    const result = await engine.processFrame(await scaledFrame(frame.image, frameWidth));
    const timestampMs = frame.timestampMs;
    readings.push(
      result.ok
        ? {
            timestampMs,
            reason: null,
            descriptor: result.descriptor,
            pose: { yawRatio: result.face.pose.yawRatio, pitchRatio: result.face.pose.pitchRatio },
          }
        : { timestampMs, reason: result.reason, descriptor: null, pose: null },
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

/** Every acquired frame's figures are the gate band's: every acquired frame lies inside it, so its
 * windows are the clip's windows of acquired frames (scored once, not again for the band). */
function everyFrameFigures(
  poseBands: readonly BandFigures[],
  readings: readonly FrameReading[],
): WindowFigures[] {
  const gate = poseBands.find((entry) => entry.band === gateBand);
  const acquired = readings.filter((reading) => reading.descriptor !== null).length;
  if (gate === undefined || gate.framesInBand !== acquired) {
    throw new Error(`the gate's band must hold every acquired frame (${acquired})`);
  }
  return gate.windows;
}

/** A self-enrolled clip: its acquired frames before the enrolment time join the gallery as its person's
 * templates and leave the probes; every other clip is scored as read, against the photo gallery. */
function splitEnrolment(
  all: readonly FrameReading[],
  clip: Clip,
  gallery: ReadonlyMap<string, Float32Array[]>,
): {
  readings: FrameReading[];
  galleryOf: ReadonlyMap<string, Float32Array[]>;
  selfEnrolment: ClipReport['selfEnrolment'];
} {
  if (clip.enrolSeconds === null)
    return { readings: [...all], galleryOf: gallery, selfEnrolment: null };
  const cut = clip.enrolSeconds * 1000;
  const templates = all.flatMap((reading) =>
    reading.timestampMs < cut && reading.descriptor !== null ? [reading.descriptor] : [],
  );
  if (templates.length === 0) throw new Error(`${clip.file}: no face acquired to enrol`);
  const galleryOf = new Map(gallery);
  galleryOf.set(clip.person, templates);
  return {
    readings: all.filter((reading) => reading.timestampMs >= cut),
    galleryOf,
    selfEnrolment: { seconds: clip.enrolSeconds, templates: templates.length },
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
  const clips = [
    ...(args.clips.length > 0 ? args.clips : await defaultClips()),
    ...args.selfEnrolled,
  ];
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
      if (clip.enrolSeconds === null && !gallery.has(clip.person)) {
        throw new Error(`${clip.person} is not in faces/ or faces2/`);
      }
      const started = performance.now();
      const { readings, galleryOf, selfEnrolment } = splitEnrolment(
        await readClip(pipeline.engine, clip.file, args.frameWidth),
        clip,
        gallery,
      );
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
      const poseBands = bandFigures(
        [...bandGrid, sessionBand, ...args.givenBands],
        readings,
        args.windows,
        (inside, window) => windowFigures(inside, window, clip.person, galleryOf, threshold),
      );
      reports.push({
        clip: path.relative(dataRoot, clip.file),
        person: clip.person,
        threshold,
        frames: readings.length,
        failedToAcquire,
        windows: everyFrameFigures(poseBands, readings),
        framePoses: readings.map((reading) =>
          reading.pose === null ? null : [reading.pose.yawRatio, reading.pose.pitchRatio],
        ),
        poseBands,
        selfEnrolment,
      });
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      process.stderr.write(
        `${path.basename(clip.file)}: ${readings.length} frames, ${seconds} s\n`,
      );
    }
    printReport(reports, gallery.size, pipeline.engine.modelId);
    const heldOut = heldOutChoices(reports, args.windows);
    const inSample = inSampleChoices(reports, args.windows);
    printPoseReport(reports, args.windows, heldOut, inSample);
    printGivenBand(reports, args.windows, sessionBand, 'face-session.ts defaultProbePose');
    for (const band of args.givenBands) {
      printGivenBand(reports, args.windows, band, '--band: not chosen here');
    }
    if (args.json !== null) {
      const poseAware = { bandGrid, heldOut, inSample, sessionBand, givenBands: args.givenBands };
      await writeFile(
        args.json,
        `${JSON.stringify(
          {
            modelId: pipeline.engine.modelId,
            frameWidth: args.frameWidth,
            clips: reports,
            poseAware,
          },
          null,
          2,
        )}\n`,
      );
    }
  } finally {
    pipeline.engine.dispose();
  }
}

function printReport(reports: readonly ClipReport[], galleryPeople: number, modelId: string): void {
  console.log(
    `model ${modelId}; gallery ${galleryPeople} people (faces/ + faces2/); threshold per clip fitted ` +
      `without the clip's person + the calibrated safety margin (out of sample); every acquired frame ` +
      `fused (today's session fuses only frames facing the camera: its band's table follows the pose tables)\n`,
  );
  const rows: Cell[][] = [];
  for (const report of reports) {
    const failed = Object.values(report.failedToAcquire).reduce((sum, count) => sum + count, 0);
    const reasons = Object.entries(report.failedToAcquire)
      .map(([reason, count]) => `${reason} ${count}`)
      .join(', ');
    for (const figures of report.windows) {
      rows.push([
        clipLabel(report),
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

function clipLabel(report: ClipReport): string {
  return report.selfEnrolment === null
    ? report.clip
    : `${report.clip} (self-enrolled ${report.selfEnrolment.seconds} s, ${report.selfEnrolment.templates} templates)`;
}

function figuresCell(figures: WindowFigures): string {
  return `${percent(figures.fnmr, 1)} (${figures.falseNonMatches}/${figures.windows})`;
}

function matchesCell(figures: WindowFigures): string {
  return `${figures.falseMatches} of ${figures.impostorComparisons}`;
}

function printPoseReport(
  reports: readonly ClipReport[],
  windows: readonly number[],
  heldOut: readonly PoseChoice[],
  inSample: readonly PoseChoice[],
): void {
  console.log(
    `\npose-aware: windows of N consecutive acquired frames inside a frontal band (|yawRatio-0.5|, pitchRatio ` +
      `from the 68 landmarks, as the quality gate measures them). Band chosen leave-one-clip-out on the other ` +
      `clips (lowest mean FNMR, a clip with no window counted as a miss, no false match added to the gate's); ` +
      `in-sample (band chosen on all clips, labelled) beside. "short": fewer than N frames in band.\n`,
  );
  const rows: Cell[][] = [];
  for (const window of windows) {
    for (const report of reports) {
      const everyFrame = clipBand(report, gateBand, window).figures;
      const held = heldOut.find((row) => row.clip === report.clip && row.window === window);
      const ins = inSample.find((row) => row.clip === report.clip && row.window === window);
      if (held === undefined || ins === undefined) throw new Error('choice missing');
      rows.push([
        clipLabel(report),
        window,
        figuresCell(everyFrame),
        matchesCell(everyFrame),
        bandLabel(held.band),
        figuresCell(held.figures),
        matchesCell(held.figures),
        framesInBandCell(held.framesInBand, report.frames, window),
        bandLabel(ins.band),
        figuresCell(ins.figures),
        matchesCell(ins.figures),
      ]);
    }
  }
  console.log(
    formatTable(
      [
        ...everyFrameHeaders,
        'held-out band',
        'FNMR held-out',
        'FM held-out',
        'frames in band',
        'in-sample band',
        'FNMR in-sample',
        'FM in-sample',
      ],
      rows,
    ),
  );
  printBandGrid(reports, windows);
}

/** The first columns of the pose tables: the clip, the frames fused, and fusing every acquired frame. */
const everyFrameHeaders = ['clip', 'fused', 'FNMR every frame', 'FM every frame'];

/** The share of a clip's frames inside a band; "short" when too few to fuse `window` of them. */
function framesInBandCell(inBand: number, frames: number, window: number): string {
  const share = percent(inBand / Math.max(1, frames), 0);
  return `${share} (${inBand}/${frames})${inBand < window ? ' short' : ''}`;
}

/** A band chosen elsewhere (today's session, or --band): scored on every clip, chosen by nobody here,
 * so in sample wherever it was read off these clips. */
function printGivenBand(
  reports: readonly ClipReport[],
  windows: readonly number[],
  band: PoseBand,
  source: string,
): void {
  console.log(`\nband ${bandLabel(band)} (${source}; in sample if read off these clips)\n`);
  const rows: Cell[][] = [];
  for (const window of windows) {
    for (const report of reports) {
      const everyFrame = clipBand(report, gateBand, window).figures;
      const given = clipBand(report, band, window);
      rows.push([
        clipLabel(report),
        window,
        figuresCell(everyFrame),
        matchesCell(everyFrame),
        figuresCell(given.figures),
        matchesCell(given.figures),
        fixed(given.figures.highestImpostor, 4),
        framesInBandCell(given.framesInBand, report.frames, window),
      ]);
    }
  }
  console.log(
    formatTable(
      [...everyFrameHeaders, 'FNMR band', 'FM band', 'top impostor', 'frames in band'],
      rows,
    ),
  );
}

/** Every band of the grid on every clip (in sample: what the choice saw). */
function printBandGrid(reports: readonly ClipReport[], windows: readonly number[]): void {
  console.log(
    '\nband grid, all clips (in sample): mean FNMR over clips (no window = miss), false matches, mean share of frames in band, clips short\n',
  );
  const rows: Cell[][] = [];
  for (const band of bandGrid) {
    for (const window of windows) {
      const clipRows = reports.map((report) => clipBand(report, band, window));
      rows.push([
        bandLabel(band),
        window,
        percent(meanFnmr(clipRows), 1),
        falseMatchesOf(clipRows),
        percent(meanShare(clipRows), 0),
        clipRows.filter((row) => row.framesInBand < window).length,
      ]);
    }
  }
  console.log(formatTable(['band', 'fused', 'mean FNMR', 'FM', 'in band', 'short'], rows));
}

try {
  await main();
} catch (error) {
  console.error(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
  process.exitCode = 1;
}
