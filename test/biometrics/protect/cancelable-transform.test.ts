import { describe, expect, it } from 'vitest';
import { AssertionError } from '../../../src/shared/assert.ts';
import {
  CancelableTransform,
  transformKeyId,
} from '../../../src/biometrics/protect/cancelable-transform.ts';
import {
  cosine,
  meanAndStd,
  perturbed,
  randomUnitVector,
  seededRandom,
} from '../match/random-vectors.ts';

const keyA = new Uint8Array(32).map((_, i) => i);
const keyB = new Uint8Array(32).map((_, i) => 255 - i);
const dimension = 128;

describe('cancelable transform', () => {
  const tA = CancelableTransform.fromKey({ key: keyA, dimension });
  const tB = CancelableTransform.fromKey({ key: keyB, dimension });

  it('derives an orthogonal matrix (Q^T Q = I)', () => {
    for (const n of [8, 12, 128]) {
      const t = CancelableTransform.fromKey({ key: keyA, dimension: n });
      const q = t.dangerousTestOnlyMatrix();
      let worst = 0;
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          let dot = 0;
          for (let k = 0; k < n; k++) dot += (q[k * n + i] ?? 0) * (q[k * n + j] ?? 0);
          worst = Math.max(worst, Math.abs(dot - (i === j ? 1 : 0)));
        }
      }
      expect(worst).toBeLessThan(1e-12);
    }
  });

  it('is deterministic per key and pinned by a known answer', () => {
    const again = CancelableTransform.fromKey({ key: keyA, dimension });
    expect(again.dangerousTestOnlyMatrix()).toEqual(tA.dangerousTestOnlyMatrix());
    const q = tA.dangerousTestOnlyMatrix();
    expect([...q.subarray(0, 4)].map((v) => v.toFixed(12))).toEqual(KNOWN_ANSWER);
    expect(tA.keyId).toBe(transformKeyId(keyA));
    expect(tA.keyId).not.toBe(tB.keyId);
    expect(tA.keyId).toMatch(/^[0-9a-f]{32}$/);
  });

  it('keeps every cosine score (to 1e-6)', () => {
    const random = seededRandom(1);
    let worst = 0;
    for (let i = 0; i < 300; i++) {
      const x = randomUnitVector(random, dimension);
      const y = i % 2 === 0 ? perturbed(random, x, 0.6) : randomUnitVector(random, dimension);
      const tx = tA.apply(x);
      const ty = tA.apply(y);
      worst = Math.max(worst, Math.abs(cosine(tx, ty) - cosine(x, y)));
      expect(Math.abs(cosine(tx, tx) - 1)).toBeLessThan(1e-6);
    }
    expect(worst).toBeLessThan(1e-6);
  });

  it('normalises the embedding it is given', () => {
    const x = randomUnitVector(seededRandom(2), dimension).map((v) => v * 7);
    const tx = tA.apply(x);
    expect(Math.hypot(...tx)).toBeCloseTo(1, 6);
  });

  it('makes two deployments unlinkable: same face across keys scores like strangers', () => {
    const random = seededRandom(3);
    const faces = Array.from({ length: 200 }, () => randomUnitVector(random, dimension));
    const underA = faces.map((x) => tA.apply(perturbed(random, x, 0.3)));
    const underB = faces.map((x) => tB.apply(perturbed(random, x, 0.3)));
    const sameFaceAcrossKeys = faces.map((_, i) => cosine(underA[i]!, underB[i]!));
    const strangersSameKey = faces.map((_, i) => cosine(underA[i]!, underA[(i + 1) % 200]!));
    const genuineSameKey = faces.map((x) => cosine(tA.apply(x), underA[faces.indexOf(x)]!));
    const across = meanAndStd(sameFaceAcrossKeys);
    const strangers = meanAndStd(strangersSameKey);
    expect(meanAndStd(genuineSameKey).mean).toBeGreaterThan(0.9);
    expect(Math.abs(across.mean)).toBeLessThan(0.03);
    expect(across.std).toBeGreaterThan(strangers.std * 0.7);
    expect(across.std).toBeLessThan(strangers.std * 1.3);
    expect(Math.max(...sameFaceAcrossKeys.map(Math.abs))).toBeLessThan(0.45);
    // Linking attack: for each template under A, its nearest neighbour among B's templates.
    let linked = 0;
    underA.forEach((a, i) => {
      const scores = underB.map((b) => cosine(a, b));
      if (scores.indexOf(Math.max(...scores)) === i) linked += 1;
    });
    expect(linked).toBeLessThanOrEqual(6); // chance is 1 in 200 per face
  });

  it('re-keys stored templates without the face: Q_B Q_A^T (Q_A x) = Q_B x', () => {
    const rekeyer = tA.rekeyerTo(tB);
    expect(rekeyer.fromKeyId).toBe(tA.keyId);
    expect(rekeyer.toKeyId).toBe(tB.keyId);
    const random = seededRandom(4);
    for (let i = 0; i < 50; i++) {
      const x = randomUnitVector(random, dimension);
      const renewed = rekeyer.rekey(tA.apply(x));
      const direct = tB.apply(x);
      for (let j = 0; j < dimension; j++) {
        expect(Math.abs((renewed[j] ?? 0) - (direct[j] ?? 0))).toBeLessThan(1e-6);
      }
    }
  });

  it('refuses wrong key lengths, dimensions and use after dispose', () => {
    expect(() => CancelableTransform.fromKey({ key: new Uint8Array(31), dimension })).toThrow(
      AssertionError,
    );
    expect(() => CancelableTransform.fromKey({ key: keyA, dimension: 4 })).toThrow(AssertionError);
    expect(() => CancelableTransform.fromKey({ key: keyA, dimension: 4096 })).toThrow(
      AssertionError,
    );
    expect(() => tA.apply(new Float32Array(64))).toThrow(AssertionError);
    expect(() => tA.apply(new Float32Array(dimension))).toThrow(AssertionError);
    const doomed = CancelableTransform.fromKey({ key: keyB, dimension: 8 });
    doomed.dispose();
    expect(() => doomed.apply(new Float32Array(8).fill(1))).toThrow(AssertionError);
    expect(() => tA.rekeyerTo(CancelableTransform.fromKey({ key: keyB, dimension: 8 }))).toThrow(
      AssertionError,
    );
  });
});

// First entries of Q for keyA, dimension 128: any change to the derivation breaks every deployment.
const KNOWN_ANSWER = ['0.017897644541', '0.018699496979', '0.046288946688', '-0.098931310457'];
