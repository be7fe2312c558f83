// The 3-D cue of head motion: fit the projective map (homography) that best carries a reference frame's
// face-plane landmarks onto the current frame's, and measure how far the nose tip leaves that map.
// Any view of a flat photo, however it is moved, tilted or turned, is one homography of another, so the
// nose stays on the map; a real head turning swings the protruding nose off the plane of eyes and brows.
import { assert } from '../../../shared/assert.ts';
import type { Point } from '../../geometry.ts';
import { distance, mean } from '../../geometry.ts';
import { assertLandmarks, landmarkAt } from './ear.ts';

/** Brows, eye corners and mouth corners: close to one plane on a real face, exactly one on a photo. */
export const facePlaneIndices: readonly number[] = [
  17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 36, 39, 42, 45, 48, 54,
];
export const noseTipIndex = 30;

/** Row-major 3x3 with h[8] = 1. */
export type Homography = readonly number[];

interface Normalizer {
  readonly cx: number;
  readonly cy: number;
  readonly scale: number;
}

/** Hartley normalisation: centroid at 0, mean distance sqrt(2); keeps the normal equations stable. */
function normalizer(points: readonly Point[]): Normalizer {
  const c = mean(points);
  const spread = points.reduce((sum, p) => sum + distance(p, c), 0) / points.length;
  return { cx: c.x, cy: c.y, scale: spread > 1e-9 ? Math.SQRT2 / spread : 1 };
}

function normalize(p: Point, n: Normalizer): Point {
  return { x: (p.x - n.cx) * n.scale, y: (p.y - n.cy) * n.scale };
}

/** Solves A x = b (n x n) by Gaussian elimination with partial pivoting; null when singular. */
export function solveLinear(a: number[][], b: number[]): number[] | null {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i] ?? 0]);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++)
      if (Math.abs(m[r]?.[col] ?? 0) > Math.abs(m[pivot]?.[col] ?? 0)) pivot = r;
    const pivotRow = m[pivot];
    if (pivotRow === undefined || Math.abs(pivotRow[col] ?? 0) < 1e-12) return null;
    [m[col], m[pivot]] = [pivotRow, m[col] ?? pivotRow];
    for (let r = 0; r < n; r++) {
      const row = m[r];
      if (r === col || row === undefined) continue;
      const factor = (row[col] ?? 0) / (pivotRow[col] ?? 1);
      for (let k = col; k <= n; k++) row[k] = (row[k] ?? 0) - factor * (pivotRow[k] ?? 0);
    }
  }
  return m.map((row, i) => (row[n] ?? 0) / (row[i] ?? 1));
}

/** Least-squares homography from `from` to `to` (at least 4 pairs); null when degenerate. */
export function fitHomography(from: readonly Point[], to: readonly Point[]): Homography | null {
  assert(from.length === to.length && from.length >= 4, 'need 4 or more point pairs');
  const nf = normalizer(from);
  const nt = normalizer(to);
  const ata = Array.from({ length: 8 }, () => new Array<number>(8).fill(0));
  const atb = new Array<number>(8).fill(0);
  const addRow = (row: readonly number[], rhs: number): void => {
    for (let i = 0; i < 8; i++) {
      atb[i] = (atb[i] ?? 0) + (row[i] ?? 0) * rhs;
      const target = ata[i];
      if (target === undefined) continue;
      for (let j = 0; j < 8; j++) target[j] = (target[j] ?? 0) + (row[i] ?? 0) * (row[j] ?? 0);
    }
  };
  for (let k = 0; k < from.length; k++) {
    const p = normalize(from[k] ?? { x: 0, y: 0 }, nf);
    const q = normalize(to[k] ?? { x: 0, y: 0 }, nt);
    addRow([p.x, p.y, 1, 0, 0, 0, -p.x * q.x, -p.y * q.x], q.x);
    addRow([0, 0, 0, p.x, p.y, 1, -p.x * q.y, -p.y * q.y], q.y);
  }
  const h = solveLinear(ata, atb);
  if (h === null) return null;
  // Undo the normalisations: H = Tt^-1 * Hn * Tf.
  const hn = [...h, 1];
  const tf = [nf.scale, 0, -nf.cx * nf.scale, 0, nf.scale, -nf.cy * nf.scale, 0, 0, 1];
  const ttInv = [1 / nt.scale, 0, nt.cx, 0, 1 / nt.scale, nt.cy, 0, 0, 1];
  const full = multiply3(ttInv, multiply3(hn, tf));
  const last = full[8] ?? 0;
  if (Math.abs(last) < 1e-12) return null;
  return full.map((v) => v / last);
}

function multiply3(a: readonly number[], b: readonly number[]): number[] {
  const out = new Array<number>(9).fill(0);
  for (let r = 0; r < 3; r++)
    for (let c = 0; c < 3; c++)
      for (let k = 0; k < 3; k++)
        out[r * 3 + c] = (out[r * 3 + c] ?? 0) + (a[r * 3 + k] ?? 0) * (b[k * 3 + c] ?? 0);
  return out;
}

export function applyHomography(h: Homography, p: Point): Point {
  const [a = 0, b = 0, c = 0, d = 0, e = 0, f = 0, g = 0, i = 0, j = 1] = h;
  const w = g * p.x + i * p.y + j;
  return { x: (a * p.x + b * p.y + c) / w, y: (d * p.x + e * p.y + f) / w };
}

export interface Parallax {
  /** Nose-tip distance from where the face plane's homography puts it, over the reference eye distance. */
  readonly magnitude: number;
  /** Its component along the current eye line: > 0 toward the image's right (subject turning to their left). */
  readonly horizontal: number;
  /** Its component across the eye line, toward the mouth: > 0 the nose dips (subject looking down). */
  readonly vertical: number;
  /** RMS residual of the face-plane points themselves (fit quality; large = landmarks unreliable). */
  readonly planeResidual: number;
  /** Horizontal shrink of the face against the reference: 1 - (eye distance / eye-to-mouth height) ratio.
   * A card turned far enough to move the nose shrinks a lot; a head turning shrinks little. */
  readonly foreshortening: number;
  /** The same vertically: 1 - (eye-to-mouth height / eye distance) ratio against the reference's. A card
   * tilted back shortens the face; a head looking up or down shortens it less than its pitch changes. */
  readonly verticalForeshortening: number;
}

/** Reference eye distance: mean of each eye's corners. */
export function eyeDistance(landmarks: readonly Point[]): number {
  const right = mean([landmarkAt(landmarks, 36), landmarkAt(landmarks, 39)]);
  const left = mean([landmarkAt(landmarks, 42), landmarkAt(landmarks, 45)]);
  return distance(right, left);
}

/** Eye distance over the eye-line-to-mouth height: unchanged by distance, shrinks as the face turns. */
export function faceWidthRatio(landmarks: readonly Point[]): number {
  const eyes = mean([36, 39, 42, 45].map((i) => landmarkAt(landmarks, i)));
  const mouth = mean([landmarkAt(landmarks, 48), landmarkAt(landmarks, 54)]);
  const height = distance(eyes, mouth);
  return height > 1e-6 ? eyeDistance(landmarks) / height : 0;
}

export function planarParallax(
  reference: readonly Point[],
  current: readonly Point[],
): Parallax | null {
  assertLandmarks(reference);
  assertLandmarks(current);
  const iod = eyeDistance(reference);
  if (iod <= 1e-6) return null;
  const from = facePlaneIndices.map((i) => landmarkAt(reference, i));
  const to = facePlaneIndices.map((i) => landmarkAt(current, i));
  const h = fitHomography(from, to);
  if (h === null) return null;
  const predicted = applyHomography(h, landmarkAt(reference, noseTipIndex));
  const actual = landmarkAt(current, noseTipIndex);
  const eyeRight = mean([landmarkAt(current, 36), landmarkAt(current, 39)]);
  const eyeLeft = mean([landmarkAt(current, 42), landmarkAt(current, 45)]);
  const axis = distance(eyeRight, eyeLeft);
  const ux = axis > 1e-9 ? (eyeLeft.x - eyeRight.x) / axis : 1;
  const uy = axis > 1e-9 ? (eyeLeft.y - eyeRight.y) / axis : 0;
  const dx = actual.x - predicted.x;
  const dy = actual.y - predicted.y;
  // Residuals are in current-frame pixels: scale them to the reference by the map's size change.
  const scale = eyeDistance(current) / iod;
  const norm = iod * (scale > 1e-6 ? scale : 1);
  let squares = 0;
  for (let k = 0; k < from.length; k++) {
    const fitted = applyHomography(h, from[k] ?? { x: 0, y: 0 });
    squares += distance(fitted, to[k] ?? fitted) ** 2;
  }
  return {
    magnitude: Math.hypot(dx, dy) / norm,
    horizontal: (dx * ux + dy * uy) / norm,
    vertical: (dy * ux - dx * uy) / norm,
    planeResidual: Math.sqrt(squares / from.length) / norm,
    foreshortening: 1 - faceWidthRatio(current) / Math.max(1e-6, faceWidthRatio(reference)),
    verticalForeshortening: 1 - faceWidthRatio(reference) / Math.max(1e-6, faceWidthRatio(current)),
  };
}
