// A threshold per band of the probe's sharpness (issue 8: a score from a blurred face is not trusted like a
// sharp one's), fitted on training people only: band cuts, per-band shifts, then one threshold on top.
//
// Fit: the cuts are the terciles of the training pairs' probe sharpness; a band's shift is the threshold that
// holds the target FMR on that band's training impostors (all subsets pooled) less the all-bands one. Every
// score is then lowered by its band's shift, so ONE threshold T fitted on the shifted scores (the usual
// procedure, worst subset decides, nested safety margin) is the threshold T + shift[b] in band b. A pair
// whose probe has no measured quality keeps its score (shift 0: the hub's answer to a probe sent without).
import { assert } from '../../shared/assert.ts';
import type { ScoredPair } from './cross-validation.ts';
import { subsetThresholdForFmr, thresholdStep } from './thresholds.ts';

export interface ProbeQualityBands {
  /** Ascending: a probe of quality q is in band (number of cuts <= q). */
  readonly cuts: readonly number[];
  /** Per band, added to the one threshold (cosine units, on the threshold grid). */
  readonly shifts: readonly number[];
}

export const qualityBandCount = 3;

export function bandOf(bands: Pick<ProbeQualityBands, 'cuts'>, quality: number): number {
  return bands.cuts.filter((cut) => quality >= cut).length;
}

/** Cuts and shifts from training pairs alone (their probes' quality and their impostor scores). */
export function fitQualityBands(
  train: readonly ScoredPair[],
  targetFmr: number,
  bandCount: number = qualityBandCount,
): ProbeQualityBands {
  assert(Number.isInteger(bandCount) && bandCount >= 1, 'at least one band');
  const qualities = train
    .flatMap((pair) =>
      pair.probeQuality === undefined || pair.probeQuality === null ? [] : [pair.probeQuality],
    )
    .sort((a, b) => a - b);
  const cuts =
    qualities.length === 0
      ? []
      : Array.from(
          { length: bandCount - 1 },
          (_, k) => qualities[Math.floor(((k + 1) * qualities.length) / bandCount)] ?? 0,
        );
  const perBand: number[][] = Array.from({ length: cuts.length + 1 }, () => []);
  const all: number[] = [];
  for (const pair of train) {
    if (pair.genuine || pair.score === null) continue;
    if (pair.probeQuality === undefined || pair.probeQuality === null) continue;
    perBand[bandOf({ cuts }, pair.probeQuality)]?.push(pair.score);
    all.push(pair.score);
  }
  const overall = subsetThresholdForFmr(all, targetFmr);
  const shifts = perBand.map((scores) => {
    const own = subsetThresholdForFmr(scores, targetFmr);
    return overall === null || own === null ? 0 : roundToGrid(own - overall);
  });
  return { cuts, shifts };
}

/** The pairs with each score lowered by its probe's band shift (scores of unknown quality unchanged). */
export function shiftByBand(pairs: readonly ScoredPair[], bands: ProbeQualityBands): ScoredPair[] {
  return pairs.map((pair) => {
    if (pair.score === null || pair.probeQuality === undefined || pair.probeQuality === null) {
      return pair;
    }
    const shift = bands.shifts[bandOf(bands, pair.probeQuality)] ?? 0;
    return { ...pair, score: pair.score - shift };
  });
}

/** The fitted procedure as a cross-validation score transform: bands from the training pairs. */
export function qualityBandTransform(
  targetFmr: number,
  bandCount: number = qualityBandCount,
): (train: readonly ScoredPair[]) => (pairs: readonly ScoredPair[]) => ScoredPair[] {
  return (train) => {
    const bands = fitQualityBands(train, targetFmr, bandCount);
    return (pairs) => shiftByBand(pairs, bands);
  };
}

/** Differences of two grid thresholds, kept on the grid despite floating-point subtraction. */
function roundToGrid(value: number): number {
  const scale = Math.round(1 / thresholdStep);
  return Math.round(value * scale) / scale;
}
