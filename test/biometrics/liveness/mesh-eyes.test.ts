// The mesh eye reading on hand-placed points: the lid gaps over eye width and over eye-to-mouth height,
// closing lids lowering both, and the iris net's lid contours landing on the mesh's lid indices.
import { describe, expect, it } from 'vitest';
import type { Point } from '../../../src/biometrics/geometry.ts';
import {
  meshEyeClosureReading,
  meshEyeMeasures,
  meshEyes,
  meshMouthCorners,
  meshPointCount,
  withIrisLids,
} from '../../../src/biometrics/liveness/active/mesh-eyes.ts';
import type { FacePlacement } from '../../../src/biometrics/liveness/active/ear.ts';

/** A face 100 px wide: eyes 30 px wide at y = 100 (lids `gap` apart), mouth corners at y = 160. */
function face(gap: number): Point[] {
  const mesh: Point[] = Array.from({ length: meshPointCount }, () => ({ x: 150, y: 130 }));
  const place = (eye: typeof meshEyes.right, left: number): void => {
    mesh[eye.outer] = { x: left, y: 100 };
    mesh[eye.inner] = { x: left + 30, y: 100 };
    for (const [k, [upper, lower]] of eye.lids.entries()) {
      const x = left + 7.5 * (k + 1);
      mesh[upper] = { x, y: 100 - gap / 2 };
      mesh[lower] = { x, y: 100 + gap / 2 };
    }
  };
  place(meshEyes.right, 100);
  place(meshEyes.left, 170);
  mesh[meshMouthCorners[0]] = { x: 125, y: 160 };
  mesh[meshMouthCorners[1]] = { x: 175, y: 160 };
  return mesh;
}

describe('meshEyeMeasures', () => {
  it('reads lid gap over eye width and over the eye-line-to-mouth height', () => {
    const m = meshEyeMeasures(face(9));
    expect(m.earRight).toBeCloseTo(9 / 30, 9);
    expect(m.earLeft).toBeCloseTo(9 / 30, 9);
    expect(m.ear).toBeCloseTo(0.3, 9);
    expect(m.openness).toBeCloseTo(9 / 60, 9);
  });

  it('falls with closing lids in both ratios, in proportion', () => {
    const open = meshEyeMeasures(face(9));
    const closed = meshEyeMeasures(face(1.8));
    expect(closed.openness / open.openness).toBeCloseTo(0.2, 9);
    expect(closed.ear / open.ear).toBeCloseTo(0.2, 9);
  });

  it('keeps the caller placement for the steadiness checks', () => {
    const placement: FacePlacement = { centre: { x: 1, y: 2 }, size: 3, aspect: 0.8, yaw: 0.1 };
    const reading = meshEyeClosureReading(face(9), placement);
    expect(reading.placement).toBe(placement);
    expect(reading.openness).toBeCloseTo(0.15, 9);
  });

  it('refuses a mesh that is short or not finite', () => {
    expect(() => meshEyeMeasures(face(9).slice(0, 400))).toThrow(/468/);
    const broken = face(9);
    broken[5] = { x: Number.NaN, y: 0 };
    expect(() => meshEyeMeasures(broken)).toThrow(/finite/);
  });
});

describe('withIrisLids', () => {
  /** 76 iris-net points per eye, point k at (k, offset). */
  const contour = (offset: number): Point[] =>
    Array.from({ length: 76 }, (_, k) => ({ x: k, y: offset }));

  it("puts human's EyeUpper0 / EyeLower0 iris points on the mesh lid indices of each eye", () => {
    const out = withIrisLids(face(9), { right: contour(-1), left: contour(-2) });
    // Corners: iris 0 (outer) and 8 (inner); lids: upper 11, 12, 13 over lower 3, 4, 5.
    expect(out[33]).toEqual({ x: 0, y: -1 });
    expect(out[133]).toEqual({ x: 8, y: -1 });
    expect(out[159]).toEqual({ x: 12, y: -1 });
    expect(out[145]).toEqual({ x: 4, y: -1 });
    expect(out[263]).toEqual({ x: 0, y: -2 });
    expect(out[362]).toEqual({ x: 8, y: -2 });
    expect(out[386]).toEqual({ x: 12, y: -2 });
    expect(out[374]).toEqual({ x: 4, y: -2 });
    // The rest of the mesh (the mouth) is left alone.
    expect(out[61]).toEqual({ x: 125, y: 160 });
  });

  it('refuses an eye with fewer than 71 contour points', () => {
    expect(() =>
      withIrisLids(face(9), { right: contour(0).slice(0, 70), left: contour(0) }),
    ).toThrow(/71/);
  });
});
