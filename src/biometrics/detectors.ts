// The face detectors the engine can run, behind one interface, with the upscale-and-border preparation
// that tight crops and tiny images need; boxes always come back in the caller's image pixels.

import * as tf from '@tensorflow/tfjs-core';
import type * as FaceApi from '@vladmandic/face-api';
import { faceDetectionsPerFrameMax } from '../shared/limits.ts';
import { BlazeFaceDetector } from './blazeface.ts';
import type { RawDetection } from './blazeface.ts';
import type { FaceModels } from './face-models.ts';
import type { Point } from './geometry.ts';
import { faceapiInput } from './faceapi-bridge.ts';

export type DetectorKind = 'ssd' | 'tiny' | 'blazeface';

export interface DetectionPrep {
  /** Images whose shorter side is below this are upscaled to it before detection. */
  minSidePixels: number;
  /** Grey border added on every side, as a fraction of the longer side (after upscaling). */
  borderFraction: number;
  /** When the first pass finds no face, one more pass with this border (a face that fills the whole
   * image, e.g. a close crop or a patterned mask, is found only with more margin); null: no retry. */
  retryBorderFraction: number | null;
}

export interface DetectorConfig {
  kind: DetectorKind;
  minScore: number;
  prep: DetectionPrep;
}

export type DetectFn = (image: tf.Tensor3D) => Promise<RawDetection[]>;

const borderGrey = 128;

export function createDetector(
  faceapi: typeof FaceApi,
  models: FaceModels,
  config: DetectorConfig,
): DetectFn {
  const run = rawDetector(faceapi, models, config);
  const retry = config.prep.retryBorderFraction;
  return async (image) => {
    const found = await detectPrepared(image, config.prep, run);
    if (found.length > 0 || retry === null) return found;
    return detectPrepared(image, { ...config.prep, borderFraction: retry }, run);
  };
}

function rawDetector(
  faceapi: typeof FaceApi,
  models: FaceModels,
  config: DetectorConfig,
): DetectFn {
  if (config.kind === 'blazeface') {
    const blazeface = new BlazeFaceDetector(models.blazeface);
    return (image) => blazeface.detect(image, config.minScore);
  }
  if (config.kind === 'ssd') {
    const options = new faceapi.SsdMobilenetv1Options({
      minConfidence: config.minScore,
      maxResults: faceDetectionsPerFrameMax,
    });
    return async (image) => fromFaceApi(await models.ssd.locateFaces(faceapiInput(image), options));
  }
  const options = new faceapi.TinyFaceDetectorOptions({
    inputSize: 416,
    scoreThreshold: config.minScore,
  });
  return async (image) => fromFaceApi(await models.tiny.locateFaces(faceapiInput(image), options));
}

function fromFaceApi(detections: FaceApi.FaceDetection[]): RawDetection[] {
  return detections.map((detection) => {
    const { x, y, width, height } = detection.box;
    return { box: { x, y, width, height }, score: detection.score, eyes: null };
  });
}

interface Prepared {
  tensor: tf.Tensor3D;
  scale: number;
  offset: number;
}

async function detectPrepared(
  image: tf.Tensor3D,
  prep: DetectionPrep,
  run: DetectFn,
): Promise<RawDetection[]> {
  const prepared = prepare(image, prep);
  try {
    const found = await run(prepared.tensor);
    const toImage = (point: Point): Point => ({
      x: (point.x - prepared.offset) / prepared.scale,
      y: (point.y - prepared.offset) / prepared.scale,
    });
    return found.map(({ box, score, eyes }) => ({
      score,
      box: {
        ...toImage(box),
        width: box.width / prepared.scale,
        height: box.height / prepared.scale,
      },
      eyes: eyes === null ? null : { left: toImage(eyes.left), right: toImage(eyes.right) },
    }));
  } finally {
    if (prepared.tensor !== image) prepared.tensor.dispose();
  }
}

function prepare(image: tf.Tensor3D, prep: DetectionPrep): Prepared {
  const [height, width] = image.shape;
  const scale = Math.max(1, prep.minSidePixels / Math.min(height, width));
  const offset = Math.round(prep.borderFraction * Math.max(height, width) * scale);
  if (scale === 1 && offset === 0) return { tensor: image, scale, offset };
  const tensor = tf.tidy(() => {
    const size: [number, number] = [Math.round(height * scale), Math.round(width * scale)];
    const resized = scale === 1 ? image : tf.cast(tf.image.resizeBilinear(image, size), 'int32');
    const border: [number, number] = [offset, offset];
    return tf.pad(resized, [border, border, [0, 0]], borderGrey);
  });
  return { tensor, scale, offset };
}
