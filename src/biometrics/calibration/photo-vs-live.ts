// The enrolment station's 1:1 check of the live face against the ID document's photo: the calibration record
// `npm run calibrate:photo-vs-live` writes (models/photo-vs-live.json), checked when read, and the decision.
//
// Browser-safe (no Node imports): the station's screens and the kiosk service may both decide with it.

import { z } from 'zod';
import { assert } from '../../shared/assert.ts';
import { cosineSimilarity } from './scores.ts';

/**
 * How several live frames' descriptors become one score against the photo. `median`: the median of the
 * photo's cosine with each frame; `fused`: the cosine with the frames' normalised mean descriptor (as the
 * face session fuses them); `best`: the highest cosine (several tries at one threshold: not for safety).
 */
export const liveCombinations = ['median', 'fused', 'best'] as const;
export type LiveCombination = (typeof liveCombinations)[number];

const rate = z.number().min(0).max(1);
const count = z.number().int().nonnegative();

export const photoVsLiveFileSchema = z.object({
  /** The face model whose descriptors the threshold is valid for (models/thresholds.json's modelId). */
  modelId: z.string().min(1),
  /** Cosine similarity; the live face matches the photo when its score is at or above it. */
  threshold: z.number().min(-1).max(1),
  targetFmr: z.number().gt(0).lt(1),
  combine: z.enum(liveCombinations),
  /** Figures of people the threshold was not fitted on (identity-disjoint cross-validation). */
  outOfSample: z.object({
    fmr: rate,
    fnmr: rate,
    /** Distinct photo-vs-live pairs scored out of sample at least once. */
    genuinePairs: count,
    impostorPairs: count,
    folds: z.number().int().min(2),
    seeds: z.number().int().min(1),
    fmrWorstFold: rate,
    fnmrWorstFold: rate,
  }),
  /** Which pairs calibrated it, in one line. */
  pairs: z.string().min(1),
  fittedAt: z.iso.datetime(),
});

/** The checked file; fields the schema does not name are dropped (the station needs only these). */
export type PhotoVsLiveCalibration = z.infer<typeof photoVsLiveFileSchema>;

export class PhotoVsLiveFileError extends Error {
  override name = 'PhotoVsLiveFileError';
}

/**
 * Parses and checks models/photo-vs-live.json's text; a file that is not the record is refused, and so is
 * one fitted for another face model than `expectedModelId` (its threshold means nothing for other descriptors).
 */
export function parsePhotoVsLiveFile(
  text: string,
  expectedModelId?: string,
): PhotoVsLiveCalibration {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new PhotoVsLiveFileError('the photo-vs-live file is not JSON', { cause: error });
  }
  const parsed = photoVsLiveFileSchema.safeParse(json);
  if (!parsed.success) {
    throw new PhotoVsLiveFileError(`the photo-vs-live file is invalid: ${parsed.error.message}`);
  }
  if (expectedModelId !== undefined && parsed.data.modelId !== expectedModelId) {
    throw new PhotoVsLiveFileError(
      `the photo-vs-live file is for ${parsed.data.modelId}, not ${expectedModelId}`,
    );
  }
  return parsed.data;
}

export interface PhotoToLiveResult {
  readonly score: number;
  readonly matched: boolean;
}

/**
 * Compares the ID photo's descriptor with the live frames' descriptors (one or more, same model) under the
 * calibration's combination, and decides at its threshold. Descriptors of the wrong size are a caller bug.
 */
export function comparePhotoToLive(
  photo: Float32Array,
  live: readonly Float32Array[],
  calibration: Pick<PhotoVsLiveCalibration, 'threshold' | 'combine'>,
): PhotoToLiveResult {
  const score = photoToLiveScore(photo, live, calibration.combine);
  return { score, matched: score >= calibration.threshold };
}

export function photoToLiveScore(
  photo: Float32Array,
  live: readonly Float32Array[],
  combine: LiveCombination,
): number {
  assert(live.length > 0, 'at least one live frame to compare');
  if (combine === 'fused') return cosineSimilarity(photo, meanDescriptor(live));
  const scores = live.map((frame) => cosineSimilarity(photo, frame)).sort((a, b) => a - b);
  if (combine === 'best') return scores[scores.length - 1] ?? -1;
  const mid = Math.floor(scores.length / 2);
  return scores.length % 2 === 1
    ? (scores[mid] ?? -1)
    : ((scores[mid - 1] ?? -1) + (scores[mid] ?? -1)) / 2;
}

/** The mean of the frames' unit descriptors (cosineSimilarity normalises it). */
function meanDescriptor(live: readonly Float32Array[]): Float32Array {
  const first = live[0];
  assert(first !== undefined, 'at least one live frame');
  const sum = new Float32Array(first.length);
  for (const frame of live) {
    assert(frame.length === sum.length, 'live descriptors have one length');
    for (let i = 0; i < sum.length; i += 1) sum[i] = (sum[i] ?? 0) + (frame[i] ?? 0);
  }
  return sum;
}
