// What eval:pitch prints: one row per clip as it is measured, then per kind the worst a fake does and the
// looks the live people make, against the candidate bounds and a sweep around them.
//
// Printing only; the numbers come from summary.ts.
import { say } from '../bench-challenge/report.ts';
import type {
  ClipPitchSummary,
  GateCounts,
  Headroom,
  LookBounds,
  PitchBaseline,
  PitchFrame,
  Readable,
  Worst,
} from './summary.ts';
import {
  boundsSweep,
  headroom,
  kindWorst,
  margins,
  passingClips,
  pitchPerShrink,
} from './summary.ts';

export interface PitchClip {
  readonly name: string;
  readonly kind: 'live' | 'replay' | 'card-tilt' | 'card-turn';
  readonly framesPerSecond: number;
  readonly framesRead: number;
  readonly framesWithFace: number;
  readonly baseline: PitchBaseline | null;
  /** Every frame with a face, as measured. */
  readonly frames: readonly PitchFrame[];
  /** The frames the figures use: not turned, pitch ratio readable (summary.ts readableFrames). */
  readonly readable: Readable;
  readonly summary: ClipPitchSummary;
}

/** The clip's readable frames under its name: what the kind-wide figures take. */
const named = (clip: PitchClip): { name: string; frames: readonly PitchFrame[] } => ({
  name: clip.name,
  frames: clip.readable.frames,
});

const f = (v: number | null | undefined, digits = 3): string =>
  v === null || v === undefined ? '-' : Number.isFinite(v) ? v.toFixed(digits) : 'inf';

/** A frame as 'd-0.142 v-0.091 s0.061 r2.3 y+0.01 @87': pitch change, matching-signed vertical
 * parallax as measured, shrink, pitch per shrink, yaw change, frame. */
export function frameText(frame: PitchFrame | null): string {
  if (frame === null) return '-';
  const sign = (v: number): string => (v >= 0 ? `+${f(v)}` : f(v));
  return [
    `d${sign(frame.pitchDelta)}`,
    `v${frame.vertical === null ? '-' : sign(frame.vertical)}`,
    `s${frame.shrink === null ? '-' : sign(frame.shrink)}`,
    `r${f(pitchPerShrink(frame), 1)}`,
    `y${sign(frame.yawDelta)}`,
    `@${frame.index}`,
  ].join(' ');
}

const countsText = (c: GateCounts): string => `${c.pitch}/${c.parallax}/${c.all}`;

export function printHeader(): void {
  say(
    'columns: clip | kind | fps | face/read | frames left out turned (|yaw change| >= turnYaw) / collapsed (mouth not below the eye line) | reference frame, frontal pitch | most up (d pitch change, v vertical parallax, s vertical shrink, r |d|/s, y yaw change, @frame) | most down | up frames past pitch / +parallax / +ratio | down same | max |d pitch|/s',
  );
}

export function printClipRow(clip: PitchClip): void {
  const s = clip.summary;
  say(
    [
      clip.name.padEnd(44),
      clip.kind.padEnd(9),
      f(clip.framesPerSecond, 1).padStart(5),
      `${clip.framesWithFace}/${clip.framesRead}`.padStart(9),
      `${clip.readable.turned}/${clip.readable.collapsed}`.padStart(7),
      clip.baseline === null
        ? 'no frontal stretch'.padEnd(16)
        : `@${clip.baseline.index} ${f(clip.baseline.pitch)}`.padEnd(16),
      frameText(s.up).padEnd(58),
      frameText(s.down).padEnd(58),
      countsText(s.counts.up).padStart(11),
      countsText(s.counts.down).padStart(11),
      f(s.pitchRateMax, 2).padStart(6),
    ].join(' | '),
  );
}

const worstText = (w: Worst | null): string =>
  w === null ? '-' : `${f(w.value)} (${w.clip} ${frameText(w.frame)})`;

function printKindWorst(kind: string, clips: readonly PitchClip[], bounds: LookBounds): void {
  const w = kindWorst(clips.map(named), bounds);
  const half = bounds.pitch / 2;
  say(`\n${kind}: ${w.clips} clips`);
  say(`  largest |pitch change|: ${worstText(w.pitch)}`);
  say(
    `  largest matching vertical parallax, frames past the pitch bound ${bounds.pitch}: ${worstText(w.parallaxPastBound)}; past ${half}: ${worstText(w.parallaxPastHalf)}`,
  );
  say(
    `  largest |pitch change| / shrink, frames past the pitch bound: ${worstText(w.ratioPastBound)}; past ${half}: ${worstText(w.ratioPastHalf)}`,
  );
  for (const direction of ['up', 'down'] as const) {
    const rooms = clips.map((c) => headroom(c.readable.frames, bounds)[direction]);
    const most = (pick: (h: Headroom) => number | null): string =>
      f(
        rooms.reduce<number | null>((a, h) => {
          const v = pick(h);
          return v === null ? a : Math.max(a ?? -Infinity, v);
        }, null),
      );
    say(
      `  ${direction}: a bound must exceed, the other two held, pitch ${most((h) => h.pitch)}, parallax ${most((h) => h.parallax)}, ratio ${most((h) => h.ratio)} (- : no frame passes the other two)`,
    );
  }
}

/** Each live clip's peak look each way, and the room above each bound before that look would fail. */
function printLiveLooks(clips: readonly PitchClip[], bounds: LookBounds): void {
  say(
    `\nlive clips: peak look each way (* past the pitch bound ${bounds.pitch}); frames passing all three; room: the largest value each bound could take, the other two held, and a frame still pass`,
  );
  for (const clip of clips) {
    const s = clip.summary;
    const room = headroom(clip.readable.frames, bounds);
    const mark = (frame: PitchFrame | null): string =>
      frame !== null && Math.abs(frame.pitchDelta) >= bounds.pitch ? '*' : ' ';
    const roomText = (h: Headroom): string =>
      `room pitch ${f(h.pitch)} parallax ${f(h.parallax)} ratio ${f(h.ratio, 2)}`;
    say(
      `  ${clip.name.padEnd(28)} up ${mark(s.up)} ${frameText(s.up).padEnd(52)} passing ${String(s.counts.up.all).padStart(3)} ${roomText(room.up).padEnd(48)} | down ${mark(s.down)} ${frameText(s.down).padEnd(52)} passing ${String(s.counts.down.all).padStart(3)} ${roomText(room.down)}`,
    );
  }
}

function printSweep(clips: readonly PitchClip[], bounds: LookBounds): void {
  const kinds = ['card-tilt', 'card-turn', 'replay', 'live'] as const;
  say(
    '\nsweep (one bound varied at a time): per kind, clips with a frame passing all three, up / down, and all passing frames',
  );
  say(
    `| pitch | parallax | ratio | ${kinds.join(' | ')} | live clips passing up | live clips passing down |`,
  );
  say(`|---|---|---|${kinds.map(() => '---|').join('')}---|---|`);
  for (const b of boundsSweep(bounds)) {
    const cells = kinds.map((kind) => {
      const p = passingClips(clips.filter((c) => c.kind === kind).map(named), b);
      return `${p.up.length} / ${p.down.length} (${p.frames} fr)`;
    });
    const live = passingClips(clips.filter((c) => c.kind === 'live').map(named), b);
    say(
      `| ${b.pitch} | ${b.parallax} | ${b.pitchPerShrink} | ${cells.join(' | ')} | ${live.up.join(', ') || '-'} | ${live.down.join(', ') || '-'} |`,
    );
  }
}

export function printSummary(clips: readonly PitchClip[], bounds: LookBounds): void {
  const of = (kind: PitchClip['kind']): PitchClip[] => clips.filter((c) => c.kind === kind);
  say(
    `\nsummary at pitch change >= ${bounds.pitch}, matching vertical parallax >= ${bounds.parallax}, |pitch change| >= ${bounds.pitchPerShrink} x vertical shrink (turned and collapsed frames left out)`,
  );
  printKindWorst('card-tilt (photo tipped about its horizontal axis)', of('card-tilt'), bounds);
  printKindWorst('card-turn (photo swung about its vertical axis)', of('card-turn'), bounds);
  printKindWorst(
    'replay (a live recording shown on a screen: real 3-D motion, for reference)',
    of('replay'),
    bounds,
  );
  printLiveLooks(of('live'), bounds);
  printSweep(clips, bounds);
  printMargins(clips, bounds);
}

/** Each bound between the cards' worst and the weakest real looks (a look passes with room >= 0). */
function printMargins(clips: readonly PitchClip[], bounds: LookBounds): void {
  const cards = clips.filter((c) => c.kind === 'card-tilt' || c.kind === 'card-turn').map(named);
  const live = clips.filter((c) => c.kind === 'live').map(named);
  say(
    '\nmargins: each bound against the cards (card-tilt and card-turn) and the real looks that pass all three',
  );
  for (const m of margins(cards, live, bounds)) {
    const worst = m.fakeWorst;
    const card =
      worst === null
        ? 'no card frame gets there'
        : `cards' worst ${f(worst.value)} (${worst.clip} @${worst.frame.index}), ${f(Math.abs(m.bound - worst.value))} ${worst.value < m.bound ? 'below' : 'ABOVE'} the bound`;
    const weakest = m.looks
      .slice(0, 4)
      .map((l) => `${l.clip} ${l.direction} ${f(l.room)} (+${f(l.room - m.bound)})`)
      .join(', ');
    say(
      `  ${m.gate} >= ${m.bound}: ${card}; ${m.looks.length} real looks pass, weakest rooms ${weakest || '-'}`,
    );
  }
}
