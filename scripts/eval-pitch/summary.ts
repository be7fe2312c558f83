// What eval:pitch measures and says, kept pure: per frame, the head's pitch change from its clip's frontal
// baseline, the nose's vertical parallax and the face's vertical shrink; per clip and kind, the extremes.
//
// Readings in (the tracker's landmarks per frame, as bench:challenge reads them), numbers out; no IO.
import { planarParallax } from '../../src/biometrics/liveness/active/parallax.ts';
import { pitchOf, yawOf } from '../../src/biometrics/liveness/active/pose.ts';
import type { ClipSegments, FrameReading } from '../bench-challenge/segments.ts';
import { frontalPitchOf } from '../bench-challenge/segments.ts';

/** Candidate bounds of a look_up / look_down challenge, as turnYaw, turnParallaxMin and
 * turnYawPerForeshorteningMin are for turns. */
export interface LookBounds {
  /** |pitch change| (pitchOf) from the baseline that counts as a look. */
  readonly pitch: number;
  /** Vertical nose parallax (eye distances) on the side the pitch moved to. */
  readonly parallax: number;
  /** The |pitch change| must be at least this times the face's vertical shrink. */
  readonly pitchPerShrink: number;
}

export interface PitchBaseline {
  /** The frame whose landmarks the parallax and shrink are measured against. */
  readonly index: number;
  readonly yaw: number;
  readonly pitch: number;
}

export interface PitchFrame {
  readonly index: number;
  readonly timestampMs: number;
  readonly yawDelta: number;
  /** < 0 looking up (the nose rises toward the eye line), > 0 looking down. */
  readonly pitchDelta: number;
  /** planarParallax(baseline, frame).vertical: > 0 the nose dips (down); null when the fit fails. */
  readonly vertical: number | null;
  /** Its verticalForeshortening: 1 - (eye-line-to-mouth height / eye distance) over the reference's,
   * > 0 the face is shorter than at the reference (tipped either way); null when the fit fails. */
  readonly shrink: number | null;
}

/** The clip's frontal pitch and a reference frame, from its frontal open-eyed stretches (the yaw
 * segments bench:challenge finds): the pitch most of those frames lie within `pitchBand` of, and the
 * frame nearest that pitch and the frontal yaw. Null when the clip has no frontal stretch. */
export function pitchBaseline(
  readings: readonly FrameReading[],
  segments: ClipSegments,
  pitchBand: number,
): PitchBaseline | null {
  const frontalYaw = segments.frontalYaw;
  if (frontalYaw === null) return null;
  const candidates = segments.stretches.flatMap((s) =>
    readings.slice(s.start, s.end + 1).flatMap((r) => (r.face === null ? [] : [r])),
  );
  if (candidates.length === 0) return null;
  const pose = (r: FrameReading): { yaw: number; pitch: number } => {
    const landmarks = r.face?.landmarks ?? [];
    return { yaw: yawOf(landmarks), pitch: pitchOf(landmarks) };
  };
  // The level pitch bench:challenge looks for looks from (collapsed fits left out, as the challenge does).
  const pitch = frontalPitchOf(readings, segments.stretches, pitchBand);
  if (pitch === null) return null;
  const cost = (r: FrameReading): number =>
    Math.abs(pose(r).pitch - pitch) / pitchBand +
    Math.abs(pose(r).yaw - frontalYaw) / segments.frontalBand;
  const best = candidates.reduce((a, b) => (cost(b) < cost(a) ? b : a));
  return { index: best.index, yaw: frontalYaw, pitch };
}

/** Every frame with a face, measured against the baseline. */
export function pitchFrames(
  readings: readonly FrameReading[],
  baseline: PitchBaseline,
): PitchFrame[] {
  const reference = readings[baseline.index]?.face?.landmarks;
  if (reference === undefined) throw new Error('the baseline frame has no face');
  return readings.flatMap((r) => {
    if (r.face === null) return [];
    const landmarks = r.face.landmarks;
    const parallax = planarParallax(reference, landmarks);
    return [
      {
        index: r.index,
        timestampMs: r.timestampMs,
        yawDelta: yawOf(landmarks) - baseline.yaw,
        pitchDelta: pitchOf(landmarks) - baseline.pitch,
        vertical: parallax?.vertical ?? null,
        shrink: parallax?.verticalForeshortening ?? null,
      },
    ];
  });
}

/** pitchOf's ratio divides by the mouth's depth below the eye line, floored at 1e-6: past this size the
 * mouth was at or above the eye line (the landmark fit collapsed, as on a face in profile). */
export const pitchDeltaReadableMax = 100;

export interface Readable {
  readonly frames: readonly PitchFrame[];
  /** Frames a challenge reads as a head turn (|yaw change| >= turnYaw), left out of the look figures. */
  readonly turned: number;
  /** Frames whose pitch ratio is meaningless (see pitchDeltaReadableMax), left out as well. */
  readonly collapsed: number;
}

export function readableFrames(frames: readonly PitchFrame[], turnYaw: number): Readable {
  const collapsed = frames.filter((f) => Math.abs(f.pitchDelta) > pitchDeltaReadableMax);
  const turned = frames.filter(
    (f) => Math.abs(f.pitchDelta) <= pitchDeltaReadableMax && Math.abs(f.yawDelta) >= turnYaw,
  );
  return {
    frames: frames.filter(
      (f) => Math.abs(f.pitchDelta) <= pitchDeltaReadableMax && Math.abs(f.yawDelta) < turnYaw,
    ),
    turned: turned.length,
    collapsed: collapsed.length,
  };
}

/** Vertical parallax on the side the pitch moved to (> 0: the nose left the plane the way a head would). */
export function matchingParallax(frame: PitchFrame): number | null {
  return frame.vertical === null ? null : frame.vertical * Math.sign(frame.pitchDelta);
}

/** |pitch change| per unit of vertical shrink; Infinity where the face did not shrink (any bound passes,
 * as in the challenge), 0 where the fit failed (none does: the challenge reads no parallax there). */
export function pitchPerShrink(frame: PitchFrame): number {
  if (frame.shrink === null) return 0;
  return frame.shrink > 0 ? Math.abs(frame.pitchDelta) / frame.shrink : Infinity;
}

export type LookDirection = 'up' | 'down';

/** How many frames of one direction pass the pitch bound, that and the parallax bound, and all three. */
export interface GateCounts {
  readonly pitch: number;
  readonly parallax: number;
  readonly all: number;
}

export interface ClipPitchSummary {
  readonly frames: number;
  /** The most negative pitch change (looking up) and the most positive (looking down). */
  readonly up: PitchFrame | null;
  readonly down: PitchFrame | null;
  readonly counts: Readonly<Record<LookDirection, GateCounts>>;
  /** The largest frame-to-frame pitch change per second (the controller's pitchPerSecondMax). */
  readonly pitchRateMax: number | null;
}

const sideOf = (f: PitchFrame): LookDirection | null =>
  f.pitchDelta < 0 ? 'up' : f.pitchDelta > 0 ? 'down' : null;

function gateCounts(frames: readonly PitchFrame[], bounds: LookBounds): GateCounts {
  const pitched = frames.filter((f) => Math.abs(f.pitchDelta) >= bounds.pitch);
  const solid = pitched.filter((f) => (matchingParallax(f) ?? -Infinity) >= bounds.parallax);
  const all = solid.filter((f) => pitchPerShrink(f) >= bounds.pitchPerShrink);
  return { pitch: pitched.length, parallax: solid.length, all: all.length };
}

function pitchRateMax(frames: readonly PitchFrame[]): number | null {
  let best: number | null = null;
  for (let k = 1; k < frames.length; k++) {
    const a = frames[k - 1];
    const b = frames[k];
    if (a === undefined || b === undefined || b.index !== a.index + 1) continue;
    const seconds = (b.timestampMs - a.timestampMs) / 1000;
    if (seconds <= 0) continue;
    const rate = Math.abs(b.pitchDelta - a.pitchDelta) / seconds;
    best = Math.max(best ?? 0, rate);
  }
  return best;
}

export function summariseClip(frames: readonly PitchFrame[], bounds: LookBounds): ClipPitchSummary {
  const extreme = (pick: (a: PitchFrame, b: PitchFrame) => boolean): PitchFrame | null =>
    frames.reduce<PitchFrame | null>((a, b) => (a === null || pick(b, a) ? b : a), null);
  const up = extreme((b, a) => b.pitchDelta < a.pitchDelta);
  const down = extreme((b, a) => b.pitchDelta > a.pitchDelta);
  return {
    frames: frames.length,
    up: up !== null && up.pitchDelta < 0 ? up : null,
    down: down !== null && down.pitchDelta > 0 ? down : null,
    counts: {
      up: gateCounts(
        frames.filter((f) => sideOf(f) === 'up'),
        bounds,
      ),
      down: gateCounts(
        frames.filter((f) => sideOf(f) === 'down'),
        bounds,
      ),
    },
    pitchRateMax: pitchRateMax(frames),
  };
}

/** One clip's frame at its worst for a measure, named. */
export interface Worst {
  readonly clip: string;
  readonly frame: PitchFrame;
  readonly value: number;
}

export interface KindWorst {
  readonly clips: number;
  /** The largest |pitch change| anywhere. */
  readonly pitch: Worst | null;
  /** The largest matching vertical parallax among frames past the pitch bound (the frames a look
   * challenge would test), and among frames past half of it (a card tipped a little further). */
  readonly parallaxPastBound: Worst | null;
  readonly parallaxPastHalf: Worst | null;
  /** The largest |pitch change| / shrink among frames past the pitch bound, and past half of it. */
  readonly ratioPastBound: Worst | null;
  readonly ratioPastHalf: Worst | null;
}

function worstOf(
  clips: readonly { name: string; frames: readonly PitchFrame[] }[],
  keep: (f: PitchFrame) => boolean,
  measure: (f: PitchFrame) => number | null,
): Worst | null {
  let worst: Worst | null = null;
  for (const clip of clips)
    for (const frame of clip.frames) {
      const value = measure(frame);
      // Infinity stays: a frame that did not shrink passes any pitch-per-shrink bound.
      if (!keep(frame) || value === null || Number.isNaN(value)) continue;
      if (worst === null || value > worst.value) worst = { clip: clip.name, frame, value };
    }
  return worst;
}

/** The worst a kind of clip (cards, replays) does against each bound: how close it comes to passing. */
export function kindWorst(
  clips: readonly { name: string; frames: readonly PitchFrame[] }[],
  bounds: LookBounds,
): KindWorst {
  const pastBound = (f: PitchFrame): boolean => Math.abs(f.pitchDelta) >= bounds.pitch;
  const pastHalf = (f: PitchFrame): boolean => Math.abs(f.pitchDelta) >= bounds.pitch / 2;
  return {
    clips: clips.length,
    pitch: worstOf(
      clips,
      () => true,
      (f) => Math.abs(f.pitchDelta),
    ),
    parallaxPastBound: worstOf(clips, pastBound, matchingParallax),
    parallaxPastHalf: worstOf(clips, pastHalf, matchingParallax),
    ratioPastBound: worstOf(clips, pastBound, pitchPerShrink),
    ratioPastHalf: worstOf(clips, pastHalf, pitchPerShrink),
  };
}

/** Per direction, how far each bound could rise with the other two held and a frame still pass all
 * three: the largest |pitch change| among frames passing the parallax and ratio bounds, and so on.
 * Null: no frame passes the other two. On a live clip, the room above a bound before the look fails;
 * on a fake, the value a bound must stay above to refuse it. */
export interface Headroom {
  readonly pitch: number | null;
  readonly parallax: number | null;
  readonly ratio: number | null;
}

export function headroom(
  frames: readonly PitchFrame[],
  bounds: LookBounds,
): Readonly<Record<LookDirection, Headroom>> {
  const gates = {
    pitch: (f: PitchFrame): boolean => Math.abs(f.pitchDelta) >= bounds.pitch,
    parallax: (f: PitchFrame): boolean => (matchingParallax(f) ?? -Infinity) >= bounds.parallax,
    ratio: (f: PitchFrame): boolean => pitchPerShrink(f) >= bounds.pitchPerShrink,
  };
  const largest = (
    side: readonly PitchFrame[],
    others: readonly ((f: PitchFrame) => boolean)[],
    measure: (f: PitchFrame) => number | null,
  ): number | null => {
    const values = side
      .filter((f) => others.every((gate) => gate(f)))
      .flatMap((f) => {
        const v = measure(f);
        return v === null ? [] : [v];
      });
    return values.length === 0 ? null : Math.max(...values);
  };
  const of = (direction: LookDirection): Headroom => {
    const side = frames.filter((f) => sideOf(f) === direction);
    return {
      pitch: largest(side, [gates.parallax, gates.ratio], (f) => Math.abs(f.pitchDelta)),
      parallax: largest(side, [gates.pitch, gates.ratio], matchingParallax),
      ratio: largest(side, [gates.pitch, gates.parallax], pitchPerShrink),
    };
  };
  return { up: of('up'), down: of('down') };
}

/** Clips of one kind that would answer a look in each direction: a frame passing all three bounds. */
export interface Passing {
  readonly up: readonly string[];
  readonly down: readonly string[];
  /** All frames passing, both directions together. */
  readonly frames: number;
}

export function passingClips(
  clips: readonly { name: string; frames: readonly PitchFrame[] }[],
  bounds: LookBounds,
): Passing {
  const up: string[] = [];
  const down: string[] = [];
  let frames = 0;
  for (const clip of clips) {
    const counts = summariseClip(clip.frames, bounds).counts;
    if (counts.up.all > 0) up.push(clip.name);
    if (counts.down.all > 0) down.push(clip.name);
    frames += counts.up.all + counts.down.all;
  }
  return { up, down, frames };
}

/** Bounds around `bounds`, one of the three varied at a time: where each one starts to matter. */
export function boundsSweep(bounds: LookBounds): LookBounds[] {
  const pitches = [0.06, 0.08, 0.1, 0.12, 0.15, 0.2, 0.25, 0.3];
  const parallaxes = [0.04, 0.06, 0.08, 0.1, 0.12, 0.15, 0.2, 0.25, 0.3];
  const ratios = [0, 0.5, 1, 1.5, 2, 3, 4];
  return [
    ...pitches.map((pitch) => ({ ...bounds, pitch })),
    ...parallaxes.map((parallax) => ({ ...bounds, parallax })),
    ...ratios.map((pitchPerShrink) => ({ ...bounds, pitchPerShrink })),
  ];
}

export type Gate = 'pitch' | 'parallax' | 'ratio';

/** One bound against the evidence: the fakes' worst (kindWorst: |pitch change| anywhere, parallax and
 * ratio past half the pitch bound) and each real look's room (headroom), weakest first. */
export interface Margin {
  readonly gate: Gate;
  readonly bound: number;
  readonly fakeWorst: Worst | null;
  readonly looks: readonly { clip: string; direction: LookDirection; room: number }[];
}

export function margins(
  fakes: readonly { name: string; frames: readonly PitchFrame[] }[],
  live: readonly { name: string; frames: readonly PitchFrame[] }[],
  bounds: LookBounds,
): Margin[] {
  const worst = kindWorst(fakes, bounds);
  const rooms = live.flatMap((clip) => {
    const room = headroom(clip.frames, bounds);
    return (['up', 'down'] as const).map((direction) => ({
      clip: clip.name,
      direction,
      room: room[direction],
    }));
  });
  const looks = (gate: Gate): Margin['looks'] =>
    rooms
      .flatMap((r) => {
        const v = r.room[gate];
        return v === null ? [] : [{ clip: r.clip, direction: r.direction, room: v }];
      })
      .sort((a, b) => a.room - b.room);
  return [
    { gate: 'pitch', bound: bounds.pitch, fakeWorst: worst.pitch, looks: looks('pitch') },
    {
      gate: 'parallax',
      bound: bounds.parallax,
      fakeWorst: worst.parallaxPastHalf,
      looks: looks('parallax'),
    },
    {
      gate: 'ratio',
      bound: bounds.pitchPerShrink,
      fakeWorst: worst.ratioPastHalf,
      looks: looks('ratio'),
    },
  ];
}
