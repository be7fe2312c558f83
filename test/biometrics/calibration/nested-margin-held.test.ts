// `held` is an out-of-sample verdict: a margin chosen on the very folds it is judged on always "holds" them;
// each outer fold must be judged at the margin chosen without it.

import { describe, expect, it } from 'vitest';
import type { ScoredPair } from '../../../src/biometrics/calibration/cross-validation.ts';
import {
  crossValidate,
  summarizeConditions,
} from '../../../src/biometrics/calibration/cross-validation.ts';
import { selectThreshold } from '../../../src/biometrics/calibration/thresholds.ts';

const target = 0.001;
const names = Array.from({ length: 10 }, (_, index) => `webcam_${String(index).padStart(2, '0')}`);
// Two look-alikes (linked: always in one fold) score 0.90; every other impostor pair 0.50.
const lookAlikes = new Set(['webcam_00', 'webcam_01']);
const pairs: ScoredPair[] = names.flatMap((a, i) => [
  { condition: 'webcam', identityA: a, identityB: a, genuine: true, score: 0.95 },
  ...names.slice(i + 1).map((b) => ({
    condition: 'webcam',
    identityA: a,
    identityB: b,
    genuine: false,
    score: lookAlikes.has(a) && lookAlikes.has(b) ? 0.9 : 0.5,
  })),
]);

describe('safety margin verdict', () => {
  it('is false when the margin holds every fold it was chosen on but not the folds judged nested', () => {
    const result = crossValidate({
      pairs,
      folds: 5,
      repeats: 1,
      seed: 's',
      linked: [[...lookAlikes]],
      targetFmr: target,
      fit: (train) => selectThreshold(train, target).threshold,
      margins: [0, 0.1, 0.2, 0.3, 0.4, 0.5],
    });
    // Chosen on all 5 folds: 0.5001 + 0.4 clears the look-alikes' 0.90 in the fold that holds them.
    expect(result.margin.margin).toBe(0.4);
    // Nested: the look-alikes' fold chooses its margin on the other 4 folds (all impostors 0.50): margin 0,
    // and 0.90 is a false match. The verdict is that one, not the in-sample one.
    expect(result.margin.held).toBe(false);
    expect(result.marginFound).toBe(true);
    expect(result.worstFold).toMatchObject({
      condition: 'webcam',
      falseMatches: 1,
      overTarget: true,
    });
    expect(summarizeConditions(result.outcomes, target).get('webcam')?.foldsOverTarget).toBe(1);
  });

  it('is true when every outer fold holds at its own nested margin', () => {
    const even = pairs.map((pair) => (pair.score === 0.9 ? { ...pair, score: 0.5 } : pair));
    const result = crossValidate({
      pairs: even,
      folds: 5,
      repeats: 2,
      seed: 's',
      linked: [],
      targetFmr: target,
      fit: (train) => selectThreshold(train, target).threshold,
      margins: [0, 0.1],
    });
    expect(result.margin).toEqual({ margin: 0, held: true });
    expect(result.worstFold).toMatchObject({ fmr: 0, overTarget: false });
  });
});
