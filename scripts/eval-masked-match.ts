// `npm run eval:masked`: a masked-pair matcher (face-api's descriptor of only what a mask leaves visible,
// cut the same way on both sides) against today's descriptor, out of sample, on every subset.
//
// Usage: npx tsx scripts/eval-masked-match.ts [--target-fmr 0.001] [--folds 5] [--repeats 4] [--no-cache]
//          [--out report.json]
//
// MEASURED: see the block at the end of this header (filled from the run it names).
//
// Every image of faces/ and faces2/ goes through the production engine (detector, landmarks, quality gate,
// descriptor: the same failures to acquire as today); then, on the same landmarks, face-api's descriptor of
// each occlusion variant of match/occluded-face.ts (an eye-anchored chip grey below v = 0.20 / 0.35 / 0.55
// eye distances under the eye line, or the brow-to-nose-bridge band stretched over the input), the mask
// detector's features and the shipped detector's probability. All cached in .facepay/cache by image
// sha256 and a key naming the engine, the variants and the detector.
//
// Out of sample as calibrate does it: identity-disjoint k-fold cross-validation repeated with other seeds
// (calibration/cross-validation.ts); each fold's threshold is the lowest holding FMR <= target on EVERY
// training subset and mask group (for a variant: every subset's impostor pairs compared occluded on both
// sides, so a stranger's occluded face is as hard to confuse on nuaa or yaleb as on mfr2), plus the safety
// margin chosen by the nested inner folds. FNMR counts failures to acquire as non-matches.
// Two views:
//  - each matcher alone on every pair (the masked-pair matcher used for every comparison);
//  - the kiosk: a pair with an image flagged masked goes to the variant at its own threshold, every other
//    pair to today's descriptor at today's; flagged by the data's labels (a perfect detector), by the mask
//    detector refitted on each fold's training people (calibration recipe of capture/mask-cv.ts: out of
//    sample), and by the shipped detector (fitted on these people: in-sample, labelled).
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
  occlusionGrey,
  occlusionVariants,
} from '../src/biometrics/match/occluded-face.ts';

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
/** Cached rows after the descriptors: mask features (NaN when unreadable), shipped detector probability. */
const featuresRow = 1 + occlusionVariants.length;
const probabilityRow = featuresRow + 1;

interface Matcher {
  readonly name: string;
  readonly row: number;
  readonly scored: ScoredPair[];
  readonly cv: CrossValidationResult;
}

type Router = (repeat: number, fold: number) => (image: string) => boolean;

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
  const targetFmr = Number(values['target-fmr']);
  const folds = Number(values.folds);
  const repeats = Number(values.repeats);
  const loaded = await loadPairs(calibrationRoots(dataRoot));
  const allPairs = [...loaded.pairs, ...loaded.maskGroups];
  const { rowOf, detectorThreshold } = await acquireAll(
    loaded.base,
    loaded.pairs,
    values['no-cache'],
  );
  const matchers = ['today: face-api chip', ...occlusionVariants.map((v) => v.name)].map(
    (name, row): Matcher => {
      const scored = scoredPairs(allPairs, (image) => rowOf(image, row));
      const cv = crossValidate({
        pairs: scored,
        folds,
        repeats,
        seed: 'eval-masked-match',
        linked: linkedIdentities,
        targetFmr,
        fit: (train) => selectThreshold(train, targetFmr).threshold,
        margins: safetyMargins,
      });
      return { name, row, scored, cv };
    },
  );
  const base = matchers[0];
  assert(base !== undefined, 'today is the first matcher');
  const routers = await makeRouters(base.cv, rowOf, detectorThreshold);
  console.log(`\nFMR target ${percent(targetFmr, 2)}, ${folds} folds x ${repeats} seeds.`);
  const alone = matchers.map((m) => ({
    name: m.name,
    summary: summarizeConditions(m.cv.outcomes, targetFmr),
    cv: m.cv,
  }));
  printSummaries('Each matcher alone on every pair (out of sample)', alone);
  printShipped(base.scored);
  const own = matchers.map((m) => ({
    name: m.name,
    summary: summarizeConditions(ownThresholdOutcomes(m, targetFmr), targetFmr),
    cv: m.cv,
  }));
  printSummaries(
    "NOT SHIPPABLE, the ceiling: each condition at its own threshold (FMR held on that condition's " +
      'training impostors only, no margin), out of sample',
    own,
  );
  const routed = [];
  for (const matcher of matchers.slice(1)) {
    for (const [routerName, router] of routers) {
      const outcomes = routedOutcomes({ base, variant: matcher, allPairs, router });
      routed.push({
        name: `${matcher.name} if ${routerName}`,
        summary: summarizeConditions(outcomes, targetFmr),
        cv: matcher.cv,
      });
    }
  }
  printSummaries('The kiosk: flagged pairs to the variant, the rest to today (out of sample)', [
    alone[0] as (typeof alone)[number],
    ...routed,
  ]);
  if (values.out !== undefined) {
    const json = Object.fromEntries(
      [...alone, ...routed].map((m) => [m.name, Object.fromEntries(m.summary)]),
    );
    await writeFile(
      values.out,
      `${JSON.stringify({ targetFmr, folds, repeats, json }, null, 2)}\n`,
    );
  }
}

/** Names what the variant descriptors depend on besides the engine: the variants and the chip framing. */
function variantsKey(detector: MaskDetector): string {
  const spec = { occlusionVariants, eyeChipSide, eyeChipCentreDown, occlusionGrey, bandWidth };
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
  const key = `${pipeline.pipelineKey}-masked-${variantsKey(detector)}`;
  const started = performance.now();
  const acquired = await acquireImages({
    root,
    images: pairImages(pairs),
    embed: embedVariants(pipeline.engine, models.recognition, detector),
    pipelineKey: key,
    cacheFile: noCache ? null : cacheFileFor(descriptorCacheDir, key),
    onProgress: (done, total) => {
      if (done % 25 === 0 || done === total) process.stderr.write(`\r${done}/${total} images`);
    },
  });
  process.stderr.write('\n');
  pipeline.engine.dispose();
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
function embedVariants(
  engine: FaceEngine,
  recognition: FaceModels['recognition'],
  detector: MaskDetector,
): Embed {
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
  const folds = new Set(matcher.cv.outcomes.map((outcome) => outcome.fold));
  return matcher.cv.outcomes.map((outcome) => {
    const plan = matcher.cv.plans[outcome.repeat];
    assert(plan !== undefined, 'a plan per repeat');
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
  cv: CrossValidationResult;
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
    const thresholds = row.cv.outcomes.map((o) => o.threshold).sort((a, b) => a - b);
    return [
      row.name,
      ...shownConditions.map((name) => fmrCell(row.summary.get(name))),
      percent(worst),
      over,
      `${fixed(thresholds[Math.floor(thresholds.length / 2)] ?? null)} (${fixed(thresholds[0] ?? null)}-${fixed(thresholds.at(-1) ?? null)})`,
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
