// Gradient-boosted decision stumps (logistic loss, Newton leaves) in plain TypeScript: the small
// non-linear model class the PAD cross-validation weighs against logistic regression. Deterministic.
import { assert } from '../../shared/assert.ts';

export interface Stump {
  readonly feature: number;
  /** Rows with x[feature] < cut take `left`, the others `right` (already scaled by the learning rate). */
  readonly cut: number;
  readonly left: number;
  readonly right: number;
}

export interface StumpEnsemble {
  readonly base: number;
  readonly stumps: readonly Stump[];
}

export interface StumpOptions {
  readonly rounds: number;
  readonly learningRate: number;
  /** Candidate cuts per feature: its quantiles over the training rows. */
  readonly cutsPerFeature: number;
  /** Added to each leaf's Hessian sum (a ridge on leaf values), in units of mean sample weight. */
  readonly lambda: number;
  readonly sampleWeights: readonly number[];
}

function cutsOf(values: Float64Array, count: number): number[] {
  const sorted = Float64Array.from(values).sort();
  const cuts = new Set<number>();
  for (let k = 1; k <= count; k++) {
    const v = sorted[Math.floor((k * sorted.length) / (count + 1))];
    if (v !== undefined) cuts.add(v);
  }
  return [...cuts].sort((a, b) => a - b);
}

/** Each row's bin per feature (number of cuts at or below the value) and the cuts themselves. */
function binRows(rows: readonly Float64Array[], count: number) {
  const d = rows[0]?.length ?? 0;
  const cuts: number[][] = [];
  const bins: Uint8Array[] = [];
  for (let j = 0; j < d; j++) {
    const column = Float64Array.from(rows, (r) => r[j] ?? 0);
    const c = cutsOf(column, count);
    cuts.push(c);
    const b = new Uint8Array(rows.length);
    for (let i = 0; i < rows.length; i++) {
      let k = 0;
      while (k < c.length && (column[i] ?? 0) >= (c[k] ?? 0)) k++;
      b[i] = k;
    }
    bins.push(b);
  }
  return { cuts, bins };
}

const sigmoid = (z: number): number =>
  z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));

export function trainStumps(
  rows: readonly Float64Array[],
  labels: readonly (0 | 1)[],
  options: StumpOptions,
): StumpEnsemble {
  const n = rows.length;
  assert(
    n > 1 && labels.length === n && options.sampleWeights.length === n,
    'rows, labels, weights',
  );
  assert(options.cutsPerFeature >= 1 && options.cutsPerFeature <= 255, 'cuts per feature');
  const w = options.sampleWeights;
  const totalW = w.reduce((a, b) => a + b, 0);
  const positive = labels.reduce<number>((a, l, i) => a + l * (w[i] ?? 0), 0);
  assert(positive > 0 && positive < totalW, 'both classes are needed');
  const base = Math.log(positive / (totalW - positive));
  const lambda = (options.lambda * totalW) / n;
  const { cuts, bins } = binRows(rows, options.cutsPerFeature);
  const f = new Float64Array(n).fill(base);
  const stumps: Stump[] = [];
  const g = new Float64Array(n);
  const h = new Float64Array(n);
  for (let round = 0; round < options.rounds; round++) {
    for (let i = 0; i < n; i++) {
      const p = sigmoid(f[i] ?? 0);
      g[i] = (w[i] ?? 0) * (p - (labels[i] ?? 0));
      h[i] = (w[i] ?? 0) * Math.max(p * (1 - p), 1e-6);
    }
    let best = { gain: 0, feature: -1, cut: 0, left: 0, right: 0 };
    for (let j = 0; j < bins.length; j++) {
      const b = bins[j] as Uint8Array;
      const c = cuts[j] as number[];
      const gs = new Float64Array(c.length + 1);
      const hs = new Float64Array(c.length + 1);
      for (let i = 0; i < n; i++) {
        const k = b[i] ?? 0;
        gs[k] = (gs[k] ?? 0) + (g[i] ?? 0);
        hs[k] = (hs[k] ?? 0) + (h[i] ?? 0);
      }
      const gTotal = gs.reduce((a, v) => a + v, 0);
      const hTotal = hs.reduce((a, v) => a + v, 0);
      let gl = 0;
      let hl = 0;
      for (let k = 0; k < c.length; k++) {
        gl += gs[k] ?? 0;
        hl += hs[k] ?? 0;
        const gr = gTotal - gl;
        const hr = hTotal - hl;
        const gain = (gl * gl) / (hl + lambda) + (gr * gr) / (hr + lambda);
        if (gain > best.gain + 1e-12)
          best = {
            gain,
            feature: j,
            cut: c[k] ?? 0,
            left: -gl / (hl + lambda),
            right: -gr / (hr + lambda),
          };
      }
    }
    if (best.feature < 0) break;
    const stump: Stump = {
      feature: best.feature,
      cut: best.cut,
      left: options.learningRate * best.left,
      right: options.learningRate * best.right,
    };
    stumps.push(stump);
    for (let i = 0; i < n; i++)
      f[i] = (f[i] ?? 0) + ((rows[i]?.[stump.feature] ?? 0) < stump.cut ? stump.left : stump.right);
  }
  return { base, stumps };
}

export function stumpsLogit(model: StumpEnsemble, x: Float64Array): number {
  let z = model.base;
  for (const s of model.stumps) z += (x[s.feature] ?? 0) < s.cut ? s.left : s.right;
  return z;
}
