// eval:pad-deep's faceres activations on a real face through the production engine's box: one pooled
// row per layer of the right width, equal to tfjs's own mean and spread of that node, deterministic, leak-free.
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFaceEngine } from '../../../src/biometrics/engine.node.ts';
import type { FaceEngine } from '../../../src/biometrics/engine.ts';
import type { Box } from '../../../src/biometrics/geometry.ts';
import { loadDeepPadExtractor } from '../../../src/biometrics/liveness/deep-pad.node.ts';
import type { DeepPadExtractor } from '../../../src/biometrics/liveness/deep-pad.ts';
import { deepPadLayers } from '../../../src/biometrics/liveness/deep-pad.ts';
import { loadVerifiedGraphModel } from '../../../src/biometrics/embedders/graph-model.node.ts';
import { faceresCropScale, faceresInputSide } from '../../../src/biometrics/embedders/faceres.ts';
import { rotatedSquare } from '../../../src/biometrics/align.ts';
import { boxCenter } from '../../../src/biometrics/geometry.ts';
import { decodeFace, modelsDir } from '../face-helpers.ts';

let engine: FaceEngine;
let extractor: DeepPadExtractor;
let frame: tf.Tensor3D;
let box: Box;

beforeAll(async () => {
  engine = await createFaceEngine();
  extractor = await loadDeepPadExtractor(modelsDir);
  const image = await decodeFace('nuaa_client_0001/1.jpg');
  const result = await engine.processFrame(image, { describe: false });
  if (result.face === null) throw new Error('the engine finds no face in the fixture');
  box = result.face.box;
  frame = tf.tensor3d(image.data, [image.height, image.width, 3], 'int32');
});

afterAll(() => {
  frame.dispose();
  extractor.dispose();
  engine.dispose();
});

describe('DeepPadExtractor', () => {
  it('gives each layer its channel means then spreads, under an id that names the weights', async () => {
    const { rows, timings } = await extractor.extract(frame, box);
    expect(Object.keys(rows)).toEqual(deepPadLayers.map((l) => l.key));
    for (const layer of deepPadLayers) {
      const row = rows[layer.key];
      expect(row).toHaveLength(2 * layer.channels);
      // ReLU6 outputs: means and spreads within [0, 6], and not all zero.
      expect(Math.min(...(row ?? []))).toBeGreaterThanOrEqual(0);
      expect(Math.max(...(row ?? []))).toBeLessThanOrEqual(6);
      expect(Math.max(...(row ?? []))).toBeGreaterThan(0);
    }
    expect(timings.netMs).toBeGreaterThan(0);
    expect(extractor.modelId).toBe('human-faceres-2c7d2d62b76c');
  });

  it('pools what tfjs itself computes for the middle layer on faceres own crop', async () => {
    const { rows } = await extractor.extract(frame, box);
    const layer = deepPadLayers[1];
    if (layer === undefined) throw new Error('a middle layer');
    const { model } = await loadVerifiedGraphModel(modelsDir, 'faceres.json');
    try {
      const [mean, std] = tf.tidy(() => {
        const side = Math.max(box.width, box.height) * faceresCropScale;
        const crop = rotatedSquare(frame, boxCenter(box), side, 0, faceresInputSide);
        const map = model.execute(tf.expandDims(crop, 0), layer.node) as tf.Tensor4D;
        const moments = tf.moments(map, [0, 1, 2]);
        return [
          moments.mean.arraySync() as number[],
          tf.sqrt(moments.variance).arraySync() as number[],
        ];
      });
      const row = Array.from(rows[layer.key] ?? []);
      for (let c = 0; c < layer.channels; c++) {
        expect(row[c]).toBeCloseTo(mean?.[c] ?? NaN, 3);
        expect(row[layer.channels + c]).toBeCloseTo(std?.[c] ?? NaN, 3);
      }
    } finally {
      model.dispose();
    }
  });

  it('is deterministic and reads the face: the same box twice agrees, another region differs', async () => {
    const first = await extractor.extract(frame, box);
    const second = await extractor.extract(frame, box);
    expect(second.rows).toEqual(first.rows);
    const corner = await extractor.extract(frame, { x: 0, y: 0, width: 24, height: 24 });
    expect(corner.rows).not.toEqual(first.rows);
  });

  it('leaks no tensor', async () => {
    await extractor.extract(frame, box);
    const before = tf.memory().numTensors;
    for (let round = 0; round < 3; round += 1) await extractor.extract(frame, box);
    expect(tf.memory().numTensors).toBe(before);
  });
});
