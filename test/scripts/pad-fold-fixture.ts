// A held-out fold as eval:pad's protocol returns it, built from hand-set scores, for the tests of what
// eval:pad prints per held-out group and per held-out species.
import type { OperatingPoint, OuterFoldResult } from '../../src/biometrics/liveness/pad-cv.ts';

export interface ShownPresentation {
  /** Default: the fold's first held-out group. */
  readonly group?: string;
  readonly domain: string;
  readonly live: boolean;
  readonly score: number | null;
}

/** Every presentation scored at `point`, the fold's own choice. */
export function outerFold(
  testGroups: readonly string[],
  point: OperatingPoint,
  shown: readonly ShownPresentation[],
): OuterFoldResult {
  return {
    testGroups,
    choice: {
      candidate: { name: 'test', features: 'f', l2: 0.1 },
      point,
      domainPoints: {},
      criterion: 0,
      auc: 0.5,
    },
    scored: shown.map((p, index) => ({
      sample: { group: p.group ?? testGroups[0] ?? '', domain: p.domain, live: p.live, index },
      score: p.score,
      point,
    })),
  };
}
