// The face-mask detector: verifies the fitted model's bytes (models/mask-detector.json), then says per
// frame whether a mask covers the nose or mouth. Isomorphic: the caller supplies the bytes.
import { z } from 'zod';
import { assert } from '../../shared/assert.ts';
import type { Point } from '../geometry.ts';
import type { RgbImage } from '../image.ts';
import { logit, sigmoid } from '../liveness/linear-model.ts';
import type { ModelManifestEntry } from '../model-manifest.ts';
import { parseJsonModel } from '../liveness/json-model.ts';
import { maskFeatureLength, maskFeatureSpec, maskFeatures } from './mask-features.ts';

export const maskModelFormat = 'facepay-mask-detector';

const finite = z.number().refine(Number.isFinite, 'a finite number');

export const maskModelSchema = z.strictObject({
  format: z.literal(maskModelFormat),
  version: z.literal(1),
  modelId: z.string().regex(/^[a-z0-9][a-z0-9.-]*$/),
  featureSpec: z.literal(maskFeatureSpec),
  mean: z.array(finite).length(maskFeatureLength),
  std: z.array(finite.refine((v) => v > 0, 'positive')).length(maskFeatureLength),
  weights: z.array(finite).length(maskFeatureLength),
  bias: finite,
  /** Probabilities at or above it are a mask. */
  threshold: z.number().gt(0).lt(1),
  /** How the model and threshold were chosen and what they measured, for the record; not used to score. */
  training: z.record(z.string(), z.unknown()),
});

export type MaskModel = z.infer<typeof maskModelSchema>;

export interface MaskResult {
  /** Probability-like, 0..1: higher = more likely a mask over the nose or mouth. */
  readonly probability: number;
  readonly masked: boolean;
}

export interface MaskDetector {
  readonly modelId: string;
  readonly threshold: number;
  /** null when the face lies too far outside the frame to sample. */
  check(image: RgbImage, landmarks: readonly Point[]): MaskResult | null;
}

/** Checks bytes against the expected size and sha256, then the content; any failure stops start-up. */
export async function parseMaskModel(
  bytes: Uint8Array,
  entry: ModelManifestEntry,
): Promise<MaskModel> {
  return parseJsonModel(bytes, entry, maskModelSchema);
}

export function createMaskDetector(model: MaskModel): MaskDetector {
  assert(model.weights.length === maskFeatureLength, 'model was not parsed with parseMaskModel');
  const linear = { weights: Float64Array.from(model.weights), bias: model.bias };
  const mean = Float64Array.from(model.mean);
  const std = Float64Array.from(model.std);
  return {
    modelId: model.modelId,
    threshold: model.threshold,
    check(image, landmarks) {
      const row = maskFeatures(image, landmarks);
      if (row === null) return null;
      for (let j = 0; j < row.length; j++)
        row[j] = ((row[j] ?? 0) - (mean[j] ?? 0)) / (std[j] ?? 1);
      const probability = sigmoid(logit(linear, row));
      return { probability, masked: probability >= model.threshold };
    },
  };
}
