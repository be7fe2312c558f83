// The part of a face a mask leaves visible, cut the same way on both sides of a comparison (issue 8:
// a masked probe against an unmasked enrolment): an eye-anchored chip for face-api's descriptor net.
//
// Everything is placed from the two eye centres only (the 68-landmark net guesses the nose, mouth and
// jaw under a mask), in face coordinates: u across and v down in eye distances from the point between
// the eyes. `fill` variants paint a fixed grey over every row below v = cut, so a real mask and a bare
// chin look the same to the network; the `band` variant stretches the strip from the brows to v = cut
// over the whole network input; occludedFrame greys the frame itself, for embedders that crop their own.
import * as tf from '@tensorflow/tfjs-core';
import { assert } from '../../shared/assert.ts';
import { chipSide, warpToSquare } from '../align.ts';
import { descriptorLength, l2Normalize } from '../engine.ts';
import type { FaceModels } from '../face-models.ts';
import { faceapiInput } from '../faceapi-bridge.ts';
import type { Point } from '../geometry.ts';
import { eyeCenters } from '../quality.ts';

export type OcclusionVariant =
  | { readonly kind: 'fill'; readonly name: string; readonly cut: number }
  | { readonly kind: 'band'; readonly name: string; readonly top: number; readonly cut: number };

/**
 * The eye-anchored chip's framing, set to where face-api's own alignment (landmark box + 20%) puts an
 * unmasked frontal face: measured 2026-12-02 on 31 unmasked colour photos (facerec, deepface, human,
 * nuaa, faceapi), chip side 2.77 eye distances (10-90%: 2.66-2.88), centre 0.73 below the eye line
 * (0.67-0.79). The nose bridge (landmark 29) sits at v = 0.40, the nose tip at 0.76, the upper lip 0.99.
 */
export const eyeChipSide = 2.75;
export const eyeChipCentreDown = 0.72;
/** Grey of the synthetic fill, in the 0..255 pixel values the descriptor net reads. */
export const occlusionGrey = 128;
/** Width of the band variant's strip, in eye distances (the outer eye corners are near u = +-0.9). */
export const bandWidth = 2.6;

/** The variants scored by scripts/eval-masked-match.ts; their names are part of its cache key. */
export const occlusionVariants: readonly OcclusionVariant[] = [
  { kind: 'fill', name: 'fill-0.20', cut: 0.2 },
  { kind: 'fill', name: 'fill-0.35', cut: 0.35 },
  { kind: 'fill', name: 'fill-0.55', cut: 0.55 },
  { kind: 'band', name: 'band-0.35', top: -0.75, cut: 0.35 },
];

interface EyeFrame {
  readonly mid: Point;
  readonly roll: number;
  readonly eyeDistance: number;
}

function eyeFrame(landmarks: readonly Point[]): EyeFrame {
  const { left, right } = eyeCenters(landmarks);
  const eyeDistance = Math.hypot(right.x - left.x, right.y - left.y);
  assert(eyeDistance > 0 && Number.isFinite(eyeDistance), 'two distinct eye centres');
  return {
    mid: { x: (left.x + right.x) / 2, y: (left.y + right.y) / 2 },
    roll: Math.atan2(right.y - left.y, right.x - left.x),
    eyeDistance,
  };
}

/** Frame pixel of face coordinates (u, v). */
function toFrame(eyes: EyeFrame, u: number, v: number): Point {
  const cos = Math.cos(eyes.roll);
  const sin = Math.sin(eyes.roll);
  const x = u * eyes.eyeDistance;
  const y = v * eyes.eyeDistance;
  return { x: eyes.mid.x + x * cos - y * sin, y: eyes.mid.y + x * sin + y * cos };
}

/**
 * A `width` x `height` (face units) rectangle centred on face point (u, v), upright in face coordinates,
 * resampled to the net's square input (anisotropic when width != height).
 */
function faceRectangle(
  frame: tf.Tensor3D,
  eyes: EyeFrame,
  rect: { u: number; v: number; width: number; height: number },
): tf.Tensor3D {
  const centre = toFrame(eyes, rect.u, rect.v);
  const sx = (rect.width * eyes.eyeDistance) / chipSide;
  const sy = (rect.height * eyes.eyeDistance) / chipSide;
  const cos = Math.cos(eyes.roll);
  const sin = Math.sin(eyes.roll);
  const half = chipSide / 2;
  const matrix = [
    cos * sx,
    -sin * sy,
    centre.x - half * (cos * sx - sin * sy),
    sin * sx,
    cos * sy,
    centre.y - half * (sin * sx + cos * sy),
    0,
    0,
  ];
  return warpToSquare(frame, matrix, chipSide);
}

/** First chip row at or below face height `cut` (rows cover v from centre - side/2 to centre + side/2). */
export function fillStartRow(cut: number): number {
  const top = eyeChipCentreDown - eyeChipSide / 2;
  const row = Math.ceil(((cut - top) / eyeChipSide) * chipSide);
  return Math.min(chipSide, Math.max(0, row));
}

/** The variant's 150 x 150 float32 chip of the face whose 68 landmarks are given; the caller disposes it. */
export function occludedChip(
  frame: tf.Tensor3D,
  landmarks: readonly Point[],
  variant: OcclusionVariant,
): tf.Tensor3D {
  assert(landmarks.length === 68, 'the 68-point landmark layout');
  const eyes = eyeFrame(landmarks);
  if (variant.kind === 'band') {
    assert(variant.cut > variant.top, 'a band has a positive height');
    return faceRectangle(frame, eyes, {
      u: 0,
      v: (variant.top + variant.cut) / 2,
      width: bandWidth,
      height: variant.cut - variant.top,
    });
  }
  const chip = faceRectangle(frame, eyes, {
    u: 0,
    v: eyeChipCentreDown,
    width: eyeChipSide,
    height: eyeChipSide,
  });
  const start = fillStartRow(variant.cut);
  if (start >= chipSide) return chip;
  return tf.tidy(() => {
    const visible = tf.slice(chip, [0, 0, 0], [start, chipSide, 3]);
    const grey = tf.fill([chipSide - start, chipSide, 3], occlusionGrey, 'float32');
    chip.dispose();
    return tf.concat([visible, grey], 0) as tf.Tensor3D;
  });
}

/** face-api's unit descriptor of the variant's chip: the template (or probe) of the masked-pair matcher. */
export async function occludedDescriptor(
  recognition: FaceModels['recognition'],
  frame: tf.Tensor3D,
  landmarks: readonly Point[],
  variant: OcclusionVariant,
): Promise<Float32Array> {
  const chip = occludedChip(frame, landmarks, variant);
  try {
    const raw = await recognition.computeFaceDescriptor(faceapiInput(chip));
    assert(!Array.isArray(raw), 'one chip gives one descriptor');
    assert(raw.length === descriptorLength, 'the descriptor has 128 values');
    return l2Normalize(raw);
  } finally {
    chip.dispose();
  }
}

/**
 * The whole frame with every pixel below v = `cut` painted the fill grey: the same occlusion for an
 * embedder that makes its own crop (faceres, the ArcFace family). Same dtype as `frame`; caller disposes.
 */
export function occludedFrame(
  frame: tf.Tensor3D,
  landmarks: readonly Point[],
  cut: number,
): tf.Tensor3D {
  assert(landmarks.length === 68, 'the 68-point landmark layout');
  const eyes = eyeFrame(landmarks);
  const [height, width] = frame.shape;
  const cos = Math.cos(eyes.roll);
  const sin = Math.sin(eyes.roll);
  return tf.tidy(() => {
    const xs = tf.reshape(tf.range(0, width, 1, 'float32'), [1, width]);
    const ys = tf.reshape(tf.range(0, height, 1, 'float32'), [height, 1]);
    // v of each pixel: its distance below the eye line, in eye distances.
    const down = tf.sub(tf.mul(tf.sub(ys, eyes.mid.y), cos), tf.mul(tf.sub(xs, eyes.mid.x), sin));
    const covered = tf.greater(tf.div(down, eyes.eyeDistance), cut);
    const mask = tf.tile(tf.expandDims(covered, 2), [1, 1, 3]);
    return tf.where(mask, tf.fill([height, width, 3], occlusionGrey, frame.dtype), frame);
  });
}
