// human's iris net (MediaPipe Iris) on each eye of a face mesh: a 64 px square around the eye's corners,
// 2.3x their distance, turned upright, the subject's left eye mirrored; 71 contour + 5 iris points back.
//
// From vladmandic/human 3.3.6 src/face/iris.ts: getEyeBox enlarges the corners' box 2.3x and squares it,
// crops from the face tensor (RGB / 255) to the net's input, mirrored for the left eye; the output is
// 76 x [x, y, z] in input pixels. Here the crop is cut from the frame itself through one matrix (turn,
// mirror, scale), and the points go back through the same matrix.
import * as tf from '@tensorflow/tfjs-core';
import type { GraphModel } from '@tensorflow/tfjs-converter';
import { assert } from '../../shared/assert.ts';
import type { Point } from '../geometry.ts';
import { distance } from '../geometry.ts';
import { warpToSquare } from '../align.ts';
import { assertMesh, meshEyes } from './active/mesh-eyes.ts';
import { squareRgbInputSide } from './face-mesh.ts';

const irisPoints = 76;
/** human's config.face.iris.scale default. */
export const irisCropScale = 2.3;

export interface IrisEyesReading {
  /** 76 points per eye in frame pixels: 71 on the eye's contours, then the iris centre and 4 edges. */
  readonly right: readonly Point[];
  readonly left: readonly Point[];
  readonly ms: number;
}

/** tfjs's projective matrix (output pixel -> frame point) of an eye crop; mirrored for the left eye. */
function eyeMatrix(outer: Point, inner: Point, side: number, mirror: boolean): number[] {
  const centre = { x: (outer.x + inner.x) / 2, y: (outer.y + inner.y) / 2 };
  // Upright: the crop's x axis runs along the eye line, from the image's left to its right.
  const [a, b] = outer.x <= inner.x ? [outer, inner] : [inner, outer];
  const roll = Math.atan2(b.y - a.y, b.x - a.x);
  const scale = (irisCropScale * distance(outer, inner)) / side;
  const flip = mirror ? -1 : 1;
  const a0 = scale * flip * Math.cos(roll);
  const a1 = -scale * Math.sin(roll);
  const b0 = scale * flip * Math.sin(roll);
  const b1 = scale * Math.cos(roll);
  const half = side / 2;
  return [a0, a1, centre.x - half * (a0 + a1), b0, b1, centre.y - half * (b0 + b1), 0, 0];
}

export class IrisEyesReader {
  readonly modelId: string;
  readonly inputSide: number;
  readonly #model: GraphModel;

  constructor(loaded: { model: GraphModel; weightsSha256: string }) {
    this.inputSide = squareRgbInputSide(loaded.model, 'iris');
    this.#model = loaded.model;
    this.modelId = `human-iris-${loaded.weightsSha256.slice(0, 12)}`;
  }

  /** `frame`: the HxWx3 image (0..255); `mesh`: the face's 468 points in it. */
  async read(frame: tf.Tensor3D, mesh: readonly Point[]): Promise<IrisEyesReading> {
    assertMesh(mesh);
    const started = performance.now();
    const side = this.inputSide;
    const point = (i: number): Point => mesh[i] ?? { x: NaN, y: NaN };
    const matrices = {
      right: eyeMatrix(point(meshEyes.right.outer), point(meshEyes.right.inner), side, false),
      left: eyeMatrix(point(meshEyes.left.outer), point(meshEyes.left.inner), side, true),
    };
    for (const m of Object.values(matrices))
      assert(m.every(Number.isFinite), 'the eye corners give a finite crop');
    const output = tf.tidy(() => {
      const crops = [matrices.right, matrices.left].map((m) =>
        tf.div(warpToSquare(frame, m, side), 255),
      );
      const result = this.#model.execute(tf.stack(crops));
      assert(!Array.isArray(result), 'iris has one output');
      return result;
    });
    try {
      assert(output.size === 2 * irisPoints * 3, 'iris gives 76 points an eye');
      const raw = await output.data();
      const back = (offset: number, m: number[]): Point[] => {
        const points: Point[] = [];
        for (let i = 0; i < irisPoints; i++) {
          const u = raw[offset + 3 * i] ?? NaN;
          const v = raw[offset + 3 * i + 1] ?? NaN;
          points.push({
            x: (m[0] ?? 0) * u + (m[1] ?? 0) * v + (m[2] ?? 0),
            y: (m[3] ?? 0) * u + (m[4] ?? 0) * v + (m[5] ?? 0),
          });
        }
        for (const p of points) assert(Number.isFinite(p.x) && Number.isFinite(p.y), 'finite');
        return points;
      };
      return {
        right: back(0, matrices.right),
        left: back(irisPoints * 3, matrices.left),
        ms: performance.now() - started,
      };
    } finally {
      output.dispose();
    }
  }

  dispose(): void {
    this.#model.dispose();
  }
}
