// The blinks seen by eye on the shared video clips, and how a counted blink is matched to them: the labels
// the blink bound is chosen on (eval:blink-mesh) and refitted fold by fold (eval:liveness).
import type { Blink } from './blink.ts';

/** The closed fractions the blink bound is chosen among (reopen stays at the default 0.95). */
export const blinkClosedFractionCandidates: readonly number[] = [
  0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9,
];

/** A clip's face frames (frame index, time in ms) as read, and its frame rate over them. */
export interface LabelledReadings {
  readonly faces: readonly { readonly index: number; readonly t: number }[];
  readonly fps: number;
}

/** Blinks seen by eye, 2026-12-02: every frame the tracker read, in eye-region strips cut around the
 * tracker's face (frame index of the most closed frame). ambiguous: stretches that cannot be called a blink
 * or not (a squint, eyes cast down or held shut for seconds, the crop off the eyes); a blink counted there
 * is neither found nor spurious. Not labelled: ZubairCracksCode/live.mov (glare on the glasses hides the
 * eyes) and the replays. */
export interface BlinkLabels {
  readonly blinks: readonly number[];
  readonly ambiguous: readonly (readonly [from: number, to: number])[];
}
export const blinkLabels: Readonly<Record<string, BlinkLabels>> = {
  // 59-63 a squint; 220-268 eyes cast down for two seconds.
  'talking-face.mp4': {
    blinks: [165, 591],
    ambiguous: [
      [59, 63],
      [220, 268],
    ],
  },
  'webcam/selfie_61dc1abd-4.3gp': { blinks: [56], ambiguous: [] },
  'webcam/selfie_61dc1abd-8.mp4': { blinks: [], ambiguous: [] },
  // Frame 20 is motion-blurred with the lids half down: a blink between frames 130 ms apart; 3 lids low.
  'webcam/selfie_61dc1b5f-8.webm': { blinks: [20], ambiguous: [[3, 3]] },
  'webcam/selfie_61dc1b75-8.webm': { blinks: [14, 28], ambiguous: [] },
  'pairs/lestari15/live.mp4': { blinks: [], ambiguous: [] },
  // 184-191 eyes narrowed as the head tilts back.
  'live/live-01.mov': { blinks: [227], ambiguous: [[184, 191]] },
  // 105-121 the tracker's box is off the face; 180-202 the face turned up, glare on the glasses.
  'live/live-02.mov': {
    blinks: [168],
    ambiguous: [
      [105, 121],
      [180, 202],
    ],
  },
  // 105-112 eyes narrowed; 180-221 the crop shows one eye only (head turned).
  'live/live-03.mp4': {
    blinks: [],
    ambiguous: [
      [105, 112],
      [180, 221],
    ],
  },
  // 250-262 lids half down, looking down.
  'live/live-04.mov': { blinks: [325], ambiguous: [[250, 262]] },
  // 193-243 eyes held shut for two seconds (longer than a blink).
  'live/live-05.mov': { blinks: [83, 115, 142], ambiguous: [[193, 243]] },
};

export interface LabelMatch {
  /** Labelled blinks some counted blink covers. */
  readonly found: number;
  /** Counted blinks that cover no labelled (or ambiguous) moment. */
  readonly spurious: number;
}

/** A counted blink covers a labelled frame when the frame's time lies within its closure (first closed
 * frame to reopened frame), give or take one and a half frame gaps. */
export function matchLabels(
  blinks: readonly Blink[],
  labels: BlinkLabels,
  readings: LabelledReadings,
): LabelMatch {
  const timeOf = new Map(readings.faces.map((f) => [f.index, f.t]));
  const slack = Math.max(150, 1500 / readings.fps);
  const covers = (b: Blink, frame: number): boolean => {
    const t = timeOf.get(frame);
    return t !== undefined && t >= b.startMs - slack && t <= b.endMs + slack;
  };
  const found = labels.blinks.filter((frame) => blinks.some((b) => covers(b, frame))).length;
  const ambiguous = (b: Blink): boolean =>
    labels.ambiguous.some(([from, to]) => {
      const start = timeOf.get(from);
      const end = timeOf.get(to);
      return (
        start !== undefined &&
        end !== undefined &&
        b.startMs <= end + slack &&
        b.endMs >= start - slack
      );
    });
  const spurious = blinks.filter(
    (b) => !labels.blinks.some((frame) => covers(b, frame)) && !ambiguous(b),
  ).length;
  return { found, spurious };
}
