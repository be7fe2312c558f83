// Mid-level activations of human's faceres net (a MobileNet v1 backbone) pooled into PAD features, to test
// whether generic CNN features transfer to new people and cameras better than texture does (eval:pad-deep).
//
// The crop is faceres's own (faceres.ts: 1.4x the engine's box, square, 224 px, RGB 0..255); each layer's
// map is pooled per channel (activation-pool.ts). Layers are named by their ReLU6 output node in the graph.
import * as tf from '@tensorflow/tfjs-core';
import type { GraphModel } from '@tensorflow/tfjs-converter';
import { assert } from '../../shared/assert.ts';
import { faceresCropScale, faceresInputSide } from '../embedders/faceres.ts';
import type { Box } from '../geometry.ts';
import { boxCenter } from '../geometry.ts';
import { rotatedSquare } from '../align.ts';
import type { PoolOptions } from './activation-pool.ts';
import { poolActivation } from './activation-pool.ts';

export interface DeepPadLayer {
  /** Short name used in feature keys and cache files. */
  readonly key: string;
  /** The graph node whose output is pooled. */
  readonly node: string;
  /** Its channels (checked on every run). */
  readonly channels: number;
}

/** An early (56x56), a middle (28x28) and a late-middle (14x14) block of faceres's MobileNet v1. */
export const deepPadLayers: readonly DeepPadLayer[] = [
  { key: 'pw3', node: 'conv_pw_3_relu/clip_by_value', channels: 128 },
  { key: 'pw5', node: 'conv_pw_5_relu/clip_by_value', channels: 256 },
  { key: 'pw11', node: 'conv_pw_11_relu/clip_by_value', channels: 512 },
];

export const deepPadPool: PoolOptions = { std: true };

export interface DeepPadResult {
  /** Per layer key: the pooled row (means, then standard deviations). */
  readonly rows: Readonly<Record<string, Float64Array>>;
  readonly timings: { readonly cropMs: number; readonly netMs: number; readonly poolMs: number };
}

export class DeepPadExtractor {
  /** The net's name and the first 12 hex digits of its weights' sha256. */
  readonly modelId: string;
  readonly layers: readonly DeepPadLayer[];
  readonly #model: GraphModel;

  constructor(options: {
    model: GraphModel;
    weightsSha256: string;
    layers?: readonly DeepPadLayer[];
  }) {
    const shape = options.model.inputs[0]?.shape;
    assert(
      shape?.[1] === faceresInputSide && shape[2] === faceresInputSide && shape[3] === 3,
      'faceres takes 224x224 RGB input',
    );
    this.#model = options.model;
    this.layers = options.layers ?? deepPadLayers;
    assert(this.layers.length > 0, 'at least one layer');
    this.modelId = `human-faceres-${options.weightsSha256.slice(0, 12)}`;
  }

  /** `frame`: the HxWx3 image (0..255) the engine saw; `box`: the engine's face box in it. */
  async extract(frame: tf.Tensor3D, box: Box): Promise<DeepPadResult> {
    assert(box.width > 0 && box.height > 0, 'a face box has a positive size');
    const started = performance.now();
    const input = tf.tidy(() => {
      const side = Math.max(box.width, box.height) * faceresCropScale;
      const square = rotatedSquare(frame, boxCenter(box), side, 0, faceresInputSide);
      return tf.expandDims(square, 0) as tf.Tensor4D;
    });
    let outputs: tf.Tensor[] = [];
    try {
      await input.data();
      const netStarted = performance.now();
      const result = this.#model.execute(
        input,
        this.layers.map((l) => l.node),
      );
      outputs = Array.isArray(result) ? result : [result];
      assert(outputs.length === this.layers.length, 'one output per layer');
      const maps = await Promise.all(outputs.map((o) => o.data()));
      const poolStarted = performance.now();
      const rows: Record<string, Float64Array> = {};
      this.layers.forEach((layer, i) => {
        const output = outputs[i];
        const values = maps[i];
        assert(output !== undefined && values !== undefined, 'an output per layer');
        assert(output.shape[3] === layer.channels, `${layer.node} has ${layer.channels} channels`);
        rows[layer.key] = poolActivation(values, output.shape, deepPadPool);
      });
      const done = performance.now();
      return {
        rows,
        timings: {
          cropMs: netStarted - started,
          netMs: poolStarted - netStarted,
          poolMs: done - poolStarted,
        },
      };
    } finally {
      input.dispose();
      for (const output of outputs) output.dispose();
    }
  }

  dispose(): void {
    this.#model.dispose();
  }
}
