// The shared live clips as both bench:challenge modes see them: each read by the kiosk's tracker, its
// frontal stretches, blinks, turns and looks found, and the stretches a scripted shopper may stand on.
//
// Shared by the challenge mode (bench-challenge.ts) and the natural-policy mode (natural.ts), so both
// run the same people on the same segments.
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { defaultFaceSessionTuning } from '../../src/biometrics/face-session.ts';
import type { FaceTracker } from '../../src/biometrics/face-tracker.ts';
import type { Challenge } from '../../src/biometrics/liveness/active/challenge.ts';
import { defaultContinuityOptions } from '../../src/biometrics/liveness/active/face-continuity.ts';
import { isVideoFile } from '../../src/biometrics/replay/video-files.ts';
import type { ClipReadings } from './clip-frames.ts';
import { readClip } from './clip-frames.ts';
import { say } from './report.ts';
import type { ActionSegment, ClipSegments, FrameRange } from './segments.ts';
import { findSegments, spliceDistance } from './segments.ts';

const repoRoot = path.resolve(import.meta.dirname, '..', '..');
export const videoDir = path.resolve(repoRoot, '..', 'shared', 'data', 'video');
export const challengeOptions = defaultFaceSessionTuning.challenge;
export const limits = {
  ...defaultContinuityOptions,
  frontalYaw: challengeOptions.frontalYaw,
  frontalPitch: challengeOptions.frontalPitch,
};

export interface Clip {
  readonly readings: ClipReadings;
  readonly segments: ClipSegments;
  /** Frontal stretches long enough to settle on: where the shopper may stand until the first prompt. */
  readonly homes: readonly FrameRange[];
}

/** Live recordings of people: the live selfie clips, the pairs' live halves, the webcam set's clips. */
export async function liveClipFiles(): Promise<string[]> {
  const inDir = async (dir: string): Promise<string[]> =>
    (await readdir(dir))
      .filter(isVideoFile)
      .sort()
      .map((name) => path.join(dir, name));
  const pairs = await readdir(path.join(videoDir, 'pairs'), { withFileTypes: true });
  const pairLive = await Promise.all(
    pairs
      .filter((entry) => entry.isDirectory())
      .map(async (entry) =>
        (await inDir(path.join(videoDir, 'pairs', entry.name))).filter((file) =>
          path.basename(file).startsWith('live.'),
        ),
      ),
  );
  return [
    ...(await inDir(path.join(videoDir, 'live'))),
    ...pairLive.flat().sort(),
    ...(await inDir(path.join(videoDir, 'webcam'))),
  ];
}

/** One clip read by the tracker and its segments found (turn plateaus at turnExtent of the peak). */
export async function analyseClip(
  file: string,
  tracker: FaceTracker,
  turnExtent: number,
): Promise<Clip> {
  const readings = await readClip(file, tracker);
  const segments = findSegments(
    readings.readings,
    challengeOptions,
    defaultContinuityOptions,
    turnExtent,
  );
  return { readings, segments, homes: homesOf(segments, readings.framesPerSecond) };
}

/** Every shared live clip, analysed in order. */
export async function analyseLiveClips(tracker: FaceTracker, turnExtent: number): Promise<Clip[]> {
  const clips: Clip[] = [];
  for (const file of await liveClipFiles())
    clips.push(await analyseClip(file, tracker, turnExtent));
  return clips;
}

/** Stretches spanning the challenge's settle time and a reaction's worth more (played back and forth
 * they last as long as needed, but a short one is a person twitching, not standing). */
function homesOf(segments: ClipSegments, framesPerSecond: number): FrameRange[] {
  const framesMin = Math.ceil(((challengeOptions.settleMs + 200) * framesPerSecond) / 1000);
  return segments.stretches.filter((s) => s.end - s.start + 1 >= framesMin);
}

/** The home whose face is nearest the first answer's lead-in: the cut into the first action is the
 * smallest the clip offers (a far one trips the session's face continuity, as any swapped face would). */
export function homeFor(clip: Clip, first: ActionSegment): FrameRange {
  let best: { home: FrameRange; fraction: number } | null = null;
  for (const home of clip.homes)
    for (let h = home.start; h <= home.end; h++)
      for (let e = first.leadIn.start; e <= first.leadIn.end; e++) {
        const a = clip.readings.readings[h];
        const b = clip.readings.readings[e];
        if (a === undefined || b === undefined) continue;
        const fraction = spliceDistance(a, b, limits).fraction;
        if (best === null || fraction < best.fraction) best = { home, fraction };
      }
  if (best === null) throw new Error('a clip without a home answers nothing');
  return best.home;
}

export function segmentsFor(clip: Clip, action: Challenge): ActionSegment[] {
  return clip.segments.segments.filter((s) => s.action === action);
}

export function printClips(clips: readonly Clip[]): void {
  say(
    "\nSegments found per clip (@n: the frame the action starts at), read by the kiosk's tracker: yaw by yawOf, pitch by readablePitchOf, blinks by the challenge's blink detector; looks: (peak pitch change / vertical swing / best pitch per shrink among frames past lookPitch and lookParallaxMin, '-' none)",
  );
  say(
    '| clip | fps | frames (face) | frontal yaw | level pitch | longest frontal ms | blink | turn_left (peak yaw) | turn_right (peak yaw) | look_up | look_down | not usable |',
  );
  say('|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const clip of clips) {
    const r = clip.readings;
    const home = clip.homes.reduce((n, h) => Math.max(n, h.end - h.start + 1), 0);
    const ms = home === 0 ? '-' : (home * 1000) / r.framesPerSecond;
    const of = (action: Challenge): string => {
      const found = segmentsFor(clip, action);
      if (found.length === 0) return '-';
      return found.map((s) => `@${s.onset}${segmentFigures(s)}`).join(' ');
    };
    const rejected = clip.segments.rejected
      .map((x) => `${x.action}@${x.onset}: ${x.why}`)
      .join('; ');
    say(
      `| ${r.name} | ${r.framesPerSecond.toFixed(1)} | ${r.readings.length} (${r.readings.filter((f) => f.face !== null).length}) | ${clip.segments.frontalYaw?.toFixed(3) ?? '-'} | ${clip.segments.frontalPitch?.toFixed(3) ?? '-'} | ${typeof ms === 'number' ? ms.toFixed(0) : ms} | ${of('blink')} | ${of('turn_left')} | ${of('turn_right')} | ${of('look_up')} | ${of('look_down')} | ${rejected || '-'} |`,
    );
  }
}

/** A turn's peak yaw change; a look's peak pitch change, vertical swing and pitch per shrink. */
function segmentFigures(s: ActionSegment): string {
  if (s.action === 'blink') return '';
  if (s.action === 'turn_left' || s.action === 'turn_right') return ` (${s.peakDelta.toFixed(2)})`;
  const f = (v: number | null): string => (v === null ? '-' : v.toFixed(2));
  return ` (${f(s.peakDelta)} / ${f(s.swing)} / ${f(s.pitchPerShrink)})`;
}

/** Every frame a run on this clip may show: home, and each segment's lead-in, action and hold. */
export function framesNeeded(clip: Clip): Set<number> {
  const wanted = new Set<number>();
  const add = (from: number, to: number): void => {
    for (let i = from; i <= to; i++) wanted.add(i);
  };
  for (const home of clip.homes) add(home.start, home.end);
  for (const s of clip.segments.segments) {
    add(s.leadIn.start, s.hold.spliced ? s.end : s.hold.from);
    add(s.hold.range.start, s.hold.range.end);
  }
  return wanted;
}

export function jsonClip(clip: Clip): unknown {
  return {
    name: clip.readings.name,
    framesPerSecond: clip.readings.framesPerSecond,
    frames: clip.readings.readings.length,
    frontalYaw: clip.segments.frontalYaw,
    frontalPitch: clip.segments.frontalPitch,
    homes: clip.homes,
    stretches: clip.segments.stretches,
    blinks: clip.segments.blinks,
    segments: clip.segments.segments,
    rejected: clip.segments.rejected,
  };
}
