// Rates of a two-matcher decision: a pair whose probe is flagged masked is compared by the masked-pair
// matcher at its own threshold, every other pair by today's descriptor at today's threshold.
//
// Pure: the caller scores both matchers, fits both thresholds on training people and says which pairs
// the mask flag routes; each pair is then decided once, so FMR and FNMR are those of the whole kiosk.
import type { SubsetRates } from './thresholds.ts';
import { ratesAt } from './thresholds.ts';
import { groupScores } from './scores.ts';

export interface RoutedPair {
  readonly condition: string;
  readonly genuine: boolean;
  /** Today's cosine; null when an image failed to acquire. */
  readonly base: number | null;
  /** The masked-pair matcher's cosine; null when an image failed to acquire. */
  readonly occluded: number | null;
  /** Either image flagged masked: the masked-pair matcher decides. */
  readonly routed: boolean;
}

export interface RoutedThresholds {
  readonly base: number;
  readonly occluded: number;
}

/**
 * Each pair's score less the threshold of the matcher that decides it, so that one threshold (0) rates
 * both paths together; the sign of a difference of finite doubles is exact, so no decision moves.
 */
export function routedRates(
  pairs: readonly RoutedPair[],
  thresholds: RoutedThresholds,
): Map<string, SubsetRates> {
  const set = groupScores(
    pairs.map((pair) => {
      const score = pair.routed ? pair.occluded : pair.base;
      const threshold = pair.routed ? thresholds.occluded : thresholds.base;
      return {
        group: pair.condition,
        genuine: pair.genuine,
        score: score === null ? null : score - threshold,
      };
    }),
  );
  return new Map([...set].map(([name, scores]) => [name, ratesAt(scores, 0)]));
}
