// The clinic tests' clock keeps a test's span within one local day, whatever time the suite runs at
// (the clinic suites failed when run at 23:57 local: their boards were cleared at midnight).
import { describe, expect, it } from 'vitest';
import { localDay } from '../../src/main/clinic-visits.ts';
import { clinicDayClock } from './clinic-day-clock.ts';

const hourMs = 3_600_000;
/** Local wall-clock times on one day: the machine's time zone, as the reception's day is. */
const at = (hours: number, minutes = 0) => new Date(2026, 11, 4, hours, minutes).getTime();

describe('clinicDayClock', () => {
  it('is the wall clock when the span fits in what is left of today', () => {
    const clock = clinicDayClock(3 * hourMs, () => at(9, 30));
    expect(clock.offsetMs).toBe(0);
    expect(localDay(clock.now() + 3 * hourMs)).toBe(localDay(at(9, 30)));
  });

  it('moves forward past midnight when the span would cross it, and keeps the span within the new day', () => {
    for (const realMs of [at(21, 0) + 1, at(22, 0), at(23, 57), at(23, 59)]) {
      const clock = clinicDayClock(3 * hourMs, () => realMs);
      expect(clock.offsetMs).toBeGreaterThan(0);
      const startDay = localDay(clock.now());
      expect(startDay).not.toBe(localDay(realMs));
      expect(localDay(clock.now() + 3 * hourMs)).toBe(startDay);
    }
  });

  it('follows the offset a test adds (time passing)', () => {
    const clock = clinicDayClock(hourMs, () => at(12));
    clock.offsetMs += 15_000;
    expect(clock.now()).toBe(at(12) + 15_000);
  });
});
