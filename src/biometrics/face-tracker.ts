// The kiosk's tracking loop: the detector runs on the first frame, when the tracked face is lost and
// every N frames; otherwise the 68 landmarks are read around the previous frame's landmarks and the
// detector only counts faces (a second face refuses the frame as multiple_faces, as the engine does).
// The eyelids (face mesh + iris) are read around the landmarks on every frame with a face.
//
// Built from the engine's own parts (same detector, landmark net, quality checks, alignment and
// descriptor as FaceEngine.processFrame), so only the detection schedule differs. Lost means: no face,
// a landmark box whose size changed by more than `sizeRatioMax` or whose centre moved by more than
// `centreShiftMax` of its side since the last frame, or a pose the quality gate refuses.
import * as tf from '@tensorflow/tfjs-core';
import { landmarkBox } from './align.ts';
import type { DetectFn } from './detectors.ts';
import { createDetector } from './detectors.ts';
import { disposeFaceModels } from './face-models.ts';
import type {
  FaceEngineOptions,
  FaceEngineParts,
  FaceObservation,
  FrameOptions,
  FrameResult,
  StageTimingsMs,
  UndescribedFrame,
} from './engine.ts';
import { describeFace, largestDetection, StageClock } from './engine.ts';
import type { Box, Point } from './geometry.ts';
import { boxCenter, distance, squareAround } from './geometry.ts';
import type { RgbImage } from './image.ts';
import type { DetectionLandmarks } from './landmarks.ts';
import { landmarksForDetection, landmarksIn } from './landmarks.ts';
import type { QualityReason } from './quality.ts';
import { countReason, measurePose, poseReason } from './quality.ts';
import { assert } from '../shared/assert.ts';
import { trackingRedetectEveryFramesMax } from '../shared/limits.ts';

export interface TrackerOptions {
  /** Run the detector at least every this many frames even when tracking holds. */
  redetectEveryFrames: number;
  sizeRatioMax: number;
  centreShiftMax: number;
}

/** Every 6 frames: the landmark net follows where a face moves but not how its size changes (a person
 * stepping closer grew 40% in 24 frames of live-05.mov while the tracked box stayed put), and at 24 the
 * box jumped at each re-detection, which face continuity reads as a swap (eval:liveness, live videos). */
export const defaultTrackerOptions: TrackerOptions = {
  redetectEveryFrames: 6,
  sizeRatioMax: 1.3,
  centreShiftMax: 0.25,
};

export interface TrackedFrame {
  /** The face passed every quality check: its descriptor is ready for a decision (in `descriptor`,
   * unless the frame was read without one). */
  ready: boolean;
  reason: QualityReason | null;
  detected: boolean;
  /** Null when not ready, or when the frame was read with describe: false. */
  descriptor: Float32Array | null;
  /** The face seen (box in the detector's framing, landmarks, pose), when one was found. */
  face: FaceObservation | null;
  timingsMs: StageTimingsMs;
}

export class FaceTracker {
  readonly #parts: FaceEngineParts;
  readonly backend: string;
  readonly #engine: FaceEngineOptions;
  readonly #options: TrackerOptions;
  readonly #detect: DetectFn;
  #previous: Point[] | null = null;
  #sinceDetection = 0;
  /** The last detection: its box side relative to the landmark box, and its score. */
  #framing = { scale: 1, score: 0, cropSide: 0 };
  readonly modelId: string;
  /** The eyelid reading's nets. */
  readonly eyesModelId: string;

  constructor(parts: FaceEngineParts, engine: FaceEngineOptions, options: TrackerOptions) {
    assert(
      options.redetectEveryFrames >= 1 &&
        options.redetectEveryFrames <= trackingRedetectEveryFramesMax,
      'the re-detection interval is within limits',
    );
    this.#parts = parts;
    this.backend = parts.backend;
    this.modelId = parts.models.modelId;
    this.eyesModelId = parts.models.eyes.modelId;
    this.#engine = engine;
    this.#options = options;
    this.#detect = createDetector(parts.faceapi, parts.models, engine.detector);
  }

  /** Forgets the tracked face: the next frame runs the detector (a new recording, a new customer). */
  reset(): void {
    this.#previous = null;
    this.#sinceDetection = 0;
  }

  /** Frees the models' weights; the tracker cannot be used afterwards. */
  dispose(): void {
    disposeFaceModels(this.#parts.models);
  }

  /** The engine's per-frame result shape, so the replay pipeline and the kiosk can use either. */
  processFrame(image: RgbImage): Promise<FrameResult>;
  processFrame(image: RgbImage, options: FrameOptions): Promise<FrameResult | UndescribedFrame>;
  async processFrame(
    image: RgbImage,
    options: FrameOptions = {},
  ): Promise<FrameResult | UndescribedFrame> {
    const tracked = await this.process(image, options);
    const common = {
      backend: this.backend,
      modelId: this.modelId,
      detector: this.#engine.detector.kind,
      faceCount: tracked.face === null ? 0 : 1,
      timingsMs: tracked.timingsMs,
    };
    if (tracked.ready && tracked.face !== null) {
      assert(
        tracked.descriptor !== null || options.describe === false,
        'a ready frame has the descriptor it was asked for',
      );
      return { ...common, ok: true, face: tracked.face, descriptor: tracked.descriptor };
    }
    assert(tracked.reason !== null, 'a frame that is not ready has a reason');
    return { ...common, ok: false, reason: tracked.reason, face: tracked.face };
  }

  async process(image: RgbImage, options: FrameOptions = {}): Promise<TrackedFrame> {
    const frame = tf.tensor3d(image.data, [image.height, image.width, 3], 'int32');
    try {
      return await this.#run(frame, options.describe ?? true);
    } finally {
      frame.dispose();
    }
  }

  async #run(frame: tf.Tensor3D, describe: boolean): Promise<TrackedFrame> {
    const clock = new StageClock();
    const finish = (rest: Omit<TrackedFrame, 'timingsMs'>): TrackedFrame => ({
      ...rest,
      timingsMs: clock.done(),
    });
    let landmarks = await this.#track(frame);
    // Set on frames where the detector ran: its box is what the per-frame engine reports, and it stays
    // right when the landmarks of a turned face are a guess (those can double or halve a box).
    let detectorBox: Box | null = null;
    // False when no landmark reading agreed with the detector's eyes (landmarks.ts): turned away.
    let agreed = true;
    clock.lap('landmarks');
    let detected = false;
    if (landmarks !== null && (await this.#crowded(frame, clock))) {
      // A second face joined between re-detections: refused as the per-frame engine refuses it, and
      // the next frame starts again from a detection.
      this.#previous = null;
      return finish({
        ready: false,
        reason: 'multiple_faces',
        detected,
        descriptor: null,
        face: null,
      });
    }
    if (landmarks === null) {
      detected = true;
      const found = await this.#detected(frame, clock);
      if (typeof found === 'string') {
        this.#previous = null;
        return finish({ ready: false, reason: found, detected, descriptor: null, face: null });
      }
      landmarks = found.points;
      agreed = found.agreed;
      detectorBox = found.detectorBox;
    }
    const eyes = await this.#parts.models.eyes.read(frame, landmarks);
    clock.lap('eyes');
    const measures = measurePose(landmarks);
    const face: FaceObservation = {
      box: detectorBox ?? this.#detectorFraming(landmarks),
      score: this.#framing.score,
      landmarks,
      eyes,
      pose: measures,
      photometrics: null,
    };
    const pose = agreed ? poseReason(measures, this.#engine.quality) : 'turned_away';
    clock.lap('quality');
    this.#previous = pose === null ? landmarks : null;
    if (pose !== null)
      return finish({ ready: false, reason: pose, detected, descriptor: null, face });
    const described = await describeFace(this.#parts.models, frame, face, {
      quality: this.#engine.quality,
      clock,
      describe,
    });
    return described.ok
      ? finish({ ready: true, reason: null, detected, descriptor: described.descriptor, face })
      : finish({ ready: false, reason: described.reason, detected, descriptor: null, face });
  }

  /** Landmarks from the previous frame's landmark box, or null when the detector must run. */
  async #track(frame: tf.Tensor3D): Promise<Point[] | null> {
    const previous = this.#previous;
    this.#sinceDetection += 1;
    if (previous === null || this.#sinceDetection >= this.#options.redetectEveryFrames) return null;
    const before = landmarkBox(previous);
    // The two passes of a detection: the first crop keeps the size the detector gave at the last
    // detection and follows the landmarks' centre. Sizing it from the landmarks themselves (or reading
    // straight from the tight landmark box) let the landmarks shrink a little every frame (x2.07 in
    // 48 frames of live-05.mov), which faked blinks and read as another face at the next detection.
    const framed = squareAround(boxCenter(before), this.#framing.cropSide);
    const rough = await landmarksIn(this.#parts.models, frame, framed);
    const landmarks = await landmarksIn(this.#parts.models, frame, landmarkBox(rough));
    return this.#sameFace(previous, landmarks) ? landmarks : null;
  }

  /** The landmark boxes of two consecutive readings are close enough in size and place to be one face. */
  #sameFace(previous: readonly Point[], current: readonly Point[]): boolean {
    const before = landmarkBox(previous);
    const after = landmarkBox(current);
    const ratio = after.width / before.width;
    const shift = distance(boxCenter(after), boxCenter(before)) / before.width;
    return (
      ratio <= this.#options.sizeRatioMax &&
      ratio >= 1 / this.#options.sizeRatioMax &&
      shift <= this.#options.centreShiftMax
    );
  }

  /**
   * On a tracked frame, whether the detector sees a second face as large as the engine's count check
   * refuses (countReason): the landmarks follow one face only, so without this a person stepping in
   * beside the shopper went unseen until the next scheduled re-detection (up to 5 frames read ready).
   * A detector that misses the tracked face on this frame changes nothing: tracking holds.
   */
  async #crowded(frame: tf.Tensor3D, clock: StageClock): Promise<boolean> {
    const detections = await this.#detect(frame);
    clock.lap('detect');
    if (detections.length < 2) return false;
    return (
      countReason(
        detections.map((detection) => detection.box),
        this.#engine.quality,
      ) === 'multiple_faces'
    );
  }

  async #detected(
    frame: tf.Tensor3D,
    clock: StageClock,
  ): Promise<(DetectionLandmarks & { detectorBox: Box }) | QualityReason> {
    this.#sinceDetection = 0;
    const detections = await this.#detect(frame);
    clock.lap('detect');
    const failure = countReason(
      detections.map((detection) => detection.box),
      this.#engine.quality,
    );
    const best = largestDetection(detections);
    if (failure !== null || best === undefined) return failure ?? 'no_face';
    const reading = await landmarksForDetection(
      this.#parts.models,
      frame,
      best,
      this.#engine.landmarkCropScale,
    );
    clock.lap('landmarks');
    const landmarks = reading.points;
    const side = Math.max(best.box.width, best.box.height);
    this.#framing = {
      scale: side / landmarkBox(landmarks).width,
      score: best.score,
      cropSide: side * this.#engine.landmarkCropScale,
    };
    return { ...reading, detectorBox: best.box };
  }

  /** The box the detector would draw: its last size relative to the landmarks, around the landmarks. */
  #detectorFraming(landmarks: readonly Point[]): Box {
    const box = landmarkBox(landmarks);
    return squareAround(boxCenter(box), box.width * this.#framing.scale);
  }
}
