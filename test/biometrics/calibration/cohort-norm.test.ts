// Cohort normalisation: the probe's own people never count in its cohort, too small a cohort gives no
// score, and a probe that resembles everybody is pulled down against one that resembles only its match.
import { describe, expect, it } from 'vitest';
import {
  cohortNormalised,
  cohortTopMean,
  rankCohort,
} from '../../../src/biometrics/calibration/cohort-norm.ts';

/** A unit vector at `degrees` from the x axis in the plane: cosines are easy to read. */
function at(degrees: number): Float32Array {
  const r = (degrees * Math.PI) / 180;
  return Float32Array.from([Math.cos(r), Math.sin(r)]);
}

const cohort = [
  { identity: 'a', descriptor: at(10) },
  { identity: 'b', descriptor: at(20) },
  { identity: 'c', descriptor: at(60) },
  { identity: 'd', descriptor: at(90) },
];

describe('cohort normalisation', () => {
  it('ranks the cohort by similarity to the probe, highest first', () => {
    const ranked = rankCohort(at(0), cohort);
    expect(ranked.identities).toEqual(['a', 'b', 'c', 'd']);
    expect(ranked.scores[0]).toBeCloseTo(Math.cos((10 * Math.PI) / 180), 6);
    expect(ranked.scores[3]).toBeCloseTo(0, 6);
  });

  it("leaves the pair's own people out of the probe's cohort", () => {
    const ranked = rankCohort(at(0), cohort);
    const withA = cohortTopMean(ranked, new Set(), 2) ?? Number.NaN;
    const withoutA = cohortTopMean(ranked, new Set(['a']), 2) ?? Number.NaN;
    expect(withA).toBeCloseTo((Math.cos(Math.PI / 18) + Math.cos(Math.PI / 9)) / 2, 6);
    expect(withoutA).toBeCloseTo((Math.cos(Math.PI / 9) + Math.cos(Math.PI / 3)) / 2, 6);
  });

  it('gives no score when fewer than k other people are left', () => {
    const ranked = rankCohort(at(0), cohort);
    expect(cohortTopMean(ranked, new Set(['a', 'b']), 3)).toBeNull();
    expect(cohortNormalised(0.9, null)).toBeNull();
    expect(cohortNormalised(null, 0.5)).toBeNull();
  });

  it('pulls a probe that resembles everybody below one that resembles only its match', () => {
    // Same raw similarity 0.95 to the candidate; the first probe is also close to every cohort member.
    const everybody = cohortTopMean(rankCohort(at(40), cohort), new Set(), 3) ?? Number.NaN;
    const distinct = cohortTopMean(rankCohort(at(-80), cohort), new Set(), 3) ?? Number.NaN;
    expect(everybody).toBeGreaterThan(distinct);
    expect(cohortNormalised(0.95, everybody)).toBeLessThan(cohortNormalised(0.95, distinct) ?? 0);
  });
});
