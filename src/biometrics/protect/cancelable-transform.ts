// A secret, keyed rotation of the embedding space (ISO/IEC 24745 cancelable template): cosine scores are
// unchanged, two deployments' templates are unlinkable, and re-keying needs the two keys but never the face.
import { assert } from '../../shared/assert.ts';
import {
  templateDimensionMax,
  templateDimensionMin,
  templateKeyBytes,
} from '../../shared/limits.ts';
import { sodium } from './sodium.ts';
import { assertTestRun } from './test-only.ts';

// The derivation is versioned: changing any step below changes every deployment's matrix, so it needs a new
// context string and a re-enrolment (or a re-key from the old version).
const derivationContext = 'facepay.cancelable-transform.v1';
const keyIdContext = 'facepay.transform-key-id.v1';
const keyIdBytes = 16;
const two53 = 9_007_199_254_740_992;
const two32 = 4_294_967_296;

/** A random orthogonal matrix Q (row-major, float64) derived from a 32-byte key; apply(x) = Q x. */
export class CancelableTransform {
  readonly dimension: number;
  /** Names the key without revealing it, so a stored template can say which key it is under. */
  readonly keyId: string;
  #q: Float64Array;
  #disposed = false;

  private constructor(dimension: number, keyId: string, q: Float64Array) {
    this.dimension = dimension;
    this.keyId = keyId;
    this.#q = q;
  }

  static fromKey(options: { key: Uint8Array; dimension: number }): CancelableTransform {
    const { key, dimension } = options;
    assert(key.length === templateKeyBytes, `transform key must be ${templateKeyBytes} bytes`);
    assertTemplateDimension(dimension);
    const q = deriveOrthogonalMatrix(key, dimension);
    return new CancelableTransform(dimension, transformKeyId(key), q);
  }

  /** Normalises the embedding and rotates it; the result is a unit vector in float32. */
  apply(embedding: Float32Array): Float32Array {
    assert(!this.#disposed, 'transform used after dispose');
    assert(embedding.length === this.dimension, 'embedding dimension does not match the transform');
    return multiplyNormalised(this.#q, this.dimension, embedding);
  }

  /**
   * A rekeyer maps templates protected under this key to templates protected under `to`, as
   * Q_to * Q_this^T: the hub renews every stored template without any face.
   */
  rekeyerTo(to: CancelableTransform): Rekeyer {
    assert(!this.#disposed && !to.#disposed, 'transform used after dispose');
    assert(to.dimension === this.dimension, 'cannot re-key between dimensions');
    const n = this.dimension;
    const m = new Float64Array(n * n);
    const qa = this.#q;
    const qb = to.#q;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let sum = 0;
        for (let k = 0; k < n; k++) sum += (qb[i * n + k] ?? 0) * (qa[j * n + k] ?? 0);
        m[i * n + j] = sum;
      }
    }
    return new Rekeyer({ fromKeyId: this.keyId, toKeyId: to.keyId, dimension: n, matrix: m });
  }

  /** Zeroes the matrix: it is as secret as the key it came from. */
  dispose(): void {
    this.#q.fill(0);
    this.#disposed = true;
  }

  /** For tests only: a copy of the matrix, to check orthogonality. */
  dangerousTestOnlyMatrix(): Float64Array {
    assertTestRun('dangerousTestOnlyMatrix');
    return this.#q.slice();
  }
}

export class Rekeyer {
  readonly fromKeyId: string;
  readonly toKeyId: string;
  readonly dimension: number;
  #m: Float64Array;

  constructor(options: {
    fromKeyId: string;
    toKeyId: string;
    dimension: number;
    matrix: Float64Array;
  }) {
    assert(options.matrix.length === options.dimension * options.dimension, 'rekey matrix shape');
    this.fromKeyId = options.fromKeyId;
    this.toKeyId = options.toKeyId;
    this.dimension = options.dimension;
    this.#m = options.matrix;
  }

  rekey(template: Float32Array): Float32Array {
    assert(template.length === this.dimension, 'template dimension does not match the rekeyer');
    return multiplyNormalised(this.#m, this.dimension, template);
  }

  dispose(): void {
    this.#m.fill(0);
  }
}

export function transformKeyId(key: Uint8Array): string {
  assert(key.length === templateKeyBytes, `transform key must be ${templateKeyBytes} bytes`);
  return sodium.to_hex(sodium.crypto_generichash(keyIdBytes, keyIdContext, key));
}

/** A template dimension within the limits: shared by the transform and the sealing of templates. */
export function assertTemplateDimension(dimension: number): void {
  assert(
    Number.isSafeInteger(dimension) &&
      dimension >= templateDimensionMin &&
      dimension <= templateDimensionMax,
    `template dimension must be ${templateDimensionMin}..${templateDimensionMax}`,
  );
}

/** y = M x / |x| computed in float64, then renormalised so rounding never drifts off the sphere. */
function multiplyNormalised(m: Float64Array, n: number, x: Float32Array): Float32Array {
  let norm2 = 0;
  for (let j = 0; j < n; j++) {
    const v = x[j] ?? Number.NaN;
    norm2 += v * v;
  }
  assert(Number.isFinite(norm2) && norm2 > 1e-24, 'embedding must be finite and non-zero');
  const y = new Float64Array(n);
  let ynorm2 = 0;
  for (let i = 0; i < n; i++) {
    let sum = 0;
    const row = i * n;
    for (let j = 0; j < n; j++) sum += (m[row + j] ?? 0) * (x[j] ?? 0);
    y[i] = sum;
    ynorm2 += sum * sum;
  }
  const scale = 1 / Math.sqrt(ynorm2);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (y[i] ?? 0) * scale;
  y.fill(0);
  return out;
}

/**
 * Haar-random orthogonal matrix: Gaussian matrix from the key's XChaCha20 keystream (Box-Muller),
 * Householder QR, then the sign fix Q * diag(sign(R_ii)) that makes the distribution uniform (Mezzadri 2007).
 * Only IEEE-exact arithmetic plus V8's fdlibm-derived log/cos/sin are used, so Node (hub) and Electron
 * (kiosk) derive the same matrix; a known-answer test pins it.
 */
function deriveOrthogonalMatrix(key: Uint8Array, n: number): Float64Array {
  const a = gaussianMatrix(key, n);
  const q = householderQ(a, n);
  a.fill(0);
  return q;
}

function gaussianMatrix(key: Uint8Array, n: number): Float64Array {
  const label = new Uint8Array(derivationContext.length + 4);
  label.set(sodium.from_string(derivationContext));
  new DataView(label.buffer).setUint32(derivationContext.length, n, true);
  const subkey = sodium.crypto_generichash(32, label, key);
  const count = n * n;
  // The subkey is unique per (key, dimension) and used for this one stream, so a zero nonce is safe.
  const zeros = new Uint8Array(count * 8);
  const nonce = new Uint8Array(sodium.crypto_stream_xchacha20_NONCEBYTES);
  const stream = sodium.crypto_stream_xchacha20_xor(zeros, nonce, subkey);
  sodium.memzero(subkey);
  const view = new DataView(stream.buffer, stream.byteOffset, stream.byteLength);
  const a = new Float64Array(count);
  for (let i = 0; i < count; i += 2) {
    const u1 = uniformOpen(view, i * 8);
    const u2 = uniformOpen(view, i * 8 + 8);
    const radius = Math.sqrt(-2 * Math.log(u1));
    a[i] = radius * Math.cos(2 * Math.PI * u2);
    if (i + 1 < count) a[i + 1] = radius * Math.sin(2 * Math.PI * u2);
  }
  sodium.memzero(stream);
  return a;
}

/** 53 random bits as a double strictly inside (0, 1), so log(u) is finite. */
function uniformOpen(view: DataView, offset: number): number {
  const hi = view.getUint32(offset, true);
  const lo = view.getUint32(offset + 4, true);
  const bits = (hi >>> 11) * two32 + lo; // 21 + 32 = 53 bits
  return (bits + 0.5) / two53;
}

/** Q of the QR decomposition of a (row-major n x n, overwritten), with columns signed by R's diagonal. */
function householderQ(a: Float64Array, n: number): Float64Array {
  const vs: Float64Array[] = [];
  const rSigns = new Float64Array(n);
  for (let k = 0; k < n - 1; k++) {
    const v = new Float64Array(n - k);
    let norm2 = 0;
    for (let i = k; i < n; i++) {
      const x = a[i * n + k] ?? 0;
      v[i - k] = x;
      norm2 += x * x;
    }
    const x0 = v[0] ?? 0;
    const alpha = x0 >= 0 ? -Math.sqrt(norm2) : Math.sqrt(norm2);
    assert(alpha !== 0, 'degenerate Gaussian matrix');
    v[0] = x0 - alpha;
    let vnorm2 = 0;
    for (let i = 0; i < v.length; i++) vnorm2 += (v[i] ?? 0) ** 2;
    const vscale = 1 / Math.sqrt(vnorm2);
    for (let i = 0; i < v.length; i++) v[i] = (v[i] ?? 0) * vscale;
    reflectRows(a, n, k, v, k);
    rSigns[k] = alpha >= 0 ? 1 : -1;
    vs.push(v);
  }
  rSigns[n - 1] = (a[n * n - 1] ?? 0) >= 0 ? 1 : -1;
  const q = new Float64Array(n * n);
  for (let i = 0; i < n; i++) q[i * n + i] = 1;
  for (let k = n - 2; k >= 0; k--) reflectRows(q, n, k, vs[k] ?? new Float64Array(0), 0);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) q[i * n + j] = (q[i * n + j] ?? 0) * (rSigns[j] ?? 0);
  }
  for (const v of vs) v.fill(0);
  return q;
}

/** m[k.., from..] -= 2 v (v^T m[k.., from..]) for the Householder vector v of step k. */
function reflectRows(m: Float64Array, n: number, k: number, v: Float64Array, from: number): void {
  for (let j = from; j < n; j++) {
    let dot = 0;
    for (let i = k; i < n; i++) dot += (v[i - k] ?? 0) * (m[i * n + j] ?? 0);
    const f = 2 * dot;
    for (let i = k; i < n; i++) m[i * n + j] = (m[i * n + j] ?? 0) - f * (v[i - k] ?? 0);
  }
}
