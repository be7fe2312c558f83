// Leave-one-video-out figures for the recording-mode liveness decision: its blink bound (the closed
// fraction) is refitted by its own rule without each video, and the held-out video is decided at that bound.
import { assert } from '../../shared/assert.ts';
import type { BoundClip, BoundObjective } from './active/blink-bound-cv.ts';
import { chooseBound, leaveOneGroupOut } from './active/blink-bound-cv.ts';

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
}

export interface FoldDecision {
  readonly name: string;
  readonly kind: FoldKind;
  /** Index into the candidates; null when the bound's rule found none safe (no blink read). */
  readonly index: number | null;
  readonly live: boolean;
  /** Accepted bona fide, refused replay or photo. */
  readonly correct: boolean;
}

export interface Fold {
  /** The group held out: its clips are decided at the bound fitted on all other groups. */
  readonly heldOut: string;
  readonly index: number | null;
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

function decide(clip: FoldClip, index: number | null): FoldDecision {
  const live = index === null ? clip.liveWithoutBlink : (clip.liveAt[index] ?? false);
  return {
    name: clip.name,
    kind: clip.kind,
    index,
    live,
    correct: clip.kind === 'bona fide' ? live : !live,
  };
}

function checkClips(clips: readonly FoldClip[], candidates: number): void {
  assert(new Set(clips.map((c) => c.name)).size === clips.length, 'clip names must be unique');
  for (const c of clips)
    assert(
      c.blinks.length === candidates && c.liveAt.length === candidates,
      'one blink count and one decision per candidate',
    );
}

/** Every group held out in turn and decided at the bound chosen (chooseBound) on the other groups. */
export function leaveOneVideoOut(
  clips: readonly FoldClip[],
  candidates: number,
  objective: BoundObjective,
): Fold[] {
  checkClips(clips, candidates);
  const byName = new Map(clips.map((c) => [c.name, c]));
  const heldOut = leaveOneGroupOut(clips.map(boundClip), candidates, objective);
  const folds = new Map<string, Fold>();
  for (const h of heldOut) {
    const clip = byName.get(h.name);
    assert(clip !== undefined, 'a held-out clip is one of the clips');
    const fold = folds.get(h.group) ?? { heldOut: h.group, index: h.index, decisions: [] };
    folds.set(h.group, { ...fold, decisions: [...fold.decisions, decide(clip, h.index)] });
  }
  return [...folds.values()];
}

/** The same rule fitted on every clip and read on the same clips: in sample. */
export function inSampleDecisions(
  clips: readonly FoldClip[],
  candidates: number,
  objective: BoundObjective,
): { index: number | null; decisions: FoldDecision[] } {
  checkClips(clips, candidates);
  const { index } = chooseBound(clips.map(boundClip), candidates, objective);
  return { index, decisions: clips.map((c) => decide(c, index)) };
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
