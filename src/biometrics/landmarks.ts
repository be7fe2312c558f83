// Reads the 68 landmarks of a detected face for both the per-frame engine and the tracking loop: two
// passes (the detector's box, then the landmarks' own box), cross-checked against the detector's eye
// keypoints so that a mask or a tight crop that throws the landmark net off is caught and re-framed.

import type * as tf from '@tensorflow/tfjs-core';
import { assert } from '../shared/assert.ts';
import { cropSquare, landmarkBox, landmarkInputSide } from './align.ts';
import type { EyeKeypoints, RawDetection } from './blazeface.ts';
import type { FaceModels } from './face-models.ts';
import { faceapiInput } from './faceapi-bridge.ts';
import type { Box, Point } from './geometry.ts';
import { boxCenter, distance, squareAround } from './geometry.ts';
import { eyeCenters } from './quality.ts';

/** Largest distance between a landmark eye centre and the detector's keypoint, in eye distances, that
 * still counts as agreement (measured on shared/data: frames read well stay under 0.2). */
export const eyeDisagreementMax = 0.3;

/** Where the landmark box lies relative to the eyes, in eye distances: measured on frontal faces, the
 * 68 points' box is centred ~0.6 below the eye line and ~2.4 wide; 3.0 leaves the net some margin. */
const eyeFramedCentreDrop = 0.6;
const eyeFramedSide = 3;

export async function landmarksIn(
  models: FaceModels,
  frame: tf.Tensor3D,
  crop: Box,
): Promise<Point[]> {
  const input = cropSquare(frame, crop, landmarkInputSide);
  try {
    const result = await models.landmarks.detectLandmarks(faceapiInput(input));
    assert(!Array.isArray(result), 'one crop gives one set of landmarks');
    const points = result.relativePositions.map((p) => ({
      x: crop.x + p.x * crop.width,
      y: crop.y + p.y * crop.height,
    }));
    assert(points.length === 68, 'the landmark net gives 68 points');
    return points;
  } finally {
    input.dispose();
  }
}

/** How far the landmarks' eye centres are from the detector's eye keypoints, in keypoint eye distances. */
export function eyeDisagreement(landmarks: readonly Point[], eyes: EyeKeypoints): number {
  const span = distance(eyes.left, eyes.right);
  if (!(span > 0)) return Number.POSITIVE_INFINITY;
  const centres = eyeCenters(landmarks);
  return Math.max(distance(centres.left, eyes.left), distance(centres.right, eyes.right)) / span;
}

/** A square crop placed from the eye keypoints alone, for when the detector's box misleads the net. */
export function eyeFramedCrop(eyes: EyeKeypoints): Box {
  const span = distance(eyes.left, eyes.right);
  const mid = { x: (eyes.left.x + eyes.right.x) / 2, y: (eyes.left.y + eyes.right.y) / 2 };
  // Downwards, perpendicular to the eye line (image y grows downwards).
  const down = {
    x: -(eyes.right.y - eyes.left.y) / span,
    y: (eyes.right.x - eyes.left.x) / span,
  };
  const centre = {
    x: mid.x + down.x * span * eyeFramedCentreDrop,
    y: mid.y + down.y * span * eyeFramedCentreDrop,
  };
  return squareAround(centre, span * eyeFramedSide);
}

export interface DetectionLandmarks {
  readonly points: Point[];
  /** False when no reading agreed with the detector's eyes: the points are a guess (in practice a head
   * turned far from the camera), and the quality gate refuses the frame as turned away. */
  readonly agreed: boolean;
}

/**
 * The detection's landmarks: the refined pass when it agrees with the detector's eyes (or the detector
 * gives none), else the candidate (rough pass, eye-framed passes) that agrees best. Extra passes run
 * only for faces whose first reading disagrees, so an ordinary frame costs two landmark passes.
 */
export async function landmarksForDetection(
  models: FaceModels,
  frame: tf.Tensor3D,
  detection: RawDetection,
  cropScale: number,
): Promise<DetectionLandmarks> {
  const side = Math.max(detection.box.width, detection.box.height) * cropScale;
  const rough = await landmarksIn(models, frame, squareAround(boxCenter(detection.box), side));
  const refined = await landmarksIn(models, frame, landmarkBox(rough));
  const eyes = detection.eyes;
  if (eyes === null || eyeDisagreement(refined, eyes) <= eyeDisagreementMax) {
    return { points: refined, agreed: true };
  }
  const eyeFramed = await landmarksIn(models, frame, eyeFramedCrop(eyes));
  const eyeRefined = await landmarksIn(models, frame, landmarkBox(eyeFramed));
  const scored = [refined, rough, eyeFramed, eyeRefined].map((points) => ({
    points,
    disagreement: eyeDisagreement(points, eyes),
  }));
  const best = scored.reduce((kept, next) => (next.disagreement < kept.disagreement ? next : kept));
  return { points: best.points, agreed: best.disagreement <= eyeDisagreementMax };
}
