// Blink detection on a stream of eye-openness values (EAR or eyeOpenness) with a per-person adaptive baseline: a blink is a
// dip well below this person's own open-eye EAR that reopens within a physiologically plausible time.
import { assert } from '../../../shared/assert.ts';
import { blinkBaselineWindowFramesMax } from '../../../shared/limits.ts';

export interface BlinkOptions {
  /** Frames of recent EAR kept for the baseline (open eyes dominate any window of a few seconds). */
  readonly baselineWindowFrames: number;
  /** The baseline is this quantile of the window: robust to the blinks inside it. */
  readonly baselineQuantile: number;
  /** Frames needed before any blink can be called (the baseline must exist first). */
  readonly warmupFrames: number;
  /** Eyes count as closing below baseline * closedFraction ... */
  readonly closedFraction: number;
  /** ... and as open again above baseline * reopenFraction (hysteresis against landmark jitter). */
  readonly reopenFraction: number;
  /** A closure shorter than this is noise; longer than the maximum is eyes shut, not a blink. */
  readonly closedMsMin: number;
  readonly closedMsMax: number;
}

/** Human blinks close the eyes for roughly 100-400 ms. face-api's 68-point net barely follows a
 * closing lid (a full blink in talking-face.mp4 moves EAR from 0.32 to 0.27 only), so the dip asked for
 * is shallow, and the baseline is short (about half a second) so slow drifts of a tilting photo are not
 * dips. Set on the shared videos, the same ones scripts/eval-liveness-video.ts reports on. */
export const defaultBlinkOptions: BlinkOptions = {
  baselineWindowFrames: 12,
  baselineQuantile: 0.8,
  warmupFrames: 4,
  closedFraction: 0.9,
  reopenFraction: 0.95,
  closedMsMin: 30,
  closedMsMax: 500,
};

export interface Blink {
  readonly startMs: number;
  readonly endMs: number;
  /** 1 - lowest EAR / baseline: 0 = no dip, 1 = fully closed. */
  readonly depth: number;
}

export interface BlinkStep {
  readonly baseline: number | null;
  readonly closed: boolean;
  /** Set on the frame at which a blink completes. */
  readonly blink: Blink | null;
}

export function assertBlinkOptions(options: BlinkOptions): void {
  assert(
    Number.isInteger(options.baselineWindowFrames) &&
      options.baselineWindowFrames >= 3 &&
      options.baselineWindowFrames <= blinkBaselineWindowFramesMax,
    'baselineWindowFrames out of range',
  );
  assert(options.baselineQuantile > 0 && options.baselineQuantile < 1, 'quantile in (0, 1)');
  assert(Number.isInteger(options.warmupFrames) && options.warmupFrames >= 1, 'warmupFrames >= 1');
  assert(
    options.closedFraction > 0 && options.closedFraction < options.reopenFraction,
    'closedFraction must be below reopenFraction',
  );
  assert(options.reopenFraction <= 1, 'reopenFraction must be at most 1');
  assert(options.closedMsMin >= 0 && options.closedMsMin < options.closedMsMax, 'closed ms range');
}

export function quantile(values: readonly number[], q: number): number {
  assert(values.length > 0, 'quantile of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const position = q * (sorted.length - 1);
  const low = Math.floor(position);
  const high = Math.ceil(position);
  const a = sorted[low] ?? 0;
  const b = sorted[high] ?? a;
  return a + (b - a) * (position - low);
}

export class BlinkDetector {
  readonly #options: BlinkOptions;
  readonly #window: number[] = [];
  #seen = 0;
  #lastMs = -Infinity;
  #closedSinceMs: number | null = null;
  #closedMin = Infinity;
  /** After a closure too long to be a blink, the eyes must be seen open before the next one counts. */
  #waitOpen = false;

  constructor(options: BlinkOptions = defaultBlinkOptions) {
    assertBlinkOptions(options);
    this.#options = options;
  }

  /** One frame's mean EAR at `timestampMs` (strictly increasing). */
  push(timestampMs: number, ear: number): BlinkStep {
    assert(Number.isFinite(timestampMs) && timestampMs > this.#lastMs, 'timestamps must increase');
    assert(Number.isFinite(ear) && ear >= 0, 'EAR must be a finite non-negative number');
    this.#lastMs = timestampMs;
    this.#seen += 1;
    const baseline = this.#baseline();
    const step = baseline === null ? null : this.#track(timestampMs, ear, baseline);
    // Frames of a closure stay out of the baseline so it cannot drag the baseline down.
    if (this.#closedSinceMs === null) this.#remember(ear);
    return { baseline, closed: this.#closedSinceMs !== null, blink: step };
  }

  /** Forget everything: the next frames belong to a new, unrelated stretch of video. */
  reset(): void {
    this.#window.length = 0;
    this.#seen = 0;
    this.#closedSinceMs = null;
    this.#closedMin = Infinity;
    this.#waitOpen = false;
  }

  #baseline(): number | null {
    if (this.#seen <= this.#options.warmupFrames || this.#window.length === 0) return null;
    return quantile(this.#window, this.#options.baselineQuantile);
  }

  #remember(ear: number): void {
    this.#window.push(ear);
    if (this.#window.length > this.#options.baselineWindowFrames) this.#window.shift();
  }

  #track(timestampMs: number, ear: number, baseline: number): Blink | null {
    const options = this.#options;
    if (this.#closedSinceMs === null) {
      if (this.#waitOpen) {
        this.#waitOpen = ear < baseline * options.reopenFraction;
        return null;
      }
      if (ear < baseline * options.closedFraction) {
        this.#closedSinceMs = timestampMs;
        this.#closedMin = ear;
      }
      return null;
    }
    this.#closedMin = Math.min(this.#closedMin, ear);
    // Eyes held shut past the maximum are not a blink: give up and let the baseline move on.
    if (timestampMs - this.#closedSinceMs > options.closedMsMax) {
      this.#waitOpen = true;
      this.#closedSinceMs = null;
      this.#closedMin = Infinity;
      return null;
    }
    // Reopened once most of the dip is recovered: a deep dip need not climb back to a baseline that a
    // turned head (wider-looking eyes) may have raised.
    const recovered = this.#closedMin + 0.8 * (baseline - this.#closedMin);
    if (ear <= Math.min(baseline * options.reopenFraction, recovered)) return null;
    const startMs = this.#closedSinceMs;
    const depth = baseline > 0 ? 1 - this.#closedMin / baseline : 0;
    this.#closedSinceMs = null;
    this.#closedMin = Infinity;
    const duration = timestampMs - startMs;
    if (duration < options.closedMsMin) return null;
    return { startMs, endMs: timestampMs, depth };
  }
}
