// human's facemesh net (MediaPipe's 468-point mesh) on a face the tracker has found: a square crop around
// the face, turned upright, RGB / 255 at the net's own input side; the mesh comes back in frame pixels.
//
// From vladmandic/human 3.3.6 src/face/facemesh.ts and facemeshutil.ts: the face tensor is the box cut and
// resized to the net's input (192 px), divided by 255; of the three outputs, the one 1404 wide is the mesh
// (468 x [x, y, z], x and y in input pixels), the one 1 wide the face confidence; transformRawCoords
// scales x and y by box side / input side about the box centre and undoes the crop's rotation.
import * as tf from '@tensorflow/tfjs-core';
import type { GraphModel } from '@tensorflow/tfjs-converter';
import { assert } from '../../shared/assert.ts';
import type { Point } from '../geometry.ts';
import { rotatedSquare } from '../align.ts';
import { meshPointCount } from './active/mesh-eyes.ts';

/** Where to cut the face: centre and side in frame pixels, roll in radians (the crop is turned by it). */
export interface FaceMeshRegion {
  readonly centre: Point;
  readonly side: number;
  readonly roll: number;
}

export interface FaceMeshReading {
  /** 468 points in frame pixels. */
  readonly mesh: readonly Point[];
  /** The net's face flag in [0, 1] (human drops a mesh under its minConfidence, 0.2 by default). */
  readonly confidence: number;
  readonly cropMs: number;
  readonly netMs: number;
}

const meshWidth = meshPointCount * 3;

/** The side of a graph model's square RGB input (NHWC), asserted: human's face nets all take one. */
export function squareRgbInputSide(model: GraphModel, what: string): number {
  const shape = model.inputs[0]?.shape;
  const side = shape?.[1];
  assert(
    side !== undefined && side > 0 && shape?.[2] === side && shape[3] === 3,
    `${what} takes a square RGB input`,
  );
  return side;
}

export class FaceMeshReader {
  /** The net's name and the first 12 hex digits of its weights' sha256. */
  readonly modelId: string;
  readonly inputSide: number;
  readonly #model: GraphModel;

  constructor(loaded: { model: GraphModel; weightsSha256: string }) {
    this.inputSide = squareRgbInputSide(loaded.model, 'facemesh');
    this.#model = loaded.model;
    this.modelId = `human-facemesh-${loaded.weightsSha256.slice(0, 12)}`;
  }

  /** `frame`: the HxWx3 image (0..255) the tracker saw. */
  async read(frame: tf.Tensor3D, region: FaceMeshRegion): Promise<FaceMeshReading> {
    assert(region.side > 0 && Number.isFinite(region.roll), 'a mesh region has a positive side');
    const started = performance.now();
    const side = this.inputSide;
    const input = tf.tidy(() => {
      const square = rotatedSquare(frame, region.centre, region.side, region.roll, side);
      return tf.expandDims(tf.div(square, 255), 0) as tf.Tensor4D;
    });
    let outputs: tf.Tensor[] = [];
    try {
      await input.data();
      const cropMs = performance.now() - started;
      const netStarted = performance.now();
      const result = this.#model.execute(input);
      outputs = Array.isArray(result) ? result : [result];
      const meshT = outputs.find((t) => t.shape.at(-1) === meshWidth);
      const flagT = outputs.find((t) => t.shape.at(-1) === 1);
      assert(meshT !== undefined && flagT !== undefined, 'facemesh gives a mesh and a face flag');
      const raw = await meshT.data();
      const flag = (await flagT.data())[0];
      const netMs = performance.now() - netStarted;
      assert(flag !== undefined && Number.isFinite(flag), 'the face flag is a number');
      return { mesh: toFrame(raw, region, side), confidence: flag, cropMs, netMs };
    } finally {
      input.dispose();
      for (const t of outputs) t.dispose();
    }
  }

  dispose(): void {
    this.#model.dispose();
  }
}

/** Input pixels to frame pixels through the crop's own mapping (align.ts rotatedSquare's matrix). */
function toFrame(raw: ArrayLike<number>, region: FaceMeshRegion, side: number): Point[] {
  const scale = region.side / side;
  const cos = Math.cos(region.roll) * scale;
  const sin = Math.sin(region.roll) * scale;
  const half = side / 2;
  const points: Point[] = [];
  for (let i = 0; i < meshPointCount; i++) {
    const u = (raw[3 * i] ?? NaN) - half;
    const v = (raw[3 * i + 1] ?? NaN) - half;
    points.push({ x: region.centre.x + cos * u - sin * v, y: region.centre.y + sin * u + cos * v });
  }
  for (const p of points)
    assert(Number.isFinite(p.x) && Number.isFinite(p.y), 'facemesh points are finite');
  return points;
}
