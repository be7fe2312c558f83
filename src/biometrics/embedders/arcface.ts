// ArcFace-family embedders (112x112 input, trained on insightface-aligned crops) on a face the engine has
// already found: the 5-point similarity crop, the model's own input scaling, a unit descriptor.

import * as tf from '@tensorflow/tfjs-core';
import type { GraphModel } from '@tensorflow/tfjs-converter';
import { assert } from '../../shared/assert.ts';
import type { FaceObservation } from '../engine.ts';
import { l2Normalize } from '../engine.ts';
import { arcfaceCrop, arcfaceTemplateSide } from './arcface-align.ts';

export interface ArcfaceModelSpec {
  /** Short name of the architecture, the start of the model id. */
  name: string;
  /** The graph JSON in the models folder; the weight files are the ones it names. */
  json: string;
  /** Graph node whose value is the embedding. */
  outputNode: string;
  descriptorLength: number;
  /** The network sees (pixel - offset) * scale, pixels 0..255 in `channels` order. */
  inputOffset: number;
  inputScale: number;
  channels: 'rgb' | 'bgr';
}

/**
 * sirius-ai's MobileFaceNet_TF (the `MobileFaceNet/` scopes, `img_inputs`, l2-normalised `embeddings`),
 * converted by human: the graph has no input scaling; that project trained on (x - 127.5) / 128. Measured
 * near chance with this and every other input convention tried (scripts/compare-embeddings.ts header).
 */
export const mobilefacenetSpec: ArcfaceModelSpec = {
  name: 'mobilefacenet-192',
  json: 'mobilefacenet.json',
  outputNode: 'embeddings',
  descriptorLength: 192,
  inputOffset: 127.5,
  inputScale: 1 / 128,
  channels: 'rgb',
};

/** becauseofAI's MobileFace (MXNet, insightface-style): the graph subtracts 127.5 and scales by 1/128 itself. */
export const mobilefaceSpec: ArcfaceModelSpec = {
  name: 'mobileface-256',
  json: 'mobileface.json',
  outputNode: 'batchnorm0/add_1',
  descriptorLength: 256,
  inputOffset: 0,
  inputScale: 1,
  channels: 'rgb',
};

export class ArcfaceEmbedder {
  readonly modelId: string;
  readonly spec: ArcfaceModelSpec;
  readonly #model: GraphModel;

  constructor(model: GraphModel, spec: ArcfaceModelSpec, modelId: string) {
    const shape = model.inputs[0]?.shape;
    assert(
      shape?.[1] === arcfaceTemplateSide && shape[2] === arcfaceTemplateSide && shape[3] === 3,
      `${spec.name} takes 112x112x3 input`,
    );
    this.#model = model;
    this.spec = spec;
    this.modelId = modelId;
  }

  /** `frame` is the same int32 or float32 HxWx3 image (RGB 0..255) the engine saw; returns a unit descriptor. */
  async embed(frame: tf.Tensor3D, face: FaceObservation): Promise<Float32Array> {
    const { spec } = this;
    const descriptor = tf.tidy(() => {
      const crop = arcfaceCrop(frame, face.landmarks);
      const ordered = spec.channels === 'bgr' ? tf.reverse(crop, 2) : crop;
      const input = tf.mul(tf.sub(ordered, spec.inputOffset), spec.inputScale);
      const output = this.#model.execute(tf.expandDims(input, 0), spec.outputNode);
      assert(!Array.isArray(output), 'one output node gives one tensor');
      assert(output.shape[1] === spec.descriptorLength, `${spec.name} output length`);
      return tf.squeeze(output, [0]);
    });
    try {
      const values = (await descriptor.data()) as Float32Array;
      assert(values.length === spec.descriptorLength, `${spec.name} descriptor length`);
      return l2Normalize(values);
    } finally {
      descriptor.dispose();
    }
  }

  dispose(): void {
    this.#model.dispose();
  }
}
