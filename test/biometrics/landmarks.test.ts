// The landmark cross-check's geometry: how far landmark eyes are from the detector's eye keypoints,
// and where a crop framed on the eyes alone lands, for level and rolled faces.

import { describe, expect, it } from 'vitest';
import { eyeDisagreement, eyeFramedCrop } from '../../src/biometrics/landmarks.ts';
import type { Point } from '../../src/biometrics/geometry.ts';

/** 68 points with the eye rings (36-41, 42-47) centred on `left` and `right`; the rest at the origin. */
function landmarksWithEyes(left: Point, right: Point): Point[] {
  return Array.from({ length: 68 }, (_, index) => {
    if (index >= 36 && index <= 41) return left;
    if (index >= 42 && index <= 47) return right;
    return { x: 0, y: 0 };
  });
}

describe('eyeDisagreement', () => {
  const eyes = { left: { x: 40, y: 50 }, right: { x: 80, y: 50 } };

  it('is 0 when the landmark eyes sit on the keypoints', () => {
    expect(eyeDisagreement(landmarksWithEyes(eyes.left, eyes.right), eyes)).toBe(0);
  });

  it('is the worse eye offset in eye distances', () => {
    const shifted = landmarksWithEyes({ x: 40, y: 50 }, { x: 80, y: 70 });
    expect(eyeDisagreement(shifted, eyes)).toBeCloseTo(0.5, 10);
  });

  it('is infinite when the keypoints coincide (no scale to judge by)', () => {
    const same = { left: { x: 10, y: 10 }, right: { x: 10, y: 10 } };
    expect(eyeDisagreement(landmarksWithEyes(same.left, same.right), same)).toBe(
      Number.POSITIVE_INFINITY,
    );
  });
});

describe('eyeFramedCrop', () => {
  it('centres a level face below the eye line, three eye distances wide', () => {
    const crop = eyeFramedCrop({ left: { x: 40, y: 50 }, right: { x: 80, y: 50 } });
    expect(crop.width).toBeCloseTo(120, 10);
    expect(crop.height).toBeCloseTo(120, 10);
    expect(crop.x + crop.width / 2).toBeCloseTo(60, 10);
    expect(crop.y + crop.height / 2).toBeCloseTo(50 + 0.6 * 40, 10);
  });

  it('follows a rolled face: the centre drops perpendicular to the eye line', () => {
    // Eye line at 90 degrees (the head lies on its side): "down" from the eyes points to -x.
    const crop = eyeFramedCrop({ left: { x: 100, y: 40 }, right: { x: 100, y: 80 } });
    expect(crop.x + crop.width / 2).toBeCloseTo(100 - 0.6 * 40, 10);
    expect(crop.y + crop.height / 2).toBeCloseTo(60, 10);
  });
});
