// bench:e2e's split of one payment (face first seen -> paid) by who it waited on, read from the session's
// own report on the face_decided mark, so the kiosk's and hub's time is not the shopper's seconds.
import { percentile } from '../../src/biometrics/replay/pipeline.ts';
import type { KioskMark } from './kiosk-browser.ts';
import { stageTimes } from './kiosk-browser.ts';

/**
 * One settled run's total in four parts that add up to it: the session waiting for a blink or 3-D motion
 * alone (its motionWaitMs), the challenge needed but not answered (its challengeWaitMs: the natural
 * policy's passive median uncertain, before and after the challenge is asked, until she answers or the
 * median is live again), the shopper's taps on the confirm and PIN screens, and what remains: the
 * kiosk's and the hub's time. cappedMs: how much of the session's two waits fell outside the page's face
 * first seen -> decided span and was left out of them (0 but for clock skew; runWaitsWarning says so).
 */
export interface RunWaits {
  totalMs: number;
  personWaitMs: number;
  challengeWaitMs: number;
  tapsMs: number;
  kioskAndHubMs: number;
  cappedMs: number;
}

/**
 * The run's parts, null when it was not paid. The session times its waits between frame timestamps, each
 * taken after the frame's grab, so the camera's time is in them: they are bounded by the span they are
 * measured in, the page's face first seen -> decided (camera included; not the engine stage, which
 * leaves the camera out). Any excess is cut from the challenge wait, then the motion wait, and reported
 * as cappedMs, so the remainder is never negative and never silently takes a wait's time.
 */
export function runWaits(timeline: readonly KioskMark[]): RunWaits | null {
  const stages = stageTimes(timeline);
  const first = timeline.find((m) => m.name === 'face_first_seen');
  const decided = [...timeline].reverse().find((m) => m.name === 'face_decided');
  if (stages === null || first === undefined || decided === undefined) return null;
  const reported = (key: string) => Math.max(0, Number(decided.detail?.[key] ?? 0));
  const span = Math.max(0, decided.at - first.at);
  const personWaitMs = Math.min(reported('motionWaitMs'), span);
  const challengeWaitMs = Math.min(reported('challengeWaitMs'), span - personWaitMs);
  const round = (ms: number) => Math.round(ms);
  const parts = {
    personWaitMs: round(personWaitMs),
    challengeWaitMs: round(challengeWaitMs),
    tapsMs: round(stages.taps),
  };
  const totalMs = round(stages.totalMs);
  return {
    totalMs,
    ...parts,
    kioskAndHubMs: totalMs - parts.personWaitMs - parts.challengeWaitMs - parts.tapsMs,
    cappedMs: round(
      reported('motionWaitMs') + reported('challengeWaitMs') - personWaitMs - challengeWaitMs,
    ),
  };
}

/** A warning for a run whose reported waits were cut to fit its span (null: nothing was cut). */
export function runWaitsWarning(run: number, waits: RunWaits | null): string | null {
  if (waits === null || waits.cappedMs <= 0) return null;
  return (
    `warning: run ${run}: the session's waits exceed its face first seen -> decided span by ` +
    `${waits.cappedMs} ms; that much was left out of the person and challenge waits, not given to the kiosk and hub`
  );
}

export type WaitPart = Exclude<keyof RunWaits, 'cappedMs'>;

export const waitParts: readonly WaitPart[] = [
  'totalMs',
  'personWaitMs',
  'challengeWaitMs',
  'tapsMs',
  'kioskAndHubMs',
];

/** Each part's row in bench:e2e's table. */
export const waitLabels: Readonly<Record<WaitPart, string>> = {
  totalMs: 'total (face first seen -> paid)',
  personWaitMs: 'waiting on the person: a blink or 3-D motion alone',
  challengeWaitMs: 'passive uncertain: the challenge needed, not answered',
  tapsMs: "the scripted shopper's taps (confirm, PIN)",
  kioskAndHubMs: 'kiosk and hub alone (total less the three above)',
};

/** Median and p95 of each part over the settled runs (null when none settled). */
export function summariseWaits(
  runs: readonly (RunWaits | null)[],
): Record<WaitPart, { medianMs: number | null; p95Ms: number | null }> & { settledRuns: number } {
  const settled = runs.flatMap((r) => (r === null ? [] : [r]));
  const at = (part: WaitPart, q: number) =>
    settled.length === 0
      ? null
      : Math.round(
          percentile(
            settled.map((r) => r[part]),
            q,
          ),
        );
  return {
    settledRuns: settled.length,
    ...(Object.fromEntries(
      waitParts.map((part) => [part, { medianMs: at(part, 0.5), p95Ms: at(part, 0.95) }]),
    ) as Record<WaitPart, { medianMs: number | null; p95Ms: number | null }>),
  };
}
