// Trains the passive texture PAD model on the training subjects of shared/data/spoof plus face crops of
// recordings of live people from other cameras, deterministically, and reports APCER/BPCER/AUC on the
// held-out subjects and Silent-Face samples it never saw (`npm run eval:liveness` measures the videos).
//
// Usage: npx tsx scripts/train-pad.ts [--data ../shared/data/spoof] [--real-video <file>]...
//          [--video-frames 100] [--dry-run]
// Split (src/biometrics/liveness/pad-split.ts): identity-disjoint. NUAA subjects 0003, 0009, 0011 and
// all Silent-Face samples are held out; NUAA 0001, 0005, 0007, 0013, 0015 train. Bona fide recordings
// (default: shared/data/video/talking-face.mp4, a camcorder) teach the model that a live face seen by
// another camera is still live: trained on NUAA alone, it called 4 of 5 live phone videos attacks. The
// phone videos of video/live and video/replay are test data and are refused here. A deployment adds its
// own camera's live recordings with --real-video. Model selection (feature set, L2) and the threshold
// use leave-one-subject-out cross-validation inside the training subjects only (a recording is one
// subject); the threshold is the equal-error point of those out-of-fold scores.
import { readdir, readFile, realpath, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createFaceEngine } from '../src/biometrics/engine.node.ts';
import { decodeImage } from '../src/biometrics/image-decode.node.ts';
import type { RgbImage } from '../src/biometrics/image.ts';
import type { ModelManifestEntry } from '../src/biometrics/model-manifest.ts';
import { sha256Hex } from '../src/biometrics/model-manifest.ts';
import type { Scored } from '../src/biometrics/liveness/linear-model.ts';
import {
  auc,
  eerThreshold,
  errorRatesAt,
  fitStandardiser,
  logit,
  sigmoid,
  standardise,
  trainLogistic,
} from '../src/biometrics/liveness/linear-model.ts';
import type { PadClass, PadSample } from '../src/biometrics/liveness/pad-split.ts';
import {
  assertTrainableRecording,
  describeSample,
  heldOutSubjects,
} from '../src/biometrics/liveness/pad-split.ts';
import type { PadTextureModel } from '../src/biometrics/liveness/passive-texture.ts';
import {
  createPassiveTextureDetector,
  padTextureModelFormat,
  parsePadTextureModel,
} from '../src/biometrics/liveness/passive-texture.ts';
import type { TextureFeatureSpec } from '../src/biometrics/liveness/texture-features.ts';
import { passiveCropsFromRecording } from '../src/biometrics/replay/passive-crops.node.ts';
import { textureFeatures } from '../src/biometrics/liveness/texture-features.ts';
import { assert } from '../src/shared/assert.ts';

const repoRoot = path.resolve(import.meta.dirname, '..');
const sharedData = path.resolve(repoRoot, '../shared/data');
const modelId = 'pad-texture-v2';
const modelFile = path.join(repoRoot, 'models', `${modelId}.json`);
const entryFile = path.join(repoRoot, 'src/biometrics/liveness/pad-texture.entry.ts');
const iterations = 1500;

interface Candidate {
  readonly name: string;
  readonly spec: TextureFeatureSpec;
  readonly l2: number;
}

const standardOperators = [
  { points: 8, radius: 1, grid: 1 },
  { points: 8, radius: 2, grid: 1 },
  { points: 16, radius: 2, grid: 1 },
];
const colourSpaces = ['y', 'cb', 'cr', 'h', 's', 'v'] as const;

/** Fixed list, in order of preference on ties: grey multi-scale LBP (Maatta et al. 2011), colour LBP
 * in YCbCr+HSV (Boulkenafet et al. 2015), and colour LBP with a 2x2 grid for the finest operator. */
const candidates: readonly Candidate[] = [0.01, 0.1].flatMap((l2) => [
  {
    name: `grey-lbp l2=${l2}`,
    l2,
    spec: {
      resizeSide: 64,
      channels: ['grey'],
      operators: [{ points: 8, radius: 1, grid: 3 }, ...standardOperators.slice(1)],
      sqrtBins: false,
    },
  },
  {
    name: `ycbcr-hsv-lbp l2=${l2}`,
    l2,
    spec: {
      resizeSide: 64,
      channels: [...colourSpaces],
      operators: standardOperators,
      sqrtBins: false,
    },
  },
  {
    name: `ycbcr-hsv-lbp-grid2 l2=${l2}`,
    l2,
    spec: {
      resizeSide: 64,
      channels: [...colourSpaces],
      operators: [{ points: 8, radius: 1, grid: 2 }, ...standardOperators.slice(1)],
      sqrtBins: false,
    },
  },
]);

interface LoadedSample extends PadSample {
  readonly image: RgbImage;
}

async function loadSamples(dataDir: string): Promise<LoadedSample[]> {
  const out: LoadedSample[] = [];
  for (const padClass of ['real', 'print', 'screen'] as const satisfies readonly PadClass[]) {
    const dir = path.join(dataDir, padClass);
    for (const file of (await readdir(dir)).sort()) {
      const sample = describeSample(file, padClass);
      if (sample === null)
        throw new Error(`${padClass}/${file}: file name not in the split's format`);
      const image = await decodeImage(await readFile(path.join(dir, file)));
      out.push({ ...sample, image });
    }
  }
  return out;
}

/** Live-face crops of each recording; each recording is one training subject. */
async function loadRecordingSamples(
  files: readonly string[],
  framesPerRecording: number,
): Promise<LoadedSample[]> {
  // Real paths on both sides, so that no symlink or relative path slips a test recording in.
  const resolved = await Promise.all(files.map((file) => realpath(file)));
  const dataRoot = await realpath(sharedData);
  for (const file of resolved) assertTrainableRecording(file, dataRoot);
  if (resolved.length === 0) return [];
  const engine = await createFaceEngine();
  try {
    const out: LoadedSample[] = [];
    for (const file of resolved) {
      const { crops, framesRead } = await passiveCropsFromRecording(
        file,
        engine,
        framesPerRecording,
      );
      const subject = path.basename(file);
      console.log(`${subject}: ${crops.length} face crops from ${framesRead} frames`);
      crops.forEach((image, index) => {
        out.push({
          file: `${subject}#${index}`,
          padClass: 'real',
          subject,
          session: 'recording',
          split: 'train',
          image,
        });
      });
    }
    return out;
  } finally {
    engine.dispose();
  }
}

const label = (s: PadSample): 0 | 1 => (s.padClass === 'real' ? 1 : 0);

interface CvResult {
  readonly candidate: Candidate;
  readonly oof: Scored[];
  readonly auc: number;
  readonly eer: number;
  readonly threshold: number;
}

/** Leave-one-subject-out inside the training subjects: every score comes from a model that never saw the person. */
function crossValidate(
  candidate: Candidate,
  train: readonly LoadedSample[],
  features: Map<LoadedSample, Float64Array>,
): CvResult {
  const subjects = [...new Set(train.map((s) => s.subject))].sort();
  const oof: Scored[] = [];
  for (const subject of subjects) {
    const fit = train.filter((s) => s.subject !== subject);
    const held = train.filter((s) => s.subject === subject);
    const { standardiser, model } = fitModel(fit, features, candidate.l2);
    for (const s of held) {
      const x = standardise(features.get(s) ?? new Float64Array(), standardiser);
      oof.push({ score: sigmoid(logit(model, x)), live: label(s) });
    }
  }
  const { threshold, eer } = eerThreshold(oof);
  return { candidate, oof, auc: auc(oof), eer, threshold };
}

function fitModel(
  rows: readonly LoadedSample[],
  features: Map<LoadedSample, Float64Array>,
  l2: number,
) {
  const x = rows.map((s) => features.get(s) ?? new Float64Array());
  const standardiser = fitStandardiser(x);
  const model = trainLogistic(
    x.map((r) => standardise(r, standardiser)),
    rows.map(label),
    { l2, iterations },
  );
  return { standardiser, model };
}

const round = (v: number): number => Number(v.toPrecision(9));

function featuresFor(
  spec: TextureFeatureSpec,
  samples: readonly LoadedSample[],
): Map<LoadedSample, Float64Array> {
  return new Map(samples.map((s) => [s, textureFeatures({ ...s.image, channels: 3 }, spec)]));
}

function describeSplit(samples: readonly LoadedSample[]): Record<string, Record<string, number>> {
  const counts: Record<string, Record<string, number>> = {};
  for (const s of samples) {
    const bySplit = (counts[s.split] ??= {});
    bySplit[s.padClass] = (bySplit[s.padClass] ?? 0) + 1;
  }
  return counts;
}

interface HeldOutRow {
  readonly group: string;
  readonly reals: number;
  readonly attacks: number;
  readonly apcer: number;
  readonly bpcer: number;
  readonly auc: number | null;
}

function heldOutRows(
  scored: readonly (Scored & { sample: PadSample })[],
  threshold: number,
): HeldOutRow[] {
  const groups: [string, (s: PadSample) => boolean][] = [
    ['nuaa real vs print', (s) => s.subject !== 'silentface' && s.padClass !== 'screen'],
    ['silentface real vs print', (s) => s.subject === 'silentface' && s.padClass !== 'screen'],
    ['silentface real vs screen', (s) => s.subject === 'silentface' && s.padClass !== 'print'],
    ['all real vs print', (s) => s.padClass !== 'screen'],
    ['all real vs all attacks', () => true],
  ];
  return groups.map(([group, keep]) => {
    const part = scored.filter((s) => keep(s.sample));
    const reals = part.filter((s) => s.live === 1).length;
    const attacks = part.length - reals;
    const rates = errorRatesAt(part, threshold);
    return { group, reals, attacks, ...rates, auc: reals > 0 && attacks > 0 ? auc(part) : null };
  });
}

function printTable(rows: readonly HeldOutRow[]): void {
  const pct = (v: number): string => `${(100 * v).toFixed(1)}%`.padStart(7);
  console.log(`${'held-out group'.padEnd(28)} reals attacks   APCER   BPCER    AUC`);
  for (const r of rows) {
    const aucText = r.auc === null ? '   n/a' : r.auc.toFixed(3).padStart(6);
    console.log(
      `${r.group.padEnd(28)} ${String(r.reals).padStart(5)} ${String(r.attacks).padStart(7)} ${pct(r.apcer)} ${pct(r.bpcer)} ${aucText}`,
    );
  }
}

function entrySource(entry: ModelManifestEntry): string {
  return `// Generated by scripts/train-pad.ts: the size and sha256 of models/${entry.file}, checked at load
// so that an altered or truncated detector is a startup error. Do not edit by hand; retrain instead.
import type { ModelManifestEntry } from '../model-manifest.ts';

export const padTextureEntry: ModelManifestEntry = {
  file: '${entry.file}',
  bytes: ${entry.bytes},
  sha256: '${entry.sha256}',
  sourcePackage: '${entry.sourcePackage}',
  sourcePath: '${entry.sourcePath}',
};
`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      data: { type: 'string', default: path.join(sharedData, 'spoof') },
      'real-video': {
        type: 'string',
        multiple: true,
        default: [path.join(sharedData, 'video/talking-face.mp4')],
      },
      'video-frames': { type: 'string', default: '100' },
      'dry-run': { type: 'boolean', default: false },
    },
  });
  const framesPerRecording = Number(values['video-frames']);
  if (!Number.isSafeInteger(framesPerRecording) || framesPerRecording < 1) {
    throw new Error('--video-frames must be a positive integer');
  }
  const samples = [
    ...(await loadSamples(values.data)),
    ...(await loadRecordingSamples(values['real-video'], framesPerRecording)),
  ];
  const train = samples.filter((s) => s.split === 'train');
  const test = samples.filter((s) => s.split === 'test');
  assert(
    !train.some((s) => heldOutSubjects.includes(s.subject)),
    'a held-out subject is in training',
  );
  console.log('split (identity-disjoint):', JSON.stringify(describeSplit(samples)));

  const results: CvResult[] = [];
  const featureCache = new Map<string, Map<LoadedSample, Float64Array>>();
  for (const candidate of candidates) {
    const key = JSON.stringify(candidate.spec);
    const features = featureCache.get(key) ?? featuresFor(candidate.spec, train);
    featureCache.set(key, features);
    const result = crossValidate(candidate, train, features);
    console.log(
      `cv ${candidate.name.padEnd(30)} AUC ${result.auc.toFixed(3)}  EER ${(100 * result.eer).toFixed(1)}%`,
    );
    results.push(result);
  }
  const best = results.reduce((a, b) =>
    b.eer < a.eer - 1e-12 || (Math.abs(b.eer - a.eer) <= 1e-12 && b.auc > a.auc + 1e-12) ? b : a,
  );
  const chosen = best.candidate;
  console.log(
    `chosen: ${chosen.name}, threshold ${best.threshold.toFixed(4)} (EER point of out-of-fold scores)`,
  );

  const features = featureCache.get(JSON.stringify(chosen.spec));
  assert(features !== undefined, 'features of the chosen candidate');
  const { standardiser, model } = fitModel(train, features, chosen.l2);
  const record: PadTextureModel = {
    format: padTextureModelFormat,
    version: 1,
    modelId,
    spec: chosen.spec as PadTextureModel['spec'],
    mean: Array.from(standardiser.mean, round),
    std: Array.from(standardiser.std, round),
    weights: Array.from(model.weights, round),
    bias: round(model.bias),
    threshold: round(best.threshold),
    training: {
      script: 'scripts/train-pad.ts',
      split: 'identity-disjoint; src/biometrics/liveness/pad-split.ts',
      heldOutSubjects,
      trainSubjects: [...new Set(train.map((s) => s.subject))].sort(),
      bonaFideRecordings: values['real-video'].map((file) => path.basename(file)),
      framesPerRecording,
      counts: describeSplit(samples),
      classifier: `logistic regression, L2 ${chosen.l2}, class-balanced, ${iterations} Nesterov steps`,
      thresholdRule: 'equal error rate of leave-one-subject-out scores on the training subjects',
      crossValidation: results.map((r) => ({
        name: r.candidate.name,
        auc: round(r.auc),
        eer: round(r.eer),
      })),
    },
  };
  const bytes = new TextEncoder().encode(`${JSON.stringify(record)}\n`);
  const entry: ModelManifestEntry = {
    file: `${modelId}.json`,
    bytes: bytes.byteLength,
    sha256: await sha256Hex(bytes),
    sourcePackage: 'facepay-kiosk',
    sourcePath: 'scripts/train-pad.ts',
  };
  // Score the held-out set through the same parse path the kiosk uses, on the rounded weights as written.
  const detector = createPassiveTextureDetector(await parsePadTextureModel(bytes, entry));
  const scored = test.map((s) => ({
    score: detector.score(s.image).score,
    live: label(s),
    sample: s,
  }));
  printTable(heldOutRows(scored, detector.threshold));
  for (const s of scored.filter((x) => x.sample.subject === 'silentface')) {
    console.log(`  ${s.sample.padClass}/${s.sample.file}: score ${s.score.toFixed(3)}`);
  }
  console.log(`model ${entry.file}: ${entry.bytes} bytes, sha256 ${entry.sha256}`);
  if (values['dry-run']) return;
  await writeFile(modelFile, bytes);
  await writeFile(entryFile, entrySource(entry));
  console.log(
    `wrote ${path.relative(repoRoot, modelFile)} and ${path.relative(repoRoot, entryFile)}`,
  );
}

await main();
