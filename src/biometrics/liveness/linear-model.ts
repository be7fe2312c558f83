// A small, deterministic L2-regularised logistic regression and the PAD error rates (APCER, BPCER, AUC,
// EER) used to fit and judge the passive texture detector; pure so training and scoring share one code.
import { assert } from '../../shared/assert.ts';

export interface Standardiser {
  readonly mean: Float64Array;
  readonly std: Float64Array;
}

export interface LogisticModel {
  readonly weights: Float64Array;
  readonly bias: number;
}

export interface TrainOptions {
  /** L2 penalty on the weights (not the bias), in units of the mean per-sample loss. */
  readonly l2: number;
  readonly iterations: number;
  /** Per-row weights (positive, mean 1 is the caller's business); default: the two classes weigh equal. */
  readonly sampleWeights?: readonly number[];
}

/** Per-feature mean and standard deviation; a constant feature gets std 1 so it contributes nothing. */
export function fitStandardiser(rows: readonly Float64Array[]): Standardiser {
  assert(rows.length > 1, 'need at least two rows to standardise');
  const d = rows[0]?.length ?? 0;
  const mean = new Float64Array(d);
  const std = new Float64Array(d);
  for (const row of rows) {
    assert(row.length === d, 'ragged feature rows');
    for (let j = 0; j < d; j++) mean[j] = (mean[j] ?? 0) + (row[j] ?? 0) / rows.length;
  }
  for (const row of rows) {
    for (let j = 0; j < d; j++)
      std[j] = (std[j] ?? 0) + ((row[j] ?? 0) - (mean[j] ?? 0)) ** 2 / rows.length;
  }
  for (let j = 0; j < d; j++) {
    const s = Math.sqrt(std[j] ?? 0);
    std[j] = s > 1e-9 ? s : 1;
  }
  return { mean, std };
}

export function standardise(row: Float64Array, s: Standardiser): Float64Array {
  assert(row.length === s.mean.length, 'feature length does not match the standardiser');
  const out = new Float64Array(row.length);
  for (let j = 0; j < row.length; j++)
    out[j] = ((row[j] ?? 0) - (s.mean[j] ?? 0)) / (s.std[j] ?? 1);
  return out;
}

export function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

export function logit(model: LogisticModel, x: Float64Array): number {
  assert(x.length === model.weights.length, 'feature length does not match the model');
  let z = model.bias;
  for (let j = 0; j < x.length; j++) z += (model.weights[j] ?? 0) * (x[j] ?? 0);
  return z;
}

/**
 * Full-batch gradient descent with Nesterov momentum and a step of 1/L, L bounded from the data, so
 * the result depends only on the rows and their order (no random state). Classes are weighted to equal
 * total weight: the training set has more attacks than bona fide presentations.
 */
export function trainLogistic(
  rows: readonly Float64Array[],
  labels: readonly (0 | 1)[],
  options: TrainOptions,
): LogisticModel {
  assert(rows.length === labels.length && rows.length > 1, 'rows and labels must match');
  assert(options.l2 > 0 && options.iterations > 0, 'bad training options');
  const n = rows.length;
  const d = rows[0]?.length ?? 0;
  const positives = labels.filter((l) => l === 1).length;
  assert(positives > 0 && positives < n, 'both classes are needed');
  const sampleWeight =
    options.sampleWeights ??
    labels.map((l) => (l === 1 ? n / (2 * positives) : n / (2 * (n - positives))));
  assert(sampleWeight.length === n, 'one weight per row');
  assert(
    sampleWeight.every((w) => Number.isFinite(w) && w > 0),
    'sample weights must be positive',
  );
  // The Hessian's largest eigenvalue is at most its trace: 0.25 * mean of weight * |x|^2 (+1 for the bias).
  let trace = 0;
  rows.forEach(
    (row, i) => (trace += ((sampleWeight[i] ?? 1) * row.reduce((a, v) => a + v * v, 1)) / n),
  );
  const step = 1 / (0.25 * trace + options.l2);
  let w = new Float64Array(d + 1);
  let prev = new Float64Array(d + 1);
  for (let it = 1; it <= options.iterations; it++) {
    const momentum = (it - 1) / (it + 2);
    const look = w.map((v, j) => v + momentum * (v - (prev[j] ?? 0)));
    const grad = logisticGradient(rows, labels, sampleWeight, look, options.l2);
    prev = w;
    w = look.map((v, j) => v - step * (grad[j] ?? 0));
  }
  const model = { weights: w.slice(0, d), bias: w[d] ?? 0 };
  assert(Number.isFinite(model.bias) && model.weights.every(Number.isFinite), 'training diverged');
  return model;
}

function logisticGradient(
  rows: readonly Float64Array[],
  labels: readonly (0 | 1)[],
  sampleWeight: readonly number[],
  w: Float64Array,
  l2: number,
): Float64Array {
  const d = w.length - 1;
  const n = rows.length;
  const grad = new Float64Array(d + 1);
  const bias = w[d] ?? 0;
  // The hot loop of training: plain indexed reads of typed arrays, no per-row allocation.
  for (let i = 0; i < n; i++) {
    const row = rows[i];
    assert(row !== undefined && row.length === d, 'row index');
    let z = bias;
    for (let j = 0; j < d; j++) z += (w[j] as number) * (row[j] as number);
    const residual = ((sigmoid(z) - (labels[i] ?? 0)) * (sampleWeight[i] ?? 1)) / n;
    for (let j = 0; j < d; j++) grad[j] = (grad[j] as number) + residual * (row[j] as number);
    grad[d] = (grad[d] as number) + residual;
  }
  for (let j = 0; j < d; j++) grad[j] = (grad[j] as number) + l2 * (w[j] as number);
  return grad;
}

/** A scored presentation: live = 1 for bona fide, 0 for an attack; higher score = more live. */
export interface Scored {
  readonly score: number;
  readonly live: 0 | 1;
}

export interface ErrorRates {
  /** Attacks accepted as live, over attacks. */
  readonly apcer: number;
  /** Bona fide presentations rejected, over bona fide presentations. */
  readonly bpcer: number;
}

export function errorRatesAt(scored: readonly Scored[], threshold: number): ErrorRates {
  const attacks = scored.filter((s) => s.live === 0);
  const reals = scored.filter((s) => s.live === 1);
  const apcer =
    attacks.length === 0 ? 0 : attacks.filter((s) => s.score >= threshold).length / attacks.length;
  const bpcer =
    reals.length === 0 ? 0 : reals.filter((s) => s.score < threshold).length / reals.length;
  return { apcer, bpcer };
}

/** Area under the ROC curve, ties counted half (Mann-Whitney). */
export function auc(scored: readonly Scored[]): number {
  const reals = scored.filter((s) => s.live === 1).map((s) => s.score);
  const attacks = scored.filter((s) => s.live === 0).map((s) => s.score);
  assert(reals.length > 0 && attacks.length > 0, 'AUC needs both classes');
  let wins = 0;
  for (const r of reals) for (const a of attacks) wins += r > a ? 1 : r === a ? 0.5 : 0;
  return wins / (reals.length * attacks.length);
}

/**
 * The threshold where APCER and BPCER are closest (equal error rate), placed halfway between two
 * adjacent observed scores so that it does not sit exactly on a training sample.
 */
export function eerThreshold(scored: readonly Scored[]): { threshold: number; eer: number } {
  assert(
    scored.some((s) => s.live === 1) && scored.some((s) => s.live === 0),
    'EER needs both classes',
  );
  const scores = [...new Set(scored.map((s) => s.score))].sort((a, b) => a - b);
  const candidates = [scores[0] ?? 0];
  for (let i = 1; i < scores.length; i++)
    candidates.push(((scores[i - 1] ?? 0) + (scores[i] ?? 0)) / 2);
  candidates.push((scores[scores.length - 1] ?? 1) + 1e-9);
  let best = { threshold: 0.5, gap: Infinity, eer: 1 };
  for (const t of candidates) {
    const { apcer, bpcer } = errorRatesAt(scored, t);
    const gap = Math.abs(apcer - bpcer);
    if (gap < best.gap - 1e-12) best = { threshold: t, gap, eer: (apcer + bpcer) / 2 };
  }
  return { threshold: best.threshold, eer: best.eer };
}
