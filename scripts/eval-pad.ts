// `npm run eval:pad`: the passive presentation-attack check. Without folders: the out-of-sample protocol
// on shared/data first (nested leave-one-group-out over NUAA people and pad/ cameras, worst and median
// fold, what each kiosk policy refuses and accepts, each held-out group's own APCER/BPCER), the shipped
// model's in-sample figures beside it.
// With --real/--attack: the shipped model on those folders. Either way it writes {apcer, bpcer, attacks,
// reals, failedToAcquire} (out of sample in protocol mode) plus more fields beside them.
//
// Usage: npx tsx scripts/eval-pad.ts [--json <file>] [--data ../shared/data] [--models models]
//          [--with-clips]   (adds video/pairs and ffmpeg photo-attack clips to the corpus: a clips
//          domain, pad-clips.node.ts; without it, the corpus pad-texture-v3 was fitted on)
//          [--with-stumps]  (boosted stumps join logistic regression in the nested choice)
//          [--hold-out-species]  (adds leave-one-attack-species-out: each species, by the corpus's
//          labels and by instrument, scored by train:pad's recipe fitted without it and without the
//          people/cameras that show it; eval-pad/held-out-species.ts)
//        npx tsx scripts/eval-pad.ts --real <dir> --attack <dir> [--json <file>]
//          [--real <dir> ...] [--attack <dir> ...] [--crop detect|as-given|selfie-centre]
//          [--frames-per-video 5] [--models models]
// Images (.jpg .jpeg .png .webp) count once each; videos (.mp4 .mov .webm .mkv .avi) contribute
// evenly spaced frames, each one presentation, decoded with Debian's ffmpeg. A file that cannot be
// decoded, or a frame in which the cropper finds no face, is a failure to acquire: it counts against
// BPCER for bona fide samples (a person who cannot be read cannot pay) and is not an accepted attack.
import { execFile } from 'node:child_process';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { ImageInputError } from '../src/biometrics/errors.ts';
import { decodeImage } from '../src/biometrics/image-decode.node.ts';
import { isVideoFile } from '../src/biometrics/replay/video-files.ts';
import type { RgbImage } from '../src/biometrics/image.ts';
import type { FaceCropper } from '../src/biometrics/liveness/crop.ts';
import { asGivenCropper, boxCrop, selfieCentreCropper } from '../src/biometrics/liveness/crop.ts';
import type { FaceEngine } from '../src/biometrics/engine.ts';
import { createFaceEngine } from '../src/biometrics/engine.node.ts';
import { auc } from '../src/biometrics/liveness/linear-model.ts';
import {
  defaultPadPaths,
  loadPadProtocolData,
  padCandidates,
  padStumpCandidates,
  policyRows,
  pooledOutOfSample,
  printPadTables,
  printPolicyTable,
  runPadProtocol,
  scoreShippedInSample,
} from '../src/biometrics/liveness/pad-protocol.node.ts';
import { loadPassiveTextureDetector } from '../src/biometrics/liveness/passive-texture.node.ts';
import type { PassiveTextureDetector } from '../src/biometrics/liveness/passive-texture.ts';
import { assert } from '../src/shared/assert.ts';
import { formatHeldOutGroups, heldOutGroupRows } from './eval-pad/held-out-groups.ts';
import { heldOutSpecies } from './eval-pad/held-out-species.ts';
import {
  padEvalFramesPerVideoMax,
  padEvalImageBytesMax,
  padEvalImagesMax,
} from '../src/shared/limits.ts';

const run = promisify(execFile);
const repoRoot = path.resolve(import.meta.dirname, '..');
const imageExtensions = new Set(['.jpg', '.jpeg', '.png', '.webp']);

/** The face engine's detector: the largest face's box, cropped at the passive model's own scale. */
function detectorCropper(scale: number): FaceCropper {
  let engine: Promise<FaceEngine> | null = null;
  return async (frame) => {
    engine ??= createFaceEngine();
    const result = await (await engine).processFrame(frame, { describe: false });
    return result.face === null ? null : boxCrop(frame, result.face.box, { scale });
  };
}

/** Croppers by CLI name: the face engine's detector (what the kiosk scores), as given, or a centre crop. */
export const croppers: Readonly<Record<string, (cropScale: number) => FaceCropper>> = {
  detect: detectorCropper,
  'as-given': () => asGivenCropper,
  'selfie-centre': () => selfieCentreCropper,
};

export interface EvalPadOptions {
  readonly realDirs: readonly string[];
  readonly attackDirs: readonly string[];
  readonly detector: PassiveTextureDetector;
  readonly crop: FaceCropper;
  readonly framesPerVideo: number;
}

export interface EvalPadSample {
  readonly file: string;
  readonly frame: number | null;
  readonly live: boolean;
  /** null: failed to acquire (no decodable image or no usable face region). */
  readonly score: number | null;
  readonly accepted: boolean;
  readonly reason?: string;
}

export interface EvalPadReport {
  readonly apcer: number;
  readonly bpcer: number;
  readonly attacks: number;
  readonly reals: number;
  readonly failedToAcquire: number;
  readonly failedToAcquireReal: number;
  readonly failedToAcquireAttack: number;
  readonly auc: number | null;
  readonly modelId: string;
  readonly threshold: number;
  readonly samples: readonly EvalPadSample[];
}

interface Presentation {
  readonly file: string;
  readonly frame: number | null;
  /** The decoded frame, or why there is none. */
  readonly image: RgbImage | { readonly failure: string };
}

async function listMedia(dir: string): Promise<string[]> {
  const names = (await readdir(dir)).sort();
  const files = names
    .filter((n) => imageExtensions.has(path.extname(n).toLowerCase()) || isVideoFile(n))
    .map((n) => path.join(dir, n));
  if (files.length > padEvalImagesMax)
    throw new Error(`${dir}: more than ${padEvalImagesMax} files`);
  return files;
}

async function decodeOrFailure(bytes: Uint8Array): Promise<RgbImage | { failure: string }> {
  try {
    return await decodeImage(bytes);
  } catch (error) {
    if (error instanceof ImageInputError) return { failure: error.code };
    throw error;
  }
}

async function imagePresentation(file: string): Promise<Presentation> {
  const size = (await stat(file)).size;
  if (size > padEvalImageBytesMax)
    return { file, frame: null, image: { failure: 'image_too_many_bytes' } };
  return { file, frame: null, image: await decodeOrFailure(await readFile(file)) };
}

async function videoDurationSeconds(file: string): Promise<number | null> {
  try {
    const { stdout } = await run('ffprobe', [
      '-v',
      'error',
      '-show_entries',
      'format=duration',
      '-of',
      'csv=p=0',
      file,
    ]);
    const seconds = Number.parseFloat(stdout.trim());
    return Number.isFinite(seconds) && seconds > 0 ? seconds : null;
  } catch {
    return null;
  }
}

/** Evenly spaced frames, each decoded from a PNG that ffmpeg writes to stdout (rotation applied). */
async function videoPresentations(file: string, frames: number): Promise<Presentation[]> {
  const duration = await videoDurationSeconds(file);
  const out: Presentation[] = [];
  for (let k = 0; k < frames; k++) {
    if (duration === null) {
      out.push({ file, frame: k, image: { failure: 'video_unreadable' } });
      continue;
    }
    const at = ((k + 0.5) * duration) / frames;
    const args = [
      '-v',
      'error',
      '-ss',
      at.toFixed(3),
      '-i',
      file,
      '-frames:v',
      '1',
      '-f',
      'image2pipe',
      '-vcodec',
      'png',
      '-',
    ];
    try {
      const { stdout } = await run('ffmpeg', args, {
        encoding: 'buffer',
        maxBuffer: padEvalImageBytesMax,
      });
      out.push({ file, frame: k, image: await decodeOrFailure(new Uint8Array(stdout)) });
    } catch {
      out.push({ file, frame: k, image: { failure: 'video_frame_unreadable' } });
    }
  }
  return out;
}

async function presentations(dir: string, framesPerVideo: number): Promise<Presentation[]> {
  const out: Presentation[] = [];
  for (const file of await listMedia(dir)) {
    if (isVideoFile(file)) out.push(...(await videoPresentations(file, framesPerVideo)));
    else out.push(await imagePresentation(file));
  }
  return out;
}

async function scorePresentation(
  p: Presentation,
  live: boolean,
  options: EvalPadOptions,
): Promise<EvalPadSample> {
  const failed = (reason: string): EvalPadSample => ({
    file: p.file,
    frame: p.frame,
    live,
    score: null,
    accepted: false,
    reason,
  });
  if ('failure' in p.image) return failed(p.image.failure);
  const crop = await options.crop(p.image);
  if (crop === null) return failed('no_face');
  if (Math.min(crop.width, crop.height) < 32) return failed('face_too_small');
  const result = options.detector.score(crop);
  return { file: p.file, frame: p.frame, live, score: result.score, accepted: result.live };
}

export async function runEvalPad(options: EvalPadOptions): Promise<EvalPadReport> {
  assert(
    options.realDirs.length > 0 && options.attackDirs.length > 0,
    'need real and attack folders',
  );
  assert(
    Number.isInteger(options.framesPerVideo) &&
      options.framesPerVideo >= 1 &&
      options.framesPerVideo <= padEvalFramesPerVideoMax,
    'framesPerVideo out of range',
  );
  const samples: EvalPadSample[] = [];
  for (const [dirs, live] of [
    [options.realDirs, true],
    [options.attackDirs, false],
  ] as const) {
    for (const dir of dirs) {
      for (const p of await presentations(dir, options.framesPerVideo))
        samples.push(await scorePresentation(p, live, options));
    }
  }
  const reals = samples.filter((s) => s.live);
  const attacks = samples.filter((s) => !s.live);
  const scored = samples.flatMap((s) =>
    s.score === null ? [] : [{ score: s.score, live: s.live ? (1 as const) : (0 as const) }],
  );
  const bothClasses = scored.some((s) => s.live === 1) && scored.some((s) => s.live === 0);
  return {
    apcer: attacks.length === 0 ? 0 : attacks.filter((s) => s.accepted).length / attacks.length,
    bpcer: reals.length === 0 ? 0 : reals.filter((s) => !s.accepted).length / reals.length,
    attacks: attacks.length,
    reals: reals.length,
    failedToAcquire: samples.filter((s) => s.score === null).length,
    failedToAcquireReal: reals.filter((s) => s.score === null).length,
    failedToAcquireAttack: attacks.filter((s) => s.score === null).length,
    auc: bothClasses ? auc(scored) : null,
    modelId: options.detector.modelId,
    threshold: options.detector.threshold,
    samples,
  };
}

function printReport(report: EvalPadReport): void {
  const pct = (v: number): string => `${(100 * v).toFixed(1)}%`;
  const rows: [string, string][] = [
    ['model', `${report.modelId} (threshold ${report.threshold.toFixed(4)})`],
    ['bona fide presentations', String(report.reals)],
    ['attack presentations', String(report.attacks)],
    [
      'failed to acquire',
      `${report.failedToAcquire} (real ${report.failedToAcquireReal}, attack ${report.failedToAcquireAttack})`,
    ],
    ['APCER (attacks accepted)', pct(report.apcer)],
    ['BPCER (bona fide rejected)', pct(report.bpcer)],
    ['AUC (acquired only)', report.auc === null ? 'n/a' : report.auc.toFixed(3)],
  ];
  for (const [k, v] of rows) console.log(`${k.padEnd(28)} ${v}`);
}

async function protocolMode(values: {
  data: string;
  models: string;
  json: string | undefined;
  clips: boolean;
  stumps: boolean;
  species: boolean;
}): Promise<void> {
  const detector = await loadPassiveTextureDetector({ modelsDir: values.models });
  const paths = { ...defaultPadPaths(repoRoot), dataRoot: path.resolve(values.data) };
  const log = (line: string): void => console.log(line);
  const data = await loadPadProtocolData({ ...paths, log, clips: values.clips });
  const candidates = values.stumps ? [...padCandidates, ...padStumpCandidates] : padCandidates;
  const result = runPadProtocol(data, () => undefined, candidates);
  const inSample = await scoreShippedInSample(detector, data, paths);
  printPadTables(result.domains, inSample, log);
  const policies = policyRows(result.domains);
  printPolicyTable(policies, log);
  const groupRows = heldOutGroupRows(result.folds);
  for (const line of formatHeldOutGroups(groupRows)) log(line);
  const species = values.species ? heldOutSpecies({ data, candidates, log }) : undefined;
  const pooled = pooledOutOfSample(result.folds);
  console.log('');
  console.log(
    `in-sample columns: the shipped ${detector.modelId} (threshold ${detector.threshold.toFixed(4)}, ` +
      `refuse below ${detector.refuseBelow.toFixed(4)}) on the presentations it was trained on`,
  );
  if (values.json === undefined) return;
  const report = {
    // The fields other tools read: out of sample, all presentations pooled, shipped operating rule.
    apcer: pooled.apcer,
    bpcer: pooled.bpcer,
    attacks: pooled.attacks,
    reals: pooled.reals,
    failedToAcquire: pooled.failedToAcquire,
    measure: 'out-of-sample, nested leave-one-group-out (NUAA people, pad/ cameras, Silent-Face)',
    modelId: detector.modelId,
    threshold: detector.threshold,
    refuseBelow: detector.refuseBelow,
    outOfSample: result.domains,
    inSample: Object.fromEntries(inSample),
    policies,
    folds: result.folds.map((f) => ({
      testGroups: f.testGroups,
      candidate: f.choice.candidate.name,
      point: f.choice.point,
      // Each domain's rates on this fold's held-out group, at its point (the spread is taken over these).
      rates: Object.fromEntries(
        groupRows
          .filter((row) => row.group === f.testGroups.join('+'))
          .map((row) => [row.domain, row.rates]),
      ),
    })),
    ...(species === undefined ? {} : { heldOutSpecies: species }),
  };
  await writeFile(values.json, `${JSON.stringify(report, null, 2)}\n`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      real: { type: 'string', multiple: true },
      attack: { type: 'string', multiple: true },
      json: { type: 'string' },
      crop: { type: 'string', default: 'detect' },
      'frames-per-video': { type: 'string', default: '5' },
      models: { type: 'string', default: path.join(repoRoot, 'models') },
      data: { type: 'string', default: defaultPadPaths(repoRoot).dataRoot },
      'with-clips': { type: 'boolean', default: false },
      'with-stumps': { type: 'boolean', default: false },
      'hold-out-species': { type: 'boolean', default: false },
    },
  });
  if (values.real === undefined && values.attack === undefined) {
    await protocolMode({
      data: values.data,
      models: values.models,
      json: values.json,
      clips: values['with-clips'],
      stumps: values['with-stumps'],
      species: values['hold-out-species'],
    });
    return;
  }
  const makeCrop = croppers[values.crop];
  const framesPerVideo = Number(values['frames-per-video']);
  if (values.real === undefined || values.attack === undefined || makeCrop === undefined) {
    console.error(
      `usage: eval-pad [--json <file>] | eval-pad --real <dir> --attack <dir> [--json <file>] [--crop ${Object.keys(croppers).join('|')}] [--frames-per-video N]`,
    );
    process.exit(2);
  }
  if (
    !Number.isInteger(framesPerVideo) ||
    framesPerVideo < 1 ||
    framesPerVideo > padEvalFramesPerVideoMax
  ) {
    console.error(`--frames-per-video must be an integer from 1 to ${padEvalFramesPerVideoMax}`);
    process.exit(2);
  }
  const detector = await loadPassiveTextureDetector({ modelsDir: values.models });
  const report = await runEvalPad({
    realDirs: values.real,
    attackDirs: values.attack,
    detector,
    crop: makeCrop(detector.cropScale),
    framesPerVideo,
  });
  console.log(
    'the shipped model on the given folders (in-sample for any folder it was trained on)',
  );
  printReport(report);
  if (values.json !== undefined)
    await writeFile(values.json, `${JSON.stringify(report, null, 2)}\n`);
}

if (
  process.argv[1] !== undefined &&
  path.resolve(process.argv[1]) === path.resolve(import.meta.filename)
)
  await main();
