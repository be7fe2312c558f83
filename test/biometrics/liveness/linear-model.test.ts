// Checks the small logistic regression and the PAD error rates on data whose answers are known.
import { describe, expect, it } from 'vitest';
import {
  auc,
  eerThreshold,
  errorRatesAt,
  fitStandardiser,
  logit,
  sigmoid,
  standardise,
  trainLogistic,
} from '../../../src/biometrics/liveness/linear-model.ts';

describe('logistic regression', () => {
  const rows = [
    [2, 1],
    [3, 0],
    [2.5, 2],
    [4, 1],
    [-2, 0],
    [-3, 1],
    [-1.5, -1],
    [-2.5, 2],
    [-4, 0],
  ].map((r) => Float64Array.from(r));
  const labels: (0 | 1)[] = [1, 1, 1, 1, 0, 0, 0, 0, 0];

  it('separates a linearly separable set and is deterministic', () => {
    const s = fitStandardiser(rows);
    const x = rows.map((r) => standardise(r, s));
    const a = trainLogistic(x, labels, { l2: 0.01, iterations: 300 });
    const b = trainLogistic(x, labels, { l2: 0.01, iterations: 300 });
    expect(Array.from(a.weights)).toEqual(Array.from(b.weights));
    expect(a.bias).toBe(b.bias);
    x.forEach((row, i) => expect(sigmoid(logit(a, row)) >= 0.5 ? 1 : 0).toBe(labels[i]));
    expect(a.weights[0]).toBeGreaterThan(0);
  });

  it('standardises to zero mean and unit variance, constant features to zero', () => {
    const withConstant = rows.map((r) => Float64Array.from([...r, 5]));
    const s = fitStandardiser(withConstant);
    const x = withConstant.map((r) => standardise(r, s));
    const mean0 = x.reduce((acc, r) => acc + (r[0] ?? 0), 0) / x.length;
    const var0 = x.reduce((acc, r) => acc + (r[0] ?? 0) ** 2, 0) / x.length;
    expect(mean0).toBeCloseTo(0, 12);
    expect(var0).toBeCloseTo(1, 12);
    expect(x.every((r) => Math.abs(r[2] ?? 1) < 1e-12)).toBe(true);
  });
});

describe('PAD error rates', () => {
  const scored = [
    { score: 0.9, live: 1 as const },
    { score: 0.8, live: 1 as const },
    { score: 0.4, live: 1 as const },
    { score: 0.5, live: 0 as const },
    { score: 0.2, live: 0 as const },
    { score: 0.1, live: 0 as const },
  ];

  it('APCER counts accepted attacks, BPCER rejected bona fide', () => {
    expect(errorRatesAt(scored, 0.45)).toEqual({ apcer: 1 / 3, bpcer: 1 / 3 });
    expect(errorRatesAt(scored, 0.6)).toEqual({ apcer: 0, bpcer: 1 / 3 });
  });

  it('AUC is the Mann-Whitney statistic, ties half', () => {
    expect(auc(scored)).toBeCloseTo(8 / 9, 12);
    expect(
      auc([
        { score: 0.5, live: 1 },
        { score: 0.5, live: 0 },
      ]),
    ).toBe(0.5);
  });

  it('EER threshold balances the two error rates', () => {
    const { threshold, eer } = eerThreshold(scored);
    const rates = errorRatesAt(scored, threshold);
    expect(rates.apcer).toBe(rates.bpcer);
    expect(eer).toBeCloseTo(1 / 3, 12);
  });
});
