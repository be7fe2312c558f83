// The face-matching operating point the hub trusts: the calibrated threshold for one model id, and
// the measured false-match rates that decide whether a face alone may authorise a payment.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import {
  falsePaymentRateMax,
  templateDimensionMax,
  templateDimensionMin,
} from '../../shared/limits.ts';

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

type Metric = 'cosine' | 'cosine-similarity' | 'euclidean';

/** The range a threshold can have: cosine similarity of unit vectors, or their euclidean distance. */
const metricRange: Record<Metric, readonly [number, number]> = {
  cosine: [-1, 1],
  'cosine-similarity': [-1, 1],
  euclidean: [0, 2],
};

// The metric and the dimension are required: the writer (scripts/calibrate.ts, thresholds-file.ts) writes
// both, and a guess is worse than a refusal (a cosine 0.9639 read as a distance matches at cosine 0.5355;
// a 512-d model read as 128-d).
const thresholdsFile = z
  .looseObject({
    modelId: z.string().min(1),
    metric: z.enum(['cosine', 'cosine-similarity', 'euclidean']),
    threshold: z.number(),
    dimension: z.number().int().min(templateDimensionMin).max(templateDimensionMax),
    faceOnlyPoints: z
      .array(z.object({ threshold: z.number(), fmr: z.number().min(0).max(1) }))
      .default([]),
  })
  .superRefine((file, context) => {
    const [low, high] = metricRange[file.metric];
    const points = [
      { path: ['threshold'], value: file.threshold },
      ...file.faceOnlyPoints.map((p, index) => ({
        path: ['faceOnlyPoints', index, 'threshold'],
        value: p.threshold,
      })),
    ];
    for (const { path, value } of points) {
      if (value < low || value > high) {
        context.addIssue({
          code: 'custom',
          path,
          message: `a ${file.metric} threshold is in [${low}, ${high}], not ${value}`,
        });
      }
    }
  });

/** For L2-normalised vectors: euclidean distance d and cosine c relate by d^2 = 2 - 2c. */
function toCosine(metric: Metric, value: number): number {
  return metric === 'euclidean' ? 1 - (value * value) / 2 : value;
}

/** Reads a thresholds file; throws, naming the file and the fields, when one is missing or out of range. */
export function loadCalibration(path: string): IdentityCalibration {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`calibration ${path}: not readable JSON`, { cause: error });
  }
  const checked = thresholdsFile.safeParse(json);
  if (!checked.success) {
    const fields = checked.error.issues
      .map((issue) => `${issue.path.join('.') || '(file)'}: ${issue.message}`)
      .join('; ');
    throw new Error(`calibration ${path}: ${fields}`);
  }
  const parsed = checked.data;
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
