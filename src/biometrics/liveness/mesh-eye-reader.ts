// The eyelid reading active liveness blinks on: human's facemesh around the tracked face, then its iris net
// on each eye, whose lid contours replace the mesh's (as human does); read on every frame with a face.
//
// Why not face-api's 68 points: on the labelled live clips of `npm run eval:blink-mesh` they found 2 of 12
// blinks and called 5 where none was seen; this reading found 5 of 12 with none spurious (held out).
import type * as tf from '@tensorflow/tfjs-core';
import type { Point } from '../geometry.ts';
import { boundingBox, boxCenter } from '../geometry.ts';
import type { EyeLids } from './active/ear.ts';
import { meshEyeMeasures, withIrisLids } from './active/mesh-eyes.ts';
import type { FaceMeshReader, FaceMeshRegion } from './face-mesh.ts';
import type { IrisEyesReader } from './iris-eyes.ts';

/** The mesh crop: the 68-point box this much larger, turned upright by the eye line (human enlarges its
 * detector's box 1.4-1.5x; the 68-point box is tighter than the mesh's forehead-to-chin). */
export const meshCropScale = 1.6;
/** human's face.detector.minConfidence default: a mesh under it is no face, and no lid is read. */
export const meshConfidenceMin = 0.2;

/** One frame's lids: `openness` and `ear` from the mesh with the iris net's lid contours (what blinks are
 * counted on); the mesh's own lids beside them, for measurement. */
export interface MeshEyeReading extends EyeLids {
  readonly meshOpenness: number;
  readonly meshEar: number;
  /** The facemesh net's face flag, at least meshConfidenceMin. */
  readonly confidence: number;
  readonly meshMs: number;
  readonly irisMs: number;
}

/** Where to cut the mesh's crop from the tracker's 68 points. */
export function meshRegion(landmarks: readonly Point[]): FaceMeshRegion {
  const box = boundingBox(landmarks);
  const eye = (from: number): Point => {
    const points = landmarks.slice(from, from + 6);
    return {
      x: points.reduce((s, p) => s + p.x, 0) / points.length,
      y: points.reduce((s, p) => s + p.y, 0) / points.length,
    };
  };
  const a = eye(36);
  const b = eye(42);
  return {
    centre: boxCenter(box),
    side: Math.max(box.width, box.height) * meshCropScale,
    roll: Math.atan2(b.y - a.y, b.x - a.x),
  };
}

export class MeshEyeReader {
  readonly mesh: FaceMeshReader;
  readonly iris: IrisEyesReader;
  /** Both nets' ids: a blink bound holds only for the reading it was chosen on. */
  readonly modelId: string;

  constructor(mesh: FaceMeshReader, iris: IrisEyesReader) {
    this.mesh = mesh;
    this.iris = iris;
    this.modelId = `${mesh.modelId}+${iris.modelId}`;
  }

  /** `frame`: the HxWx3 image (0..255) the 68 `landmarks` were read on. Null when the mesh sees no face. */
  async read(frame: tf.Tensor3D, landmarks: readonly Point[]): Promise<MeshEyeReading | null> {
    const started = performance.now();
    const reading = await this.mesh.read(frame, meshRegion(landmarks));
    if (reading.confidence < meshConfidenceMin) return null;
    const meshMs = performance.now() - started;
    const iris = await this.iris.read(frame, reading.mesh);
    const own = meshEyeMeasures(reading.mesh);
    const refined = meshEyeMeasures(withIrisLids(reading.mesh, iris));
    return {
      openness: refined.openness,
      ear: refined.ear,
      meshOpenness: own.openness,
      meshEar: own.ear,
      confidence: reading.confidence,
      meshMs,
      irisMs: performance.now() - started - meshMs,
    };
  }

  dispose(): void {
    this.mesh.dispose();
    this.iris.dispose();
  }
}
