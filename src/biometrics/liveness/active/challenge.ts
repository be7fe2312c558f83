// The active liveness challenge: after a short frontal settle, asks for blink / turn left / turn right in
// an order drawn from an injected random source, each within a time limit, fed frame by frame.
// A photo fails: it cannot blink, and its "turn" is a homography of the frontal view (planar_turn).
import { assert } from '../../../shared/assert.ts';
import { activeChallengesMax, activeChallengeTimeLimitMsMax } from '../../../shared/limits.ts';
import type { Point } from '../../geometry.ts';
import type { BlinkOptions } from './blink.ts';
import { BlinkDetector, defaultBlinkOptions, quantile } from './blink.ts';
import { placedLids } from './ear.ts';
import type { ActiveFace, ActiveFrame, ContinuityOptions } from './face-continuity.ts';
import { defaultContinuityOptions, FaceContinuity } from './face-continuity.ts';
import { planarParallax } from './parallax.ts';
import { yawOf } from './pose.ts';

export type Challenge = 'blink' | 'turn_left' | 'turn_right';
export const challengeKinds: readonly Challenge[] = ['blink', 'turn_left', 'turn_right'];

export type ChallengeFailure =
  'timeout' | 'wrong_action' | 'face_lost' | 'face_changed' | 'too_fast' | 'planar_turn';

export interface ChallengeOptions {
  /** The challenges drawn, in random order, without repeats. */
  readonly pool: readonly Challenge[];
  readonly count: number;
  /** Frontal frames spanning this long set the person's baseline yaw and reference landmarks. */
  readonly settleMs: number;
  /** Time allowed for each challenge (and for settling, and for coming back to frontal after a turn). */
  readonly timeLimitMs: number;
  /** An action starting sooner than this after its prompt is not a human reacting to it. */
  readonly reactionMsMin: number;
  /** Yaw change (see yawOf) from the baseline that counts as a turn ... */
  readonly turnYaw: number;
  /** ... and within which the head counts as frontal again. */
  readonly frontalYaw: number;
  /** Faster yaw change between consecutive frames is not a head (a swapped picture). */
  readonly yawPerSecondMax: number;
  /** Nose-tip parallax (eye distances) a 3-D turn must show, on the side it turns to. */
  readonly turnParallaxMin: number;
  /** A head's yaw change is large for little foreshortening; a turned card's is the reverse:
   * the yaw change must be at least this times the face's horizontal shrink. */
  readonly turnYawPerForeshorteningMin: number;
  readonly blink: BlinkOptions;
  readonly continuity: ContinuityOptions;
}

/** Set on the shared clips (scripts/eval-liveness-video.ts): photo cards swung +-50 degrees reach a yaw
 * change of 0.15 at most (the landmark net half-imagines a turned face) with a shrink of 0.2-0.27; real
 * head turns in the live selfie videos reach 0.3-0.6 with a shrink mostly under half the yaw change. */
export const defaultChallengeOptions: ChallengeOptions = {
  pool: challengeKinds,
  count: 3,
  settleMs: 400,
  timeLimitMs: 5000,
  reactionMsMin: 150,
  turnYaw: 0.2,
  frontalYaw: 0.06,
  yawPerSecondMax: 6,
  turnParallaxMin: 0.08,
  turnYawPerForeshorteningMin: 1,
  blink: defaultBlinkOptions,
  continuity: defaultContinuityOptions,
};

export type ChallengeState =
  | { readonly status: 'settling' }
  | { readonly status: 'asking'; readonly challenge: Challenge; readonly index: number }
  | { readonly status: 'returning'; readonly index: number }
  | { readonly status: 'passed'; readonly completedMs: readonly number[] }
  | {
      readonly status: 'failed';
      readonly reason: ChallengeFailure;
      readonly challenge: Challenge | null;
      readonly detail: string;
    };

/** Fisher-Yates with the injected source (values in [0, 1)): deterministic under a seeded one. */
export function drawChallenges(
  pool: readonly Challenge[],
  count: number,
  random: () => number,
): Challenge[] {
  assert(Number.isInteger(count) && count >= 1 && count <= pool.length, 'count out of range');
  assert(new Set(pool).size === pool.length, 'the pool has no repeats');
  const order = [...pool];
  for (let i = order.length - 1; i > 0; i--) {
    const r = random();
    assert(r >= 0 && r < 1, 'random() must return a number in [0, 1)');
    const j = Math.floor(r * (i + 1));
    [order[i], order[j]] = [order[j] as Challenge, order[i] as Challenge];
  }
  return order.slice(0, count);
}

export function assertChallengeOptions(options: ChallengeOptions): void {
  assert(options.count >= 1 && options.count <= activeChallengesMax, 'count out of range');
  assert(
    options.timeLimitMs > 0 && options.timeLimitMs <= activeChallengeTimeLimitMsMax,
    'timeLimitMs out of range',
  );
  assert(options.settleMs >= 0 && options.settleMs < options.timeLimitMs, 'settleMs out of range');
  assert(options.reactionMsMin >= 0, 'reactionMsMin must not be negative');
  assert(options.frontalYaw > 0 && options.frontalYaw < options.turnYaw, 'frontalYaw < turnYaw');
  assert(options.yawPerSecondMax > 0 && options.turnParallaxMin > 0, 'positive bounds');
}

interface Settle {
  readonly frames: { timestampMs: number; yaw: number; landmarks: readonly Point[] }[];
}

interface Baseline {
  readonly yaw: number;
  readonly landmarks: readonly Point[];
}

interface Turn {
  /** When the head first left the frontal band after the prompt. */
  startedMs: number | null;
  /** A turned frame showed 3-D parallax on the turning side. */
  solid: boolean;
  beyond: boolean;
}

export class ChallengeController {
  readonly challenges: readonly Challenge[];
  readonly #options: ChallengeOptions;
  readonly #blinks: BlinkDetector;
  readonly #continuity: FaceContinuity;
  #state: ChallengeState = { status: 'settling' };
  #settle: Settle = { frames: [] };
  #baseline: Baseline | null = null;
  #phaseStartMs: number | null = null;
  #lastMs = -Infinity;
  #last: { timestampMs: number; yaw: number } | null = null;
  #turn: Turn = { startedMs: null, solid: false, beyond: false };
  readonly #completedMs: number[] = [];

  constructor(random: () => number, options: ChallengeOptions = defaultChallengeOptions) {
    assertChallengeOptions(options);
    this.#options = options;
    this.challenges = drawChallenges(options.pool, options.count, random);
    this.#blinks = new BlinkDetector(options.blink);
    this.#continuity = new FaceContinuity(options.continuity);
  }

  get state(): ChallengeState {
    return this.#state;
  }

  /** Feeds one camera frame; returns the state after it. Terminal states stay as they are. */
  observe(frame: ActiveFrame): ChallengeState {
    assert(frame.timestampMs > this.#lastMs, 'timestamps must increase');
    this.#lastMs = frame.timestampMs;
    if (this.#state.status === 'passed' || this.#state.status === 'failed') return this.#state;
    this.#phaseStartMs ??= frame.timestampMs;
    const lost = this.#continuity.check(frame);
    if (lost !== null) this.#fail(lost, `at ${frame.timestampMs.toFixed(0)} ms`);
    else if (frame.face !== null) this.#step(frame.timestampMs, frame.face);
    else if (this.#timedOut(frame.timestampMs)) this.#fail('timeout', 'no face in time');
    return this.#state;
  }

  #step(t: number, face: ActiveFace): void {
    const landmarks = face.landmarks;
    const yaw = yawOf(landmarks);
    // A frame without a lid reading is skipped by the blink detector, as by natural motion.
    const eyes = placedLids(face.eyes, landmarks);
    const blink = eyes === null ? null : this.#blinks.push(t, eyes).blink;
    const last = this.#last;
    this.#last = { timestampMs: t, yaw };
    if (last !== null) {
      const rate = Math.abs(yaw - last.yaw) / ((t - last.timestampMs) / 1000);
      if (rate > this.#options.yawPerSecondMax) {
        this.#fail('too_fast', `yaw changed at ${rate.toFixed(1)}/s`);
        return;
      }
    }
    const state = this.#state;
    if (state.status === 'settling') this.#stepSettle(t, yaw, landmarks);
    else if (state.status === 'returning') this.#stepReturn(t, yaw, state.index);
    else if (state.status === 'asking')
      this.#stepAsk({ t, yaw, landmarks, blinkStartMs: blink?.startMs ?? null }, state);
  }

  #timedOut(t: number): boolean {
    return t - (this.#phaseStartMs ?? t) > this.#options.timeLimitMs;
  }

  #stepSettle(t: number, yaw: number, landmarks: readonly Point[]): void {
    const frames = this.#settle.frames;
    frames.push({ timestampMs: t, yaw, landmarks });
    const median = quantile(
      frames.map((f) => f.yaw),
      0.5,
    );
    // Only a steady stretch counts: drop older frames that disagree with the current median.
    while (Math.abs((frames[0]?.yaw ?? median) - median) > this.#options.frontalYaw) frames.shift();
    const first = frames[0];
    const steady =
      first !== undefined && frames.length >= 3 && t - first.timestampMs >= this.#options.settleMs;
    if (steady) {
      const nearest = [...frames].sort(
        (a, b) => Math.abs(a.yaw - median) - Math.abs(b.yaw - median),
      )[0];
      this.#baseline = { yaw: median, landmarks: (nearest ?? first).landmarks };
      this.#ask(0, t);
      return;
    }
    if (this.#timedOut(t)) this.#fail('timeout', 'no steady frontal face to start from');
  }

  #ask(index: number, t: number): void {
    const challenge = this.challenges[index];
    if (challenge === undefined) {
      this.#state = { status: 'passed', completedMs: [...this.#completedMs] };
      return;
    }
    this.#phaseStartMs = t;
    this.#turn = { startedMs: null, solid: false, beyond: false };
    this.#state = { status: 'asking', challenge, index };
  }

  #stepReturn(t: number, yaw: number, index: number): void {
    const baseline = this.#baseline;
    assert(baseline !== null, 'returning before settling');
    if (Math.abs(yaw - baseline.yaw) <= this.#options.frontalYaw) this.#ask(index + 1, t);
    else if (this.#timedOut(t)) this.#fail('timeout', 'did not come back to frontal');
  }

  #stepAsk(frame: AskFrame, state: { challenge: Challenge; index: number }): void {
    const baseline = this.#baseline;
    assert(baseline !== null, 'asking before settling');
    const prompt = this.#phaseStartMs ?? frame.t;
    const delta = frame.yaw - baseline.yaw;
    if (Math.abs(delta) >= this.#options.turnYaw) {
      this.#stepTurned(frame, delta, state.challenge, baseline);
      if (this.#state.status !== 'asking') return;
    } else {
      this.#stepUnturned(delta);
      if (this.#state.status !== 'asking') return;
    }
    // Blinks that began before the prompt, or too soon after it to be an answer, are natural ones.
    const blinkStart = frame.blinkStartMs;
    const answered = blinkStart !== null && blinkStart - prompt >= this.#options.reactionMsMin;
    if (state.challenge === 'blink' && answered) this.#complete(frame.t, state.index, 'next');
    else if (this.#timedOut(frame.t))
      this.#fail(this.#turn.beyond ? 'planar_turn' : 'timeout', `no ${state.challenge} in time`);
  }

  #stepUnturned(delta: number): void {
    const turn = this.#turn;
    if (turn.beyond && !turn.solid) {
      this.#fail('planar_turn', 'turned without 3-D parallax: a flat picture');
      return;
    }
    // The turn starts when the head leaves the frontal band; drifting back in restarts the clock.
    if (Math.abs(delta) > this.#options.frontalYaw) turn.startedMs ??= this.#lastMs;
    else turn.startedMs = null;
  }

  #stepTurned(frame: AskFrame, delta: number, challenge: Challenge, baseline: Baseline): void {
    const turn = this.#turn;
    turn.startedMs ??= frame.t;
    const direction: Challenge = delta > 0 ? 'turn_left' : 'turn_right';
    if (direction !== challenge) {
      this.#fail('wrong_action', `${direction} when asked to ${challenge}`);
      return;
    }
    const reaction = turn.startedMs - (this.#phaseStartMs ?? frame.t);
    if (reaction < this.#options.reactionMsMin) {
      this.#fail('too_fast', `turn began ${reaction.toFixed(0)} ms after the prompt`);
      return;
    }
    turn.beyond = true;
    const parallax = planarParallax(baseline.landmarks, frame.landmarks);
    // The nose swings off the face plane toward the side the head turns to; a photo's nose stays on it.
    const swing = parallax === null ? 0 : parallax.horizontal * Math.sign(delta);
    const shrink = parallax === null ? Infinity : Math.max(0, parallax.foreshortening);
    const headLike = Math.abs(delta) >= this.#options.turnYawPerForeshorteningMin * shrink;
    if (swing >= this.#options.turnParallaxMin && headLike) turn.solid = true;
    if (!turn.solid) return;
    // Coming back to frontal only sets up the next prompt: after the last one the turn itself passes.
    const index = this.#indexOfAsk();
    this.#complete(frame.t, index, index + 1 < this.challenges.length ? 'returning' : 'next');
  }

  #indexOfAsk(): number {
    assert(this.#state.status === 'asking', 'not asking');
    return this.#state.index;
  }

  #complete(t: number, index: number, then: 'returning' | 'next'): void {
    this.#completedMs.push(t);
    if (then === 'next') {
      this.#ask(index + 1, t);
      return;
    }
    this.#phaseStartMs = t;
    this.#state = { status: 'returning', index };
  }

  #fail(reason: ChallengeFailure, detail: string): void {
    const challenge = this.#state.status === 'asking' ? this.#state.challenge : null;
    this.#state = { status: 'failed', reason, challenge, detail };
  }
}

interface AskFrame {
  readonly t: number;
  readonly yaw: number;
  readonly landmarks: readonly Point[];
  readonly blinkStartMs: number | null;
}
