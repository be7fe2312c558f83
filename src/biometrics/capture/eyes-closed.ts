// Are this frame's eyes closed? The blink detector's two eye readings (ear.ts: lid gap over eye width and
// over eye-to-mouth height) against this person's own open-eye level over the last few seconds.
//
// face-api's 68-point net barely follows a closing lid: talking-face.mp4's full blink (frame 165) reads
// EAR 0.274 and openness 0.093 against 0.311 and 0.103 open (88% and 90%), and while the man talks
// looking down (frames 56-81) it reads 0.26 with his eyes open. So the level is a high quantile of a
// window of seconds (a blink's few frames and a glance down are both below it), a frame is closed when
// both readings fall below closedFraction of it, and "closed" for longer than the window is beyond what
// these landmarks can tell from a long look down: EAR under earClosedMax (Soukupová & Čech's closed eye)
// is closed whatever the level, but this net may never read a shut eye that low.
import { assert } from '../../shared/assert.ts';
import type { Point } from '../geometry.ts';
import { quantile } from '../liveness/active/blink.ts';
import { eyeAspectRatios, eyeOpenness } from '../liveness/active/ear.ts';

export interface EyesClosedOptions {
  /** Both readings below this fraction of the person's open level: closed. */
  readonly closedFraction: number;
  /** The level is this quantile of the readings of the last levelWindowMs ... */
  readonly levelQuantile: number;
  readonly levelWindowMs: number;
  /** ... once at least this many are there (before that, only earClosedMax applies). */
  readonly levelFramesMin: number;
  /** EAR below this is closed without a level. */
  readonly earClosedMax: number;
}

/** 0.92: talking-face's open frames stay within 2% of their level, its blink dips 10-12%. */
export const defaultEyesClosedOptions: EyesClosedOptions = {
  closedFraction: 0.92,
  levelQuantile: 0.8,
  levelWindowMs: 3000,
  levelFramesMin: 5,
  earClosedMax: 0.15,
};

interface EyeReading {
  readonly timestampMs: number;
  readonly openness: number;
  readonly ear: number;
}

/** One person's frames, timestamps increasing. */
export class EyesClosedCheck {
  readonly #options: EyesClosedOptions;
  readonly #window: EyeReading[] = [];

  constructor(options: EyesClosedOptions = defaultEyesClosedOptions) {
    assert(options.closedFraction > 0 && options.closedFraction < 1, 'closedFraction in (0, 1)');
    assert(options.levelQuantile > 0 && options.levelQuantile < 1, 'levelQuantile in (0, 1)');
    assert(options.levelWindowMs > 0, 'levelWindowMs must be positive');
    assert(
      Number.isInteger(options.levelFramesMin) && options.levelFramesMin >= 1,
      'levelFramesMin >= 1',
    );
    assert(options.earClosedMax >= 0, 'earClosedMax must not be negative');
    this.#options = options;
  }

  /** One frame's landmarks (a face read well); true when its eyes are closed. */
  push(landmarks: readonly Point[], timestampMs: number): boolean {
    const last = this.#window.at(-1);
    assert(last === undefined || timestampMs > last.timestampMs, 'timestamps must increase');
    const reading = {
      timestampMs,
      openness: eyeOpenness(landmarks),
      ear: eyeAspectRatios(landmarks).mean,
    };
    const options = this.#options;
    while ((this.#window[0]?.timestampMs ?? timestampMs) <= timestampMs - options.levelWindowMs)
      this.#window.shift();
    this.#window.push(reading);
    if (reading.ear < options.earClosedMax) return true;
    if (this.#window.length < options.levelFramesMin) return false;
    const level = (values: number[]): number => quantile(values, options.levelQuantile);
    const fraction = options.closedFraction;
    return (
      reading.openness < fraction * level(this.#window.map((r) => r.openness)) &&
      reading.ear < fraction * level(this.#window.map((r) => r.ear))
    );
  }
}
