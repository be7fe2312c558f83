// Leave-one-group-out choice of the blink detector's closed fraction for a new eyelid reading: on the
// training groups, among the bounds with no blink on any attack clip, the one that does best on live clips.
import { assert } from '../../../shared/assert.ts';

export interface BoundClip {
  readonly name: string;
  /** Clips of one person (or one photo) share a group: a fold holds a whole group out. */
  readonly group: string;
  /** live: a blink is wanted; attack: a blink is a false blink; other: neither (a replayed video of a
   * live person blinks for real): read at each fold's bound, never used to choose it. */
  readonly role: 'live' | 'attack' | 'other';
  /** Blinks counted at each candidate bound, in the order of the candidates. */
  readonly blinks: readonly number[];
  /** Live clips whose blinks were labelled by eye: at each candidate, the labelled blinks found and the
   * blinks counted where no blink was labelled. Absent: the clip is not labelled. */
  readonly labelled?: {
    readonly found: readonly number[];
    readonly spurious: readonly number[];
  };
}

/** What a bound is worth on live clips: `clips` counts the live clips with a blink (all a kiosk asks of
 * one); `labels` counts labelled blinks found less blinks read where none was labelled (labelled clips). */
export type BoundObjective = 'clips' | 'labels';

export interface BoundChoice {
  /** Index into the candidates; null when every candidate blinked on a training attack. */
  readonly index: number | null;
  readonly score: number;
}

function liveScore(clips: readonly BoundClip[], k: number, objective: BoundObjective): number {
  let score = 0;
  for (const c of clips) {
    if (c.role !== 'live') continue;
    if (objective === 'clips') score += (c.blinks[k] ?? 0) > 0 ? 1 : 0;
    else if (c.labelled !== undefined)
      score += (c.labelled.found[k] ?? 0) - (c.labelled.spurious[k] ?? 0);
  }
  return score;
}

/** The candidates with no blink on any attack clip given; of those, the ones that score best on the live
 * clips; of those, the middle one (as far from either end of the tie as it can be). */
export function chooseBound(
  clips: readonly BoundClip[],
  candidates: number,
  objective: BoundObjective = 'clips',
): BoundChoice {
  assert(Number.isInteger(candidates) && candidates > 0, 'at least one candidate');
  for (const clip of clips) {
    assert(clip.blinks.length === candidates, 'one count per candidate');
    if (clip.labelled !== undefined)
      assert(
        clip.labelled.found.length === candidates && clip.labelled.spurious.length === candidates,
        'one labelled count per candidate',
      );
  }
  const safe: number[] = [];
  for (let k = 0; k < candidates; k++)
    if (clips.every((c) => c.role !== 'attack' || (c.blinks[k] ?? 0) === 0)) safe.push(k);
  if (safe.length === 0) return { index: null, score: 0 };
  const best = Math.max(...safe.map((k) => liveScore(clips, k, objective)));
  const tied = safe.filter((k) => liveScore(clips, k, objective) === best);
  const index = tied[Math.floor((tied.length - 1) / 2)];
  assert(index !== undefined, 'a tie has a middle');
  return { index, score: best };
}

export interface HeldOutClip {
  readonly name: string;
  readonly group: string;
  readonly role: BoundClip['role'];
  /** The fold's bound (index into the candidates), null when the fold found none safe. */
  readonly index: number | null;
  /** Blinks on the held-out clip at the fold's bound (0 when the fold chose none: no blink read). */
  readonly blinks: number;
}

/** Every group held out in turn; each of its clips is read at the bound chosen without it. */
export function leaveOneGroupOut(
  clips: readonly BoundClip[],
  candidates: number,
  objective: BoundObjective = 'clips',
): HeldOutClip[] {
  const groups = [...new Set(clips.map((c) => c.group))];
  assert(groups.length >= 2, 'leave-one-group-out needs two groups');
  const out: HeldOutClip[] = [];
  for (const group of groups) {
    const { index } = chooseBound(
      clips.filter((c) => c.group !== group),
      candidates,
      objective,
    );
    for (const clip of clips.filter((c) => c.group === group))
      out.push({
        name: clip.name,
        group,
        role: clip.role,
        index,
        blinks: index === null ? 0 : (clip.blinks[index] ?? 0),
      });
  }
  return out;
}
