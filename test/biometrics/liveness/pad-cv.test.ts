// The nested cross-validation of the passive detector on synthetic groups whose answers are known:
// each presentation scored once by a model that never saw its group, thresholds meeting their bounds.
import { describe, expect, it } from 'vitest';
import type { PadCvSample, ScoredSample } from '../../../src/biometrics/liveness/pad-cv.ts';
import {
  bandOf,
  chooseOperatingPoint,
  groupBalancedWeights,
  nestedCrossValidation,
  ratesOf,
  thinPerGroup,
} from '../../../src/biometrics/liveness/pad-cv.ts';

// Two domains of four groups each; feature 0 separates live from attack with a per-group offset.
function synthetic(): { samples: PadCvSample[]; rows: Float64Array[] } {
  const samples: PadCvSample[] = [];
  const rows: Float64Array[] = [];
  for (const domain of ['print', 'replay']) {
    for (let g = 0; g < 4; g++) {
      for (let i = 0; i < 12; i++) {
        const live = i % 2 === 0;
        const jitter = ((i * 7 + g * 3) % 11) / 11 - 0.5;
        rows.push(Float64Array.from([(live ? 1.5 : -1.5) + jitter + g * 0.1, (i % 3) - 1]));
        samples.push({ group: `${domain}:${g}`, domain, live, index: samples.length });
      }
    }
  }
  return { samples, rows };
}

describe('nested PAD cross-validation', () => {
  it('scores every presentation exactly once, from a fold that did not train on its group', () => {
    const { samples, rows } = synthetic();
    const table = new Map([['f', rows]]);
    const candidates = [
      { name: 'weak', features: 'f', l2: 10 },
      { name: 'strong', features: 'f', l2: 0.01 },
    ];
    const folds = nestedCrossValidation(samples, table, candidates, {
      innerFolds: 3,
      iterations: 200,
      targets: { apcerMax: 0.05, refuseBpcerMax: 0.02 },
    });
    expect(folds).toHaveLength(8);
    const scored = folds.flatMap((f) => f.scored);
    expect(scored.map((s) => s.sample.index).sort((a, b) => a - b)).toEqual(
      samples.map((s) => s.index),
    );
    for (const fold of folds) {
      expect(fold.testGroups).toHaveLength(1);
      expect(fold.scored.every((s) => s.sample.group === fold.testGroups[0])).toBe(true);
      expect(fold.choice.point.refuseBelow).toBeLessThanOrEqual(fold.choice.point.threshold);
    }
    // Separable data: out of sample every live presentation outscores every attack, and the
    // APCER bound chosen on the training groups holds on the held-out ones.
    const rates = ratesOf(scored);
    expect(rates.auc).toBe(1);
    expect(rates.apcer).toBeLessThanOrEqual(0.05);
  });

  it('a presentation without a face is a failure to acquire: refused if live, not accepted if not', () => {
    const point = { threshold: 0.6, refuseBelow: 0.3 };
    const sample = (live: boolean, index: number): PadCvSample => ({
      group: 'g',
      domain: 'd',
      live,
      index,
    });
    const rates = ratesOf([
      { sample: sample(true, 0), score: null, point },
      { sample: sample(true, 1), score: 0.9, point },
      { sample: sample(false, 2), score: null, point },
      { sample: sample(false, 3), score: 0.5, point },
    ]);
    expect(rates).toMatchObject({
      failedToAcquire: 2,
      bpcer: 0.5,
      bpcerRefused: 0.5,
      apcer: 0,
      attacksUncertain: 0.5,
    });
  });
});

describe('operating point', () => {
  const scored = (live: number[], attack: number[], domain = 'd'): ScoredSample[] => [
    ...live.map((score, index) => ({ sample: { group: 'g', domain, live: true, index }, score })),
    ...attack.map((score, index) => ({
      sample: { group: 'g', domain, live: false, index: 100 + index },
      score,
    })),
  ];

  it('live threshold keeps APCER within its bound in every domain; refuse point keeps BPCER', () => {
    const attacks = Array.from({ length: 20 }, (_, i) => i / 40); // 0 .. 0.475
    const reals = Array.from({ length: 20 }, (_, i) => 0.3 + i / 40); // 0.3 .. 0.775
    const point = chooseOperatingPoint(
      [...scored(reals, attacks), ...scored([0.9, 0.95], [0.7, 0.1], 'other')],
      { apcerMax: 0.05, refuseBpcerMax: 0.05 },
    );
    // In 'd', 1 of 20 attacks may pass: the threshold sits between 0.45 and 0.475.
    // In 'other', 0 of 2: above 0.7, which wins.
    expect(point.threshold).toBeGreaterThan(0.7);
    expect(point.refuseBelow).toBeGreaterThan(0.3);
    expect(point.refuseBelow).toBeLessThanOrEqual(0.325);
    expect(bandOf(0.71, point)).toBe('live');
    expect(bandOf(0.5, point)).toBe('uncertain');
    expect(bandOf(0.1, point)).toBe('attack');
  });

  it('each group weighs the same in total, each class the same within a group', () => {
    const samples: PadCvSample[] = [
      { group: 'a', domain: 'd', live: true, index: 0 },
      { group: 'a', domain: 'd', live: false, index: 1 },
      { group: 'a', domain: 'd', live: false, index: 2 },
      { group: 'b', domain: 'd', live: true, index: 3 },
    ];
    const w = groupBalancedWeights(samples);
    const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
    expect(sum(w.slice(0, 3))).toBeCloseTo(sum(w.slice(3)), 12);
    expect(w[0]).toBeCloseTo((w[1] ?? 0) + (w[2] ?? 0), 12);
  });

  it('thinning keeps evenly spaced frames per group and class', () => {
    const frames = Array.from({ length: 10 }, (_, i) => ({ group: 'g', live: i < 6, i }));
    expect(thinPerGroup(frames, 3).map((f) => f.i)).toEqual([0, 2, 4, 6, 7, 8]);
  });
});
