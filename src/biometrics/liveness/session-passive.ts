// One passive score for a kiosk session from the per-frame scores of its frames: a kiosk sees 10-15 frames
// a second of one person, and the frames' scores swing; the statistic and its frame count are measured.
import { assert } from '../../shared/assert.ts';
import { quantile } from './active/blink.ts';

export const sessionStatistics = [
  'median',
  'mean',
  'trimmed_mean',
  'quantile25',
  'quantile75',
  'mean_logit',
] as const;

export type SessionStatistic = (typeof sessionStatistics)[number];

const logitOf = (p: number): number => {
  const c = Math.min(1 - 1e-6, Math.max(1e-6, p));
  return Math.log(c / (1 - c));
};

/** The session's score in [0, 1] from its frames' scores (each in [0, 1]). */
export function sessionScore(scores: readonly number[], statistic: SessionStatistic): number {
  assert(scores.length > 0, 'a session score needs at least one frame score');
  assert(
    scores.every((s) => Number.isFinite(s) && s >= 0 && s <= 1),
    'frame scores must be in [0, 1]',
  );
  const sorted = [...scores].sort((a, b) => a - b);
  switch (statistic) {
    case 'median':
      return quantile(sorted, 0.5);
    case 'mean':
      return sorted.reduce((a, b) => a + b, 0) / sorted.length;
    case 'trimmed_mean': {
      // A fifth off each end: a blink's or a turn's odd frames do not move it.
      const cut = Math.floor(sorted.length / 5);
      const kept = sorted.slice(cut, sorted.length - cut);
      return kept.reduce((a, b) => a + b, 0) / kept.length;
    }
    case 'quantile25':
      return quantile(sorted, 0.25);
    case 'quantile75':
      return quantile(sorted, 0.75);
    case 'mean_logit': {
      const z = sorted.reduce((a, b) => a + logitOf(b), 0) / sorted.length;
      return 1 / (1 + Math.exp(-z));
    }
  }
}
