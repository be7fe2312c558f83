// Leave-one-video-out figures for the recording-mode liveness decision: its blink bound (the closed
// fraction) and passive threshold are refitted by their own rules without each video, which is decided at them.
import { assert } from '../../shared/assert.ts';
import type { BoundClip, BoundObjective } from './active/blink-bound-cv.ts';
import { chooseBound, leaveOneGroupOut } from './active/blink-bound-cv.ts';
import type { OperatingPoint, OperatingTargets, ScoredSample } from './pad-cv.ts';
import { chooseOperatingPoint } from './pad-cv.ts';

export type FoldKind = 'bona fide' | 'replay' | 'photo';

export interface FoldClip {
  /** Unique among the clips. */
  readonly name: string;
  /** One video (and the photo's clips for a photo attack): a fold holds the whole group out. */
  readonly group: string;
  readonly kind: FoldKind;
  /** Blinks counted at each candidate closed fraction. */
  readonly blinks: readonly number[];
  /** Blinks labelled by eye (blink-labels.ts): found and spurious at each candidate. */
  readonly labelled?: { readonly found: readonly number[]; readonly spurious: readonly number[] };
  /** The whole recording decision (passive, motion, face change) at each candidate: live or not. */
  readonly liveAt: readonly boolean[];
  /** The decision with no blink read: what a fold that finds no safe bound decides. */
  readonly liveWithoutBlink: boolean;
  /** Present when the passive threshold is refitted too: the recording decision split into the passive
   * median (null: too few or invalid scores, never live) and everything else at each candidate blink bound.
   * Live at a threshold = median at or above it and the rest live (decision.ts, recording mode). */
  readonly passive?: {
    readonly median: number | null;
    readonly restLiveAt: readonly boolean[];
    readonly restLiveWithoutBlink: boolean;
  };
}

export interface FoldDecision {
  readonly name: string;
  readonly kind: FoldKind;
  /** Index into the candidates; null when the bound's rule found none safe (no blink read). */
  readonly index: number | null;
  /** The passive threshold the clip was decided at, when refitted (null: the clip's own liveAt). */
  readonly passiveThreshold?: number | null;
  readonly live: boolean;
  /** Accepted bona fide, refused replay or photo. */
  readonly correct: boolean;
}

export interface Fold {
  /** The group held out: its clips are decided at the bound fitted on all other groups. */
  readonly heldOut: string;
  readonly index: number | null;
  /** The passive operating point fitted on the other groups' clips; null when not refitted. */
  readonly passive?: OperatingPoint | null;
  readonly decisions: readonly FoldDecision[];
}

export interface KindTally {
  readonly kind: FoldKind;
  readonly n: number;
  /** Bona fide accepted, or attacks refused. */
  readonly correct: number;
  /** Over the folds holding clips of this kind: the fold's error rate for it, worst and median. */
  readonly foldErrorWorst: number;
  readonly foldErrorMedian: number;
  readonly folds: number;
}

/** Replays of a live person blink for real: read at each bound, never used to choose it (eval:blink-mesh). */
function roleOf(kind: FoldKind): BoundClip['role'] {
  return kind === 'bona fide' ? 'live' : kind === 'photo' ? 'attack' : 'other';
}

function boundClip(clip: FoldClip): BoundClip {
  return {
    name: clip.name,
    group: clip.group,
    role: roleOf(clip.kind),
    blinks: clip.blinks,
    ...(clip.labelled === undefined ? {} : { labelled: clip.labelled }),
  };
}

function decide(
  clip: FoldClip,
  index: number | null,
  point: OperatingPoint | null = null,
): FoldDecision {
  const split = point === null ? undefined : clip.passive;
  const live =
    point === null || split === undefined
      ? index === null
        ? clip.liveWithoutBlink
        : (clip.liveAt[index] ?? false)
      : split.median !== null &&
        split.median >= point.threshold &&
        (index === null ? split.restLiveWithoutBlink : (split.restLiveAt[index] ?? false));
  return {
    name: clip.name,
    kind: clip.kind,
    index,
    ...(point === null ? {} : { passiveThreshold: point.threshold }),
    live,
    correct: clip.kind === 'bona fide' ? live : !live,
  };
}

function checkClips(clips: readonly FoldClip[], candidates: number, passive: boolean): void {
  assert(new Set(clips.map((c) => c.name)).size === clips.length, 'clip names must be unique');
  for (const c of clips) {
    assert(
      c.blinks.length === candidates && c.liveAt.length === candidates,
      'one blink count and one decision per candidate',
    );
    if (passive)
      assert(
        c.passive !== undefined && c.passive.restLiveAt.length === candidates,
        'refitting the passive threshold needs every clip split into its median and the rest',
      );
  }
}

/**
 * The passive threshold and refuseBelow by train:pad's rule (chooseOperatingPoint: live at APCER <= apcerMax
 * and refuse below BPCER <= refuseBpcerMax in every domain), read on the given clips' passive medians, the
 * statistic the recording decision compares: bona fide clips are live, replays and photo clips attacks;
 * domains `video` (bona fide, replays) and `photo`. Clips without a median take no part.
 */
export function passivePointOf(
  clips: readonly FoldClip[],
  targets: OperatingTargets,
): OperatingPoint {
  const scored: ScoredSample[] = clips.flatMap((c, index) =>
    c.passive === undefined || c.passive.median === null
      ? []
      : [
          {
            sample: {
              group: c.group,
              domain: c.kind === 'photo' ? 'photo' : 'video',
              live: c.kind === 'bona fide',
              index,
            },
            score: c.passive.median,
          },
        ],
  );
  return chooseOperatingPoint(scored, targets);
}

/**
 * Every group held out in turn and decided at the bound chosen (chooseBound) on the other groups; with
 * `passiveTargets`, also at the passive threshold fitted (passivePointOf) on the other groups only.
 */
export function leaveOneVideoOut(
  clips: readonly FoldClip[],
  candidates: number,
  objective: BoundObjective,
  passiveTargets?: OperatingTargets,
): Fold[] {
  checkClips(clips, candidates, passiveTargets !== undefined);
  const byName = new Map(clips.map((c) => [c.name, c]));
  const heldOut = leaveOneGroupOut(clips.map(boundClip), candidates, objective);
  const folds = new Map<string, Fold>();
  for (const h of heldOut) {
    const clip = byName.get(h.name);
    assert(clip !== undefined, 'a held-out clip is one of the clips');
    const fold = folds.get(h.group) ?? {
      heldOut: h.group,
      index: h.index,
      ...(passiveTargets === undefined
        ? {}
        : {
            passive: passivePointOf(
              clips.filter((c) => c.group !== h.group),
              passiveTargets,
            ),
          }),
      decisions: [],
    };
    folds.set(h.group, {
      ...fold,
      decisions: [...fold.decisions, decide(clip, h.index, fold.passive ?? null)],
    });
  }
  return [...folds.values()];
}

/** The same rules fitted on every clip and read on the same clips: in sample. */
export function inSampleDecisions(
  clips: readonly FoldClip[],
  candidates: number,
  objective: BoundObjective,
  passiveTargets?: OperatingTargets,
): { index: number | null; passive: OperatingPoint | null; decisions: FoldDecision[] } {
  checkClips(clips, candidates, passiveTargets !== undefined);
  const { index } = chooseBound(clips.map(boundClip), candidates, objective);
  const passive = passiveTargets === undefined ? null : passivePointOf(clips, passiveTargets);
  return { index, passive, decisions: clips.map((c) => decide(c, index, passive)) };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] ?? Number.NaN)
    : ((sorted[mid - 1] ?? Number.NaN) + (sorted[mid] ?? Number.NaN)) / 2;
}

/** Per kind: clips decided right, and the spread of the error over the folds that hold that kind. */
export function tallyFolds(folds: readonly Fold[]): KindTally[] {
  const kinds: FoldKind[] = ['bona fide', 'replay', 'photo'];
  return kinds.flatMap((kind) => {
    const perFold = folds
      .map((f) => f.decisions.filter((d) => d.kind === kind))
      .filter((d) => d.length > 0);
    if (perFold.length === 0) return [];
    const all = perFold.flat();
    const errors = perFold.map((d) => d.filter((x) => !x.correct).length / d.length);
    return [
      {
        kind,
        n: all.length,
        correct: all.filter((d) => d.correct).length,
        foldErrorWorst: Math.max(...errors),
        foldErrorMedian: median(errors),
        folds: perFold.length,
      },
    ];
  });
}
