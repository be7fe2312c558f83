// The one way the screens write dates and times (src/renderer/date-time.ts): the receipt, the staff list of
// payments to check and the station's list of persons to erase all to the minute, in the same form; the
// clinic's times as a clock. English spells the month, so 4 Dec never reads as 12 April.
import { describe, expect, it } from 'vitest';
import { dateTimeFormat } from '../../src/renderer/date-time.ts';

/** 2026-12-04 09:05:07 in the machine's time zone (the screens write the kiosk's local time). */
const at = new Date(2026, 11, 4, 9, 5, 7);

describe('dates and times on the screens', () => {
  it('writes a date and time to the minute, the month spelled out in English', () => {
    expect(dateTimeFormat('ja', 'dateTime').format(at)).toBe('2026/12/04 9:05');
    expect(dateTimeFormat('en', 'dateTime').format(at)).toBe('4 Dec 2026, 09:05');
  });

  it('writes a time of day as a clock, two digits each', () => {
    expect(dateTimeFormat('ja', 'clock').format(at)).toBe('09:05');
    expect(dateTimeFormat('en', 'clock').format(at)).toBe('09:05');
  });
});
