// The per-frame face pipeline: detect -> 68 landmarks -> eyelids (face mesh + iris) -> quality gate ->
// alignment -> 128-d descriptor, each stage timed and tensor-clean, every result naming the backend and
// the descriptor model.

import * as tf from '@tensorflow/tfjs-core';
import type * as FaceApi from '@vladmandic/face-api';
import { assert } from '../shared/assert.ts';
import { kioskDescriptorLength } from '../shared/limits.ts';
import {
  chipInFrameMask,
  chipPhotometrics,
  chipPlacement,
  chipSide,
  rotatedSquare,
} from './align.ts';
import type { RawDetection } from './blazeface.ts';
import type { DetectFn, DetectorConfig } from './detectors.ts';
import { createDetector } from './detectors.ts';
import type { FaceModels } from './face-models.ts';
import { disposeFaceModels } from './face-models.ts';
import { faceapiInput } from './faceapi-bridge.ts';
import type { Box, Point } from './geometry.ts';
import type { RgbImage } from './image.ts';
import { assertRgbImage } from './image.ts';
import { landmarksForDetection } from './landmarks.ts';
import type { MeshEyeReading } from './liveness/mesh-eye-reader.ts';
import type {
  PhotometricMeasures,
  PoseMeasures,
  QualityReason,
  QualityThresholds,
} from './quality.ts';
import {
  countReason,
  defaultQualityThresholds,
  framingReason,
  measurePose,
  photometricReason,
  poseReason,
} from './quality.ts';

/** face-api's recognition model's descriptor: the length the kiosk API takes at its door (one constant). */
export const descriptorLength = kioskDescriptorLength;

export type Stage = 'detect' | 'landmarks' | 'eyes' | 'quality' | 'align' | 'describe';
export type StageTimingsMs = Record<Stage | 'total', number>;

export interface FaceObservation {
  box: Box;
  score: number;
  /** 68 points in frame pixels (iBUG 300-W order). */
  landmarks: Point[];
  /** The lids read by the face mesh and iris nets around those landmarks (what blinks are counted on);
   * null when the mesh saw no face there. */
  eyes: MeshEyeReading | null;
  pose: PoseMeasures;
  photometrics: PhotometricMeasures | null;
}

interface FrameCommon {
  backend: string;
  modelId: string;
  detector: DetectorConfig['kind'];
  faceCount: number;
  timingsMs: StageTimingsMs;
}

export type FrameResult =
  | (FrameCommon & { ok: true; face: FaceObservation; descriptor: Float32Array })
  | (FrameCommon & { ok: false; reason: QualityReason; face: FaceObservation | null });

/** A frame that passed every quality check (alignment and the photometric gate included) but whose
 * descriptor was not asked for: what processFrame(image, { describe: false }) may return. */
export type UndescribedFrame = FrameCommon & { ok: true; face: FaceObservation; descriptor: null };

export interface FrameOptions {
  /** false: stop before the descriptor net (~35 ms a frame of the kiosk's ~110), for the frames of a
   * streaming session that need only the landmarks. Default true. */
  readonly describe?: boolean;
}

export interface FaceEngineParts {
  faceapi: typeof FaceApi;
  models: FaceModels;
  backend: string;
}

export interface FaceEngineOptions {
  detector: DetectorConfig;
  quality: QualityThresholds;
  /** Side of the first landmark crop relative to the detector's box (the second crop comes from landmarks). */
  landmarkCropScale: number;
}

/** Chosen by scripts/measure-detectors.ts: BlazeFace with a 25% grey border found 100% of the sampled
 * photos of every subset, SSD at best 95%, at several times the cost. The 50% retry finds faces that
 * fill the image (a patterned mask in a close mfr2 crop); it costs a second pass only on empty frames. */
export const defaultFaceEngineOptions: FaceEngineOptions = {
  detector: {
    kind: 'blazeface',
    minScore: 0.5,
    prep: { minSidePixels: 0, borderFraction: 0.25, retryBorderFraction: 0.5 },
  },
  quality: defaultQualityThresholds,
  landmarkCropScale: 1.2,
};

export class FaceEngine {
  readonly backend: string;
  readonly modelId: string;
  /** The eyelid reading's nets. */
  readonly eyesModelId: string;
  readonly #parts: FaceEngineParts;
  readonly #options: FaceEngineOptions;
  readonly #detect: DetectFn;
  #disposed = false;

  constructor(parts: FaceEngineParts, options: FaceEngineOptions = defaultFaceEngineOptions) {
    this.#parts = parts;
    this.#options = options;
    this.backend = parts.backend;
    this.modelId = parts.models.modelId;
    this.eyesModelId = parts.models.eyes.modelId;
    this.#detect = createDetector(parts.faceapi, parts.models, options.detector);
  }

  processFrame(image: RgbImage): Promise<FrameResult>;
  processFrame(image: RgbImage, options: FrameOptions): Promise<FrameResult | UndescribedFrame>;
  async processFrame(
    image: RgbImage,
    options: FrameOptions = {},
  ): Promise<FrameResult | UndescribedFrame> {
    assert(!this.#disposed, 'processFrame after dispose');
    assertRgbImage(image);
    const frame = tf.tensor3d(image.data, [image.height, image.width, 3], 'int32');
    try {
      return await this.#run(frame, options.describe ?? true);
    } finally {
      frame.dispose();
    }
  }

  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    disposeFaceModels(this.#parts.models);
  }

  async #run(frame: tf.Tensor3D, describe: boolean): Promise<FrameResult | UndescribedFrame> {
    const clock = new StageClock();
    const detections = await this.#detect(frame);
    clock.lap('detect');
    const common = (): FrameCommon => ({
      backend: this.backend,
      modelId: this.modelId,
      detector: this.#options.detector.kind,
      faceCount: detections.length,
      timingsMs: clock.done(),
    });
    const countFailure = countReason(
      detections.map((d) => d.box),
      this.#options.quality,
    );
    const best = largestDetection(detections);
    if (countFailure !== null || best === undefined) {
      return { ...common(), ok: false, reason: countFailure ?? 'no_face', face: null };
    }
    const reading = await landmarksForDetection(
      this.#parts.models,
      frame,
      best,
      this.#options.landmarkCropScale,
    );
    const landmarks = reading.points;
    clock.lap('landmarks');
    const eyes = await this.#parts.models.eyes.read(frame, landmarks);
    clock.lap('eyes');
    const pose = measurePose(landmarks);
    const face: FaceObservation = {
      box: best.box,
      score: best.score,
      landmarks,
      eyes,
      pose,
      photometrics: null,
    };
    const poseFailure = reading.agreed ? poseReason(pose, this.#options.quality) : 'turned_away';
    clock.lap('quality');
    if (poseFailure !== null) return { ...common(), ok: false, reason: poseFailure, face };
    const described = await describeFace(this.#parts.models, frame, face, {
      quality: this.#options.quality,
      clock,
      describe,
    });
    return described.ok
      ? { ...common(), ok: true, face, descriptor: described.descriptor }
      : { ...common(), ok: false, reason: described.reason, face };
  }
}

/**
 * The steps after a pose the gate accepted, shared by the per-frame engine and the tracking loop:
 * alignment, the photometric gate (fills `face.photometrics`, read on the part of the chip inside the
 * frame), the framing gate (a face cut off by the frame's edge is refused before the photometric
 * reasons) and the unit descriptor (null when `describe` is false: the gates still run, so ok means the
 * same with or without a descriptor).
 */
export async function describeFace(
  models: FaceModels,
  frame: tf.Tensor3D,
  face: FaceObservation,
  options: { quality: QualityThresholds; clock: StageClock; describe: boolean },
): Promise<{ ok: true; descriptor: Float32Array | null } | { ok: false; reason: QualityReason }> {
  const { quality, clock } = options;
  const [height, width] = frame.shape;
  const placement = chipPlacement(face.landmarks);
  const chip = rotatedSquare(frame, placement.center, placement.side, placement.roll, chipSide);
  try {
    clock.lap('align');
    face.photometrics = await chipPhotometrics(chip, chipInFrameMask(placement, width, height));
    const failure =
      framingReason(face.landmarks, { width, height }, quality) ??
      photometricReason(face.photometrics, quality);
    clock.lap('quality');
    if (failure !== null) return { ok: false, reason: failure };
    if (!options.describe) return { ok: true, descriptor: null };
    const raw = await models.recognition.computeFaceDescriptor(faceapiInput(chip));
    assert(!Array.isArray(raw), 'one chip gives one descriptor');
    assert(raw.length === descriptorLength, 'the descriptor has 128 values');
    const descriptor = l2Normalize(raw);
    clock.lap('describe');
    return { ok: true, descriptor };
  } finally {
    chip.dispose();
  }
}

export function l2Normalize(values: Float32Array): Float32Array {
  let sum = 0;
  for (const value of values) sum += value * value;
  const norm = Math.sqrt(sum);
  assert(norm > 0 && Number.isFinite(norm), 'a descriptor must have a finite, non-zero norm');
  return values.map((value) => value / norm);
}

/** Euclidean distance of two unit descriptors (0 = same, 2 = opposite). */
export function descriptorDistance(a: Float32Array, b: Float32Array): number {
  assert(a.length === b.length, 'descriptors must have the same length');
  let sum = 0;
  for (let i = 0; i < a.length; i += 1) sum += ((a[i] ?? 0) - (b[i] ?? 0)) ** 2;
  return Math.sqrt(sum);
}

/** The detection with the largest box: the person at the kiosk, not someone behind them. */
export function largestDetection(detections: readonly RawDetection[]): RawDetection | undefined {
  return [...detections].sort((a, b) => b.box.width * b.box.height - a.box.width * a.box.height)[0];
}

/** Per-stage wall time of one frame: each lap adds the time since the previous lap to a stage. */
export class StageClock {
  readonly #start = performance.now();
  #last = this.#start;
  readonly #timings: StageTimingsMs = {
    detect: 0,
    landmarks: 0,
    eyes: 0,
    quality: 0,
    align: 0,
    describe: 0,
    total: 0,
  };

  lap(stage: Stage): void {
    const now = performance.now();
    this.#timings[stage] += now - this.#last;
    this.#last = now;
  }

  done(): StageTimingsMs {
    return { ...this.#timings, total: performance.now() - this.#start };
  }
}
