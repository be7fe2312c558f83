// Human's `faceres` embedding (HSE-FaceRes, 1024-d) on a face the engine has already found: the square crop
// human feeds it (1.4x the BlazeFace box, 224 px, RGB 0..255), optionally roll-corrected from landmarks.

import * as tf from '@tensorflow/tfjs-core';
import type { GraphModel } from '@tensorflow/tfjs-converter';
import { assert } from '../../shared/assert.ts';
import type { FaceObservation } from '../engine.ts';
import { l2Normalize } from '../engine.ts';
import type { Point } from '../geometry.ts';
import { boxCenter } from '../geometry.ts';
import { eyeCenters } from '../quality.ts';
import { rotatedSquare } from '../align.ts';

export const faceresInputSide = 224;
export const faceresDescriptorLength = 1024;
/** human's `face.detector.scale` default: the BlazeFace box enlarged 1.4x and squared is what faceres sees. */
export const faceresCropScale = 1.4;
/** Not among the graph's default outputs (gender, age): named in the model's signature, as human reads it. */
const faceresEmbeddingNode = 'global_pooling/Mean';

export interface FaceresCropOptions {
  /** Rotate so the eyes are level (human does not by default: `face.detector.rotation` is false). */
  rollCorrected: boolean;
}

export class FaceresEmbedder {
  readonly modelId: string;
  readonly #model: GraphModel;

  constructor(model: GraphModel, modelId: string) {
    const shape = model.inputs[0]?.shape;
    assert(
      shape?.[1] === faceresInputSide && shape[2] === faceresInputSide && shape[3] === 3,
      'faceres takes 224x224 RGB input',
    );
    this.#model = model;
    this.modelId = modelId;
  }

  /** `frame` is the same int32 or float32 HxWx3 image (0..255) the engine saw; returns a unit descriptor. */
  async embed(
    frame: tf.Tensor3D,
    face: FaceObservation,
    options: FaceresCropOptions,
  ): Promise<Float32Array> {
    const descriptor = tf.tidy(() => {
      const side = Math.max(face.box.width, face.box.height) * faceresCropScale;
      const roll = options.rollCorrected ? eyeRoll(face.landmarks) : 0;
      const crop = rotatedSquare(frame, boxCenter(face.box), side, roll, faceresInputSide);
      const output = this.#model.execute(tf.expandDims(crop, 0), faceresEmbeddingNode);
      assert(!Array.isArray(output), 'one output node gives one tensor');
      assert(output.shape[1] === faceresDescriptorLength, 'faceres has a 1024-d output');
      return tf.squeeze(output);
    });
    try {
      const values = (await descriptor.data()) as Float32Array;
      assert(values.length === faceresDescriptorLength, 'the faceres descriptor has 1024 values');
      return l2Normalize(values);
    } finally {
      descriptor.dispose();
    }
  }

  dispose(): void {
    this.#model.dispose();
  }
}

function eyeRoll(landmarks: readonly Point[]): number {
  const { left, right } = eyeCenters(landmarks);
  return Math.atan2(right.y - left.y, right.x - left.x);
}
