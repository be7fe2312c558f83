// The face-matching operating point the hub trusts: the calibrated threshold for one model id, and
// the measured false-match rates that decide whether a face alone may authorise a payment.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { falsePaymentRateMax } from '../../shared/limits.ts';

export interface FaceOperatingPoint {
  /** Cosine similarity at or above which the score counts. */
  threshold: number;
  /** False-match rate measured at that threshold on the worst subset (an upper bound, not a guess). */
  fmr: number;
}

export interface IdentityCalibration {
  modelId: string;
  dimension: number;
  /** Cosine similarity for a match (the calibrated operating threshold). */
  threshold: number;
  /** Stricter points, measured; face alone is allowed only where gallery size x fmr meets the target. */
  faceOnlyPoints: FaceOperatingPoint[];
}

const thresholdsFile = z.looseObject({
  modelId: z.string().min(1),
  metric: z.enum(['cosine', 'cosine-similarity', 'euclidean']).default('euclidean'),
  threshold: z.number(),
  dimension: z.number().int().positive().default(128),
  faceOnlyPoints: z
    .array(z.object({ threshold: z.number(), fmr: z.number().min(0).max(1) }))
    .default([]),
});

/** For L2-normalised vectors: euclidean distance d and cosine c relate by d^2 = 2 - 2c. */
function toCosine(metric: 'cosine' | 'cosine-similarity' | 'euclidean', value: number): number {
  return metric === 'euclidean' ? 1 - (value * value) / 2 : value;
}

export function loadCalibration(path: string): IdentityCalibration {
  const parsed = thresholdsFile.parse(JSON.parse(readFileSync(path, 'utf8')));
  return {
    modelId: parsed.modelId,
    dimension: parsed.dimension,
    threshold: toCosine(parsed.metric, parsed.threshold),
    faceOnlyPoints: parsed.faceOnlyPoints.map((p) => ({
      threshold: toCosine(parsed.metric, p.threshold),
      fmr: p.fmr,
    })),
  };
}

/**
 * Face alone may authorise only if, with `galleryPersons` enrolled, the chance that a stranger is
 * taken for someone stays under the target: persons x FMR(at the best measured point this score
 * clears) <= falsePaymentRateMax. Without such a measured point the answer is no (PIN required).
 */
export function faceAloneSuffices(
  calibration: IdentityCalibration,
  score: number,
  galleryPersons: number,
): boolean {
  const cleared = calibration.faceOnlyPoints.filter((p) => score >= p.threshold);
  if (cleared.length === 0) return false;
  const bestFmr = Math.min(...cleared.map((p) => p.fmr));
  return Math.max(1, galleryPersons) * bestFmr <= falsePaymentRateMax;
}
