// The out-of-sample protocol for a score nobody fits here (a pretrained net's output): the same
// leave-one-group-out folds as pad-cv, only the thresholds (and, optionally, the sign) set on training groups.
import { assert } from '../../shared/assert.ts';
import { auc } from './linear-model.ts';
import type {
  OperatingPoint,
  OperatingTargets,
  OuterFoldResult,
  PadCvSample,
  ScoredSample,
} from './pad-cv.ts';
import { chooseOperatingPoint, ratesOf, thresholdDomains } from './pad-cv.ts';
import { leaveOneGroupOut } from './pad-folds.ts';

export interface FixedScoreOptions {
  readonly name: string;
  readonly targets: OperatingTargets;
  /** Flip the score (1 - s) in a fold whose training groups rank attacks above bona fide (AUC < 0.5). */
  readonly orientOnTraining: boolean;
}

/** `scores[sample.index]`: the score, higher = live; null: failed to acquire. */
export function fixedScoreCrossValidation(
  samples: readonly PadCvSample[],
  scores: readonly (number | null)[],
  options: FixedScoreOptions,
): OuterFoldResult[] {
  const scoreOf = (sample: PadCvSample, flip: boolean): ScoredSample => {
    const raw = scores[sample.index];
    assert(raw !== undefined, 'a score for every sample index');
    return { sample, score: raw === null ? null : flip ? 1 - raw : raw };
  };
  return leaveOneGroupOut(samples).map((fold) => {
    const flip =
      options.orientOnTraining && trainingAuc(fold.train.map((s) => scoreOf(s, false))) < 0.5;
    const train = fold.train.map((s) => scoreOf(s, flip));
    const domains = thresholdDomains(fold.train);
    const domainPoints: Record<string, OperatingPoint> = {};
    let criterion = 0;
    for (const domain of domains) {
      const part = train.filter((s) => s.sample.domain === domain);
      const point = chooseOperatingPoint(part, options.targets);
      domainPoints[domain] = point;
      criterion = Math.max(criterion, ratesOf(part.map((s) => ({ ...s, point }))).bpcer);
    }
    const point = chooseOperatingPoint(
      train.filter((s) => domains.includes(s.sample.domain)),
      options.targets,
    );
    const candidate = {
      name: `${options.name}${flip ? ' (flipped)' : ''}`,
      features: options.name,
      l2: 0,
    };
    return {
      testGroups: fold.testGroups,
      choice: { candidate, point, domainPoints, criterion, auc: trainingAuc(train) },
      scored: fold.test.map((s) => ({ ...scoreOf(s, flip), point })),
    };
  });
}

function trainingAuc(scored: readonly ScoredSample[]): number {
  const acquired = scored.flatMap((s) =>
    s.score === null ? [] : [{ score: s.score, live: s.sample.live ? (1 as const) : (0 as const) }],
  );
  const both = acquired.some((s) => s.live === 1) && acquired.some((s) => s.live === 0);
  return both ? auc(acquired) : 0.5;
}
