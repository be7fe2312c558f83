// The clinic tests' clock: a reception numbers visits per local day, so a test whose clock crossed local
// midnight mid-way (a suite run late in the evening) saw its board cleared and failed for no bug.
import type { TestClock } from './kiosk-test-hub.ts';

/** A clinic test file's whole clock travel (an hour's no-show at most) and its run time, well under. */
export const clinicTestSpanMs = 3 * 3_600_000;

/**
 * A TestClock (offsetMs only grows) at which the next `spanMs` stay within one local day: the wall clock
 * itself while that much of today is left, else 01:00 tomorrow (forward, as the hub's clock must move).
 * Everything of the test must read it (the hub, the kiosks, the station that enrols), never Date.now.
 * `realNow` is the machine's clock (a parameter for its own test).
 */
export function clinicDayClock(
  spanMs = clinicTestSpanMs,
  realNow: () => number = Date.now,
): TestClock {
  const startMs = realNow();
  const start = new Date(startMs);
  const nextMidnightMs = new Date(
    start.getFullYear(),
    start.getMonth(),
    start.getDate() + 1,
  ).getTime();
  const oneHourMs = 3_600_000;
  const offsetMs = nextMidnightMs - startMs >= spanMs ? 0 : nextMidnightMs + oneHourMs - startMs;
  const clock: TestClock = { offsetMs, now: () => realNow() + clock.offsetMs };
  return clock;
}
