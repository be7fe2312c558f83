// Decodes MediaPipe BlazeFace (the 256x256 "back camera" graph shipped in @vladmandic/human) on our own
// tfjs: human's own pipeline cannot share face-api's tensors, and the anchor decoding is short.

import * as tf from '@tensorflow/tfjs-core';
import type { GraphModel } from '@tensorflow/tfjs-converter';
import { faceDetectionsPerFrameMax } from '../shared/limits.ts';
import type { Box, Point } from './geometry.ts';

const inputSide = 256;
const iouThreshold = 0.3;

/** The detector's own eye keypoints, as seen in the image (`left` is the one nearer x = 0). */
export interface EyeKeypoints {
  left: Point;
  right: Point;
}

export interface RawDetection {
  box: Box;
  score: number;
  /** BlazeFace's eye keypoints; null for detectors that give none. */
  eyes: EyeKeypoints | null;
}

/** Anchor centres (in input pixels) in the order the two output heads emit them: stride 16 x2, stride 32 x6. */
function anchorCenters(): Float32Array {
  const spec = [
    { stride: 16, perCell: 2 },
    { stride: 32, perCell: 6 },
  ];
  const centers: number[] = [];
  for (const { stride, perCell } of spec) {
    const cells = Math.ceil(inputSide / stride);
    for (let row = 0; row < cells; row += 1) {
      for (let col = 0; col < cells; col += 1) {
        for (let n = 0; n < perCell; n += 1)
          centers.push(stride * (col + 0.5), stride * (row + 0.5));
      }
    }
  }
  return new Float32Array(centers);
}

const anchors = anchorCenters();

export class BlazeFaceDetector {
  readonly #model: GraphModel;

  constructor(model: GraphModel) {
    this.#model = model;
  }

  /** Faces in `image` pixels; the image is letterboxed to a square so its aspect is kept. */
  async detect(image: tf.Tensor3D, minScore: number): Promise<RawDetection[]> {
    const [height, width] = image.shape;
    const side = Math.max(height, width);
    const raw = tf.tidy(() => this.#forward(image, side));
    try {
      const [boxes, scores, eyes] = raw;
      const keep = await tf.image.nonMaxSuppressionAsync(
        boxes,
        scores,
        faceDetectionsPerFrameMax,
        iouThreshold,
        minScore,
      );
      const picked = await readPicked(boxes, scores, eyes, keep);
      keep.dispose();
      const factor = side / inputSide;
      return picked.map(({ box, score, eyes: pair }) => ({
        box: scaleToImage(box, factor),
        score,
        eyes:
          pair === null
            ? null
            : { left: scalePoint(pair.left, factor), right: scalePoint(pair.right, factor) },
      }));
    } finally {
      tf.dispose(raw);
    }
  }

  /** Returns [N,4] boxes as y1,x1,y2,x2, [N] sigmoid scores and [N,4] eye keypoints x0,y0,x1,y1, in input pixels. */
  #forward(image: tf.Tensor3D, side: number): [tf.Tensor2D, tf.Tensor1D, tf.Tensor2D] {
    const [height, width] = image.shape;
    const square = tf.pad(image, [
      [0, side - height],
      [0, side - width],
      [0, 0],
    ]);
    const batch = tf.expandDims(tf.cast(square, 'float32'), 0) as tf.Tensor4D;
    const resized = tf.image.resizeBilinear(batch, [inputSide, inputSide]);
    const normalized = tf.sub(tf.div(resized, 127.5), 1);
    const outputs = this.#model.execute(normalized) as tf.Tensor[];
    const bySize = [...outputs].sort((a, b) => a.size - b.size);
    const [logits384, logits512, regress384, regress512] = bySize as [
      tf.Tensor,
      tf.Tensor,
      tf.Tensor,
      tf.Tensor,
    ];
    const logits = tf.reshape(tf.concat([logits512, logits384], 1), [-1]) as tf.Tensor1D;
    const regress = tf.reshape(tf.concat([regress512, regress384], 1), [-1, 16]) as tf.Tensor2D;
    const anchorTensor = tf.tensor2d(anchors, [anchors.length / 2, 2]);
    const centers = tf.add(anchorTensor, tf.slice(regress, [0, 0], [-1, 2]));
    const half = tf.div(tf.slice(regress, [0, 2], [-1, 2]), 2);
    const start = tf.reverse(tf.sub(centers, half), 1);
    const end = tf.reverse(tf.add(centers, half), 1);
    const boxes = tf.concat([start, end], 1) as tf.Tensor2D;
    // Keypoints 0 and 1 (the two eyes) follow the box in each anchor's 16 values, as offsets from the anchor.
    const eyes = tf.add(
      tf.slice(regress, [0, 4], [-1, 4]),
      tf.tile(anchorTensor, [1, 2]),
    ) as tf.Tensor2D;
    return [boxes, tf.sigmoid(logits), eyes];
  }
}

async function readPicked(
  boxes: tf.Tensor2D,
  scores: tf.Tensor1D,
  eyes: tf.Tensor2D,
  keep: tf.Tensor1D,
): Promise<RawDetection[]> {
  const indices = await keep.data();
  const boxData = await boxes.data();
  const scoreData = await scores.data();
  const eyeData = await eyes.data();
  return Array.from(indices, (index) => {
    const [y1, x1, y2, x2] = [0, 1, 2, 3].map((k) => boxData[index * 4 + k] ?? 0) as [
      number,
      number,
      number,
      number,
    ];
    const [ax, ay, bx, by] = [0, 1, 2, 3].map((k) => eyeData[index * 4 + k] ?? 0) as [
      number,
      number,
      number,
      number,
    ];
    const first = { x: ax, y: ay };
    const second = { x: bx, y: by };
    return {
      box: { x: x1, y: y1, width: x2 - x1, height: y2 - y1 },
      score: scoreData[index] ?? 0,
      eyes: ax <= bx ? { left: first, right: second } : { left: second, right: first },
    };
  });
}

function scalePoint(point: Point, factor: number): Point {
  return { x: point.x * factor, y: point.y * factor };
}

function scaleToImage(box: Box, factor: number): Box {
  return {
    x: box.x * factor,
    y: box.y * factor,
    width: box.width * factor,
    height: box.height * factor,
  };
}
