// A synthetic 68-point face for the active-liveness tests: a 3-D point set shaped like a head (nose in
// front, jaw behind) or the same points flat like a photo, turned, then projected by a pinhole camera.
import type { Point } from '../../../src/biometrics/geometry.ts';
import { boundingBox } from '../../../src/biometrics/geometry.ts';
import type { EyeLids } from '../../../src/biometrics/liveness/active/ear.ts';
import type { ActiveFace } from '../../../src/biometrics/liveness/active/face-continuity.ts';
import { eyeClosureReading } from '../../../src/biometrics/liveness/active/ear.ts';

export interface Point3 {
  x: number;
  y: number;
  z: number;
}

/** 68 iBUG points in eye-distance units: eyes at x = +-0.5, y down, z toward the camera. */
export function syntheticFace3d(options: { eyeOpen: number; flat?: boolean }): Point3[] {
  const pts: Point3[] = [];
  for (let k = 0; k <= 16; k++) {
    const a = (Math.PI * k) / 16;
    pts.push({ x: -0.95 * Math.cos(a), y: 1.35 * Math.sin(a), z: -0.9 + 0.6 * Math.sin(a) });
  }
  for (let k = 0; k < 5; k++)
    pts.push({ x: -0.85 + 0.175 * k, y: -0.35 - 0.08 * Math.sin((Math.PI * k) / 4), z: 0.05 });
  for (let k = 0; k < 5; k++)
    pts.push({ x: 0.15 + 0.175 * k, y: -0.35 - 0.08 * Math.sin((Math.PI * (4 - k)) / 4), z: 0.05 });
  for (let k = 0; k < 4; k++) pts.push({ x: 0, y: -0.15 + 0.233 * k, z: 0.1 + 0.167 * k });
  for (let k = 0; k < 5; k++)
    pts.push({ x: -0.25 + 0.125 * k, y: 0.7, z: 0.25 + 0.1 * (1 - Math.abs(k - 2) / 2) });
  const h = 0.0675 * options.eyeOpen;
  const eye = (cx: number): Point3[] => [
    { x: cx - 0.225, y: 0, z: -0.05 },
    { x: cx - 0.075, y: -h, z: 0 },
    { x: cx + 0.075, y: -h, z: 0 },
    { x: cx + 0.225, y: 0, z: -0.05 },
    { x: cx + 0.075, y: h, z: 0 },
    { x: cx - 0.075, y: h, z: 0 },
  ];
  pts.push(...eye(-0.5), ...eye(0.5));
  for (let k = 0; k < 12; k++) {
    const a = (2 * Math.PI * k) / 12;
    pts.push({
      x: -0.45 * Math.cos(a),
      y: 1.0 - 0.12 * Math.sin(a),
      z: 0.1 - 0.15 * Math.abs(Math.cos(a)),
    });
  }
  for (let k = 0; k < 8; k++) {
    const a = (2 * Math.PI * k) / 8;
    pts.push({ x: -0.3 * Math.cos(a), y: 1.0 - 0.04 * Math.sin(a), z: 0.08 });
  }
  return options.flat === true ? pts.map((p) => ({ ...p, z: 0 })) : pts;
}

export interface View {
  /** Rotation about the vertical axis, radians; > 0 turns the subject to their own left. */
  yaw: number;
  /** Pivot depth of the rotation (a neck sits behind the face; a card turns about itself). */
  pivotZ: number;
  /** Rotation about the horizontal axis, radians, before the yaw; > 0 tips the head back (looking up). */
  pitch?: number;
  /** Height of that axis (a neck pivots below the eyes; a card tilts about its middle, 0.5). */
  pivotY?: number;
  /** Camera distance in eye distances and focal length in pixels. */
  distance: number;
  focal: number;
  centre: Point;
  shift?: Point;
}

export function project(points: readonly Point3[], view: View): Point[] {
  const c = Math.cos(view.yaw);
  const s = Math.sin(view.yaw);
  return points.map((flat) => {
    const p = tipped(flat, view);
    const z0 = p.z - view.pivotZ;
    const x = p.x * c + z0 * s;
    const z = -p.x * s + z0 * c + view.pivotZ;
    const depth = view.distance - z;
    return {
      x: view.centre.x + (view.shift?.x ?? 0) + (view.focal * x) / depth,
      y: view.centre.y + (view.shift?.y ?? 0) + (view.focal * p.y) / depth,
    };
  });
}

function tipped(p: Point3, view: View): Point3 {
  const pitch = view.pitch ?? 0;
  if (pitch === 0) return p;
  const pivotY = view.pivotY ?? 0;
  const y0 = p.y - pivotY;
  const z0 = p.z - view.pivotZ;
  const c = Math.cos(pitch);
  const s = Math.sin(pitch);
  return { x: p.x, y: y0 * c - z0 * s + pivotY, z: y0 * s + z0 * c + view.pivotZ };
}

export const kioskView: View = {
  yaw: 0,
  pivotZ: -1.2,
  distance: 8,
  focal: 480,
  centre: { x: 320, y: 220 },
};

/** The lids of a synthetic face as the 68 points give them: the synthetic eyes close exactly (a lid
 * reading with no reader's error), standing in for the kiosk's face mesh + iris reading. */
export function syntheticLids(landmarks: readonly Point[]): EyeLids {
  const { openness, ear } = eyeClosureReading(landmarks);
  return { openness, ear };
}

/** A live head (not a card) at this yaw and pitch (radians; pitch > 0 looks up, pivoting on the neck),
 * eyes open, as the challenge controller sees it. */
export function syntheticHead(pose: { yaw: number; pitch?: number }): ActiveFace {
  const view: View = {
    ...kioskView,
    yaw: pose.yaw,
    ...(pose.pitch === undefined ? {} : { pitch: pose.pitch, pivotY: 1.2 }),
  };
  const landmarks = project(syntheticFace3d({ eyeOpen: 1 }), view);
  return {
    box: boundingBox(landmarks),
    landmarks,
    eyes: syntheticLids(landmarks),
    descriptor: null,
  };
}
