// human's two passive anti-spoofing networks on a face the engine has found, fed as human feeds them:
// the face box 1.4x, square, 256 px (black outside the frame), RGB / 255, resized to each net's input.
//
// From vladmandic/human src/face/{antispoof,liveness}.ts and facemesh.ts: every face model reads the face
// tensor (`face.detector.scale` 1.4, facemesh's 256 px input, divided by 255), then resizeBilinear to its
// own input. antispoof (128 px, one sigmoid) is `face.real`; liveness (32 px, two-way softmax) reports
// index 0 as `face.live`; human's faceid demo passes a face when both are at least 0.6: higher = live.
import * as tf from '@tensorflow/tfjs-core';
import type { GraphModel } from '@tensorflow/tfjs-converter';
import { assert } from '../../shared/assert.ts';
import type { Box } from '../geometry.ts';
import { boxCenter } from '../geometry.ts';
import { rotatedSquare } from '../align.ts';

/** human's `face.detector.scale` default. */
export const humanPadCropScale = 1.4;
/** facemesh's input side: the face tensor every face model of human resizes from. */
export const humanFaceTensorSide = 256;

export const humanPadNets = ['antispoof', 'liveness'] as const;
export type HumanPadNet = (typeof humanPadNets)[number];

interface NetSpec {
  readonly side: number;
  /** Width of the output row; human reads its first value. */
  readonly outputs: number;
}

const netSpecs: Readonly<Record<HumanPadNet, NetSpec>> = {
  antispoof: { side: 128, outputs: 1 },
  liveness: { side: 32, outputs: 2 },
};

/** Each net's output as human reports it: in [0, 1], higher = more likely a live face. */
export type HumanPadScores = Readonly<Record<HumanPadNet, number>>;

export interface HumanPadTimings {
  /** The shared face tensor (crop, resample, scale). */
  readonly cropMs: number;
  /** Each net: resize to its input, execute, read back. */
  readonly netMs: Readonly<Record<HumanPadNet, number>>;
}

export class HumanPadScorer {
  /** Per net: its name and the first 12 hex digits of its weights' sha256. */
  readonly modelIds: Readonly<Record<HumanPadNet, string>>;
  readonly #models: Readonly<Record<HumanPadNet, GraphModel>>;

  constructor(models: Readonly<Record<HumanPadNet, { model: GraphModel; weightsSha256: string }>>) {
    for (const net of humanPadNets) {
      const shape = models[net].model.inputs[0]?.shape;
      const { side } = netSpecs[net];
      assert(
        shape?.[1] === side && shape[2] === side && shape[3] === 3,
        `${net} takes ${side}x${side} RGB`,
      );
    }
    this.#models = { antispoof: models.antispoof.model, liveness: models.liveness.model };
    this.modelIds = {
      antispoof: `human-antispoof-${models.antispoof.weightsSha256.slice(0, 12)}`,
      liveness: `human-liveness-${models.liveness.weightsSha256.slice(0, 12)}`,
    };
  }

  /** `frame`: the HxWx3 image (0..255) the engine saw; `box`: the engine's face box in it. */
  async score(
    frame: tf.Tensor3D,
    box: Box,
  ): Promise<{ scores: HumanPadScores; timings: HumanPadTimings }> {
    assert(box.width > 0 && box.height > 0, 'a face box has a positive size');
    const started = performance.now();
    const face = tf.tidy(() => {
      const side = Math.max(box.width, box.height) * humanPadCropScale;
      const square = rotatedSquare(frame, boxCenter(box), side, 0, humanFaceTensorSide);
      return tf.expandDims(tf.div(square, 255), 0) as tf.Tensor4D;
    });
    try {
      await face.data();
      const cropMs = performance.now() - started;
      const antispoof = await this.#run('antispoof', face);
      const liveness = await this.#run('liveness', face);
      return {
        scores: { antispoof: antispoof.value, liveness: liveness.value },
        timings: { cropMs, netMs: { antispoof: antispoof.ms, liveness: liveness.ms } },
      };
    } finally {
      face.dispose();
    }
  }

  async #run(net: HumanPadNet, face: tf.Tensor4D): Promise<{ value: number; ms: number }> {
    const started = performance.now();
    const { side, outputs } = netSpecs[net];
    const output = tf.tidy(() => {
      const resized = tf.image.resizeBilinear(face, [side, side], false);
      const result = this.#models[net].execute(resized);
      assert(!Array.isArray(result), `${net} has one output`);
      return result;
    });
    try {
      assert(output.shape.length === 2 && output.shape[1] === outputs, `${net} output shape`);
      const values = await output.data();
      const value = values[0];
      assert(value !== undefined && value >= 0 && value <= 1, `${net} gives a score in [0, 1]`);
      return { value, ms: performance.now() - started };
    } finally {
      output.dispose();
    }
  }

  dispose(): void {
    for (const net of humanPadNets) this.#models[net].dispose();
  }
}
