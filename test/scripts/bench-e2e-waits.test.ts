// bench:e2e's split of a payment by who it waited on (run-waits.ts): the person's blink or motion, the
// challenge asked after a passive median settled short of live, the taps, and the kiosk's and hub's time,
// read from the session's report on the face_decided mark; each run's parts add up to its total.
import { describe, expect, it } from 'vitest';
import type { KioskMark } from '../../scripts/kiosk/kiosk-browser.ts';
import { runWaits, summariseWaits, waitParts } from '../../scripts/kiosk/run-waits.ts';

const at = (name: string, ms: number, detail?: KioskMark['detail']): KioskMark =>
  detail === undefined ? { name, at: ms } : { name, at: ms, detail };

/** Face at 1,000 ms, decided at 4,000 (engine 2,980 ms) after 400 ms waiting on a blink and 2,100 ms on
 * the challenge, then confirm and PIN, paid at 5,400. */
function payment(decided: KioskMark['detail']): KioskMark[] {
  return [
    at('face_first_seen', 1_000, { grabMs: 5 }),
    at('face_decided', 4_000, { grabMs: 25, ...decided }),
    at('screen:working', 4_005),
    at('identify_sent', 4_010),
    at('identify_done', 4_050),
    at('screen:confirm', 4_060),
    at('confirm_clicked', 4_460),
    at('screen:pin', 4_500),
    at('pin_submitted', 5_000),
    at('hub_paid_answer', 5_350),
    at('paid', 5_400),
  ];
}

const sum = (w: {
  personWaitMs: number;
  challengeWaitMs: number;
  tapsMs: number;
  kioskAndHubMs: number;
}) => w.personWaitMs + w.challengeWaitMs + w.tapsMs + w.kioskAndHubMs;

describe('bench:e2e waits', () => {
  it("splits one run's total into the person's wait, the challenge wait, the taps and the kiosk and hub", () => {
    const waits = runWaits(
      payment({ checks: 'passive_texture_live,blink', motionWaitMs: 400, challengeWaitMs: 2_100 }),
    );
    expect(waits).toEqual({
      totalMs: 4_400,
      personWaitMs: 400,
      challengeWaitMs: 2_100,
      tapsMs: 400 + 500,
      kioskAndHubMs: 4_400 - 400 - 2_100 - 900,
    });
    expect(sum(waits!)).toBe(waits!.totalMs);
  });

  it('bounds the two waits by the engine stage, so the parts still add up to the total', () => {
    // The session's waits run on the frames' clock: a report past the page's engine stage is cut to it.
    const waits = runWaits(payment({ motionWaitMs: 2_500, challengeWaitMs: 900.4 }))!;
    expect(waits.personWaitMs).toBe(2_500);
    expect(waits.challengeWaitMs).toBe(2_980 - 2_500);
    expect(sum(waits)).toBe(waits.totalMs);
    expect(waits.kioskAndHubMs).toBeGreaterThanOrEqual(0);
  });

  it('counts no challenge wait when the session reported none (a renderer without the field)', () => {
    const waits = runWaits(payment({ motionWaitMs: 300 }))!;
    expect(waits).toMatchObject({ personWaitMs: 300, challengeWaitMs: 0 });
    expect(sum(waits)).toBe(waits.totalMs);
  });

  it('is null for a run that was not paid', () => {
    expect(runWaits(payment({}).filter((m) => m.name !== 'paid'))).toBeNull();
  });

  it("summarises the settled runs' parts as median and p95, in the JSON's shape", () => {
    const runs = [
      runWaits(payment({ motionWaitMs: 400, challengeWaitMs: 0 })),
      null,
      runWaits(payment({ motionWaitMs: 0, challengeWaitMs: 2_100 })),
    ];
    const summary = summariseWaits(runs);
    expect(Object.keys(summary).sort()).toEqual([...waitParts, 'settledRuns'].sort());
    expect(summary.settledRuns).toBe(2);
    for (const part of waitParts)
      expect(Object.keys(summary[part]).sort()).toEqual(['medianMs', 'p95Ms']);
    expect(summary.challengeWaitMs).toEqual({ medianMs: 0, p95Ms: 2_100 });
    expect(summary.totalMs).toEqual({ medianMs: 4_400, p95Ms: 4_400 });
    expect(summariseWaits([null]).kioskAndHubMs).toEqual({ medianMs: null, p95Ms: null });
  });
});
