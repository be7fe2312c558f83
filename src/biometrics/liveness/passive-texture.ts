// The passive texture presentation-attack detector: verifies the trained model's bytes, then scores one
// face crop as live or attack. Isomorphic: the caller supplies the bytes (file in Node, fetch in a page).
import { z } from 'zod';
import { assert } from '../../shared/assert.ts';
import { padModelFeaturesMax } from '../../shared/limits.ts';
import type { RgbImage } from '../image.ts';
import type { ModelManifestEntry } from '../model-manifest.ts';
import { invalidModel, parseJsonModel } from './json-model.ts';
import type { PassiveBand } from './decision.ts';
import { passiveBand } from './decision.ts';
import { logit, sigmoid } from './linear-model.ts';
import { padCues } from './pad-cues.ts';
import type { PixelImage, TextureFeatureSpec } from './texture-features.ts';
import { assertSpec, colourChannels, featureLength, textureFeatures } from './texture-features.ts';

export const padTextureModelFormat = 'facepay-pad-texture';

const finite = z.number().refine(Number.isFinite, 'a finite number');

const specSchema = z.strictObject({
  resizeSide: z.number().int().min(16).max(256),
  channels: z.array(z.enum(colourChannels)).min(1).max(colourChannels.length),
  operators: z
    .array(
      z.strictObject({
        points: z.number().int().min(4).max(16),
        radius: z.number().positive().max(4),
        grid: z.number().int().min(1).max(8),
      }),
    )
    .max(8),
  sqrtBins: z.boolean(),
  cues: z.array(z.enum(padCues)).max(padCues.length),
});

export const padTextureModelSchema = z.strictObject({
  format: z.literal(padTextureModelFormat),
  /** 2: cues, crop scale and the abstain band (version 1, pad-texture-v2, had neither). */
  version: z.literal(2),
  modelId: z.string().regex(/^[a-z0-9][a-z0-9.-]*$/),
  spec: specSchema,
  mean: z.array(finite).max(padModelFeaturesMax),
  std: z.array(finite.refine((v) => v > 0, 'positive')).max(padModelFeaturesMax),
  weights: z.array(finite).max(padModelFeaturesMax),
  bias: finite,
  /** Side of the scored square crop over the larger side of the detector's face box. */
  cropScale: z.number().min(0.5).max(2),
  /** Scores at or above it are live. */
  threshold: z.number().gt(0).lt(1),
  /** Scores below it are a confident attack; from it up to the threshold, uncertain (abstain). */
  refuseBelow: z.number().gt(0).lt(1),
  /** How the threshold and the model were chosen, for the record; not used to score. */
  training: z.record(z.string(), z.unknown()),
});

export type PadTextureModel = z.infer<typeof padTextureModelSchema>;

export interface PassiveTextureResult {
  /** Probability-like liveness score in [0, 1]; higher = more likely a live face. */
  readonly score: number;
  readonly live: boolean;
  readonly band: PassiveBand;
  readonly threshold: number;
  readonly modelId: string;
  readonly elapsedMs: number;
}

export interface PassiveTextureDetector {
  readonly modelId: string;
  readonly threshold: number;
  readonly refuseBelow: number;
  /** The crop the model was trained on: this scale around the detector's face box. */
  readonly cropScale: number;
  readonly spec: TextureFeatureSpec;
  score(crop: RgbImage | PixelImage): PassiveTextureResult;
}

/** Checks bytes against the expected size and sha256, then the content; any failure stops start-up. */
export async function parsePadTextureModel(
  bytes: Uint8Array,
  entry: ModelManifestEntry,
): Promise<PadTextureModel> {
  const model = await parseJsonModel(bytes, entry, padTextureModelSchema);
  let length: number;
  try {
    assertSpec(model.spec);
    length = featureLength(model.spec);
  } catch (error) {
    invalidModel(entry, 'feature spec is not usable', error);
  }
  if (model.refuseBelow > model.threshold) invalidModel(entry, 'refuseBelow above the threshold');
  if (
    model.mean.length !== length ||
    model.std.length !== length ||
    model.weights.length !== length
  ) {
    invalidModel(entry, `vectors must have the spec's ${length} features`);
  }
  return model;
}

export function createPassiveTextureDetector(model: PadTextureModel): PassiveTextureDetector {
  const length = featureLength(model.spec);
  assert(model.weights.length === length, 'model was not parsed with parsePadTextureModel');
  const weights = Float64Array.from(model.weights);
  const mean = Float64Array.from(model.mean);
  const std = Float64Array.from(model.std);
  const linear = { weights, bias: model.bias };
  return {
    modelId: model.modelId,
    threshold: model.threshold,
    refuseBelow: model.refuseBelow,
    cropScale: model.cropScale,
    spec: model.spec,
    score(crop) {
      const started = performance.now();
      const image: PixelImage = 'channels' in crop ? crop : { ...crop, channels: 3 };
      const features = textureFeatures(image, model.spec);
      for (let j = 0; j < length; j++)
        features[j] = ((features[j] ?? 0) - (mean[j] ?? 0)) / (std[j] ?? 1);
      const score = sigmoid(logit(linear, features));
      assert(score >= 0 && score <= 1, 'score out of range');
      return {
        score,
        live: score >= model.threshold,
        band: passiveBand(score, model),
        threshold: model.threshold,
        modelId: model.modelId,
        elapsedMs: performance.now() - started,
      };
    },
  };
}
