// Blink detection on a stream of eye readings with a per-person adaptive baseline: a blink is a dip well
// below this person's own open-eye level, in two ratios at once, that reopens within a blink's time.
import { assert } from '../../../shared/assert.ts';
import { blinkBaselineWindowFramesMax } from '../../../shared/limits.ts';
import type { EyeClosureReading } from './ear.ts';

export interface BlinkOptions {
  /** Frames of recent readings kept for the baselines (open eyes dominate any window of a few seconds). */
  readonly baselineWindowFrames: number;
  /** The baseline is this quantile of the window: robust to the blinks inside it. */
  readonly baselineQuantile: number;
  /** Frames needed before any blink can be called (the baseline must exist first). */
  readonly warmupFrames: number;
  /** Eyes count as closing below baseline * closedFraction (and a blink needs EAR to have fallen below
   * its own baseline * closedFraction too) ... */
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
 * dips. Set on the shared videos, the same ones scripts/eval-liveness-video.ts reports on. The EAR
 * cross-check reuses closedFraction rather than a bound of its own; on those clips it leaves the margins
 * thin: card-turn photo dips reach an EAR depth of 0.09, talking-face's shallower blink 0.11. */
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
  /** 1 - lowest openness / baseline: 0 = no dip, 1 = fully closed. */
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

/** Eye openness (lids over eye-to-mouth height) leads: it does not move when a head turns. A closure
 * becomes a blink only if EAR (lids over eye width) dipped by the same fraction too. Closing lids shrink
 * both; a flat photo turned, tilted or moved shrinks at most one. Geometrically, any affine view of a photo
 * leaves openness unchanged (lid gap and face height are both near-vertical lengths) and moves EAR only
 * with the ratio of vertical to horizontal scale: a card tilted back dips EAR alone; a card turned about its
 * vertical axis raises EAR. face-api's landmark net adds the rest: on a card turned ~40-50 degrees it
 * draws the lids narrower with the narrower eye, a 10-14% openness dip (the size of a real blink in its
 * reading) while EAR dips 9% at most (measured on the card-turn clips of eval:liveness). The price: EAR
 * rises as a real head turns, so a shallow blink during a turn may go uncounted; the turn itself is then
 * the 3-D motion cue. */
export class BlinkDetector {
  readonly #options: BlinkOptions;
  readonly #window: number[] = [];
  readonly #earWindow: number[] = [];
  #seen = 0;
  #lastMs = -Infinity;
  #closedSinceMs: number | null = null;
  #closedMin = Infinity;
  #closedEarMin = Infinity;
  /** After a closure too long to be a blink, the eyes must be seen open before the next one counts. */
  #waitOpen = false;

  constructor(options: BlinkOptions = defaultBlinkOptions) {
    assertBlinkOptions(options);
    this.#options = options;
  }

  /** One frame's eye reading at `timestampMs` (strictly increasing). */
  push(timestampMs: number, eyes: EyeClosureReading): BlinkStep {
    assert(Number.isFinite(timestampMs) && timestampMs > this.#lastMs, 'timestamps must increase');
    for (const value of [eyes.openness, eyes.ear])
      assert(Number.isFinite(value) && value >= 0, 'eye readings must be finite and non-negative');
    this.#lastMs = timestampMs;
    this.#seen += 1;
    const baseline = this.#baseline();
    const step = baseline === null ? null : this.#track(timestampMs, eyes, baseline);
    // Frames of a closure stay out of the baselines so they cannot drag the baselines down.
    if (this.#closedSinceMs === null) this.#remember(eyes);
    return { baseline, closed: this.#closedSinceMs !== null, blink: step };
  }

  /** Forget everything: the next frames belong to a new, unrelated stretch of video. */
  reset(): void {
    this.#window.length = 0;
    this.#earWindow.length = 0;
    this.#seen = 0;
    this.#waitOpen = false;
    this.#endClosure();
  }

  #baseline(): number | null {
    if (this.#seen <= this.#options.warmupFrames || this.#window.length === 0) return null;
    return quantile(this.#window, this.#options.baselineQuantile);
  }

  #remember(eyes: EyeClosureReading): void {
    this.#window.push(eyes.openness);
    this.#earWindow.push(eyes.ear);
    if (this.#window.length > this.#options.baselineWindowFrames) this.#window.shift();
    if (this.#earWindow.length > this.#options.baselineWindowFrames) this.#earWindow.shift();
  }

  #endClosure(): void {
    this.#closedSinceMs = null;
    this.#closedMin = Infinity;
    this.#closedEarMin = Infinity;
  }

  #track(timestampMs: number, eyes: EyeClosureReading, baseline: number): Blink | null {
    const options = this.#options;
    const openness = eyes.openness;
    if (this.#closedSinceMs === null) {
      if (this.#waitOpen) {
        this.#waitOpen = openness < baseline * options.reopenFraction;
        return null;
      }
      if (openness < baseline * options.closedFraction) {
        this.#closedSinceMs = timestampMs;
        this.#closedMin = openness;
        this.#closedEarMin = eyes.ear;
      }
      return null;
    }
    this.#closedMin = Math.min(this.#closedMin, openness);
    this.#closedEarMin = Math.min(this.#closedEarMin, eyes.ear);
    // Eyes held shut past the maximum are not a blink: give up and let the baseline move on.
    if (timestampMs - this.#closedSinceMs > options.closedMsMax) {
      this.#waitOpen = true;
      this.#endClosure();
      return null;
    }
    // Reopened once most of the dip is recovered: a deep dip need not climb back to a baseline that a
    // turned head (wider-looking eyes) may have raised.
    const recovered = this.#closedMin + 0.8 * (baseline - this.#closedMin);
    if (openness <= Math.min(baseline * options.reopenFraction, recovered)) return null;
    const startMs = this.#closedSinceMs;
    const depth = baseline > 0 ? 1 - this.#closedMin / baseline : 0;
    // The EAR window holds only open-eye frames too, so its baseline is the one from before the closure.
    const earBaseline = quantile(this.#earWindow, options.baselineQuantile);
    const earDepth = earBaseline > 0 ? 1 - this.#closedEarMin / earBaseline : 0;
    this.#endClosure();
    const duration = timestampMs - startMs;
    if (duration < options.closedMsMin) return null;
    // Only openness dipped: the face's shape changed (a photo turned), not the lids.
    if (earDepth < 1 - options.closedFraction) return null;
    return { startMs, endMs: timestampMs, depth };
  }
}
