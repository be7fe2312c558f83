// human's facemesh and iris nets, as the engine loads them from models/, on a real face through the
// production engine's 68 points: the mesh and the iris contours land on the eyes the 68-point net found,
// and readings are deterministic and leak-free (model-verification.test.ts refuses altered weights).
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultFaceEngineOptions, FaceEngine } from '../../../src/biometrics/engine.ts';
import { loadFaceParts } from '../../../src/biometrics/engine-load.node.ts';
import type { Point } from '../../../src/biometrics/geometry.ts';
import { boundingBox, boxCenter, distance } from '../../../src/biometrics/geometry.ts';
import {
  meshEyeMeasures,
  meshEyes,
  withIrisLids,
} from '../../../src/biometrics/liveness/active/mesh-eyes.ts';
import type { FaceMeshReader, FaceMeshRegion } from '../../../src/biometrics/liveness/face-mesh.ts';
import type { IrisEyesReader } from '../../../src/biometrics/liveness/iris-eyes.ts';
import { meshRegion } from '../../../src/biometrics/liveness/mesh-eye-reader.ts';
import { decodeFace } from '../face-helpers.ts';

let engine: FaceEngine;
let mesh: FaceMeshReader;
let iris: IrisEyesReader;
let frame: tf.Tensor3D;
let landmarks: readonly Point[];
let region: FaceMeshRegion;

const mean = (points: readonly Point[]): Point => ({
  x: points.reduce((s, p) => s + p.x, 0) / points.length,
  y: points.reduce((s, p) => s + p.y, 0) / points.length,
});

beforeAll(async () => {
  const { runtime, models } = await loadFaceParts();
  engine = new FaceEngine(
    { faceapi: runtime.faceapi, models, backend: runtime.backend },
    defaultFaceEngineOptions,
  );
  mesh = models.eyes.mesh;
  iris = models.eyes.iris;
  const image = await decodeFace('deepface_01/1.jpg');
  const result = await engine.processFrame(image, { describe: false });
  if (result.face === null) throw new Error('the engine finds no face in the fixture');
  landmarks = result.face.landmarks;
  const box = boundingBox(landmarks);
  const a = mean(landmarks.slice(36, 42));
  const b = mean(landmarks.slice(42, 48));
  region = {
    centre: boxCenter(box),
    side: 1.6 * Math.max(box.width, box.height),
    roll: Math.atan2(b.y - a.y, b.x - a.x),
  };
  frame = tf.tensor3d(image.data, [image.height, image.width, 3], 'int32');
});

afterAll(() => {
  frame.dispose();
  // The engine's models include both readers.
  engine.dispose();
});

describe('FaceMeshReader and IrisEyesReader', () => {
  it('place each eye where the 68-point net does, and read open eyes as open', async () => {
    const reading = await mesh.read(frame, region);
    expect(mesh.inputSide).toBe(192);
    expect(reading.confidence).toBeGreaterThan(0.5);
    expect(reading.mesh).toHaveLength(468);
    const eyeWidth = distance(landmarks[36] ?? { x: 0, y: 0 }, landmarks[39] ?? { x: 0, y: 0 });
    // The subject's right eye: 68-point 36-41, mesh 33/133; the left: 42-47, mesh 263/362.
    const pairs = [
      [mean(landmarks.slice(36, 42)), meshEyes.right],
      [mean(landmarks.slice(42, 48)), meshEyes.left],
    ] as const;
    for (const [centre, eye] of pairs) {
      const corners = [reading.mesh[eye.outer], reading.mesh[eye.inner]] as [Point, Point];
      expect(distance(mean(corners), centre)).toBeLessThan(0.3 * eyeWidth);
    }
    const open = meshEyeMeasures(reading.mesh);
    expect(open.ear).toBeGreaterThan(0.15);
    expect(open.ear).toBeLessThan(0.6);
    const eyes = await iris.read(frame, reading.mesh);
    expect(eyes.right).toHaveLength(76);
    // The iris net's corners (contour 0 and 8) agree with the mesh's, and its lids read open eyes too.
    expect(
      distance(eyes.right[0] ?? { x: 0, y: 0 }, reading.mesh[33] ?? { x: 0, y: 0 }),
    ).toBeLessThan(0.3 * eyeWidth);
    expect(
      distance(eyes.left[0] ?? { x: 0, y: 0 }, reading.mesh[263] ?? { x: 0, y: 0 }),
    ).toBeLessThan(0.3 * eyeWidth);
    const refined = meshEyeMeasures(withIrisLids(reading.mesh, eyes));
    expect(refined.ear).toBeGreaterThan(0.15);
    expect(refined.ear).toBeLessThan(0.6);
  });

  it('cuts the region the engine reads the lids in', () => {
    expect(meshRegion(landmarks)).toEqual(region);
  });

  it('is deterministic and names the weights', async () => {
    const first = await mesh.read(frame, region);
    const second = await mesh.read(frame, region);
    expect(second.mesh).toEqual(first.mesh);
    expect(mesh.modelId).toBe('human-facemesh-3826da640b0a');
    expect(iris.modelId).toBe('human-iris-d7f296d18427');
  });

  it('leaks no tensor', async () => {
    const reading = await mesh.read(frame, region);
    await iris.read(frame, reading.mesh);
    const before = tf.memory().numTensors;
    for (let round = 0; round < 3; round += 1) {
      const again = await mesh.read(frame, region);
      await iris.read(frame, again.mesh);
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});
