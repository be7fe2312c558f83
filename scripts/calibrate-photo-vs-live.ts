// `npm run calibrate:photo-vs-live`: the enrolment station's 1:1 threshold for "ID photo vs live face",
// chosen and measured by identity-disjoint cross-validation, written to models/photo-vs-live.json.
//
// Usage: npx tsx scripts/calibrate-photo-vs-live.ts [--out models/photo-vs-live.json] [--target-fmr 0.001]
//          [--folds 4] [--repeats 10] [--windows 1,3,4] [--frame-step 3]
//
// Pairs that model the station (faces2's selfie_webcam, the only people with both kinds of capture):
// - photo: a still of the person, as the officer's camera takes one (capture.csv `phone_photo`, `webcam_photo`);
// - live: a frame of the person's own phone or webcam clip (capture.csv `*_video_frame`);
// genuine = photo and frame of one person; impostor = photo of one person, frame of another of the subset
// (never between selfie_61dc1b5f and selfie_61dc1b75, who may be one woman). Condition `photo_vs_live`, split
// by the frame's camera (`photo_vs_live/phone_video_frame`, `.../webcam_video_frame`).
// No subset has a printed document's photo filmed by a camera: these stills stand in for it.
//
// Method.
// 1. Descriptors from the production engine through the shared descriptor cache (calibrate.ts's step 1).
// 2. Fit: the calibration's own procedure (calibrate.ts step 3) over every condition of faces/ and faces2/
//    AND the photo-vs-live conditions: the lowest threshold at which every condition keeps FMR <= target.
//    The photo-vs-live pairs alone cannot choose it: 168 impostor pairs of 6 people resolve no FMR below
//    1/168, and the station's impostor (someone else's document, their own face in front of a webcam) is
//    the worst condition's impostor, not these six people's. What the photo-vs-live pairs alone would
//    choose is printed as a labelled comparison, with the FMR it gives on the other conditions.
// 3. Out of sample (cross-validation.ts, nested margin): people are dealt to --folds folds --repeats times.
//    Four folds, not calibrate.ts's five: a photo-vs-live impostor pair is tested only when both its people
//    share a test fold, and five folds deal the subset's five people (the linked two as one) one per fold;
//    ten seeds, so most pairs of people meet in some test fold. A condition of fewer than 2 x folds people
//    (this one included) also gets a leave-pair-out fold per impostor person-pair, so every such pair is
//    tested; its sessions are scored at those folds' thresholds too.
// 4. Several live frames: the phone/webcam clips of ../shared/data/video/webcam, every --frame-step-th
//    frame (the face session describes every third), through the engine (cached); the acquired frames cut
//    into consecutive windows of N; each window against every selfie_webcam photo, combined as the median
//    or the best of the cosines or the cosine with the fused (mean) descriptor, at each fold's threshold.
//    The file's rule is the lower out-of-sample FNMR of `median` and `fused` at the station's frame count;
//    `best` is shown only: a best-of-N is N tries at a threshold fitted for one.
//    How much `fused` and `best` lift a stranger's score over the median's is measured in sample on every
//    window against the photos of every other subset's people (easy impostors, but 700+ of them).
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { assert } from '../src/shared/assert.ts';
import { stationLiveTemplatesMax } from '../src/shared/limits.ts';
import {
  acquireImages,
  cacheFileFor,
  sha256Hex,
  firstDescriptorOf,
} from '../src/biometrics/calibration/acquire.node.ts';
import type {
  ConditionSummary,
  CrossValidationResult,
  ScoredPair,
} from '../src/biometrics/calibration/cross-validation.ts';
import {
  crossValidate,
  identityOf,
  outcomeTests,
  scoredPairs,
  scoreSetOf,
  summarizeConditions,
  thresholdCrossValidationOptions,
} from '../src/biometrics/calibration/cross-validation.ts';
import {
  calibrationRoots,
  descriptorCacheDir,
  linkedIdentities,
  loadPairs,
  readDataCsv,
} from '../src/biometrics/calibration/datasets.node.ts';
import type { FoldSpread } from '../src/biometrics/calibration/fold-spread.ts';
import { spread } from '../src/biometrics/calibration/fold-spread.ts';
import type { LabelledPair } from '../src/biometrics/calibration/pairs.ts';
import { pairImages } from '../src/biometrics/calibration/pairs.ts';
import type { LiveCombination } from '../src/biometrics/calibration/photo-vs-live.ts';
import {
  liveCombinations,
  photoToLiveScore,
  photoVsLiveFileSchema,
} from '../src/biometrics/calibration/photo-vs-live.ts';
import { productionPipeline } from '../src/biometrics/calibration/production.node.ts';
import type { Cell } from '../src/biometrics/calibration/report.ts';
import { fixed, formatTable, percent } from '../src/biometrics/calibration/report.ts';
import { ratesAt, selectThreshold } from '../src/biometrics/calibration/thresholds.ts';
import type { FaceEngine } from '../src/biometrics/engine.ts';
import { openFrameSource } from '../src/biometrics/replay/frame-source.node.ts';

const scriptVersion = 'scripts/calibrate-photo-vs-live.ts v1';
const repoRoot = path.resolve(import.meta.dirname, '..');
const dataRoot = path.resolve(repoRoot, '..', 'shared', 'data');
const webcamDir = path.join(dataRoot, 'video', 'webcam');
const cvSeed = 'facepay-photo-vs-live';
const condition = 'photo_vs_live';
const stillCaptures = new Set(['phone_photo', 'webcam_photo']);

interface Args {
  out: string;
  targetFmr: number;
  folds: number;
  repeats: number;
  windows: number[];
  frameStep: number;
}

function parseCli(): Args {
  const { values } = parseArgs({
    options: {
      out: { type: 'string', default: path.join(repoRoot, 'models', 'photo-vs-live.json') },
      'target-fmr': { type: 'string', default: '0.001' },
      folds: { type: 'string', default: '4' },
      repeats: { type: 'string', default: '10' },
      windows: { type: 'string', default: `1,3,${stationLiveTemplatesMax}` },
      'frame-step': { type: 'string', default: '3' },
    },
  });
  const targetFmr = Number(values['target-fmr']);
  if (!(targetFmr > 0 && targetFmr < 1)) throw new Error('--target-fmr must be in (0, 1)');
  const folds = Number(values.folds);
  const repeats = Number(values.repeats);
  const frameStep = Number(values['frame-step']);
  if (!Number.isInteger(folds) || folds < 2 || folds > 20) throw new Error('--folds: 2..20');
  if (!Number.isInteger(repeats) || repeats < 1 || repeats > 50)
    throw new Error('--repeats: 1..50');
  if (!Number.isInteger(frameStep) || frameStep < 1 || frameStep > 30) {
    throw new Error('--frame-step: 1..30');
  }
  const windows = values.windows.split(',').map(Number);
  if (windows.some((size) => !Number.isInteger(size) || size < 1 || size > 30)) {
    throw new Error('--windows: sizes 1..30, comma separated');
  }
  return { out: path.resolve(values.out), targetFmr, folds, repeats, windows, frameStep };
}

/** faces2's capture of each selfie image, keyed `faces2/<identity>/<n>.jpg`. */
async function readCaptures(): Promise<Map<string, string>> {
  const rows = await readDataCsv(path.join(dataRoot, 'faces2', 'capture.csv'), [
    'image',
    'capture',
  ]);
  return new Map(rows.map((row) => [`faces2/${row['image'] ?? ''}`, row['capture'] ?? '']));
}

function samePerson(a: string, b: string): boolean {
  return a === b || linkedIdentities.some((group) => group.includes(a) && group.includes(b));
}

/** Every (still photo, video frame) of the selfie people: genuine within a person, impostor across. */
function photoVsLivePairs(captures: ReadonlyMap<string, string>): LabelledPair[] {
  const stills = [...captures].filter(([, capture]) => stillCaptures.has(capture));
  const frames = [...captures].filter(([, capture]) => capture.endsWith('_video_frame'));
  const pairs: LabelledPair[] = [];
  for (const [photo] of stills) {
    for (const [frame, capture] of frames) {
      const genuine = identityOf(photo) === identityOf(frame);
      if (!genuine && samePerson(identityOf(photo), identityOf(frame))) continue;
      for (const subset of [condition, `${condition}/${capture}`]) {
        pairs.push({ imgA: photo, imgB: frame, genuine, subset });
      }
    }
  }
  return pairs.sort((a, b) => (a.subset + a.imgA + a.imgB < b.subset + b.imgA + b.imgB ? -1 : 1));
}

interface Clip {
  file: string;
  person: string;
  capture: string;
}

async function webcamClips(): Promise<Clip[]> {
  const rows = await readDataCsv(path.join(webcamDir, 'manifest.csv'), [
    'file',
    'identity',
    'capture',
  ]);
  return rows.map((row) => ({
    file: path.join(webcamDir, row['file'] ?? ''),
    person: `faces2/${row['identity'] ?? ''}`,
    capture: row['capture'] ?? '',
  }));
}

interface ClipFrames {
  clip: Clip;
  read: number;
  /** Why each refused frame was refused, by reason. */
  failed: Record<string, number>;
  descriptors: Float32Array[];
}

interface ClipCache {
  version: 1;
  pipelineKey: string;
  /** `<clip sha256>:<frame step>` -> per read frame: base64 descriptor or `!reason`. */
  clips: Record<string, string[]>;
}

/** Every `step`-th frame of each clip through the engine, read once and kept in the descriptor cache. */
async function readClips(
  clips: readonly Clip[],
  engine: FaceEngine,
  pipelineKey: string,
  step: number,
): Promise<ClipFrames[]> {
  const cacheFile = cacheFileFor(descriptorCacheDir, `clip-frames-${pipelineKey}`);
  let cache: ClipCache = { version: 1, pipelineKey, clips: {} };
  try {
    const parsed = JSON.parse(await readFile(cacheFile, 'utf8')) as Partial<ClipCache>;
    if (parsed.version === 1 && parsed.pipelineKey === pipelineKey && parsed.clips !== undefined) {
      cache = { version: 1, pipelineKey, clips: parsed.clips };
    }
  } catch {
    // No cache yet (or a torn one): read the clips.
  }
  let changed = false;
  const result: ClipFrames[] = [];
  for (const clip of clips) {
    const key = `${sha256Hex(await readFile(clip.file))}:${step}`;
    let entries = cache.clips[key];
    if (entries === undefined) {
      const started = performance.now();
      entries = [];
      const source = await openFrameSource(clip.file, { folderFps: 10 });
      for await (const frame of source.frames()) {
        if (frame.index % step !== 0) continue;
        const outcome = await engine.processFrame(frame.image);
        entries.push(
          outcome.ok
            ? Buffer.from(
                outcome.descriptor.buffer,
                outcome.descriptor.byteOffset,
                outcome.descriptor.byteLength,
              ).toString('base64')
            : `!${outcome.reason}`,
        );
      }
      cache.clips[key] = entries;
      changed = true;
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      process.stderr.write(`${path.basename(clip.file)}: ${entries.length} frames, ${seconds} s\n`);
    }
    const failed: Record<string, number> = {};
    const descriptors: Float32Array[] = [];
    for (const entry of entries) {
      if (entry.startsWith('!')) {
        failed[entry.slice(1)] = (failed[entry.slice(1)] ?? 0) + 1;
      } else {
        const bytes = Buffer.from(entry, 'base64');
        descriptors.push(
          new Float32Array(
            bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
          ),
        );
      }
    }
    result.push({ clip, read: entries.length, failed, descriptors });
  }
  if (changed) {
    await mkdir(path.dirname(cacheFile), { recursive: true });
    const temporary = `${cacheFile}.${process.pid}.tmp`;
    await writeFile(temporary, JSON.stringify(cache));
    await rename(temporary, cacheFile);
  }
  return result;
}

/** One live capture at the station: N consecutive acquired frames of one clip against one photo. */
interface Session {
  photoPerson: string;
  livePerson: string;
  genuine: boolean;
  photo: Float32Array;
  live: Float32Array[];
}

function sessions(
  clips: readonly ClipFrames[],
  photos: readonly { image: string; descriptor: Float32Array }[],
  window: number,
): Session[] {
  const out: Session[] = [];
  for (const clip of clips) {
    for (let start = 0; start + window <= clip.descriptors.length; start += window) {
      const live = clip.descriptors.slice(start, start + window);
      for (const photo of photos) {
        const photoPerson = identityOf(photo.image);
        const genuine = photoPerson === clip.clip.person;
        if (!genuine && samePerson(photoPerson, clip.clip.person)) continue;
        out.push({
          photoPerson,
          livePerson: clip.clip.person,
          genuine,
          photo: photo.descriptor,
          live,
        });
      }
    }
  }
  return out;
}

interface SessionFigures {
  window: number;
  combine: LiveCombination;
  genuine: number;
  impostor: number;
  falseNonMatches: number;
  falseMatches: number;
  fnmr: number | null;
  fmr: number | null;
  fnmrSpread: FoldSpread | null;
  fmrSpread: FoldSpread | null;
  /** In sample (labelled): every session of the condition at the shipped threshold. */
  inSampleFnmr: number | null;
}

/** Each session scored at the threshold of every test fold holding both its people (out of sample). */
function sessionFigures(
  all: readonly Session[],
  window: number,
  combine: LiveCombination,
  cv: CrossValidationResult,
): SessionFigures {
  const scores = all.map((session) => photoToLiveScore(session.photo, session.live, combine));
  let genuine = 0;
  let impostor = 0;
  let falseNonMatches = 0;
  let falseMatches = 0;
  const fnmrs: (number | null)[] = [];
  const fmrs: (number | null)[] = [];
  for (const outcome of cv.outcomes) {
    // k-fold folds and the leave-pair-out folds alike: both people of a session held out of its threshold.
    const tests = outcomeTests(cv, outcome);
    const fold = { genuine: 0, impostor: 0, falseNonMatches: 0, falseMatches: 0 };
    for (const [index, session] of all.entries()) {
      if (!tests(session.photoPerson, session.livePerson)) continue;
      const matched = (scores[index] ?? -1) >= outcome.threshold;
      if (session.genuine) {
        fold.genuine += 1;
        if (!matched) fold.falseNonMatches += 1;
      } else {
        fold.impostor += 1;
        if (matched) fold.falseMatches += 1;
      }
    }
    genuine += fold.genuine;
    impostor += fold.impostor;
    falseNonMatches += fold.falseNonMatches;
    falseMatches += fold.falseMatches;
    fnmrs.push(fold.genuine === 0 ? null : fold.falseNonMatches / fold.genuine);
    fmrs.push(fold.impostor === 0 ? null : fold.falseMatches / fold.impostor);
  }
  return {
    window,
    combine,
    genuine,
    impostor,
    falseNonMatches,
    falseMatches,
    fnmr: genuine === 0 ? null : falseNonMatches / genuine,
    fmr: impostor === 0 ? null : falseMatches / impostor,
    fnmrSpread: spread(fnmrs),
    fmrSpread: spread(fmrs),
    inSampleFnmr: shippedFnmr(all, scores, cv.threshold),
  };
}

function shippedFnmr(
  all: readonly Session[],
  scores: readonly number[],
  threshold: number,
): number | null {
  const genuine = scores.filter((_, index) => all[index]?.genuine === true);
  return genuine.length === 0
    ? null
    : genuine.filter((score) => score < threshold).length / genuine.length;
}

/** Distinct pairs of the condition that some test fold scored (a genuine pair always is). */
function testedPairs(
  pairs: readonly ScoredPair[],
  cv: CrossValidationResult,
): { genuine: number; impostor: number } {
  let genuine = 0;
  let impostor = 0;
  for (const pair of pairs) {
    if (pair.condition !== condition) continue;
    const tested = cv.outcomes.some((outcome) =>
      outcomeTests(cv, outcome)(pair.identityA, pair.identityB),
    );
    if (!tested) continue;
    if (pair.genuine) genuine += 1;
    else impostor += 1;
  }
  return { genuine, impostor };
}

async function main(): Promise<void> {
  const args = parseCli();
  const loaded = await loadPairs(calibrationRoots(dataRoot));
  const captures = await readCaptures();
  const station = photoVsLivePairs(captures);
  const calibrationPairs = [...loaded.pairs, ...loaded.maskGroups];
  const images = pairImages([...calibrationPairs, ...station]);
  const pipeline = await productionPipeline();
  try {
    const acquired = await acquireImages({
      root: loaded.base,
      images,
      embed: pipeline.embed,
      pipelineKey: pipeline.pipelineKey,
      cacheFile: cacheFileFor(descriptorCacheDir, pipeline.pipelineKey),
    });
    const descriptorOf = firstDescriptorOf(acquired);
    const scored = scoredPairs([...calibrationPairs, ...station], descriptorOf);
    const stationScored = scored.filter((pair) => pair.condition === condition);
    const genuinePairs = stationScored.filter((pair) => pair.genuine).length;
    const impostorPairs = stationScored.length - genuinePairs;
    const pairsLine =
      `faces2 selfie_webcam: still photo (capture.csv phone_photo/webcam_photo, 20 images of 6 people) vs ` +
      `video frame (phone_video_frame/webcam_video_frame, 12 frames of 3 people); ${genuinePairs} genuine ` +
      `(same person), ${impostorPairs} impostor (different people, never selfie_61dc1b5f vs selfie_61dc1b75); ` +
      `threshold fitted with every faces/ and faces2/ condition, the worst deciding`;
    console.log(
      `model ${pipeline.engine.modelId}; ${images.length} images (${acquired.cacheHits} from cache); ` +
        `${scored.length} scored pairs incl. photo-vs-live conditions\n${pairsLine}`,
    );

    const cv = crossValidate(
      thresholdCrossValidationOptions({
        pairs: scored,
        folds: args.folds,
        repeats: args.repeats,
        seed: cvSeed,
        linked: linkedIdentities,
        targetFmr: args.targetFmr,
      }),
    );
    const summaries = summarizeConditions(cv.outcomes, args.targetFmr);
    const pvl = summaries.get(condition);
    assert(pvl !== undefined, 'the photo-vs-live condition was tested');
    const tested = testedPairs(scored, cv);
    printOutOfSample(cv, summaries, args);

    // Several live frames per decision: the clips, scored at the same folds' thresholds.
    const clips = await readClips(
      await webcamClips(),
      pipeline.engine,
      pipeline.pipelineKey,
      args.frameStep,
    );
    const photos = [...captures]
      .filter(([, capture]) => stillCaptures.has(capture))
      .flatMap(([image]) => {
        const descriptor = descriptorOf(image);
        return descriptor === null ? [] : [{ image, descriptor }];
      });
    const figures = args.windows.flatMap((window) => {
      const all = sessions(clips, photos, window);
      return liveCombinations.map((combine) => sessionFigures(all, window, combine, cv));
    });
    printClips(clips, figures, args.frameStep);
    const clipPeople = clips.map((clip) => clip.clip.person);
    const strangers = images.flatMap((image) => {
      const descriptor = descriptorOf(image);
      const stranger = !clipPeople.some((person) => samePerson(person, identityOf(image)));
      return descriptor !== null && stranger && !captures.has(image) ? [descriptor] : [];
    });
    const strangerFigures = strangerShift(clips, strangers, stationLiveTemplatesMax, cv.threshold);
    printStrangers(strangerFigures, strangers.length, stationLiveTemplatesMax, cv.threshold);
    const stationWindow = Math.max(
      ...args.windows.filter((window) => window <= stationLiveTemplatesMax),
    );
    const candidates = figures.filter(
      (entry) => entry.window === stationWindow && entry.combine !== 'best',
    );
    const chosen = candidates.reduce((best, entry) =>
      (entry.fnmr ?? 1) < (best.fnmr ?? 1) ? entry : best,
    );
    console.log(
      `\nlive frames combine as the ${chosen.combine} (lower out-of-sample FNMR than the other at ` +
        `${stationWindow} frames; median wins a tie)`,
    );

    printInSample(cv, scored, args.targetFmr);

    assert(
      pvl.fmr !== null && pvl.fnmr !== null,
      'photo-vs-live impostor and genuine pairs were tested',
    );
    const file = photoVsLiveFileSchema.parse({
      modelId: pipeline.engine.modelId,
      threshold: cv.threshold,
      targetFmr: args.targetFmr,
      combine: chosen.combine,
      outOfSample: {
        fmr: round(pvl.fmr),
        fnmr: round(pvl.fnmr),
        genuinePairs: tested.genuine,
        impostorPairs: tested.impostor,
        folds: args.folds,
        seeds: args.repeats,
        fmrWorstFold: round(pvl.fmrSpread?.worst ?? 0),
        fnmrWorstFold: round(pvl.fnmrSpread?.worst ?? 0),
      },
      pairs: pairsLine,
      fittedAt: new Date().toISOString(),
    });
    const record = {
      ...file,
      outOfSample: {
        ...file.outOfSample,
        protocol:
          `identity-disjoint ${args.folds}-fold cross-validation x ${args.repeats} seeds (${cvSeed}/<n>), ` +
          `plus a leave-pair-out fold per impostor person-pair of each condition under ${2 * args.folds} ` +
          'people; a fold threshold fitted on the other people + a margin chosen by an inner cross-validation on them',
        genuineTests: pvl.genuinePairs,
        impostorTests: pvl.comparedImpostors,
        falseNonMatches: pvl.falseNonMatches,
        falseMatches: pvl.falseMatches,
        fmrMedianFold: round(pvl.fmrSpread?.median ?? 0),
        fmrBestFold: round(pvl.fmrSpread?.best ?? 0),
        fnmrMedianFold: round(pvl.fnmrSpread?.median ?? 0),
        fnmrBestFold: round(pvl.fnmrSpread?.best ?? 0),
        foldsWithImpostors: pvl.fmrSpread?.folds ?? 0,
        foldsWithGenuine: pvl.fnmrSpread?.folds ?? 0,
        worstConditionFmr: worstCondition(summaries),
        byLiveCapture: Object.fromEntries(
          [...summaries]
            .filter(([name]) => name.startsWith(`${condition}/`))
            .map(([name, entry]) => [name.slice(condition.length + 1), brief(entry)]),
        ),
      },
      inSampleThreshold: cv.inSampleThreshold,
      safetyMargin: cv.margin.margin,
      // Nested, out of sample: every outer test fold (k-fold and pair folds) held at its own threshold.
      safetyMarginHeld: cv.margin.held,
      // In sample: the margin made the very k-fold folds it was chosen on hold (this field's meaning
      // before the pair folds, when it was written as safetyMarginHeld).
      safetyMarginFoundOnItsFolds: cv.marginFound,
      liveFrames: figures.map((entry) => ({
        frames: entry.window,
        combine: entry.combine,
        genuineTests: entry.genuine,
        impostorTests: entry.impostor,
        fnmr: entry.fnmr === null ? null : round(entry.fnmr),
        fmr: entry.fmr === null ? null : round(entry.fmr),
        fnmrWorstFold: entry.fnmrSpread === null ? null : round(entry.fnmrSpread.worst),
        inSampleFnmrAtThreshold: entry.inSampleFnmr === null ? null : round(entry.inSampleFnmr),
      })),
      strangers: strangerFigures.map((entry) => ({
        frames: stationLiveTemplatesMax,
        combine: entry.combine,
        comparisons: entry.comparisons,
        matches: entry.matches,
        highest: round(entry.highest),
        liftOverMedianP99: round(entry.shift.p99),
      })),
      createdBy: scriptVersion,
    };
    await mkdir(path.dirname(args.out), { recursive: true });
    await writeFile(args.out, `${JSON.stringify(record, null, 2)}\n`);
    console.log(`\nwrote ${path.relative(process.cwd(), args.out)}: threshold ${file.threshold}`);
  } finally {
    pipeline.engine.dispose();
  }
}

function round(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}

function brief(entry: ConditionSummary): Record<string, number | null> {
  return {
    genuineTests: entry.genuinePairs,
    impostorTests: entry.comparedImpostors,
    fmr: entry.fmr === null ? null : round(entry.fmr),
    fnmr: entry.fnmr === null ? null : round(entry.fnmr),
    fnmrWorstFold: entry.fnmrSpread === null ? null : round(entry.fnmrSpread.worst),
  };
}

/** The safety figure: the highest out-of-sample FMR of any condition, and which. */
function worstCondition(summaries: ReadonlyMap<string, ConditionSummary>): {
  condition: string;
  fmr: number;
  fmrWorstFold: number;
} {
  let worst = { condition: '', fmr: -1, fmrWorstFold: 0 };
  for (const [name, entry] of summaries) {
    if (entry.fmr !== null && entry.fmr > worst.fmr) {
      worst = {
        condition: name,
        fmr: round(entry.fmr),
        fmrWorstFold: round(entry.fmrSpread?.worst ?? 0),
      };
    }
  }
  return worst;
}

function printOutOfSample(
  cv: CrossValidationResult,
  summaries: ReadonlyMap<string, ConditionSummary>,
  args: Args,
): void {
  const thresholds = spread(cv.outcomes.map((outcome) => outcome.threshold));
  console.log(
    `\nOUT OF SAMPLE (${args.folds}-fold identity-disjoint cross-validation x ${args.repeats} seeds, plus ` +
      `${cv.outcomes.filter((outcome) => outcome.kind === 'pair').length} leave-pair-out folds; a fold's ` +
      `threshold is fitted on the other people + a margin chosen on them alone; fold thresholds ` +
      `${fixed(thresholds?.best ?? null)}..${fixed(thresholds?.worst ?? null)}):`,
  );
  console.log(
    `threshold ${cv.threshold} = fit on everyone ${cv.inSampleThreshold} + safety margin ${cv.margin.margin}` +
      `${cv.marginFound ? '' : ' (NOT enough: some k-fold fold stayed above the target at the largest margin)'}; ` +
      `target FMR ${percent(args.targetFmr, 1)} on every condition`,
  );
  const worst = cv.worstFold;
  console.log(
    cv.margin.held
      ? 'nested verdict: every test fold held every condition at its own threshold (safetyMarginHeld true)'
      : 'nested verdict: FMR target NOT held out of sample (safetyMarginHeld false)' +
          (worst === null
            ? ''
            : `; worst fold ${worst.label} on ${worst.condition}: ${worst.falseMatches}/${worst.comparedImpostors}`),
  );
  const rows: Cell[][] = [...summaries].map(([name, entry]) => [
    name,
    entry.genuinePairs,
    entry.comparedImpostors,
    `${percent(entry.fmr, 3)} (${entry.falseMatches})`,
    foldCells(entry.fmrSpread, 2),
    `${entry.foldsOverTarget}`,
    `${percent(entry.fnmr)} (${entry.falseNonMatches})`,
    foldCells(entry.fnmrSpread, 1),
  ]);
  console.log(
    formatTable(
      [
        'condition (tests summed over seeds)',
        'genuine',
        'impostors',
        'FMR (pooled)',
        'FMR worst/median/best fold',
        'folds > target',
        'FNMR (pooled)',
        'FNMR worst/median/best fold',
      ],
      rows,
    ),
  );
}

function foldCells(value: FoldSpread | null, digits: number): string {
  if (value === null) return '-';
  return (
    `${percent(value.worst, digits)} / ${percent(value.median, digits)} / ` +
    `${percent(value.best, digits)} of ${value.folds}`
  );
}

interface StrangerFigures {
  combine: LiveCombination;
  comparisons: number;
  matches: number;
  highest: number;
  /** The combined score minus the median's, over every window and stranger: p50, p99, max. */
  shift: { p50: number; p99: number; max: number };
}

/**
 * Does combining frames lift strangers' scores? Every window of the clips against every photo of the
 * people without clips (faces/ and faces2/ but selfie_webcam: other subsets, so easy impostors), in sample.
 */
function strangerShift(
  clips: readonly ClipFrames[],
  strangers: readonly Float32Array[],
  window: number,
  threshold: number,
): StrangerFigures[] {
  const scores = new Map<LiveCombination, number[]>(liveCombinations.map((c) => [c, []]));
  for (const clip of clips) {
    for (let start = 0; start + window <= clip.descriptors.length; start += window) {
      const live = clip.descriptors.slice(start, start + window);
      for (const photo of strangers) {
        for (const combine of liveCombinations) {
          scores.get(combine)?.push(photoToLiveScore(photo, live, combine));
        }
      }
    }
  }
  const median = scores.get('median') ?? [];
  return liveCombinations.map((combine) => {
    const own = scores.get(combine) ?? [];
    const shifts = own
      .map((score, index) => score - (median[index] ?? score))
      .sort((a, b) => a - b);
    const at = (q: number): number =>
      shifts[Math.min(shifts.length - 1, Math.floor(q * shifts.length))] ?? 0;
    return {
      combine,
      comparisons: own.length,
      matches: own.filter((score) => score >= threshold).length,
      highest: Math.max(...own),
      shift: { p50: at(0.5), p99: at(0.99), max: shifts.at(-1) ?? 0 },
    };
  });
}

function printStrangers(
  figures: readonly StrangerFigures[],
  photos: number,
  window: number,
  threshold: number,
): void {
  console.log(
    `\nIN SAMPLE, strangers: each window of ${window} frames vs ${photos} photos of other subsets' people, ` +
      `at ${threshold}; how much each combination lifts a stranger's score over the median's:`,
  );
  console.log(
    formatTable(
      ['combine', 'comparisons', 'matches', 'highest', 'lift p50', 'lift p99', 'lift max'],
      figures.map((entry) => [
        entry.combine,
        entry.comparisons,
        entry.matches,
        fixed(entry.highest),
        fixed(entry.shift.p50),
        fixed(entry.shift.p99),
        fixed(entry.shift.max),
      ]),
    ),
  );
}

function printClips(
  clips: readonly ClipFrames[],
  figures: readonly SessionFigures[],
  step: number,
): void {
  console.log(
    `\nLIVE FRAMES (one frame in ${step} of each clip; windows of consecutive acquired frames):`,
  );
  console.log(
    formatTable(
      ['clip', 'person', 'capture', 'frames read', 'acquired', 'refused (reasons)'],
      clips.map((entry) => [
        path.basename(entry.clip.file),
        entry.clip.person,
        entry.clip.capture,
        entry.read,
        entry.descriptors.length,
        Object.entries(entry.failed)
          .map(([reason, count]) => `${reason} ${count}`)
          .join(', ') || '-',
      ]),
    ),
  );
  console.log(
    '\nOUT OF SAMPLE, a window of N live frames vs each selfie_webcam photo, at the fold thresholds above:',
  );
  console.log(
    formatTable(
      [
        'frames',
        'combine',
        'genuine',
        'impostors',
        'FNMR (pooled)',
        'FNMR worst/median/best fold',
        'FMR',
        'in sample: FNMR @ threshold',
      ],
      figures.map((entry) => [
        entry.window,
        entry.combine,
        entry.genuine,
        entry.impostor,
        `${percent(entry.fnmr, 1)} (${entry.falseNonMatches})`,
        foldCells(entry.fnmrSpread, 1),
        `${percent(entry.fmr, 2)} (${entry.falseMatches})`,
        percent(entry.inSampleFnmr, 1),
      ]),
    ),
  );
}

/** Labelled comparison only: every person below also chose the threshold. */
function printInSample(
  cv: CrossValidationResult,
  scored: readonly ScoredPair[],
  targetFmr: number,
): void {
  const all = scoreSetOf(scored);
  const stationOnly = scoreSetOf(scored.filter((pair) => pair.condition.startsWith(condition)));
  const alone = selectThreshold(stationOnly, targetFmr).threshold;
  console.log(
    `\nIN SAMPLE (labelled comparison; every person below also chose the threshold): at ` +
      `${cv.threshold} (shipped) and at ${alone}, what the photo-vs-live pairs ALONE would choose ` +
      `(0 false matches allowed among their impostors):`,
  );
  const rows: Cell[][] = [...all].map(([name, scores]) => {
    const shipped = ratesAt(scores, cv.threshold);
    const lone = ratesAt(scores, alone);
    return [
      name,
      scores.genuinePairs,
      scores.impostor.length,
      `${percent(shipped.fmr, 3)} (${shipped.falseMatches})`,
      `${percent(shipped.fnmr, 1)} (${shipped.falseNonMatches})`,
      `${percent(lone.fmr, 3)} (${lone.falseMatches})`,
      `${percent(lone.fnmr, 1)} (${lone.falseNonMatches})`,
    ];
  });
  console.log(
    formatTable(
      [
        'condition',
        'genuine',
        'impostors',
        `FMR @${cv.threshold}`,
        `FNMR @${cv.threshold}`,
        `FMR @${alone}`,
        `FNMR @${alone}`,
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
