// Eye aspect ratio (Soukupová & Čech 2016) from the 68 iBUG landmarks: eyelid opening over eye width,
// about 0.25-0.35 for an open eye and under 0.15 for a closed one; the blink detector reads it per frame.
import { assert } from '../../../shared/assert.ts';
import type { Point } from '../../geometry.ts';
import { boundingBox, boxCenter, distance } from '../../geometry.ts';
import { measurePose } from '../../quality.ts';

export const landmarkCount = 68;

/** Six points per eye: outer corner, two upper lid, inner corner, two lower lid (iBUG order). */
const eyeIndices = {
  /** The subject's right eye: on the image's left. */
  right: [36, 37, 38, 39, 40, 41],
  left: [42, 43, 44, 45, 46, 47],
} as const;

export function landmarkAt(landmarks: readonly Point[], index: number): Point {
  const point = landmarks[index];
  assert(point !== undefined, `landmark ${index} missing: 68 expected`);
  return point;
}

export function assertLandmarks(landmarks: readonly Point[]): void {
  assert(landmarks.length === landmarkCount, 'a face has 68 landmarks');
  for (const point of landmarks)
    assert(Number.isFinite(point.x) && Number.isFinite(point.y), 'landmarks must be finite');
}

function eyeAspectRatio(landmarks: readonly Point[], indices: readonly number[]): number {
  const [p1, p2, p3, p4, p5, p6] = indices.map((index) => landmarkAt(landmarks, index)) as [
    Point,
    Point,
    Point,
    Point,
    Point,
    Point,
  ];
  const width = distance(p1, p4);
  if (width <= 1e-6) return 0;
  return (distance(p2, p6) + distance(p3, p5)) / (2 * width);
}

export interface EyeAspectRatios {
  readonly left: number;
  readonly right: number;
  /** Mean of both eyes: one eye's landmarks are noisy when the head is turned. */
  readonly mean: number;
}

export function eyeAspectRatios(landmarks: readonly Point[]): EyeAspectRatios {
  assertLandmarks(landmarks);
  const right = eyeAspectRatio(landmarks, eyeIndices.right);
  const left = eyeAspectRatio(landmarks, eyeIndices.left);
  return { left, right, mean: (left + right) / 2 };
}

/** Lid gap over the eye-line-to-mouth height: like EAR, but its denominator does not shrink when the
 * head turns (EAR rises ~10% at 25 degrees of yaw, enough to fake or hide a shallow blink dip). */
export function eyeOpenness(landmarks: readonly Point[]): number {
  assertLandmarks(landmarks);
  const gap = (a: number, b: number): number =>
    distance(landmarkAt(landmarks, a), landmarkAt(landmarks, b));
  const lids = (gap(37, 41) + gap(38, 40) + gap(43, 47) + gap(44, 46)) / 4;
  const eyes = [36, 39, 42, 45].map((i) => landmarkAt(landmarks, i));
  const eyeLine = {
    x: eyes.reduce((s, p) => s + p.x, 0) / 4,
    y: eyes.reduce((s, p) => s + p.y, 0) / 4,
  };
  const m1 = landmarkAt(landmarks, 48);
  const m2 = landmarkAt(landmarks, 54);
  const height = distance(eyeLine, { x: (m1.x + m2.x) / 2, y: (m1.y + m2.y) / 2 });
  return height > 1e-6 ? lids / height : 0;
}

/** Where the face as a whole is in one frame: what a lid cannot move, so a dip that comes with a step in
 * it is the face (a photo zoomed or panned, the tracker re-framing it), not an eyelid. */
export interface FacePlacement {
  /** Centre of the landmarks' bounding box, in frame pixels. */
  readonly centre: Point;
  /** The box's longer side, in frame pixels: the lids barely move it (brows and jaw set it). */
  readonly size: number;
  /** The box's width over its height: a photo card turned about its vertical axis narrows it. */
  readonly aspect: number;
  /** yawOf's measure (about 0.3 per 30 degrees). */
  readonly yaw: number;
}

/** The two readings of how open the eyes are that the blink detector cross-checks: a lid gap over two
 * different lengths, one horizontal (eye width) and one vertical (eye-line-to-mouth height). The kiosk
 * reads them from the face mesh and iris nets (liveness/mesh-eye-reader.ts); eyeClosureReading below reads
 * them from the 68 points, for measurement and the capture checks. */
export interface EyeLids {
  readonly openness: number;
  readonly ear: number;
}

/** The lids and where the face is, so that a dip read while the whole face jumped is not taken for a
 * blink. */
export interface EyeClosureReading extends EyeLids {
  readonly placement: FacePlacement;
}

export function facePlacement(landmarks: readonly Point[]): FacePlacement {
  assertLandmarks(landmarks);
  const box = boundingBox(landmarks);
  return {
    centre: boxCenter(box),
    size: Math.max(box.width, box.height),
    aspect: box.height > 0 ? box.width / box.height : 0,
    yaw: measurePose(landmarks).yawRatio - 0.5,
  };
}

/** A frame's reading for the blink detector: its lids, however read, placed by the 68 points (the
 * steadiness checks stay the ones the blink bounds were measured with); null when no lids were read. */
export function placedLids(
  eyes: EyeLids | null,
  landmarks: readonly Point[],
): EyeClosureReading | null {
  return eyes === null
    ? null
    : { openness: eyes.openness, ear: eyes.ear, placement: facePlacement(landmarks) };
}

export function eyeClosureReading(landmarks: readonly Point[]): EyeClosureReading {
  return {
    openness: eyeOpenness(landmarks),
    ear: eyeAspectRatios(landmarks).mean,
    placement: facePlacement(landmarks),
  };
}
