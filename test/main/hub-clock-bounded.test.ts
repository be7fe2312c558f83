// The hub's clock as the kiosk keeps it: against its elapsed (monotonic) clock, so a wall clock stepped by
// NTP or an operator moves nothing; one answer never moves a learned reading far (a forged, stale or cached
// Hub-Time), nor sets the first one far from the kiosk's own clock; a hub time of 0 is no clock. A hub whose
// clock really moved is followed once hubClockAgreeingAnswers answers in a row agree.
import { describe, expect, it } from 'vitest';
import { HubClock } from '../../src/main/hub-clock.ts';
import { hubTimeHeader } from '../../src/shared/hub-routes.ts';
import {
  hubClockAgreeingAnswers,
  hubClockStepMsMax,
  hubClockFirstReadingMsMax,
} from '../../src/shared/limits.ts';

const day = 86_400_000;

/** A kiosk's two clocks, moved by the test: its wall clock and its elapsed clock apart. */
function kioskClocks() {
  const clocks = { wall: Date.parse('2026-12-07T10:00:00.000Z'), elapsed: 5_000 };
  const hub = new HubClock(
    () => clocks.wall,
    () => clocks.elapsed,
  );
  /** One answer whose Hub-Time is `hubMs`, answered at once. */
  const answer = async (hubMs: number | string) => {
    const network: typeof fetch = async () =>
      new Response(null, { headers: { [hubTimeHeader]: String(hubMs) } });
    await hub.watching(network)('http://hub.test/v1/health');
  };
  /** Time passes: both clocks alike. */
  const pass = (ms: number) => {
    clocks.wall += ms;
    clocks.elapsed += ms;
  };
  return { clocks, hub, answer, pass };
}

describe("the kiosk's reading of the hub's clock", () => {
  it('is kept against the elapsed clock: the wall clock stepped an hour moves nothing', async () => {
    const { clocks, hub, answer, pass } = kioskClocks();
    await answer(clocks.wall + 600_000);
    expect(hub.now()).toBe(clocks.wall + 600_000);
    pass(1_000);
    const before = hub.now();
    expect(before).toBe(clocks.wall + 600_000);
    clocks.wall += 3_600_000;
    expect(hub.now()).toBe(before);
    clocks.wall -= 2 * 3_600_000;
    expect(hub.now()).toBe(before);
    pass(250);
    expect(hub.now()).toBe(before + 250);
  });

  it('one answer a year off the learned reading moves nothing; answers in a row that agree on it are taken', async () => {
    const { clocks, hub, answer, pass } = kioskClocks();
    await answer(clocks.wall + 90_000);
    const learned = () => clocks.wall + 90_000;
    pass(2_000);
    await answer(clocks.wall + 365 * day);
    expect(hub.now()).toBe(learned());
    // Honest answers between: within hubClockStepMsMax they are followed, and the forged one is forgotten.
    pass(2_000);
    await answer(learned() + hubClockStepMsMax);
    expect(hub.now()).toBe(learned() + hubClockStepMsMax);

    const jumped = () => clocks.wall + 365 * day;
    for (let answers = 1; answers < hubClockAgreeingAnswers; answers += 1) {
      pass(2_000);
      await answer(jumped());
      expect(hub.now()).not.toBe(jumped());
      expect(Math.abs(hub.now() - learned())).toBeLessThanOrEqual(hubClockStepMsMax);
    }
    pass(2_000);
    await answer(jumped());
    expect(hub.now()).toBe(jumped());
  });

  it('a first answer far from the kiosk\'s own clock is not taken alone; "0" and other times before 2020 never', async () => {
    const { clocks, hub, answer, pass } = kioskClocks();
    await answer(0);
    await answer('1');
    expect(hub.now()).toBe(clocks.wall);
    expect(hub.offsetMs).toBe(0);

    // Just past the bound: not taken alone (and forgotten when the next answers say otherwise).
    await answer(clocks.wall + hubClockFirstReadingMsMax + 60_000);
    expect(hub.now()).toBe(clocks.wall);
    await answer(clocks.wall + 365 * day);
    expect(hub.now()).toBe(clocks.wall);
    for (let answers = 1; answers < hubClockAgreeingAnswers; answers += 1) {
      pass(1_000);
      await answer(clocks.wall + 365 * day);
    }
    expect(hub.now()).toBe(clocks.wall + 365 * day);
    expect(hub.offsetMs).toBe(365 * day);
  });
});
