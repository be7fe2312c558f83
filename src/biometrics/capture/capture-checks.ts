// What makes a face read well still no template: eyes closed, or a mask over the nose or mouth. The face
// session asks this of every frame the quality gate passed, keeps such frames' descriptors out of the
// fused descriptor (the enrolment's template, the payment's probe), and prompts once it has lasted.
import { assert } from '../../shared/assert.ts';
import type { Point } from '../geometry.ts';
import type { RgbImage } from '../image.ts';
import type { EyesClosedOptions } from './eyes-closed.ts';
import { defaultEyesClosedOptions, EyesClosedCheck } from './eyes-closed.ts';
import type { MaskDetector } from './mask-detector.ts';

export type CaptureRefusal = 'masked' | 'eyes_closed';
export type CapturePrompt = 'remove_mask' | 'open_eyes';

export interface CaptureCheckTuning {
  readonly eyes: EyesClosedOptions;
  /** Eyes closed on every frame read for this long brings 'open_eyes' (a blink is over in ~0.4 s). */
  readonly eyesClosedPromptAfterMs: number;
  /** A mask on every frame read for this long brings 'remove_mask' (one frame's misreading does not). */
  readonly maskPromptAfterMs: number;
}

export const defaultCaptureCheckTuning: CaptureCheckTuning = {
  eyes: defaultEyesClosedOptions,
  eyesClosedPromptAfterMs: 1000,
  maskPromptAfterMs: 300,
};

/** One person's frames, in order; a new person needs a new instance. */
export class CaptureChecks {
  readonly #mask: MaskDetector;
  readonly #tuning: CaptureCheckTuning;
  readonly #eyes: EyesClosedCheck;
  #maskedSinceMs: number | null = null;
  #closedSinceMs: number | null = null;

  constructor(mask: MaskDetector, tuning: CaptureCheckTuning = defaultCaptureCheckTuning) {
    assert(
      tuning.eyesClosedPromptAfterMs >= 0 && tuning.maskPromptAfterMs >= 0,
      'prompt delays must not be negative',
    );
    this.#mask = mask;
    this.#tuning = tuning;
    this.#eyes = new EyesClosedCheck(tuning.eyes);
  }

  /**
   * A frame the quality gate passed, with its face's landmarks: why it may not be a template, or null.
   * A mask wins over closed eyes (its prompt is the one the person can act on first).
   */
  check(image: RgbImage, landmarks: readonly Point[], timestampMs: number): CaptureRefusal | null {
    const masked = this.#mask.check(image, landmarks)?.masked ?? false;
    const closed = this.#eyes.push(landmarks, timestampMs);
    this.#maskedSinceMs = masked ? (this.#maskedSinceMs ?? timestampMs) : null;
    this.#closedSinceMs = closed ? (this.#closedSinceMs ?? timestampMs) : null;
    if (masked) return 'masked';
    return closed ? 'eyes_closed' : null;
  }

  /** A frame not read well: no verdict, and what lasted is broken off. */
  interrupt(): void {
    this.#maskedSinceMs = null;
    this.#closedSinceMs = null;
  }

  prompt(timestampMs: number): CapturePrompt | null {
    const lasted = (since: number | null, ms: number): boolean =>
      since !== null && timestampMs - since >= ms;
    if (lasted(this.#maskedSinceMs, this.#tuning.maskPromptAfterMs)) return 'remove_mask';
    if (lasted(this.#closedSinceMs, this.#tuning.eyesClosedPromptAfterMs)) return 'open_eyes';
    return null;
  }
}
