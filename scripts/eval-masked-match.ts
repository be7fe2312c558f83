// `npm run eval:masked`: a masked-pair matcher (a face embedder shown only what a mask leaves visible, cut
// the same way on both sides) against today's descriptor, out of sample, on every subset (issue 8, masks).
//
// Usage: npx tsx scripts/eval-masked-match.ts [--target-fmr 0.001] [--folds 5] [--repeats 4] [--no-cache]
//          [--out report.json]
//
// Every image of faces/ and faces2/ goes through the production engine (detector, landmarks, quality gate,
// descriptor: the same failures to acquire as today); then, on the same landmarks, face-api's descriptor of
// each occlusion variant of match/occluded-face.ts (an eye-anchored chip grey below v = 0.20 / 0.35 / 0.55
// eye distances under the eye line, or the brow-to-nose-bridge band stretched over the input), faceres'
// and mobileface's descriptors of the frame greyed below v = 0.35 / 0.55 (they crop for themselves), the
// mask detector's features and the shipped detector's probability. Cached in .facepay/cache by image
// sha256 and a key naming the engine, the variants, the models and the detector (~5 min cold, 2 cores).
//
// Out of sample as calibrate did before its leave-pair-out folds: identity-disjoint k-fold cross-validation
// repeated with other seeds (pairFoldsUpTo 0: the per-fold mask detector refit and the fold-by-fold
// comparison of matchers need a plan per fold). So the FMR of a condition of fewer than 2 x folds people
// (mask_positions: 4, selfie_webcam: 6, nuaa: 8) covers few or none of its impostor person-pairs here
// (calibration/cross-validation.ts; calibrate's pair folds measure them). Each fold's threshold is the lowest holding FMR <= target on EVERY
// training subset and mask group (for a variant: every subset's impostor pairs compared occluded on both
// sides, so a stranger's occluded face must stay apart on nuaa or yaleb as on mfr2), plus the safety margin
// chosen by the nested inner folds. FNMR counts failures to acquire as non-matches. Views:
//  - each matcher alone on every pair (the masked-pair matcher used for every comparison);
//  - the ceiling, NOT shippable: each condition at a threshold fitted on its own training impostors only;
//  - NOT the protocol: the one threshold holds every subset but yaleb (grey lab photos);
//  - the kiosk: a pair with an image flagged masked goes to the variant at its own threshold, every other
//    pair to today's descriptor at today's; flagged by the data's labels (a perfect detector), by the mask
//    detector refitted on each fold's training people (capture/mask-cv.ts's recipe: out of sample), and by
//    the shipped detector (fitted on these people: in-sample, labelled).
//
// Measured 2026-12-02, `npm run eval:masked` (843 images, 5 folds x 4 seeds, FMR target 0.1%). FNMR
// pooled (worst fold / median fold), one threshold holding FMR on every subset, each matcher alone:
//                          mfr2 masked-unmasked  mfr2 masked-masked  mask_positions  nuaa         selfie_webcam  yaleb
//   today: face-api chip   100.0 (100/100)       91.0 (100/91)       59.2 (100/67)   6.9 (38/0)   9.7 (67/2)     71.1
//   fill-0.35              99.8                  99.8                53.9            38.8         84.5           87.2
//   fill-0.55              98.9                  98.2                53.9            36.5         77.9           81.8
//   band-0.35              100.0                 100.0               63.2            69.4         87.1           92.4
//   faceres frame-0.35     98.2                  96.0                23.7 (100/33)   50.2         85.8           82.5
//   mobileface frame-0.35  100.0                 100.0               86.8            73.3         87.4           93.1
// The kiosk (flags from the detector refitted per fold; the labels and the shipped detector give the same
// figures for these three): mfr2 masked-unmasked 100.0 -> 99.8 (fill-0.35) / 98.9 (fill-0.55) / 98.2 (faceres
// frame); masked-masked 91.0 -> 99.8 / 98.2 / 96.0; mask_positions 59.2 -> 52.6 / 53.9 / 23.7; nuaa,
// selfie_webcam, yaleb unchanged. FMR: every masked-pair matcher 0.00% pooled on the mfr2 groups and nuaa,
// yaleb 0.00-0.07% (face-api chips) and 0.15% (faceres frame, over target; worst fold 2.5%); the kiosk keeps
// today's nuaa FMR, 0.50% pooled (worst fold 6.0%), today's own out-of-sample problem, not the masked
// path's. mask_positions' and selfie_webcam's FMR is not measurable at 5 folds (their 4 and 6 people land
// in different folds); at --folds 3: mask_positions 0 false matches of 48 compared impostors for every
// matcher, FNMR today 67.1% -> faceres frame 25.0% alone, 26.3% in the kiosk; mfr2 masked-unmasked 99.7
// -> 97.6%.
// Why it fails: every occluded matcher's threshold is set by yaleb (fill: 20 of 20 folds; faceres frame:
// yaleb 13, nuaa 7): strangers' eye regions under one lab light (yaleb) or one webcam (nuaa) score as high
// as mfr2's masked genuine pairs (median fold thresholds 0.986-0.992 for the fills, today 0.960). Without
// yaleb (not the protocol) nuaa holds it: mfr2 masked-unmasked 97.3-100%. The ceiling (own threshold per
// condition, not shippable) shows the periocular signal is there but weak: mfr2 masked-unmasked today
// 86.1% -> fill-0.35 42.5% (worst fold 70%), at FMR 0.15% pooled. 12.8% of mfr2's masked-unmasked genuine
// pairs (20.5% of masked-masked) fail the quality gate: a floor no matcher lowers.
// Tried and dropped before this script (in-sample, same descriptors): a mean-face fill (mean eye-anchored
// chip of 91 colour photos of facerec/deepface/human/web_actors below the cut) instead of grey: mfr2
// masked-unmasked EER 14.9% vs grey's 10.9%; z-score fusion of today's and the occluded score (w 0.3-0.7)
// and cohort normalisation (top 20): mfr2 masked-unmasked 91-100% at one threshold even in-sample.
// Decision: not shipped. No masked-pair matcher built from the packaged networks lowers mfr2's
// masked-unmasked FNMR with FMR held. faceres frame-0.35's mask_positions gain (59 -> 24%) rests on 4
// people's same-session selfies (19 genuine pairs) and would cost a second 1024-d template per person, a
// second threshold and ~4x face-api's embedding time; not enough. What is left: a model trained on
// masked/periocular faces (none ships in these npm packages), or the kiosk asking a flagged shopper to
// lower the mask (today's matcher then applies), with the PIN as the way out.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { assert } from '../src/shared/assert.ts';
import type { Acquisition, Embed } from '../src/biometrics/calibration/acquire.node.ts';
import {
  acquireImages,
  cacheFileFor,
  sha256Hex,
} from '../src/biometrics/calibration/acquire.node.ts';
import type {
  ConditionSummary,
  CrossValidationResult,
  FoldOutcome,
  ScoredPair,
} from '../src/biometrics/calibration/cross-validation.ts';
import {
  crossValidate,
  identityOf,
  pairsWithin,
  safetyMargins,
  scoredPairs,
  summarizeConditions,
} from '../src/biometrics/calibration/cross-validation.ts';
import {
  calibrationRoots,
  descriptorCacheDir,
  linkedIdentities,
  loadPairs,
} from '../src/biometrics/calibration/datasets.node.ts';
import type { LabelledPair } from '../src/biometrics/calibration/pairs.ts';
import { pairImages } from '../src/biometrics/calibration/pairs.ts';
import { productionPipeline } from '../src/biometrics/calibration/production.node.ts';
import type { Cell } from '../src/biometrics/calibration/report.ts';
import { fixed, formatTable, percent } from '../src/biometrics/calibration/report.ts';
import type { RoutedPair } from '../src/biometrics/calibration/routed-match.ts';
import { routedRates } from '../src/biometrics/calibration/routed-match.ts';
import {
  ratesAt,
  selectThreshold,
  subsetThresholdForFmr,
} from '../src/biometrics/calibration/thresholds.ts';
import { scoreSetOf } from '../src/biometrics/calibration/cross-validation.ts';
import type { MaskCvSample } from '../src/biometrics/capture/mask-cv.ts';
import { defaultMaskRecipe, fitMask, maskScore } from '../src/biometrics/capture/mask-cv.ts';
import { listMaskCorpus } from '../src/biometrics/capture/mask-corpus.node.ts';
import type { MaskDetector } from '../src/biometrics/capture/mask-detector.ts';
import { loadMaskDetector } from '../src/biometrics/capture/mask-detector.node.ts';
import {
  maskFeatureLength,
  maskFeatureSpec,
  maskFeatures,
} from '../src/biometrics/capture/mask-features.ts';
import { defaultModelsDir, loadFaceParts } from '../src/biometrics/engine-load.node.ts';
import type { FaceEngine } from '../src/biometrics/engine.ts';
import type { FaceModels } from '../src/biometrics/face-models.ts';
import {
  bandWidth,
  eyeChipCentreDown,
  eyeChipSide,
  occludedDescriptor,
  occludedFrame,
  occlusionGrey,
  occlusionVariants,
} from '../src/biometrics/match/occluded-face.ts';
import { loadArcfaceEmbedder } from '../src/biometrics/embedders/arcface.node.ts';
import type { ArcfaceEmbedder } from '../src/biometrics/embedders/arcface.ts';
import { mobilefaceSpec } from '../src/biometrics/embedders/arcface.ts';
import type { FaceresEmbedder } from '../src/biometrics/embedders/faceres.ts';
import { faceresVariant, loadFaceresEmbedder } from '../src/biometrics/embedders/faceres.node.ts';
import type { FaceObservation } from '../src/biometrics/engine.ts';

const repoRoot = path.resolve(import.meta.dirname, '..');
const dataRoot = path.resolve(repoRoot, '..', 'shared', 'data');
/** The thresholds.json threshold today (calibrate's fit on everyone + margin): in-sample for these people. */
const shippedThreshold = 0.9639;
/** Conditions printed, in this order; every other subset's FMR is checked and summed in "others". */
const shownConditions = [
  'mfr2/masked-unmasked',
  'mfr2/masked-masked',
  'mfr2/unmasked-unmasked',
  'mask_positions',
  'mask_positions/masked-unmasked',
  'mask_positions/masked-masked',
  'nuaa',
  'selfie_webcam',
  'yaleb',
];
/**
 * The other installed embedders (compare-embeddings.ts scores them unoccluded), each fed the whole frame
 * painted grey below v = cut (occludedFrame): they make their own crop, so the chip variants cannot serve.
 */
const frameVariants: readonly { name: string; embedder: 'faceres' | 'mobileface'; cut: number }[] =
  [
    { name: 'faceres frame-0.35', embedder: 'faceres', cut: 0.35 },
    { name: 'mobileface frame-0.35', embedder: 'mobileface', cut: 0.35 },
    { name: 'mobileface frame-0.55', embedder: 'mobileface', cut: 0.55 },
  ];
/** Cached rows after the descriptors: mask features (NaN when unreadable), shipped detector probability. */
const featuresRow = 1 + occlusionVariants.length + frameVariants.length;
const probabilityRow = featuresRow + 1;

interface Matcher {
  readonly name: string;
  readonly row: number;
  readonly scored: ScoredPair[];
  readonly cv: CrossValidationResult;
}

type Router = (repeat: number, fold: number) => (image: string) => boolean;

interface RunOptions {
  readonly targetFmr: number;
  readonly folds: number;
  readonly repeats: number;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'target-fmr': { type: 'string', default: '0.001' },
      folds: { type: 'string', default: '5' },
      repeats: { type: 'string', default: '4' },
      'no-cache': { type: 'boolean', default: false },
      out: { type: 'string' },
    },
  });
  const run: RunOptions = {
    targetFmr: Number(values['target-fmr']),
    folds: Number(values.folds),
    repeats: Number(values.repeats),
  };
  const loaded = await loadPairs(calibrationRoots(dataRoot));
  const allPairs = [...loaded.pairs, ...loaded.maskGroups];
  const { rowOf, detectorThreshold } = await acquireAll(
    loaded.base,
    loaded.pairs,
    values['no-cache'],
  );
  const names = [
    'today: face-api chip',
    ...occlusionVariants.map((v) => v.name),
    ...frameVariants.map((v) => v.name),
  ];
  const scored = names.map((_, row) => scoredPairs(allPairs, (image) => rowOf(image, row)));
  const matchers = names.map((name, row) => crossValidateMatcher(name, row, scored, run, []));
  const base = matchers[0];
  assert(base !== undefined, 'today is the first matcher');
  console.log(
    `\nFMR target ${percent(run.targetFmr, 2)}, ${run.folds} folds x ${run.repeats} seeds.`,
  );
  const alone = matchers.map((m) => summarised(m.name, m.cv.outcomes, m.cv, run));
  printSummaries('Each matcher alone on every pair (out of sample)', alone);
  printDecidedBy(matchers, run.targetFmr);
  printShipped(base.scored);
  const own = matchers.map((m) =>
    summarised(m.name, ownThresholdOutcomes(m, run.targetFmr), null, run),
  );
  printSummaries(
    "NOT SHIPPABLE, the ceiling: each condition at its own threshold (FMR held on that condition's " +
      'training impostors only, no margin), out of sample',
    own,
  );
  const noYaleb = names.map((name, row) => {
    const m = crossValidateMatcher(name, row, scored, run, ['yaleb']);
    return summarised(name, m.cv.outcomes, m.cv, run);
  });
  printSummaries(
    'NOT the protocol: the one threshold holds every subset EXCEPT yaleb (grey lab photos), out of sample',
    noYaleb,
  );
  const routers = await makeRouters(base.cv, rowOf, detectorThreshold);
  const routed = matchers
    .slice(1)
    .flatMap((variant) =>
      [...routers].map(([routerName, router]) =>
        summarised(
          `${variant.name} if ${routerName}`,
          routedOutcomes({ base, variant, allPairs, router }),
          variant.cv,
          run,
        ),
      ),
    );
  printSummaries('The kiosk: flagged pairs to the variant, the rest to today (out of sample)', [
    alone[0] as Summarised,
    ...routed,
  ]);
  if (values.out !== undefined) {
    const json = Object.fromEntries(
      [...alone, ...routed].map((m) => [m.name, Object.fromEntries(m.summary)]),
    );
    await writeFile(values.out, `${JSON.stringify({ ...run, json }, null, 2)}\n`);
  }
}

/**
 * One matcher's cross-validation as calibrate runs it: the lowest threshold holding every training
 * condition (but `excluded`) within the target, plus the margin the nested inner folds choose.
 */
function crossValidateMatcher(
  name: string,
  row: number,
  scored: readonly ScoredPair[][],
  run: RunOptions,
  excluded: readonly string[],
): Matcher {
  const pairs = scored[row];
  assert(pairs !== undefined, 'scores for every matcher');
  const cv = crossValidate({
    pairs,
    folds: run.folds,
    repeats: run.repeats,
    // k-fold folds only (see the header): the routers refit the mask detector per fold of a plan, and the
    // matchers are compared fold by fold on the same plans; pair folds have no plan to refit on.
    pairFoldsUpTo: 0,
    seed: 'eval-masked-match',
    linked: linkedIdentities,
    targetFmr: run.targetFmr,
    fit: (train) =>
      selectThreshold(
        new Map([...train].filter(([condition]) => !excluded.includes(condition))),
        run.targetFmr,
      ).threshold,
    margins: safetyMargins,
  });
  return { name, row, scored: pairs, cv };
}

function summarised(
  name: string,
  outcomes: readonly FoldOutcome[],
  /** Whose fold thresholds to print; null where each condition had its own. */
  cv: CrossValidationResult | null,
  run: RunOptions,
): Summarised {
  return { name, summary: summarizeConditions(outcomes, run.targetFmr), cv };
}

/** Names what the variant descriptors depend on besides the engine: the variants and the chip framing. */
function variantsKey(detector: MaskDetector, embedders: FrameEmbedders): string {
  const spec = {
    occlusionVariants,
    eyeChipSide,
    eyeChipCentreDown,
    occlusionGrey,
    bandWidth,
    frameVariants,
    models: [embedders.faceres.modelId, embedders.mobileface.modelId],
  };
  return `${sha256Hex(JSON.stringify(spec)).slice(0, 12)}-${maskFeatureSpec}-${detector.modelId}`;
}

async function acquireAll(
  root: string,
  pairs: readonly LabelledPair[],
  noCache: boolean,
): Promise<{
  rowOf: (image: string, row: number) => Float32Array | null;
  detectorThreshold: number;
}> {
  const pipeline = await productionPipeline();
  const { models } = await loadFaceParts(defaultModelsDir);
  const detector = await loadMaskDetector({ modelsDir: defaultModelsDir });
  const embedders: FrameEmbedders = {
    faceres: await loadFaceresEmbedder(defaultModelsDir, faceresVariant),
    mobileface: await loadArcfaceEmbedder(defaultModelsDir, mobilefaceSpec),
  };
  const key = `${pipeline.pipelineKey}-masked-${variantsKey(detector, embedders)}`;
  const started = performance.now();
  const acquired = await acquireImages({
    root,
    images: pairImages(pairs),
    embed: embedVariants({
      engine: pipeline.engine,
      recognition: models.recognition,
      detector,
      embedders,
    }),
    pipelineKey: key,
    cacheFile: noCache ? null : cacheFileFor(descriptorCacheDir, key),
    onProgress: (done, total) => {
      if (done % 25 === 0 || done === total) process.stderr.write(`\r${done}/${total} images`);
    },
  });
  process.stderr.write('\n');
  pipeline.engine.dispose();
  embedders.faceres.dispose();
  embedders.mobileface.dispose();
  console.log(
    `${acquired.images.size} images (${acquired.cacheHits} from cache) in ` +
      `${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  return {
    rowOf: (image, row) => {
      const acquisition = acquired.images.get(image)?.acquisition;
      return acquisition?.ok === true ? (acquisition.descriptors[row] ?? null) : null;
    },
    detectorThreshold: detector.threshold,
  };
}

/** Today's descriptor, each variant's on the same landmarks, the mask features and the detector's verdict. */
function embedVariants(parts: {
  engine: FaceEngine;
  recognition: FaceModels['recognition'];
  detector: MaskDetector;
  embedders: FrameEmbedders;
}): Embed {
  const { engine, recognition, detector, embedders } = parts;
  return async (image): Promise<Acquisition> => {
    const result = await engine.processFrame(image);
    if (!result.ok) return { ok: false, reason: result.reason };
    const { landmarks } = result.face;
    const frame = tf.tensor3d(image.data, [image.height, image.width, 3], 'int32');
    try {
      const descriptors: Float32Array[] = [result.descriptor];
      for (const variant of occlusionVariants) {
        descriptors.push(await occludedDescriptor(recognition, frame, landmarks, variant));
      }
      for (const variant of frameVariants) {
        descriptors.push(await frameDescriptor(embedders, frame, result.face, variant));
      }
      const features = maskFeatures(image, landmarks);
      const check = detector.check(image, landmarks);
      descriptors.push(
        features === null
          ? new Float32Array(maskFeatureLength).fill(Number.NaN)
          : Float32Array.from(features),
        Float32Array.of(check === null ? -1 : check.probability),
      );
      return { ok: true, descriptors };
    } finally {
      frame.dispose();
    }
  };
}

interface FrameEmbedders {
  readonly faceres: FaceresEmbedder;
  readonly mobileface: ArcfaceEmbedder;
}

async function frameDescriptor(
  embedders: FrameEmbedders,
  frame: tf.Tensor3D,
  face: FaceObservation,
  variant: (typeof frameVariants)[number],
): Promise<Float32Array> {
  const painted = occludedFrame(frame, face.landmarks, variant.cut);
  try {
    return variant.embedder === 'faceres'
      ? await embedders.faceres.embed(painted, face, { rollCorrected: false })
      : await embedders.mobileface.embed(painted, face);
  } finally {
    painted.dispose();
  }
}

/**
 * Which images count as masked, per fold: the data's labels, the mask detector refitted on the fold's
 * training people (its corpus and recipe, capture/mask-corpus.node.ts and mask-cv.ts), the shipped one.
 */
async function makeRouters(
  reference: CrossValidationResult,
  rowOf: (image: string, row: number) => Float32Array | null,
  detectorThreshold: number,
): Promise<Map<string, Router>> {
  const corpus = await listMaskCorpus(dataRoot);
  const labelled = new Map(corpus.map((sample) => [sample.file, sample.masked]));
  const samples: MaskCvSample[] = corpus.flatMap((sample) => {
    const x = rowOf(sample.file, featuresRow);
    if (x === null || x.some((value) => Number.isNaN(value))) return [];
    return [
      {
        group: sample.group,
        subset: sample.subset,
        masked: sample.masked,
        x: Float64Array.from(x),
      },
    ];
  });
  const fitted = new Map<string, (image: string) => boolean>();
  const perFold: Router = (repeat, fold) => {
    const key = `${repeat}/${fold}`;
    const known = fitted.get(key);
    if (known !== undefined) return known;
    const plan = reference.plans[repeat];
    assert(plan !== undefined, 'a plan per repeat');
    const train = samples.filter(
      (s) => plan.get(s.group) !== undefined && plan.get(s.group) !== fold,
    );
    const fit = fitMask(train, defaultMaskRecipe);
    const flag = (image: string): boolean => {
      const x = rowOf(image, featuresRow);
      if (x === null || x.some((value) => Number.isNaN(value))) return false;
      return maskScore(fit, Float64Array.from(x)) >= fit.threshold;
    };
    fitted.set(key, flag);
    return flag;
  };
  const shipped: Router = () => (image) => {
    const probability = rowOf(image, probabilityRow)?.[0] ?? -1;
    return probability >= 0 && probability >= detectorThreshold;
  };
  return new Map<string, Router>([
    ['labelled masked', () => (image) => labelled.get(image) === true],
    ['detector refit per fold', perFold],
    ['shipped detector (in-sample)', shipped],
  ]);
}

/**
 * Each test condition at the threshold fitted on the same condition's training impostors alone (no
 * margin): what the matcher could do if no other subset had to be held. Out of sample, not a policy.
 */
function ownThresholdOutcomes(matcher: Matcher, targetFmr: number): FoldOutcome[] {
  const folds = new Set(
    matcher.cv.outcomes.flatMap((outcome) => (outcome.kind === 'pair' ? [] : [outcome.fold])),
  );
  return matcher.cv.outcomes.map((outcome) => {
    const plan = matcher.cv.plans[outcome.repeat];
    assert(outcome.kind !== 'pair' && plan !== undefined, 'k-fold outcomes only (pairFoldsUpTo 0)');
    const others = new Set([...folds].filter((fold) => fold !== outcome.fold));
    const train = scoreSetOf(pairsWithin(matcher.scored, plan, others));
    const test = scoreSetOf(pairsWithin(matcher.scored, plan, new Set([outcome.fold])));
    const rates = new Map(
      [...test].map(([name, scores]) => {
        const threshold =
          subsetThresholdForFmr(train.get(name)?.impostor ?? [], targetFmr) ?? outcome.threshold;
        return [name, ratesAt(scores, threshold)];
      }),
    );
    return { ...outcome, rates };
  });
}

/** Per fold of today's plans: both thresholds from their own cross-validation, each pair decided once. */
function routedOutcomes(options: {
  base: Matcher;
  variant: Matcher;
  allPairs: readonly LabelledPair[];
  router: Router;
}): FoldOutcome[] {
  const { base, variant, allPairs, router } = options;
  return base.cv.outcomes.map((outcome) => {
    const other = variant.cv.outcomes.find(
      (o) => o.repeat === outcome.repeat && o.fold === outcome.fold,
    );
    const plan = base.cv.plans[outcome.repeat];
    assert(outcome.kind !== 'pair', 'k-fold outcomes only (pairFoldsUpTo 0)');
    assert(other !== undefined && plan !== undefined, 'the same folds for every matcher');
    assert(variant.cv.plans[outcome.repeat]?.size === plan.size, 'the same people in the plans');
    const masked = router(outcome.repeat, outcome.fold);
    const test: RoutedPair[] = [];
    for (const [index, pair] of allPairs.entries()) {
      const a = plan.get(identityOf(pair.imgA));
      const b = plan.get(identityOf(pair.imgB));
      if (a !== outcome.fold || b !== outcome.fold) continue;
      assert(variant.cv.plans[outcome.repeat]?.get(identityOf(pair.imgA)) === a, 'same folds');
      test.push({
        condition: pair.subset,
        genuine: pair.genuine,
        base: base.scored[index]?.score ?? null,
        occluded: variant.scored[index]?.score ?? null,
        routed: masked(pair.imgA) || masked(pair.imgB),
      });
    }
    const rates = routedRates(test, { base: outcome.threshold, occluded: other.threshold });
    return { ...outcome, rates };
  });
}

interface Summarised {
  name: string;
  summary: Map<string, ConditionSummary>;
  cv: CrossValidationResult | null;
}

function printSummaries(title: string, rows: readonly Summarised[]): void {
  console.log(`\n${title}. FNMR pooled (worst fold / median fold):`);
  const fnmr = rows.map((row): Cell[] => [
    row.name,
    ...shownConditions.map((name) => fnmrCell(row.summary.get(name))),
  ]);
  console.log(formatTable(['matcher', ...shownConditions], fnmr));
  console.log(`\n${title}. FMR pooled (worst fold), folds over target, and the fold thresholds:`);
  const fmr = rows.map((row): Cell[] => {
    const all = [...row.summary.values()];
    const over = all.reduce((sum, s) => sum + s.foldsOverTarget, 0);
    const worst = Math.max(...all.map((s) => s.fmrSpread?.worst ?? 0));
    const thresholds = (row.cv?.outcomes ?? []).map((o) => o.threshold).sort((a, b) => a - b);
    return [
      row.name,
      ...shownConditions.map((name) => fmrCell(row.summary.get(name))),
      percent(worst),
      over,
      thresholds.length === 0
        ? 'own per condition'
        : `${fixed(thresholds[Math.floor(thresholds.length / 2)] ?? null)} (${fixed(thresholds[0] ?? null)}-${fixed(thresholds.at(-1) ?? null)})`,
    ];
  });
  console.log(
    formatTable(
      ['matcher', ...shownConditions, 'worst fold, any', 'folds over', 'threshold median (range)'],
      fmr,
    ),
  );
}

function fnmrCell(summary: ConditionSummary | undefined): string {
  if (summary?.fnmr === null || summary === undefined) return '-';
  const spreadOf = summary.fnmrSpread;
  return `${percent(summary.fnmr, 1)} (${percent(spreadOf?.worst ?? null, 0)}/${percent(spreadOf?.median ?? null, 0)})`;
}

function fmrCell(summary: ConditionSummary | undefined): string {
  if (summary?.fmr === null || summary === undefined) return '-';
  return `${percent(summary.fmr, 2)} (${percent(summary.fmrSpread?.worst ?? null, 1)})`;
}

/** Which training condition set each fold's threshold (the worst subset for FMR), counted over folds. */
function printDecidedBy(matchers: readonly Matcher[], targetFmr: number): void {
  console.log('\nThe training condition that decided each fold threshold (folds):');
  for (const matcher of matchers) {
    const counts = new Map<string, number>();
    const folds = new Set(matcher.cv.outcomes.map((outcome) => outcome.fold));
    for (const outcome of matcher.cv.outcomes) {
      const plan = matcher.cv.plans[outcome.repeat];
      assert(plan !== undefined, 'a plan per repeat');
      const others = new Set([...folds].filter((fold) => fold !== outcome.fold));
      const train = scoreSetOf(pairsWithin(matcher.scored, plan, others));
      const { decidedBy } = selectThreshold(train, targetFmr);
      counts.set(decidedBy, (counts.get(decidedBy) ?? 0) + 1);
    }
    const text = [...counts].sort((a, b) => b[1] - a[1]).map(([name, n]) => `${name} ${n}`);
    console.log(`  ${matcher.name}: ${text.join(', ')}`);
  }
}

/** Today's descriptor at the shipped threshold: fitted on these same people, so in-sample. */
function printShipped(scored: readonly ScoredPair[]): void {
  const set = scoreSetOf(scored);
  const cells = shownConditions.map((name) => {
    const scores = set.get(name);
    if (scores === undefined) return '-';
    const rates = ratesAt(scores, shippedThreshold);
    return `${percent(rates.fnmr, 1)} / ${percent(rates.fmr, 2)}`;
  });
  console.log(
    `\nToday at the shipped threshold ${shippedThreshold} (IN-SAMPLE: fitted on these people), FNMR / FMR:`,
  );
  console.log(formatTable(['matcher', ...shownConditions], [['today (shipped)', ...cells]]));
}

await main();
