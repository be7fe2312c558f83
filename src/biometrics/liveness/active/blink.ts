// Blink detection on a stream of eye readings with a per-person adaptive baseline: a blink is a dip well
// below this person's own open-eye level, in two ratios at once, that reopens within a blink's time.
import { assert } from '../../../shared/assert.ts';
import { blinkBaselineWindowFramesMax } from '../../../shared/limits.ts';
import { distance } from '../../geometry.ts';
import type { EyeClosureReading, FacePlacement } from './ear.ts';

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
  /** Every step of a blink (last open frame -> closed frames -> reopened frame) at most this long:
   * across a longer gap the frames no longer show one close-and-open. Time, not frames: the kiosk's
   * worker takes the newest camera frame whenever it is free, 66-270 ms apart. */
  readonly frameGapMsMax: number;
  /** Over those same steps, the whole face may change at most this much from one frame to the next:
   * centre by this fraction of its size, size and aspect (width over height) by these log-ratios, yaw
   * by this much (yawOf's measure). Lids move none of them; a photo stepped in zoom or pan, a card
   * turning, or a landmark reading that lags a jump of the face dips the eye ratios in the very frames
   * where the face as a whole changed. */
  readonly faceShiftMax: number;
  readonly faceScaleStepMax: number;
  readonly faceAspectStepMax: number;
  readonly faceYawStepMax: number;
}

/** For the lids of the face mesh + iris reading (liveness/mesh-eye-reader.ts), which the kiosk feeds.
 * Human blinks close the eyes for roughly 100-400 ms; the baseline is short (about half a second) so slow
 * drifts of a tilting photo are not dips. That reading sees a full closure as a 50-80% dip of both ratios
 * (face-api's 68 points: 10%), so the dip asked for is 25%: closedFraction 0.75, chosen by `npm run
 * eval:blink-mesh` leave-one-group-out (folds chose 0.7-0.75; 0.75 on all clips): 5 of 12 blinks labelled
 * by eye found held out, none counted where none was seen, no blink on any of 14 photo-attack clips at any
 * bound up to 0.9. The other bounds are the ones set for the 68-point reading on the shared videos and
 * were kept unchanged when the bound was chosen. (For the 68-point reading the dip was 0.9: see
 * landmark68BlinkOptions.) */
export const defaultBlinkOptions: BlinkOptions = {
  baselineWindowFrames: 12,
  baselineQuantile: 0.8,
  warmupFrames: 4,
  closedFraction: 0.75,
  reopenFraction: 0.95,
  closedMsMin: 30,
  closedMsMax: 500,
  frameGapMsMax: 300,
  faceShiftMax: 0.15,
  faceScaleStepMax: 0.08,
  faceAspectStepMax: 0.05,
  faceYawStepMax: 0.15,
};

/** The bounds set for face-api's 68 points, which barely follow a closing lid (a full blink in
 * talking-face.mp4 moves EAR from 0.32 to 0.27 only): a 10% dip. Kept for measuring that reading against
 * the mesh's (eval:blink-mesh); on its clips the EAR cross-check left thin margins: card-turn photo dips
 * reach an EAR depth of 0.09, talking-face's shallower blink 0.11. */
export const landmark68BlinkOptions: BlinkOptions = { ...defaultBlinkOptions, closedFraction: 0.9 };

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
  assert(options.frameGapMsMax > 0, 'frameGapMsMax must be positive');
  const steps = [
    options.faceShiftMax,
    options.faceScaleStepMax,
    options.faceAspectStepMax,
    options.faceYawStepMax,
  ];
  for (const bound of steps)
    assert(bound > 0 && Number.isFinite(bound), 'face step bounds must be positive and finite');
}

/** One frame to the next: was it short, and did the face as a whole hold still enough to read a lid? */
export function steadyStep(
  previous: { readonly timestampMs: number; readonly placement: FacePlacement },
  current: { readonly timestampMs: number; readonly placement: FacePlacement },
  options: BlinkOptions,
): boolean {
  const a = previous.placement;
  const b = current.placement;
  if (!(a.size > 0 && b.size > 0 && a.aspect > 0 && b.aspect > 0)) return false;
  return (
    current.timestampMs - previous.timestampMs <= options.frameGapMsMax &&
    distance(a.centre, b.centre) / a.size <= options.faceShiftMax &&
    Math.abs(Math.log(b.size / a.size)) <= options.faceScaleStepMax &&
    Math.abs(Math.log(b.aspect / a.aspect)) <= options.faceAspectStepMax &&
    Math.abs(b.yaw - a.yaw) <= options.faceYawStepMax
  );
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
 * the 3-D motion cue.
 *
 * And the closure must be read on a steady face (steadyStep, from the last open frame to the reopened
 * one). At the kiosk's 5-8 frames a second the tracker reads a photo that stepped in zoom or pan between
 * two frames (a jerk of the hand; Chromium's fake camera looping its clip) in the previous frame's crop
 * for one frame, and misreads a card in the frames where it turns fastest: both ratios dip 10-15%, a
 * blink's size in this net's reading, and the next frame reopens them. On runs at irregular 6-15 fps
 * (scripts of the kiosk-rate work, not in the repository), talking-face's blinks moved the face at most
 * 0.11 of its size, 3% in size and aspect and 0.09 in yaw per step; of 90 dips on moved photos (seven
 * stills of that man, seven other people), 83 stepped 0.15 of the face's size or more, 3 more 8-16% in
 * size, and the last 4 (the aspect bound was added after they were seen) 5-9% in aspect. Photos of
 * eight more people and two more stills then gave no blink in 100 runs; the phone clips lost most of
 * their blinks, those read while the head turned or came closer, which 3-D motion decides instead. */
export class BlinkDetector {
  readonly #options: BlinkOptions;
  readonly #window: number[] = [];
  readonly #earWindow: number[] = [];
  #seen = 0;
  #lastMs = -Infinity;
  /** The previous frame's placement: each step is checked against it. */
  #lastPlacement: FacePlacement | null = null;
  #closedSinceMs: number | null = null;
  #closedMin = Infinity;
  #closedEarMin = Infinity;
  /** Every step of the closure so far, the one into it included, was steady. */
  #closedSteady = false;
  /** After a closure too long to be a blink, the eyes must be seen open before the next one counts. */
  #waitOpen = false;

  constructor(options: BlinkOptions = defaultBlinkOptions) {
    assertBlinkOptions(options);
    this.#options = options;
  }

  /** One frame's eye reading at `timestampMs` (strictly increasing). */
  push(timestampMs: number, eyes: EyeClosureReading): BlinkStep {
    assert(Number.isFinite(timestampMs) && timestampMs > this.#lastMs, 'timestamps must increase');
    for (const value of [eyes.openness, eyes.ear, eyes.placement.size, eyes.placement.aspect])
      assert(Number.isFinite(value) && value >= 0, 'eye readings must be finite and non-negative');
    const { centre, yaw } = eyes.placement;
    assert([centre.x, centre.y, yaw].every(Number.isFinite), 'the face placement must be finite');
    const previous =
      this.#lastPlacement === null
        ? null
        : { timestampMs: this.#lastMs, placement: this.#lastPlacement };
    const steady =
      previous !== null &&
      steadyStep(previous, { timestampMs, placement: eyes.placement }, this.#options);
    this.#lastMs = timestampMs;
    this.#lastPlacement = eyes.placement;
    this.#seen += 1;
    const baseline = this.#baseline();
    const step = baseline === null ? null : this.#track(timestampMs, eyes, baseline, steady);
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
    this.#lastPlacement = null;
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
    this.#closedSteady = false;
  }

  #track(
    timestampMs: number,
    eyes: EyeClosureReading,
    baseline: number,
    steady: boolean,
  ): Blink | null {
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
        this.#closedSteady = steady;
      }
      return null;
    }
    this.#closedMin = Math.min(this.#closedMin, openness);
    this.#closedEarMin = Math.min(this.#closedEarMin, eyes.ear);
    this.#closedSteady &&= steady;
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
    return this.#reopened(timestampMs, baseline);
  }

  /** The eyes reopened: a blink if the dip was deep enough in both ratios, long enough, and steady. */
  #reopened(timestampMs: number, baseline: number): Blink | null {
    const options = this.#options;
    const startMs = this.#closedSinceMs;
    assert(startMs !== null, 'reopened without a closure');
    const depth = baseline > 0 ? 1 - this.#closedMin / baseline : 0;
    // The EAR window holds only open-eye frames too, so its baseline is the one from before the closure.
    const earBaseline = quantile(this.#earWindow, options.baselineQuantile);
    const earDepth = earBaseline > 0 ? 1 - this.#closedEarMin / earBaseline : 0;
    const steady = this.#closedSteady;
    this.#endClosure();
    const duration = timestampMs - startMs;
    if (duration < options.closedMsMin) return null;
    // Only openness dipped: the face's shape changed (a photo turned), not the lids.
    if (earDepth < 1 - options.closedFraction) return null;
    // The face as a whole moved while the lids seemed to: the tracker's reading, not an eyelid.
    if (!steady) return null;
    return { startMs, endMs: timestampMs, depth };
  }
}
