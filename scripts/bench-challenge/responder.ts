// A simulated shopper made of one clip's recorded frames: holds a frontal pose until the session prompts,
// then, a human reaction time later, does what was asked with that clip's own frames of the action.
//
// Pure schedule: the caller shows next()'s frame to the session and tells observe() the prompt it got
// back. Time runs at the clip's frame rate from 0; a frame index is a frame of the clip, never made up.
import type { Challenge } from '../../src/biometrics/liveness/active/challenge.ts';
import { challengeKinds } from '../../src/biometrics/liveness/active/challenge.ts';
import type {
  ActionSegment,
  FrameRange,
  FrameReading,
  SpliceJump,
  SpliceLimits,
} from './segments.ts';
import { spliceDistance } from './segments.ts';

export interface ResponderOptions {
  readonly readings: readonly FrameReading[];
  readonly frameIntervalMs: number;
  /** From the prompting frame's time to the action's first frame. */
  readonly reactionMs: number;
  /** Frontal frames held from the start, until the first prompt. */
  readonly home: FrameRange;
  /** The home's frame shown first (default its first): where in the stretch the shopper is when seen. */
  readonly homeFrom?: number;
  /** The recorded answer to each challenge this shopper can answer. */
  readonly answers: ReadonlyMap<Challenge, ActionSegment>;
  readonly limits: SpliceLimits;
  /** A turn or look held at its extreme for longer than this in the recording is cut short, to the
   * frame on its way back whose face is nearest (null: as recorded). */
  readonly turnDwellMs: number | null;
}

export interface ShownFrame {
  readonly index: number;
  readonly timestampMs: number;
  readonly phase: 'hold' | 'lead_in' | 'action' | 'back';
}

export type ResponderEvent =
  | { readonly kind: 'prompt'; readonly challenge: Challenge; readonly atMs: number }
  | { readonly kind: 'no_answer'; readonly challenge: Challenge; readonly atMs: number }
  | { readonly kind: 'onset'; readonly challenge: Challenge; readonly atMs: number }
  | { readonly kind: 'action_end'; readonly challenge: Challenge; readonly atMs: number }
  | {
      readonly kind: 'splice';
      readonly from: number;
      readonly to: number;
      readonly atMs: number;
      readonly jump: SpliceJump;
    };

/** Frames played from a step on, then a frontal stretch held (played forward and back from `from`). */
interface Play {
  readonly fromStep: number;
  readonly frames: readonly number[];
  readonly hold: { readonly range: FrameRange; readonly from: number };
  readonly segment: ActionSegment | null;
}

export class ScriptedResponder {
  readonly #options: ResponderOptions;
  readonly #plays: Play[];
  readonly #answered = new Set<Challenge>();
  readonly events: ResponderEvent[] = [];
  /** The step of the next frame to show. */
  #step = 0;

  constructor(options: ResponderOptions) {
    if (!(options.frameIntervalMs > 0 && options.reactionMs >= 0))
      throw new Error('frame interval must be positive and reaction time not negative');
    const from = options.homeFrom ?? options.home.start;
    if (!(from >= options.home.start && from <= options.home.end))
      throw new Error('the first frame shown must be a frame of the home');
    this.#options = options;
    const home = { range: options.home, from };
    this.#plays = [{ fromStep: 0, frames: [], hold: home, segment: null }];
  }

  timeOf(step: number): number {
    return step * this.#options.frameIntervalMs;
  }

  next(): ShownFrame {
    const step = this.#step;
    const { play, offset } = this.#playAt(step);
    const index = frameOf(play, offset);
    const atMs = this.timeOf(step);
    const segment = play.segment;
    const cut = offset === 0 ? step > 0 && play.frames.length > 0 : offset < play.frames.length;
    const from = step > 0 ? this.#frameAtStep(step - 1) : index;
    if (cut && (offset === 0 || Math.abs(from - index) > 1))
      this.events.push({ kind: 'splice', from, to: index, atMs, jump: this.#jump(from, index) });
    // The cut to a spliced hold, after the action's last frame.
    if (offset === play.frames.length && play.frames.length > 0 && Math.abs(from - index) > 1)
      this.events.push({ kind: 'splice', from, to: index, atMs, jump: this.#jump(from, index) });
    if (segment !== null && index === segment.onset && offset < play.frames.length)
      this.events.push({ kind: 'onset', challenge: segment.action, atMs });
    if (segment !== null && index === segment.end && offset < play.frames.length)
      this.events.push({ kind: 'action_end', challenge: segment.action, atMs });
    this.#step += 1;
    return { index, timestampMs: atMs, phase: phaseOf(play, offset, index) };
  }

  /** The session's prompt after the frame shown at `atMs`: a challenge not yet answered is answered. */
  observe(prompt: string | null, atMs: number): void {
    const challenge = challengeKinds.find((c) => c === prompt);
    if (challenge === undefined || this.#answered.has(challenge)) return;
    this.#answered.add(challenge);
    this.events.push({ kind: 'prompt', challenge, atMs });
    const segment = this.#options.answers.get(challenge);
    if (segment === undefined) {
      this.events.push({ kind: 'no_answer', challenge, atMs });
      return;
    }
    this.#plays.push(this.#schedule(segment, atMs));
  }

  /** Enters the segment's lead-in where the face is nearest the frame shown just before, so that its
   * onset falls at the prompt plus the reaction time (later only if an earlier answer is still playing). */
  #schedule(segment: ActionSegment, promptMs: number): Play {
    const interval = this.#options.frameIntervalMs;
    const onsetStep = Math.ceil((promptMs + this.#options.reactionMs) / interval - 1e-9);
    const last = this.#plays.at(-1);
    if (last === undefined) throw new Error('the responder always has a play');
    const free = Math.max(this.#step, last.fromStep + last.frames.length);
    let best: { entry: number; fromStep: number; fraction: number } | null = null;
    for (let entry = segment.onset - 1; entry >= segment.leadIn.start; entry--) {
      const fromStep = onsetStep - (segment.onset - entry);
      if (fromStep < free) break;
      const before = fromStep === 0 ? null : this.#frameAtStep(fromStep - 1);
      const fraction = before === null ? 0 : this.#jump(before, entry).fraction;
      if (best === null || fraction < best.fraction) best = { entry, fromStep, fraction };
    }
    // No room before the onset time (an answer still playing): start at once from the lead-in's end.
    const chosen = best ?? { entry: segment.onset - 1, fromStep: free };
    // Through the action's last frame, and on to the hold where it follows in the clip.
    const until = segment.hold.spliced ? segment.end + 1 : segment.hold.from;
    const frames = this.#actionFrames(segment, chosen.entry, until);
    return { fromStep: chosen.fromStep, frames, hold: segment.hold, segment };
  }

  /** entry .. until - 1, less the part of a turn's extreme held past turnDwellMs. */
  #actionFrames(segment: ActionSegment, entry: number, until: number): number[] {
    const all = Array.from({ length: until - entry }, (_, k) => entry + k);
    const plateau = segment.plateau;
    const dwell = this.#options.turnDwellMs;
    if (plateau === null || dwell === null) return all;
    const cutOut = plateau.start + Math.round(dwell / this.#options.frameIntervalMs);
    if (cutOut >= plateau.end) return all;
    // Back in at the frame nearest the one cut from, among the extreme's last few.
    let back = plateau.end;
    let nearest = Infinity;
    for (let i = Math.max(cutOut + 1, plateau.end - 5); i <= plateau.end; i++) {
      const fraction = this.#jump(cutOut, i).fraction;
      if (fraction < nearest) [back, nearest] = [i, fraction];
    }
    return all.filter((i) => i <= cutOut || i >= back);
  }

  #playAt(step: number): { play: Play; offset: number } {
    const play = this.#plays.findLast((p) => p.fromStep <= step) ?? this.#plays[0];
    if (play === undefined) throw new Error('the responder always has a play');
    return { play, offset: step - play.fromStep };
  }

  #frameAtStep(step: number): number {
    const { play, offset } = this.#playAt(step);
    return frameOf(play, offset);
  }

  #jump(from: number, to: number): SpliceJump {
    const a = this.#options.readings[from];
    const b = this.#options.readings[to];
    if (a === undefined || b === undefined) throw new Error('a frame outside the clip');
    return spliceDistance(a, b, this.#options.limits);
  }
}

function frameOf(play: Play, offset: number): number {
  const played = play.frames[offset];
  if (played !== undefined) return played;
  const { range, from } = play.hold;
  return pingPong(range, from - range.start + offset - play.frames.length);
}

/** The stretch played forward, then back, and so on: a held pose without a jump. */
export function pingPong(range: FrameRange, phase: number): number {
  const length = range.end - range.start + 1;
  if (length <= 1) return range.start;
  const period = 2 * (length - 1);
  const p = phase % period;
  return range.start + (p < length ? p : period - p);
}

function phaseOf(play: Play, offset: number, index: number): ShownFrame['phase'] {
  const segment = play.segment;
  if (segment === null || offset >= play.frames.length) return 'hold';
  if (index < segment.onset) return 'lead_in';
  return index <= segment.end ? 'action' : 'back';
}
