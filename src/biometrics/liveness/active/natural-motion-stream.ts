// Natural motion measured frame by frame for the streaming face session: analyzeNaturalMotion's measures
// of one run (blinks, face continuity, nose parallax against the window's median-yaw frame) over a
// bounded window of recent frames, at a cost per frame that does not grow with the window.
//
// analyzeNaturalMotion re-run on a 120-frame window costs ~15 ms a frame on the kiosk's 2 cores, about a
// quarter of the tracker; here the blink detector and continuity check see each frame once, and each
// frame's parallax is computed once against a reference that changes only when the median yaw moves on.
import { assert } from '../../../shared/assert.ts';
import { faceSessionWindowFramesMax } from '../../../shared/limits.ts';
import type { Point } from '../../geometry.ts';
import type { Blink } from './blink.ts';
import { BlinkDetector, quantile } from './blink.ts';
import { placedLids } from './ear.ts';
import type { ActiveFrame } from './face-continuity.ts';
import { FaceContinuity } from './face-continuity.ts';
import type { NaturalMotionOptions, NaturalMotionSummary } from './natural-motion.ts';
import { planarParallax } from './parallax.ts';
import { yawOf } from './pose.ts';

export interface NaturalMotionStreamOptions {
  readonly motion: NaturalMotionOptions;
  /** Frames (with or without a face) kept for the parallax and yaw measures. */
  readonly windowFrames: number;
  /** The reference frame is kept while its yaw is within this much of the median-yaw frame's distance
   * to the median (0: always the median-yaw frame, exactly as analyzeNaturalMotion picks it). */
  readonly referenceYawSlack: number;
}

interface Entry {
  readonly yaw: number | null;
  readonly landmarks: readonly Point[] | null;
  parallax: number | null;
}

export class NaturalMotionStream {
  readonly #options: NaturalMotionStreamOptions;
  readonly #blinkDetector: BlinkDetector;
  readonly #continuity: FaceContinuity;
  readonly #window: Entry[] = [];
  readonly #blinks: Blink[] = [];
  #reference: Entry | null = null;
  #faceChanges = 0;
  #framesWithFace = 0;
  /** How often the reference changed (each change recomputes the window's parallaxes): for measuring. */
  referenceChanges = 0;

  constructor(options: NaturalMotionStreamOptions) {
    assert(
      Number.isInteger(options.windowFrames) &&
        options.windowFrames >= options.motion.runFramesMin &&
        options.windowFrames <= faceSessionWindowFramesMax,
      'windowFrames out of range',
    );
    assert(options.referenceYawSlack >= 0, 'referenceYawSlack must not be negative');
    const q = options.motion.parallaxQuantile;
    assert(q > 0 && q < 1, 'quantile in (0, 1)');
    this.#options = options;
    this.#blinkDetector = new BlinkDetector(options.motion.blink);
    this.#continuity = new FaceContinuity(options.motion.continuity);
  }

  /** One frame (timestamps strictly increasing, as the blink detector asserts). */
  push(frame: ActiveFrame): void {
    if (this.#continuity.check(frame) === 'face_changed') this.#faceChanges += 1;
    const face = frame.face;
    if (face === null) {
      // The oldest frame may leave the window: the median yaw, and so the reference, can move.
      this.#enter({ yaw: null, landmarks: null, parallax: null });
      this.#chooseReference();
      return;
    }
    this.#framesWithFace += 1;
    const eyes = placedLids(face.eyes, face.landmarks);
    const blink = eyes === null ? null : this.#blinkDetector.push(frame.timestampMs, eyes).blink;
    if (blink !== null) {
      this.#blinks.push(blink);
      if (this.#blinks.length > this.#options.windowFrames) this.#blinks.shift();
    }
    const entry: Entry = { yaw: yawOf(face.landmarks), landmarks: face.landmarks, parallax: null };
    this.#enter(entry);
    if (!this.#chooseReference()) entry.parallax = this.#parallaxOf(entry);
  }

  summary(): NaturalMotionSummary {
    const faces = this.#window.filter((e) => e.yaw !== null);
    const parallaxes = faces.flatMap((e) => (e.parallax === null ? [] : [e.parallax]));
    const yaws = faces.map((e) => e.yaw ?? 0);
    const enough = faces.length >= this.#options.motion.runFramesMin && parallaxes.length > 0;
    return {
      framesWithFace: this.#framesWithFace,
      runsMeasured: enough ? 1 : 0,
      blinks: [...this.#blinks],
      parallax: enough ? quantile(parallaxes, this.#options.motion.parallaxQuantile) : null,
      yawSpread: enough ? quantile(yaws, 0.95) - quantile(yaws, 0.05) : null,
      faceChanges: this.#faceChanges,
      descriptorDistanceMax: this.#continuity.descriptorDistanceMaxSeen,
      perFrame: [],
    };
  }

  #enter(entry: Entry): void {
    this.#window.push(entry);
    while (this.#window.length > this.#options.windowFrames) {
      const gone = this.#window.shift();
      if (gone === this.#reference) this.#reference = null;
    }
  }

  /** Re-picks the reference when needed; true when it changed (every parallax was recomputed). */
  #chooseReference(): boolean {
    const faces = this.#window.filter((e) => e.yaw !== null);
    if (faces.length === 0) return false;
    const median = quantile(
      faces.map((e) => e.yaw ?? 0),
      0.5,
    );
    const off = (e: Entry): number => Math.abs((e.yaw ?? 0) - median);
    // The first face frame nearest the median, as analyzeNaturalMotion's referenceLandmarks picks it.
    let nearest = faces[0] as Entry;
    for (const e of faces) if (off(e) < off(nearest)) nearest = e;
    const current = this.#reference;
    const slack = this.#options.referenceYawSlack;
    if (current !== null && (current === nearest || off(current) < off(nearest) + slack))
      return false;
    this.#reference = nearest;
    this.referenceChanges += 1;
    for (const e of faces) e.parallax = this.#parallaxOf(e);
    return true;
  }

  #parallaxOf(entry: Entry): number | null {
    const reference = this.#reference?.landmarks ?? null;
    if (reference === null || entry.landmarks === null) return null;
    return planarParallax(reference, entry.landmarks)?.magnitude ?? null;
  }
}
