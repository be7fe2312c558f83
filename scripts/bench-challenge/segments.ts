// Finds, in one live clip as the kiosk's engine reads it, where the person is frontal, blinks, turns
// left and back, and turns right and back: the recorded pieces a scripted shopper answers a challenge with.
//
// Pure: per-frame readings in (the tracker's box, landmarks and lids), segments out. Yaw is yawOf and the
// blinks come from the BlinkDetector with the challenge's own options, so a segment is what the
// challenge itself would see; nothing here is typed in by hand for a clip.
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
import { yawOf } from '../../src/biometrics/liveness/active/pose.ts';

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
  /** First frame of the action: the head leaves the frontal band, or the eyes are first closed. */
  readonly onset: number;
  /** Last frame of the action: the first frontal frame after the turn, or the frame the eyes reopened. */
  readonly end: number;
  /** Frontal, open-eyed frames the person holds after the action, played forward and back from `from`:
   * the stretch that follows in the clip (the frames between played through), or, where the clip goes on
   * to another action (a turn left that sweeps on into a turn right), the frontal stretch whose face is
   * nearest the action's last frame (`spliced`: a cut the session sees). */
  readonly hold: { readonly range: FrameRange; readonly from: number; readonly spliced: boolean };
  /** Turns: the frames held near the extreme (yaw change at least turnExtent of the peak's); a shopper
   * asked to turn may come back sooner than the recording did. Blinks: null. */
  readonly plateau: FrameRange | null;
  /** Turns: the largest yaw change from the clip's frontal yaw, signed (> 0 left). Blinks: 0. */
  readonly peakYawDelta: number;
  /** Turns: the largest nose swing (planarParallax, eye distances) on the turning side against the
   * last lead-in frame, as the challenge measures it against its baseline. Blinks: null. */
  readonly swing: number | null;
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
  /** A turn's plateau: its frames past this fraction of its peak yaw change, and never short of the
   * challenge's turnYaw (lower: a shopper who turns only part of the recorded way, cut there). */
  turnExtent = defaultTurnExtent,
): ClipSegments {
  if (!(turnExtent > 0 && turnExtent <= 1)) throw new Error('turnExtent must be in (0, 1]');
  readings.forEach((r, i) => {
    if (r.index !== i) throw new Error('readings must be the clip frames 0, 1, 2, ... in order');
  });
  const yaws = readings.map((r) => (r.face === null ? null : yawOf(r.face.landmarks)));
  const present = yaws.filter((y): y is number => y !== null);
  const band = options.frontalYaw / 2;
  const blinks = blinksOf(readings, options);
  if (present.length === 0)
    return {
      frontalYaw: null,
      frontalBand: band,
      stretches: [],
      blinks,
      segments: [],
      rejected: [],
    };
  const reference = frontalYawOf(present, band);
  const closed = closedFrames(readings, blinks);
  const frontal = yaws.map(
    (y, i) => y !== null && Math.abs(y - reference) <= band && !closed.has(i),
  );
  const stretches = rangesOf(frontal).filter((r) => r.end - r.start + 1 >= stretchFramesMin);
  const limits = { ...continuity, frontalYaw: options.frontalYaw };
  const clip: Clip = {
    readings,
    yaws,
    reference,
    band,
    frontal,
    stretches,
    options,
    limits,
    turnExtent,
  };
  const turns = turnSegments(clip);
  const blinkSegs = blinkSegments(clip, blinks);
  return {
    frontalYaw: reference,
    frontalBand: band,
    stretches,
    blinks,
    segments: [...turns.segments, ...blinkSegs.segments].sort((a, b) => a.onset - b.onset),
    rejected: [...turns.rejected, ...blinkSegs.rejected].sort((a, b) => a.onset - b.onset),
  };
}

interface Clip {
  readonly readings: readonly FrameReading[];
  readonly yaws: readonly (number | null)[];
  readonly reference: number;
  readonly band: number;
  /** Per frame: a face within the band of the frontal yaw, eyes not in a blink. */
  readonly frontal: readonly boolean[];
  readonly limits: SpliceLimits;
  readonly turnExtent: number;
  readonly stretches: readonly FrameRange[];
  readonly options: ChallengeOptions;
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

/** Whether every frame strictly between `end` and `start` has a face within the frontal band. */
function between(clip: Clip, end: number, start: number): boolean {
  for (let i = end + 1; i < start; i++) {
    const yaw = clip.yaws[i];
    if (yaw === null || yaw === undefined) return false;
    if (Math.abs(yaw - clip.reference) > clip.options.frontalYaw) return false;
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

function turnSegments(clip: Clip): { segments: ActionSegment[]; rejected: Excursion[] } {
  const { yaws, reference, options } = clip;
  const away = yaws.map((y) => y !== null && Math.abs(y - reference) > clip.band);
  const segments: ActionSegment[] = [];
  const rejected: Excursion[] = [];
  for (const run of rangesOf(away)) {
    const deltas = range(run).map((i) => (yaws[i] ?? reference) - reference);
    const peak = deltas.reduce((a, b) => (Math.abs(b) > Math.abs(a) ? b : a), 0);
    const action: Challenge = peak > 0 ? 'turn_left' : 'turn_right';
    const why = turnProblem(clip, run, peak);
    if (why !== null) {
      if (Math.abs(peak) >= options.turnYaw) rejected.push({ action, onset: run.start, why });
      continue;
    }
    const leadIn = leadInBefore(clip, run.start);
    const hold = holdAfter(clip, run.end + 1);
    if (leadIn === null || hold === null) {
      rejected.push({
        action,
        onset: run.start,
        why: leadIn === null ? 'no frontal frames just before' : 'no frontal hold after',
      });
      continue;
    }
    segments.push({
      action,
      leadIn,
      onset: run.start,
      end: run.end + 1,
      hold,
      plateau: plateauOf(clip, run, peak),
      peakYawDelta: peak,
      swing: swingOf(clip, leadIn.end, run, Math.sign(peak)),
    });
  }
  return { segments, rejected };
}

function plateauOf(clip: Clip, run: FrameRange, peak: number): FrameRange {
  const bound = Math.max(clip.turnExtent * Math.abs(peak), clip.options.turnYaw);
  const near = range(run).filter(
    (i) => Math.abs((clip.yaws[i] ?? clip.reference) - clip.reference) >= bound,
  );
  return { start: near[0] ?? run.start, end: near.at(-1) ?? run.end };
}

/** Why a run of turned frames is no usable answer to a turn, or null when it is one. */
function turnProblem(clip: Clip, run: FrameRange, peak: number): string | null {
  const { yaws, reference, readings, options } = clip;
  if (Math.abs(peak) < options.turnYaw)
    return `peak yaw change ${Math.abs(peak).toFixed(3)} < ${options.turnYaw}`;
  const sides = new Set(range(run).map((i) => Math.sign((yaws[i] ?? reference) - reference)));
  if (sides.size > 1) return 'crosses from one side to the other';
  const back = yaws[run.end + 1];
  if (back === null || back === undefined) return 'face lost before it came back';
  if (Math.abs(back - reference) > options.frontalYaw) return 'does not come back to frontal';
  for (let i = run.start; i <= run.end + 1; i++) {
    const a = yaws[i - 1];
    const b = yaws[i];
    const ra = readings[i - 1];
    const rb = readings[i];
    if (a === null || b === null || a === undefined || b === undefined)
      return 'face lost in the turn';
    if (ra === undefined || rb === undefined) return 'clip ends in the turn';
    const rate = Math.abs(b - a) / ((rb.timestampMs - ra.timestampMs) / 1000);
    if (rate > options.yawPerSecondMax) return `yaw changes at ${rate.toFixed(1)}/s`;
  }
  return null;
}

function swingOf(clip: Clip, reference: number, run: FrameRange, side: number): number | null {
  const from = clip.readings[reference]?.face?.landmarks;
  if (from === undefined) return null;
  let best: number | null = null;
  for (const i of range(run)) {
    const delta = (clip.yaws[i] ?? clip.reference) - clip.reference;
    const to = clip.readings[i]?.face?.landmarks;
    if (to === undefined || Math.abs(delta) < clip.options.turnYaw) continue;
    const parallax = planarParallax(from, to);
    const swing = parallax === null ? null : parallax.horizontal * side;
    if (swing !== null) best = Math.max(best ?? -Infinity, swing);
  }
  return best;
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
      peakYawDelta: 0,
      swing: null,
    });
  }
  return { segments, rejected };
}

function range(r: FrameRange): number[] {
  return Array.from({ length: r.end - r.start + 1 }, (_, k) => r.start + k);
}

/** How far apart two frames' faces are, as fractions of the bounds a jump between them must keep:
 * the box centre (continuity: boxJumpWidthsMax), its width (boxScaleJumpMax) and yaw (the frontal band). */
export function spliceDistance(a: FrameReading, b: FrameReading, limits: SpliceLimits): SpliceJump {
  if (a.face === null || b.face === null)
    return { widths: Infinity, scale: Infinity, yaw: Infinity, fraction: Infinity };
  const widths = distance(boxCenter(a.face.box), boxCenter(b.face.box)) / a.face.box.width;
  const scale =
    Math.max(a.face.box.width, b.face.box.width) / Math.min(a.face.box.width, b.face.box.width);
  const yaw = Math.abs(yawOf(a.face.landmarks) - yawOf(b.face.landmarks));
  const fraction = Math.max(
    widths / limits.boxJumpWidthsMax,
    Math.log(scale) / Math.log(limits.boxScaleJumpMax),
    yaw / limits.frontalYaw,
  );
  return { widths, scale, yaw, fraction };
}

export interface SpliceLimits {
  readonly boxJumpWidthsMax: number;
  readonly boxScaleJumpMax: number;
  readonly frontalYaw: number;
}

export interface SpliceJump {
  /** Box centre movement, in the first box's widths. */
  readonly widths: number;
  /** Larger over smaller box width. */
  readonly scale: number;
  readonly yaw: number;
  /** The largest of the three as a fraction of its bound (1: at the bound). */
  readonly fraction: number;
}
