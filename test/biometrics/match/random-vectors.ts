// Seeded random unit vectors for the protection and matching tests: reproducible failures, no test data files.
// Gaussian components normalised give directions uniform on the sphere, like well-spread face embeddings.
import { seededRandom } from '../../../src/shared/seeded-random.ts';

export { seededRandom };
export { cosineSimilarity as cosine } from '../../../src/biometrics/calibration/scores.ts';

export function gaussian(random: () => number): number {
  const u1 = random() || Number.MIN_VALUE;
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * random());
}

export function randomUnitVector(random: () => number, dimension: number): Float32Array {
  const v = new Float64Array(dimension);
  let norm2 = 0;
  for (let i = 0; i < dimension; i++) {
    const g = gaussian(random);
    v[i] = g;
    norm2 += g * g;
  }
  const out = new Float32Array(dimension);
  const inv = 1 / Math.sqrt(norm2);
  for (let i = 0; i < dimension; i++) out[i] = (v[i] ?? 0) * inv;
  return out;
}

/** The vector plus Gaussian noise of the given size, renormalised: a second capture of the same face. */
export function perturbed(random: () => number, v: Float32Array, noise: number): Float32Array {
  const out = new Float32Array(v.length);
  let norm2 = 0;
  for (let i = 0; i < v.length; i++) {
    const x = (v[i] ?? 0) + (noise * gaussian(random)) / Math.sqrt(v.length);
    out[i] = x;
    norm2 += x * x;
  }
  const inv = 1 / Math.sqrt(norm2);
  for (let i = 0; i < v.length; i++) out[i] = (out[i] ?? 0) * inv;
  return out;
}

export function meanAndStd(values: readonly number[]): { mean: number; std: number } {
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  const variance = values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length;
  return { mean, std: Math.sqrt(variance) };
}
