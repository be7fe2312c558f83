// Boosted stumps, the non-linear model class eval:pad weighs against logistic regression: it learns a
// threshold on the one informative feature, respects sample weights, and is deterministic.
import { describe, expect, it } from 'vitest';
import { fitPad, scorePad } from '../../../src/biometrics/liveness/pad-cv.ts';
import { stumpsLogit, trainStumps } from '../../../src/biometrics/liveness/stumps.ts';

function data(n: number) {
  const rows: Float64Array[] = [];
  const labels: (0 | 1)[] = [];
  for (let i = 0; i < n; i++) {
    const live = (i % 2) as 0 | 1;
    // Feature 1 decides (live above 0.5); features 0 and 2 are noise-like ramps.
    rows.push(
      Float64Array.from([(i * 7) % 13, live === 1 ? 0.6 + (i % 5) / 10 : (i % 5) / 10, i % 3]),
    );
    labels.push(live);
  }
  return { rows, labels };
}

const options = { rounds: 30, learningRate: 0.3, cutsPerFeature: 15, lambda: 1 };

describe('trainStumps', () => {
  it('splits on the informative feature and separates the classes', () => {
    const { rows, labels } = data(200);
    const model = trainStumps(rows, labels, { ...options, sampleWeights: labels.map(() => 1) });
    expect(model.stumps[0]?.feature).toBe(1);
    for (const [i, row] of rows.entries())
      expect(stumpsLogit(model, row) > 0).toBe(labels[i] === 1);
  });

  it('sample weights move the base rate', () => {
    const { rows, labels } = data(100);
    const heavyLive = labels.map((l) => (l === 1 ? 3 : 1));
    const model = trainStumps(rows, labels, { ...options, rounds: 1, sampleWeights: heavyLive });
    expect(model.base).toBeCloseTo(Math.log(3), 9);
  });

  it('is deterministic and refuses a single class', () => {
    const { rows, labels } = data(60);
    const a = trainStumps(rows, labels, { ...options, sampleWeights: labels.map(() => 1) });
    const b = trainStumps(rows, labels, { ...options, sampleWeights: labels.map(() => 1) });
    expect(a).toEqual(b);
    expect(() =>
      trainStumps(
        rows,
        labels.map(() => 1 as const),
        { ...options, sampleWeights: labels.map(() => 1) },
      ),
    ).toThrow(/both classes/);
  });
});

describe('a stumps candidate in the PAD cross-validation', () => {
  it('is fitted as stumps and scored by them, not by the (empty) linear model', () => {
    const { rows, labels } = data(80);
    const samples = rows.map((_, i) => ({
      group: `g${i % 4}`,
      domain: 'nuaa',
      live: labels[i] === 1,
      index: i,
    }));
    const table = new Map([['f', rows]]);
    const fit = fitPad(
      samples,
      table,
      { name: 's', features: 'f', l2: 0, classifier: 'stumps' },
      1,
    );
    expect(fit.stumps?.stumps.length).toBeGreaterThan(0);
    expect(fit.model.weights.every((w) => w === 0)).toBe(true);
    for (const [i, row] of rows.entries()) expect(scorePad(fit, row) > 0.5).toBe(labels[i] === 1);
  });
});
