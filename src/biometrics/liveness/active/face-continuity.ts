// Is it still the same face? Frame-to-frame checks shared by the challenge controller and the replay's
// natural-motion analysis: face lost for too long, a jump of the box, or a descriptor far from the first.
import { assert } from '../../../shared/assert.ts';
import type { Box, Point } from '../../geometry.ts';
import { boxCenter, distance } from '../../geometry.ts';
import type { EyeLids } from './ear.ts';

export interface ActiveFace {
  readonly box: Box;
  /** 68 points in frame pixels (iBUG order). */
  readonly landmarks: readonly Point[];
  /** The lids blinks are counted on (the kiosk: face mesh + iris); null when none was read this frame,
   * which the blink detector then skips. */
  readonly eyes: EyeLids | null;
  /** Unit 128-d descriptor when the frame passed the quality gate, else null. */
  readonly descriptor: Float32Array | null;
}

export interface ActiveFrame {
  readonly timestampMs: number;
  readonly face: ActiveFace | null;
}

export interface ContinuityOptions {
  /** Longest gap without a face before the person counts as gone. */
  readonly faceLostMsMax: number;
  /** Box centre movement between consecutive face frames, in box widths (a swap, not a motion). */
  readonly boxJumpWidthsMax: number;
  /** Box width ratio between consecutive face frames (larger/smaller). */
  readonly boxScaleJumpMax: number;
  /** Distance of unit descriptors to the first one seen (0 same, 2 opposite). */
  readonly descriptorDistanceMax: number;
}

/** Box jumps sized for 5-30 fps; the descriptor bound was set from same-person frames of the shared
 * videos against other people's photos (scripts/eval-liveness-video.ts prints both). */
export const defaultContinuityOptions: ContinuityOptions = {
  faceLostMsMax: 600,
  boxJumpWidthsMax: 0.5,
  boxScaleJumpMax: 1.35,
  descriptorDistanceMax: 0.8,
};

export type ContinuityFailure = 'face_lost' | 'face_changed';

export function descriptorDistanceOf(a: Float32Array, b: Float32Array): number {
  assert(a.length === b.length, 'descriptors must have the same length');
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += ((a[i] ?? 0) - (b[i] ?? 0)) ** 2;
  return Math.sqrt(sum);
}

export class FaceContinuity {
  readonly #options: ContinuityOptions;
  #lastFaceMs: number | null = null;
  #lastBox: Box | null = null;
  #firstDescriptor: Float32Array | null = null;
  /** Largest descriptor distance to the first descriptor seen so far. */
  descriptorDistanceMaxSeen = 0;

  constructor(options: ContinuityOptions = defaultContinuityOptions) {
    assert(options.faceLostMsMax > 0, 'faceLostMsMax must be positive');
    assert(options.boxJumpWidthsMax > 0, 'boxJumpWidthsMax must be positive');
    assert(options.boxScaleJumpMax > 1, 'boxScaleJumpMax must be above 1');
    assert(options.descriptorDistanceMax > 0, 'descriptorDistanceMax must be positive');
    this.#options = options;
  }

  /** The start of observation: a face must appear within faceLostMsMax of it. */
  start(timestampMs: number): void {
    this.#lastFaceMs ??= timestampMs;
  }

  check(frame: ActiveFrame): ContinuityFailure | null {
    this.start(frame.timestampMs);
    const face = frame.face;
    if (face === null) {
      const since = this.#lastFaceMs ?? frame.timestampMs;
      return frame.timestampMs - since > this.#options.faceLostMsMax ? 'face_lost' : null;
    }
    const previous = this.#lastBox;
    this.#lastFaceMs = frame.timestampMs;
    this.#lastBox = face.box;
    if (previous !== null && this.#jumped(previous, face.box)) return 'face_changed';
    if (face.descriptor === null) return null;
    if (this.#firstDescriptor === null) {
      this.#firstDescriptor = face.descriptor;
      return null;
    }
    const d = descriptorDistanceOf(this.#firstDescriptor, face.descriptor);
    this.descriptorDistanceMaxSeen = Math.max(this.descriptorDistanceMaxSeen, d);
    return d > this.#options.descriptorDistanceMax ? 'face_changed' : null;
  }

  #jumped(previous: Box, current: Box): boolean {
    const width = Math.max(previous.width, 1e-6);
    const moved = distance(boxCenter(previous), boxCenter(current)) / width;
    const scale =
      Math.max(previous.width, current.width) /
      Math.max(1e-6, Math.min(previous.width, current.width));
    return moved > this.#options.boxJumpWidthsMax || scale > this.#options.boxScaleJumpMax;
  }
}
