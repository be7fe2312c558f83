// Finds, in one live clip as the kiosk's engine reads it, where the person is frontal, blinks, turns
// left or right and back, and looks up or down and back: the recorded pieces a scripted shopper answers
// a challenge with.
//
// Pure: per-frame readings in (the tracker's box, landmarks and lids), segments out. Yaw is yawOf, pitch
// the challenge's readablePitchOf and the blinks come from the BlinkDetector with the challenge's own
// options, so a segment is what the challenge itself would see; nothing here is typed in by hand for a clip.
import type { Box, Point } from '../../src/biometrics/geometry.ts';
import { boxCenter, distance } from '../../src/biometrics/geometry.ts';
import type { Blink } from '../../src/biometrics/liveness/active/blink.ts';
import { BlinkDetector, quantile } from '../../src/biometrics/liveness/active/blink.ts';
import type {
  Challenge,
  ChallengeOptions,
} from '../../src/biometrics/liveness/active/challenge.ts';
import type { EyeLids } from '../../src/biometrics/liveness/active/ear.ts';
import type { ContinuityOptions } from '../../src/biometrics/liveness/active/face-continuity.ts';
import { placedLids } from '../../src/biometrics/liveness/active/ear.ts';
import { planarParallax } from '../../src/biometrics/liveness/active/parallax.ts';
import type { Parallax } from '../../src/biometrics/liveness/active/parallax.ts';
import { readablePitchOf, yawOf } from '../../src/biometrics/liveness/active/pose.ts';

export interface FrameReading {
  /** Position in the clip's frame sequence (0, 1, 2, ... with no gaps). */
  readonly index: number;
  readonly timestampMs: number;
  readonly face: {
    readonly box: Box;
    readonly landmarks: readonly Point[];
    readonly eyes: EyeLids | null;
  } | null;
}

/** Consecutive frames, inclusive at both ends. */
export interface FrameRange {
  readonly start: number;
  readonly end: number;
}

export interface ActionSegment {
  readonly action: Challenge;
  /** Frontal, open-eyed frames just before the action (ending at onset - 1): where a splice may enter. */
  readonly leadIn: FrameRange;
  /** First frame of the action: the head leaves the frontal band (a look: passes the challenge's
   * frontalPitch, where the challenge starts its move), or the eyes are first closed. */
  readonly onset: number;
  /** Last frame of the action: the first frontal (level) frame after the turn (look), or the frame the
   * eyes reopened. */
  readonly end: number;
  /** Frontal, open-eyed frames the person holds after the action, played forward and back from `from`:
   * the stretch that follows in the clip (the frames between played through), or, where the clip goes on
   * to another action (a turn left that sweeps on into a turn right), the frontal stretch whose face is
   * nearest the action's last frame (`spliced`: a cut the session sees). */
  readonly hold: { readonly range: FrameRange; readonly from: number; readonly spliced: boolean };
  /** Turns and looks: the frames held near the extreme (change at least turnExtent of the peak's); a
   * shopper asked to turn or look may come back sooner than the recording did. Blinks: null. */
  readonly plateau: FrameRange | null;
  /** Turns: the largest yaw change from the clip's frontal yaw, signed (> 0 left). Looks: the largest
   * pitch change from the clip's frontal pitch, signed (< 0 up). Blinks: 0. */
  readonly peakDelta: number;
  /** Turns (looks): the largest nose swing (planarParallax, eye distances) across the face (the eye line)
   * on the side moved to, against the last lead-in frame, as the challenge measures it against its
   * baseline. Blinks: null. */
  readonly swing: number | null;
  /** Looks: the largest |pitch change| / vertical shrink over the frames past lookPitch whose swing passes
   * lookParallaxMin (Infinity: the face did not shrink; null: no such frame), the challenge's third bound.
   * Turns and blinks: null. */
  readonly pitchPerShrink: number | null;
}

export interface Excursion {
  readonly action: Challenge | 'unknown';
  readonly onset: number;
  readonly why: string;
}

export interface ClipSegments {
  /** The clip's frontal yaw: the yaw most frames lie within frontalBand of (a clip that holds a turn
   * for seconds has its median off frontal). Null: no face at all. */
  readonly frontalYaw: number | null;
  /** Half the challenge's frontal band: any two frontal frames then lie within the band of each other,
   * so the baseline a session settles on one stretch also holds on another. */
  readonly frontalBand: number;
  /** The clip's level pitch (readablePitchOf): the pitch most frontal-yaw frames lie within levelBand
   * of. Null: no readable frontal frame. */
  readonly frontalPitch: number | null;
  /** Half the challenge's frontalPitch, as frontalBand is of frontalYaw. */
  readonly levelBand: number;
  readonly stretches: readonly FrameRange[];
  readonly blinks: readonly Blink[];
  readonly segments: readonly ActionSegment[];
  /** Turns and blinks seen but not usable, and why (a finding, not an error). */
  readonly rejected: readonly Excursion[];
}

/** Frames a hold may start after the action's end (the blink's reopening frame is often still narrow). */
const holdGapFramesMax = 3;
/** Frames of a turn past this fraction of its peak count as held at its extreme (see turnExtent). */
export const defaultTurnExtent = 0.9;
/** A hold or lead-in shorter than this is too short to hold a pose on. */
const stretchFramesMin = 3;

export function findSegments(
  readings: readonly FrameReading[],
  options: ChallengeOptions,
  continuity: Pick<ContinuityOptions, 'boxJumpWidthsMax' | 'boxScaleJumpMax'>,
  /** A turn's (look's) plateau: its frames past this fraction of its peak change, and never short of
   * the challenge's turnYaw (lookPitch) (lower: a shopper who turns only part of the recorded way, cut there). */
  turnExtent = defaultTurnExtent,
): ClipSegments {
  if (!(turnExtent > 0 && turnExtent <= 1)) throw new Error('turnExtent must be in (0, 1]');
  readings.forEach((r, i) => {
    if (r.index !== i) throw new Error('readings must be the clip frames 0, 1, 2, ... in order');
  });
  const yaws = readings.map((r) => (r.face === null ? null : yawOf(r.face.landmarks)));
  const pitches = readings.map((r) => (r.face === null ? null : readablePitchOf(r.face.landmarks)));
  const present = yaws.filter((y): y is number => y !== null);
  const band = options.frontalYaw / 2;
  const levelBand = options.frontalPitch / 2;
  const blinks = blinksOf(readings, options);
  if (present.length === 0)
    return {
      frontalYaw: null,
      frontalBand: band,
      frontalPitch: null,
      levelBand,
      stretches: [],
      blinks,
      segments: [],
      rejected: [],
    };
  const reference = frontalYawOf(present, band);
  const closed = closedFrames(readings, blinks);
  const yawFrontal = yaws.map(
    (y, i) => y !== null && Math.abs(y - reference) <= band && !closed.has(i),
  );
  const level = frontalPitchOf(readings, rangesOf(yawFrontal), levelBand);
  // A frontal frame is level too: a look that keeps the yaw is no place to settle or hold on.
  const frontal = yawFrontal.map((f, i) => f && isLevel(pitches[i], level, levelBand));
  const stretches = rangesOf(frontal).filter((r) => r.end - r.start + 1 >= stretchFramesMin);
  const limits = {
    ...continuity,
    frontalYaw: options.frontalYaw,
    frontalPitch: options.frontalPitch,
  };
  const clip: Clip = {
    readings,
    closed,
    yaws,
    pitches,
    reference,
    level,
    band,
    frontal,
    stretches,
    options,
    limits,
    turnExtent,
  };
  const turns = excursionSegments(clip, yawAxis(clip));
  const looks = level === null ? empty() : excursionSegments(clip, pitchAxis(clip, level));
  const blinkSegs = blinkSegments(clip, blinks);
  const all = [turns, looks, blinkSegs];
  return {
    frontalYaw: reference,
    frontalBand: band,
    frontalPitch: level,
    levelBand,
    stretches,
    blinks,
    segments: all.flatMap((x) => x.segments).sort((a, b) => a.onset - b.onset),
    rejected: all.flatMap((x) => x.rejected).sort((a, b) => a.onset - b.onset),
  };
}

function empty(): { segments: ActionSegment[]; rejected: Excursion[] } {
  return { segments: [], rejected: [] };
}

/** Level: a readable pitch within `band` of the clip's level pitch (any pitch where there is none). */
function isLevel(pitch: number | null | undefined, level: number | null, band: number): boolean {
  if (level === null) return true;
  return pitch !== null && pitch !== undefined && Math.abs(pitch - level) <= band;
}

/** The clip's level pitch: the readable pitch (readablePitchOf) most frames of `stretches` lie within
 * `band` of, found as the frontal yaw is (eval:pitch takes its baseline pitch from here). Null: none. */
export function frontalPitchOf(
  readings: readonly FrameReading[],
  stretches: readonly FrameRange[],
  band: number,
): number | null {
  const pitches = stretches.flatMap((s) =>
    readings.slice(s.start, s.end + 1).flatMap((r) => {
      const pitch = r.face === null ? null : readablePitchOf(r.face.landmarks);
      return pitch === null ? [] : [pitch];
    }),
  );
  return pitches.length === 0 ? null : frontalYawOf(pitches, band);
}

interface Clip {
  readonly readings: readonly FrameReading[];
  /** Frames within a blink, with a frame of margin each side. */
  readonly closed: ReadonlySet<number>;
  readonly yaws: readonly (number | null)[];
  /** readablePitchOf per frame: null without a face or where the fit collapsed. */
  readonly pitches: readonly (number | null)[];
  readonly reference: number;
  /** The clip's level pitch (null: no readable frontal frame, then no look is looked for). */
  readonly level: number | null;
  readonly band: number;
  /** Per frame: a face within the band of the frontal yaw and level pitch, eyes not in a blink. */
  readonly frontal: readonly boolean[];
  readonly limits: SpliceLimits;
  readonly turnExtent: number;
  readonly stretches: readonly FrameRange[];
  readonly options: ChallengeOptions;
}

/** One pose measure the challenge reads a move on: yaw for turns, pitch for looks, with its bounds. */
interface Axis {
  readonly name: 'yaw' | 'pitch';
  readonly values: readonly (number | null)[];
  readonly reference: number;
  /** Off the frontal (level) stretch: where an excursion starts. */
  readonly band: number;
  /** turnYaw / lookPitch: the change that counts as the move. */
  readonly move: number;
  /** frontalYaw / frontalPitch: back within this counts as back. */
  readonly back: number;
  readonly perSecondMax: number;
  /** The action a positive change answers, and a negative one. */
  readonly positive: Challenge;
  readonly negative: Challenge;
  /** The parallax component across the axis (horizontal for yaw, vertical for pitch). */
  readonly swing: (p: Parallax) => number;
  /** An unreadable value on a frame with a face is skipped (a collapsed pitch fit), not a lost face. */
  readonly skipsUnreadable: boolean;
  /** Looks: the onset is the excursion's first frame past `back` (pitch drifts before a look, often
   * while a turn is still coming back) and the lead-in the frames just before it within the challenge's
   * own frontalYaw and frontalPitch; turns: the excursion's first frame, lead-in in the frontal stretch. */
  readonly onsetPastBack: boolean;
}

function yawAxis(clip: Clip): Axis {
  const o = clip.options;
  return {
    name: 'yaw',
    values: clip.yaws,
    reference: clip.reference,
    band: clip.band,
    move: o.turnYaw,
    back: o.frontalYaw,
    perSecondMax: o.yawPerSecondMax,
    positive: 'turn_left',
    negative: 'turn_right',
    swing: (p) => p.horizontal,
    skipsUnreadable: false,
    onsetPastBack: false,
  };
}

/** pitchOf falls as the head tips back: a negative change is a look up. */
function pitchAxis(clip: Clip, level: number): Axis {
  const o = clip.options;
  return {
    name: 'pitch',
    values: clip.pitches,
    reference: level,
    band: o.frontalPitch / 2,
    move: o.lookPitch,
    back: o.frontalPitch,
    perSecondMax: o.pitchPerSecondMax,
    positive: 'look_down',
    negative: 'look_up',
    swing: (p) => p.vertical,
    skipsUnreadable: true,
    onsetPastBack: true,
  };
}

/** The challenge's own blink detector over the whole clip, fed as the challenge feeds it. */
function blinksOf(readings: readonly FrameReading[], options: ChallengeOptions): Blink[] {
  const detector = new BlinkDetector(options.blink);
  const found: Blink[] = [];
  for (const r of readings) {
    const eyes = r.face === null ? null : placedLids(r.face.eyes, r.face.landmarks);
    if (eyes === null) continue;
    const blink = detector.push(r.timestampMs, eyes).blink;
    if (blink !== null) found.push(blink);
  }
  return found;
}

/** Frames within a blink, one frame of margin each side: no natural blink slips into a held pose. */
function closedFrames(readings: readonly FrameReading[], blinks: readonly Blink[]): Set<number> {
  const closed = new Set<number>();
  for (const blink of blinks) {
    const from = frameAt(readings, blink.startMs) - 1;
    const to = frameAt(readings, blink.endMs) + 1;
    for (let i = Math.max(0, from); i <= Math.min(readings.length - 1, to); i++) closed.add(i);
  }
  return closed;
}

function frameAt(readings: readonly FrameReading[], timestampMs: number): number {
  const i = readings.findIndex((r) => r.timestampMs >= timestampMs);
  return i < 0 ? readings.length - 1 : i;
}

function rangesOf(flags: readonly boolean[]): FrameRange[] {
  const ranges: FrameRange[] = [];
  let start: number | null = null;
  flags.forEach((flag, i) => {
    if (flag) start ??= i;
    else if (start !== null) {
      ranges.push({ start, end: i - 1 });
      start = null;
    }
  });
  if (start !== null) ranges.push({ start, end: flags.length - 1 });
  return ranges;
}

/** The frontal stretch the person comes back to: the one starting at most holdGapFramesMax after `end`,
 * the frames between read (a face) and within the challenge's frontal band; else the frame of any frontal
 * stretch nearest `end`'s face (a cut). Null only when the clip has no frontal stretch. */
function holdAfter(clip: Clip, end: number): ActionSegment['hold'] | null {
  const next = clip.stretches.find((s) => s.end > end && s.start - end <= holdGapFramesMax + 1);
  if (next !== undefined && between(clip, end, next.start))
    return { range: next, from: Math.max(next.start, end + 1), spliced: false };
  const last = clip.readings[end];
  if (last === undefined) return null;
  let best: { range: FrameRange; from: number; fraction: number } | null = null;
  for (const stretch of clip.stretches)
    for (const i of range(stretch)) {
      const frame = clip.readings[i];
      if (frame === undefined || Math.abs(i - end) <= 1) continue;
      const fraction = spliceDistance(last, frame, clip.limits).fraction;
      if (best === null || fraction < best.fraction) best = { range: stretch, from: i, fraction };
    }
  return best === null ? null : { range: best.range, from: best.from, spliced: true };
}

/** Whether every frame strictly between `end` and `start` has a face within the frontal band, its pitch
 * (where readable) within the challenge's level band. */
function between(clip: Clip, end: number, start: number): boolean {
  for (let i = end + 1; i < start; i++) {
    const yaw = clip.yaws[i];
    if (yaw === null || yaw === undefined) return false;
    if (Math.abs(yaw - clip.reference) > clip.options.frontalYaw) return false;
    const pitch = clip.pitches[i];
    const tipped =
      clip.level !== null &&
      pitch != null &&
      Math.abs(pitch - clip.level) > clip.options.frontalPitch;
    if (tipped) return false;
  }
  return true;
}

/** Frames just before `onset` within the frontal band, open-eyed, at least one; null when none. */
function leadInBefore(clip: Clip, onset: number): FrameRange | null {
  let start = onset;
  while (start - 1 >= 0 && clip.frontal[start - 1] === true) start -= 1;
  return start === onset ? null : { start, end: onset - 1 };
}

/** The yaw the most frames lie within `band` of (eval:pitch finds a clip's frontal pitch the same way). */
export function frontalYawOf(yaws: readonly number[], band: number): number {
  let best = { yaw: quantile(yaws, 0.5), count: -1 };
  for (const candidate of yaws) {
    const count = yaws.filter((y) => Math.abs(y - candidate) <= band).length;
    if (count > best.count) best = { yaw: candidate, count };
  }
  const near = yaws.filter((y) => Math.abs(y - best.yaw) <= band);
  return quantile(near, 0.5);
}

/** Turns (yaw) or looks (pitch): each excursion off the frontal (level) band that reaches the move and
 * comes back, with its lead-in and hold; the others that reach the move, with why they are no answer. */
function excursionSegments(
  clip: Clip,
  axis: Axis,
): { segments: ActionSegment[]; rejected: Excursion[] } {
  const { values, reference } = axis;
  const away = values.map((v) => v !== null && Math.abs(v - reference) > axis.band);
  const segments: ActionSegment[] = [];
  const rejected: Excursion[] = [];
  for (const run of rangesOf(away)) {
    const deltas = range(run).map((i) => (values[i] ?? reference) - reference);
    const peak = deltas.reduce((a, b) => (Math.abs(b) > Math.abs(a) ? b : a), 0);
    const action = peak > 0 ? axis.positive : axis.negative;
    const why = excursionProblem(clip, axis, run, peak);
    if (why !== null) {
      if (Math.abs(peak) >= axis.move) rejected.push({ action, onset: run.start, why });
      continue;
    }
    const onset = onsetOf(axis, run);
    const leadIn = axis.onsetPastBack ? steadyBefore(clip, onset) : leadInBefore(clip, onset);
    const hold = holdAfter(clip, run.end + 1);
    if (leadIn === null || hold === null) {
      rejected.push({
        action,
        onset,
        why: leadIn === null ? 'no frontal frames just before' : 'no frontal hold after',
      });
      continue;
    }
    const swing = swingOf(clip, axis, leadIn.end, run, Math.sign(peak));
    segments.push({
      action,
      leadIn,
      onset,
      end: run.end + 1,
      hold,
      plateau: plateauOf(clip, axis, run, peak),
      peakDelta: peak,
      swing: swing.swing,
      pitchPerShrink: axis.name === 'pitch' ? swing.perShrink : null,
    });
  }
  return { segments, rejected };
}

/** The excursion's first frame, or for looks its first frame past the challenge's level band. */
function onsetOf(axis: Axis, run: FrameRange): number {
  if (!axis.onsetPastBack) return run.start;
  const past = range(run).find(
    (i) => Math.abs((axis.values[i] ?? axis.reference) - axis.reference) > axis.back,
  );
  return past ?? run.start;
}

/** Frames just before `onset` that the challenge reads as frontal and level (its own bands, not the
 * finder's halves), eyes open; null when none. */
function steadyBefore(clip: Clip, onset: number): FrameRange | null {
  const steady = (i: number): boolean => {
    const yaw = clip.yaws[i];
    const pitch = clip.pitches[i];
    if (yaw === null || yaw === undefined || clip.closed.has(i)) return false;
    const level =
      clip.level === null ||
      (pitch != null && Math.abs(pitch - clip.level) <= clip.options.frontalPitch);
    return level && Math.abs(yaw - clip.reference) <= clip.options.frontalYaw;
  };
  let start = onset;
  while (start - 1 >= 0 && steady(start - 1)) start -= 1;
  return start === onset ? null : { start, end: onset - 1 };
}

function plateauOf(clip: Clip, axis: Axis, run: FrameRange, peak: number): FrameRange {
  const bound = Math.max(clip.turnExtent * Math.abs(peak), axis.move);
  const near = range(run).filter(
    (i) => Math.abs((axis.values[i] ?? axis.reference) - axis.reference) >= bound,
  );
  return { start: near[0] ?? run.start, end: near.at(-1) ?? run.end };
}

/** Why a run of turned (tipped) frames is no usable answer to a turn (look), or null when it is one. */
function excursionProblem(clip: Clip, axis: Axis, run: FrameRange, peak: number): string | null {
  const { values, reference } = axis;
  if (Math.abs(peak) < axis.move)
    return `peak ${axis.name} change ${Math.abs(peak).toFixed(3)} < ${axis.move}`;
  const sides = new Set(range(run).map((i) => Math.sign((values[i] ?? reference) - reference)));
  if (sides.size > 1) return 'crosses from one side to the other';
  const backFace = clip.readings[run.end + 1]?.face;
  const back = values[run.end + 1];
  if (backFace === null || backFace === undefined) return 'face lost before it came back';
  if (back === null || back === undefined) return `${axis.name} unreadable where it came back`;
  if (Math.abs(back - reference) > axis.back)
    return axis.name === 'yaw' ? 'does not come back to frontal' : 'does not come back level';
  if (axis.name === 'pitch') {
    const turned = turnedIn(clip, { start: onsetOf(axis, run), end: run.end });
    if (turned !== null) return `turns while looking (yaw change ${turned.toFixed(3)})`;
  }
  return rateProblem(clip, axis, run);
}

/** The largest |yaw change| of a look's frames from its onset where it reaches turnYaw (the challenge
 * reads a turn there, the wrong action), else null. */
function turnedIn(clip: Clip, run: FrameRange): number | null {
  const changes = range(run).map((i) =>
    Math.abs((clip.yaws[i] ?? clip.reference) - clip.reference),
  );
  const most = Math.max(...changes);
  return most >= clip.options.turnYaw ? most : null;
}

/** The change between consecutive read frames, from the frame before the onset to the one after the
 * end, must keep the challenge's pace (a skipped frame, as the challenge skips it, is bridged). */
function rateProblem(clip: Clip, axis: Axis, run: FrameRange): string | null {
  let last: { value: number; timestampMs: number } | null = null;
  for (let i = run.start - 1; i <= run.end + 1; i++) {
    const reading = clip.readings[i];
    if (reading === undefined) return i < 0 ? 'no frame before the move' : 'clip ends in the move';
    const value = axis.values[i];
    if (reading.face === null) return 'face lost in the move';
    if (value === null || value === undefined) {
      if (axis.skipsUnreadable) continue;
      return 'face lost in the move';
    }
    if (last !== null) {
      const rate = Math.abs(value - last.value) / ((reading.timestampMs - last.timestampMs) / 1000);
      if (rate > axis.perSecondMax) return `${axis.name} changes at ${rate.toFixed(1)}/s`;
    }
    last = { value, timestampMs: reading.timestampMs };
  }
  return null;
}

/** The largest swing on the side moved to over the frames past the move, and for looks the largest
 * |pitch change| per vertical shrink among those whose swing passes lookParallaxMin. */
function swingOf(
  clip: Clip,
  axis: Axis,
  reference: number,
  run: FrameRange,
  side: number,
): { swing: number | null; perShrink: number | null } {
  const from = clip.readings[reference]?.face?.landmarks;
  if (from === undefined) return { swing: null, perShrink: null };
  let best: number | null = null;
  let perShrink: number | null = null;
  for (const i of range(run)) {
    const value = axis.values[i];
    const to = clip.readings[i]?.face?.landmarks;
    if (value === null || value === undefined || to === undefined) continue;
    const delta = value - axis.reference;
    if (Math.abs(delta) < axis.move) continue;
    const parallax = planarParallax(from, to);
    if (parallax === null) continue;
    const swing = axis.swing(parallax) * side;
    best = Math.max(best ?? -Infinity, swing);
    if (swing < clip.options.lookParallaxMin) continue;
    const shrink = Math.max(0, parallax.verticalForeshortening);
    perShrink = Math.max(perShrink ?? 0, shrink > 0 ? Math.abs(delta) / shrink : Infinity);
  }
  return { swing: best, perShrink };
}

function blinkSegments(
  clip: Clip,
  blinks: readonly Blink[],
): { segments: ActionSegment[]; rejected: Excursion[] } {
  const segments: ActionSegment[] = [];
  const rejected: Excursion[] = [];
  for (const blink of blinks) {
    const onset = frameAt(clip.readings, blink.startMs);
    const end = frameAt(clip.readings, blink.endMs);
    const turned = range({ start: onset, end }).some((i) => {
      const yaw = clip.yaws[i];
      return (
        yaw === null ||
        yaw === undefined ||
        Math.abs(yaw - clip.reference) > clip.options.frontalYaw
      );
    });
    // The margin frame before the closure is not frontal-and-open, so the lead-in ends two frames before.
    const leadIn = leadInBefore(clip, onset - 1);
    const hold = holdAfter(clip, end);
    const why = turned
      ? 'not frontal while blinking'
      : leadIn === null
        ? 'no frontal frames just before'
        : hold === null
          ? 'no frontal hold after'
          : null;
    if (why !== null || leadIn === null || hold === null) {
      rejected.push({ action: 'blink', onset, why: why ?? 'unusable' });
      continue;
    }
    segments.push({
      action: 'blink',
      leadIn: { start: leadIn.start, end: onset - 1 },
      onset,
      end,
      hold,
      plateau: null,
      peakDelta: 0,
      swing: null,
      pitchPerShrink: null,
    });
  }
  return { segments, rejected };
}

function range(r: FrameRange): number[] {
  return Array.from({ length: r.end - r.start + 1 }, (_, k) => r.start + k);
}

/** How far apart two frames' faces are, as fractions of the bounds a jump between them must keep:
 * the box centre (continuity: boxJumpWidthsMax), its width (boxScaleJumpMax), yaw (the frontal band) and
 * pitch (the level band; 0 where either fit collapsed, as the challenge skips such a frame). */
export function spliceDistance(a: FrameReading, b: FrameReading, limits: SpliceLimits): SpliceJump {
  if (a.face === null || b.face === null)
    return {
      widths: Infinity,
      scale: Infinity,
      yaw: Infinity,
      pitch: Infinity,
      fraction: Infinity,
    };
  const widths = distance(boxCenter(a.face.box), boxCenter(b.face.box)) / a.face.box.width;
  const scale =
    Math.max(a.face.box.width, b.face.box.width) / Math.min(a.face.box.width, b.face.box.width);
  const yaw = Math.abs(yawOf(a.face.landmarks) - yawOf(b.face.landmarks));
  const pa = readablePitchOf(a.face.landmarks);
  const pb = readablePitchOf(b.face.landmarks);
  const pitch = pa === null || pb === null ? 0 : Math.abs(pa - pb);
  const fraction = Math.max(
    widths / limits.boxJumpWidthsMax,
    Math.log(scale) / Math.log(limits.boxScaleJumpMax),
    yaw / limits.frontalYaw,
    pitch / limits.frontalPitch,
  );
  return { widths, scale, yaw, pitch, fraction };
}

export interface SpliceLimits {
  readonly boxJumpWidthsMax: number;
  readonly boxScaleJumpMax: number;
  readonly frontalYaw: number;
  readonly frontalPitch: number;
}

export interface SpliceJump {
  /** Box centre movement, in the first box's widths. */
  readonly widths: number;
  /** Larger over smaller box width. */
  readonly scale: number;
  readonly yaw: number;
  readonly pitch: number;
  /** The largest of the four as a fraction of its bound (1: at the bound). */
  readonly fraction: number;
}
