// The kiosk's elapsed (monotonic) clock stops while the machine sleeps or its VM is paused; the wall clock
// and the hub's go on. After an hour asleep, the first answer from the hub that agrees with the wall-clock
// prediction is taken at once, not after hubClockAgreeingAnswers answers (payments refused as stale meanwhile).
// An answer that agrees with neither prediction still moves nothing alone.
import { describe, expect, it } from 'vitest';
import { HubClock } from '../../src/main/hub-clock.ts';
import { hubTimeHeader } from '../../src/shared/hub-routes.ts';
import { hubClockStepMsMax } from '../../src/shared/limits.ts';

const hour = 3_600_000;

function kioskAndHub() {
  const clocks = { wall: Date.parse('2026-12-07T10:00:00.000Z'), elapsed: 5_000 };
  // The hub's clock runs 90 s ahead of the kiosk's wall clock.
  let hubNow = clocks.wall + 90_000;
  const kiosk = new HubClock(
    () => clocks.wall,
    () => clocks.elapsed,
  );
  const answer = async (hubMs: number = hubNow) => {
    const network: typeof fetch = async () =>
      new Response(null, { headers: { [hubTimeHeader]: String(hubMs) } });
    await kiosk.watching(network)('http://hub.test/v1/health');
  };
  /** Awake: all three clocks move. */
  const pass = (ms: number) => {
    clocks.wall += ms;
    clocks.elapsed += ms;
    hubNow += ms;
  };
  /** Asleep: the wall clock and the hub's move, the elapsed clock does not. */
  const sleep = (ms: number) => {
    clocks.wall += ms;
    hubNow += ms;
  };
  return { clocks, kiosk, answer, pass, sleep, hub: () => hubNow };
}

describe("the hub's clock after the kiosk slept", () => {
  it('after an hour asleep, one answer brings it to the hub', async () => {
    const { kiosk, answer, pass, sleep, hub } = kioskAndHub();
    await answer();
    pass(10_000);
    await answer();
    expect(kiosk.now()).toBe(hub());

    sleep(hour);
    // Before any answer the reading is an hour behind (the elapsed clock missed the sleep).
    expect(hub() - kiosk.now()).toBe(hour);
    pass(1_000);
    await answer();
    expect(Math.abs(kiosk.now() - hub())).toBeLessThanOrEqual(hubClockStepMsMax);
    pass(5_000);
    expect(Math.abs(kiosk.now() - hub())).toBeLessThanOrEqual(hubClockStepMsMax);
  });

  it('an answer agreeing with neither the elapsed nor the wall-clock prediction still moves nothing alone', async () => {
    const { kiosk, answer, pass, sleep, hub } = kioskAndHub();
    await answer();
    sleep(hour);
    pass(1_000);
    const behind = kiosk.now();
    // Half an hour off both predictions (a stale or forged answer): not taken.
    await answer(hub() - hour / 2);
    expect(kiosk.now()).toBe(behind);
    // The honest answer next is taken at once.
    await answer();
    expect(kiosk.now()).toBe(hub());
  });
});
