// What both bench:challenge modes print and write: one run's row, its JSON form, and the small formatters
// their tables share, so the natural-policy mode's output reads (and parses) like the challenge mode's.
//
// Pure: no session, no clip; the callers measure, this only says it.
import type { Challenge } from '../../src/biometrics/liveness/active/challenge.ts';
import { percentile } from '../../src/biometrics/replay/pipeline.ts';
import type { RunOutcome, TimeSplit } from './run.ts';

export const say = (line: string): void => void process.stdout.write(`${line}\n`);

export interface RunRow {
  readonly run: number;
  readonly order: readonly Challenge[];
  readonly clip: string | null;
  readonly result: RunOutcome | null;
  readonly split: TimeSplit | null;
  readonly spliceMax: number | null;
  readonly frameIntervalMs: number | null;
}

export const ms = (v: number | null | undefined): string =>
  v === null || v === undefined ? '-' : v.toFixed(0);

/** Counted outcomes as the tables print them: '3x active_timeout; 1x passive_attack' ('' for none). */
export function countsText(counts: Iterable<readonly [string, number]>): string {
  return [...counts].map(([what, n]) => `${n}x ${what}`).join('; ');
}

/** A percentile rounded to the ms, null for no values. */
export function quantileMs(values: readonly number[], p: number): number | null {
  return values.length === 0 ? null : Math.round(percentile(values, p));
}

/** The person's part of all decided runs' time together, as a percentage. */
export function share(person: readonly number[], session: readonly number[]): string {
  const sum = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0);
  const total = sum(person) + sum(session);
  return total > 0 ? `${((100 * sum(person)) / total).toFixed(0)}%` : '-';
}

export function jsonRow(row: RunRow): Record<string, unknown> {
  const r = row.result;
  return {
    run: row.run,
    order: row.order,
    clip: row.clip,
    outcome: r?.outcome ?? 'no_clip_answers',
    reasons: r?.reasons ?? [],
    decisionMs: r?.decisionMs ?? null,
    split: row.split,
    frames: r?.frames ?? 0,
    events: r?.events ?? [],
    prompts: r?.prompts ?? [],
    pushMs: r?.pushMs ?? [],
    stageMsMedian:
      r === null
        ? {}
        : Object.fromEntries(Object.entries(r.stageMs).map(([k, v]) => [k, percentile(v, 0.5)])),
  };
}

/**
 * How often a recording gets through a payment's `tries` looks at the camera, each a fresh draw of the
 * challenge (a refusal uses a try), when `passed` of `runs` draws let it through. Every draw until the first
 * pass is a refusal, so the payment is lost to it unless all `tries` draws refuse.
 */
export function passWithinTries(passed: number, runs: number, tries: number): number {
  if (!(runs > 0 && passed >= 0 && passed <= runs && Number.isInteger(tries) && tries >= 1))
    throw new RangeError(`passWithinTries(${passed}, ${runs}, ${tries})`);
  return 1 - (1 - passed / runs) ** tries;
}
