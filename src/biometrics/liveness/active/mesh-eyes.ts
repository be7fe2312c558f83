// Eye openness read from MediaPipe's 468-point face mesh (human's facemesh net) instead of face-api's 68
// points: the same two lid-gap ratios ear.ts computes, fed to the unchanged BlinkDetector.
import { assert } from '../../../shared/assert.ts';
import type { Point } from '../../geometry.ts';
import { distance } from '../../geometry.ts';
import type { EyeClosureReading, FacePlacement } from './ear.ts';

export const meshPointCount = 468;

/** Mesh indices of one eye: its two corners and three upper/lower lid pairs, outer to inner. From
 * MediaPipe's canonical mesh as human 3.3.6 names it (facemeshcoords.ts: rightEyeUpper0 246 161 160 159
 * 158 157 173 over rightEyeLower0 33 7 163 144 145 153 154 155 133; the left eye mirrors it). human's
 * "right" is the subject's right eye, on the image's left. */
export interface MeshEyeIndices {
  readonly outer: number;
  readonly inner: number;
  readonly lids: readonly (readonly [upper: number, lower: number])[];
}

export const meshEyes: Readonly<Record<'right' | 'left', MeshEyeIndices>> = {
  right: {
    outer: 33,
    inner: 133,
    lids: [
      [160, 144],
      [159, 145],
      [158, 153],
    ],
  },
  left: {
    outer: 263,
    inner: 362,
    lids: [
      [387, 373],
      [386, 374],
      [385, 380],
    ],
  },
};

/** The mouth's corners (human's lipsUpperOuter ends): the vertical reference of openness, as ear.ts's 48/54. */
export const meshMouthCorners = [61, 291] as const;

function at(mesh: readonly Point[], index: number): Point {
  const point = mesh[index];
  assert(point !== undefined, `mesh point ${index} missing: 468 expected`);
  return point;
}

export function assertMesh(mesh: readonly Point[]): void {
  assert(mesh.length >= meshPointCount, 'a face mesh has 468 points (478 with the irises)');
  for (const point of mesh)
    assert(Number.isFinite(point.x) && Number.isFinite(point.y), 'mesh points must be finite');
}

function meanLidGap(mesh: readonly Point[], eye: MeshEyeIndices): number {
  const gaps = eye.lids.map(([upper, lower]) => distance(at(mesh, upper), at(mesh, lower)));
  return gaps.reduce((sum, gap) => sum + gap, 0) / gaps.length;
}

export interface MeshEyeMeasures {
  /** Lid gap over eye width, per eye and their mean (ear.ts's EAR on the mesh's lids). */
  readonly earRight: number;
  readonly earLeft: number;
  readonly ear: number;
  /** Mean lid gap of both eyes over the eye-line-to-mouth height (ear.ts's eyeOpenness). */
  readonly openness: number;
}

export function meshEyeMeasures(mesh: readonly Point[]): MeshEyeMeasures {
  assertMesh(mesh);
  const ratio = (eye: MeshEyeIndices): number => {
    const width = distance(at(mesh, eye.outer), at(mesh, eye.inner));
    return width > 1e-6 ? meanLidGap(mesh, eye) / width : 0;
  };
  const earRight = ratio(meshEyes.right);
  const earLeft = ratio(meshEyes.left);
  const corners = [
    meshEyes.right.outer,
    meshEyes.right.inner,
    meshEyes.left.inner,
    meshEyes.left.outer,
  ];
  const eyeLine = {
    x: corners.reduce((sum, i) => sum + at(mesh, i).x, 0) / corners.length,
    y: corners.reduce((sum, i) => sum + at(mesh, i).y, 0) / corners.length,
  };
  const [m1, m2] = meshMouthCorners.map((i) => at(mesh, i)) as [Point, Point];
  const height = distance(eyeLine, { x: (m1.x + m2.x) / 2, y: (m1.y + m2.y) / 2 });
  const lids = (meanLidGap(mesh, meshEyes.right) + meanLidGap(mesh, meshEyes.left)) / 2;
  return {
    earRight,
    earLeft,
    ear: (earRight + earLeft) / 2,
    openness: height > 1e-6 ? lids / height : 0,
  };
}

/** The blink detector's reading with the lids taken from the mesh. The placement stays the caller's
 * (the tracker's 68 points in the kiosk), so the steadiness checks are the very ones the 68-point path
 * applies: only the eyelid reading changes. */
export function meshEyeClosureReading(
  mesh: readonly Point[],
  placement: FacePlacement,
): EyeClosureReading {
  const { openness, ear } = meshEyeMeasures(mesh);
  return { openness, ear, placement };
}

/** human's irisIndices: the iris net's 71 eye-contour points that stand for the mesh's lid contours,
 * in the order of meshAnnotations' EyeUpper0 (7 points) and EyeLower0 (9 points, corner to corner). */
const irisUpper0 = [9, 10, 11, 12, 13, 14, 15];
const irisLower0 = [0, 1, 2, 3, 4, 5, 6, 7, 8];
/** meshAnnotations' rightEyeUpper0 / rightEyeLower0 and the left eye's. */
const meshUpper0 = {
  right: [246, 161, 160, 159, 158, 157, 173],
  left: [466, 388, 387, 386, 385, 384, 398],
};
const meshLower0 = {
  right: [33, 7, 163, 144, 145, 153, 154, 155, 133],
  left: [263, 249, 390, 373, 374, 380, 381, 382, 362],
};
export const irisContourPointCount = 71;

/** The mesh with each eye's lid contour (EyeUpper0, EyeLower0) replaced by the iris net's, as human's
 * augmentIris does when the face looks straight on: the iris net reads a 64 px crop of the eye alone. */
export function withIrisLids(
  mesh: readonly Point[],
  iris: Readonly<Record<'right' | 'left', readonly Point[]>>,
): Point[] {
  assertMesh(mesh);
  const out = [...mesh];
  for (const eye of ['right', 'left'] as const) {
    const contour = iris[eye];
    assert(contour.length >= irisContourPointCount, 'the iris net gives 71 contour points an eye');
    const pairs: [number[], number[]][] = [
      [irisUpper0, meshUpper0[eye]],
      [irisLower0, meshLower0[eye]],
    ];
    for (const [from, to] of pairs)
      for (const [k, index] of to.entries()) out[index] = at(contour, from[k] ?? -1);
  }
  return out;
}
