// The alignment ArcFace-family embedders were trained on: a least-squares similarity transform of five
// points (eye centres, nose tip, mouth corners) onto insightface's 112x112 template, then one resample.

import type * as tf from '@tensorflow/tfjs-core';
import { assert } from '../../shared/assert.ts';
import { warpToSquare } from '../align.ts';
import type { Point } from '../geometry.ts';
import { mean } from '../geometry.ts';

/** The side of the template's square: insightface's crops are 112x112. */
export const arcfaceTemplateSide = 112;

/**
 * insightface's reference points (`arcface_dst`) in the 112x112 crop, in image order: the eye on the
 * image's left (the subject's right), the other eye, the nose tip, the mouth corner on the image's left,
 * the other mouth corner.
 */
export const arcfaceTemplate: readonly Point[] = [
  { x: 38.2946, y: 51.6963 },
  { x: 73.5318, y: 51.5014 },
  { x: 56.0252, y: 71.7366 },
  { x: 41.5493, y: 92.3655 },
  { x: 70.7299, y: 92.2041 },
];

/** x' = a*x - b*y + tx, y' = b*x + a*y + ty: scale sqrt(a²+b²), rotation atan2(b, a), no reflection. */
export interface Similarity {
  a: number;
  b: number;
  tx: number;
  ty: number;
}

/** The five points from the 68 iBUG landmarks: eye centres (36-41, 42-47), nose tip 30, mouth corners 48, 54. */
export function fivePoints(landmarks: readonly Point[]): Point[] {
  assert(landmarks.length === 68, 'five points are read from 68 landmarks');
  const at = (index: number): Point => {
    const point = landmarks[index];
    assert(point !== undefined, 'landmark index in range');
    return point;
  };
  return [mean(landmarks.slice(36, 42)), mean(landmarks.slice(42, 48)), at(30), at(48), at(54)];
}

/**
 * The similarity that maps `from` onto `to` with the least squared error (closed form: centre both sets,
 * then a and b are the normalised dot and cross sums). Parametrised as rotation and scale, so a mirrored
 * point set cannot produce a reflection.
 */
export function fitSimilarity(from: readonly Point[], to: readonly Point[]): Similarity {
  assert(from.length === to.length && from.length >= 2, 'a similarity needs two point pairs');
  const fromMean = mean(from);
  const toMean = mean(to);
  let dot = 0;
  let cross = 0;
  let norm = 0;
  for (const [index, source] of from.entries()) {
    const target = to[index];
    assert(target !== undefined, 'the point sets have the same length');
    const sx = source.x - fromMean.x;
    const sy = source.y - fromMean.y;
    const dx = target.x - toMean.x;
    const dy = target.y - toMean.y;
    dot += sx * dx + sy * dy;
    cross += sx * dy - sy * dx;
    norm += sx * sx + sy * sy;
  }
  assert(norm > 0, 'the source points must not all coincide');
  const a = dot / norm;
  const b = cross / norm;
  return {
    a,
    b,
    tx: toMean.x - (a * fromMean.x - b * fromMean.y),
    ty: toMean.y - (b * fromMean.x + a * fromMean.y),
  };
}

export function applySimilarity(transform: Similarity, point: Point): Point {
  const { a, b, tx, ty } = transform;
  return { x: a * point.x - b * point.y + tx, y: b * point.x + a * point.y + ty };
}

export function invertSimilarity(transform: Similarity): Similarity {
  const { a, b, tx, ty } = transform;
  const scale2 = a * a + b * b;
  assert(scale2 > 0, 'a similarity with zero scale has no inverse');
  const ia = a / scale2;
  const ib = -b / scale2;
  return { a: ia, b: ib, tx: -(ia * tx - ib * ty), ty: -(ib * tx + ia * ty) };
}

/** The frame-to-crop transform for a crop of `side` pixels (the template scaled from 112). */
export function arcfaceTransform(landmarks: readonly Point[], side: number): Similarity {
  const scale = side / arcfaceTemplateSide;
  const template = arcfaceTemplate.map((point) => ({ x: point.x * scale, y: point.y * scale }));
  return fitSimilarity(fivePoints(landmarks), template);
}

/**
 * The `side` x `side` float32 crop (0..255, bilinear, black outside the frame) in which the face's five
 * points lie on the template. tfjs's transform maps each output pixel to the frame, so it gets the inverse.
 */
export function arcfaceCrop(
  frame: tf.Tensor3D,
  landmarks: readonly Point[],
  side: number = arcfaceTemplateSide,
): tf.Tensor3D {
  const toFrame = invertSimilarity(arcfaceTransform(landmarks, side));
  const matrix = [toFrame.a, -toFrame.b, toFrame.tx, toFrame.b, toFrame.a, toFrame.ty, 0, 0];
  return warpToSquare(frame, matrix, side);
}
