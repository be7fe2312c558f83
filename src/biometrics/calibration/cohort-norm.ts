// Cohort score normalisation: a probe that resembles everybody (dark, small, blurred faces do) scores high
// against strangers as well as against its own person; subtracting its mean similarity to the K most similar
// OTHER people turns "how similar" into "how much more similar than to anyone else", per probe.
//
// The cohort is other people's descriptors: in calibration, people of the training folds only (never the
// test people); at a hub it would be the gallery's other persons (the candidate excluded), which a 1:N
// search ranks anyway. Measured out of sample by `npm run compare:embeddings` (raw against normalised):
// worse on every kiosk subset for face-api, so not shipped; kept so the measurement can be rerun.
import { assert } from '../../shared/assert.ts';
import { cosineSimilarity } from './scores.ts';

export interface CohortMember {
  readonly identity: string;
  readonly descriptor: Float32Array;
}

export interface RankedCohort {
  /** Similarity of the probe to each cohort member, highest first. */
  readonly scores: readonly number[];
  readonly identities: readonly string[];
}

/** The probe's similarity to every cohort member, highest first. */
export function rankCohort(probe: Float32Array, cohort: readonly CohortMember[]): RankedCohort {
  const ranked = cohort
    .map((member) => ({
      identity: member.identity,
      score: cosineSimilarity(probe, member.descriptor),
    }))
    .sort((a, b) => b.score - a.score);
  return { scores: ranked.map((r) => r.score), identities: ranked.map((r) => r.identity) };
}

/**
 * Mean of the `k` highest cohort similarities whose member is none of `exclude` (the pair's own people:
 * a person is never their own cohort). Null when fewer than `k` members remain: too small a cohort says
 * nothing about the probe.
 */
export function cohortTopMean(
  ranked: RankedCohort,
  exclude: ReadonlySet<string>,
  k: number,
): number | null {
  assert(Number.isInteger(k) && k >= 1, 'k is a positive whole number');
  let sum = 0;
  let taken = 0;
  for (const [index, score] of ranked.scores.entries()) {
    if (exclude.has(ranked.identities[index] ?? '')) continue;
    sum += score;
    taken += 1;
    if (taken === k) return sum / k;
  }
  return null;
}

/** The raw similarity less the probe's cohort mean; null when either is unknown. */
export function cohortNormalised(raw: number | null, cohortMean: number | null): number | null {
  return raw === null || cohortMean === null ? null : raw - cohortMean;
}
