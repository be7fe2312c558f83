// bench:e2e's split of one payment's timeline (the kiosk's marks): the stages add up to the total, and the
// shopper's taps on the confirm and PIN screens are taken out of ui, so the kiosk's own time can be read
// apart from a person's seconds at the screen.
import { describe, expect, it } from 'vitest';
import type { KioskMark } from '../../scripts/kiosk/kiosk-browser.ts';
import { stageTimes } from '../../scripts/kiosk/kiosk-browser.ts';

const at = (name: string, ms: number, detail?: KioskMark['detail']): KioskMark =>
  detail === undefined ? { name, at: ms } : { name, at: ms, detail };

/** A payment by face and PIN: face at 1,000 ms, decided at 1,800, paid at 3,000. */
const paidWithPin: KioskMark[] = [
  at('face_first_seen', 1_000, { grabMs: 5 }),
  at('face_decided', 1_800, { grabMs: 25 }),
  at('screen:working', 1_805),
  at('identify_sent', 1_810),
  at('identify_done', 1_850),
  at('screen:confirm', 1_860),
  at('confirm_clicked', 2_260),
  at('screen:pin', 2_300),
  at('pin_submitted', 2_800),
  at('hub_paid_answer', 2_950),
  at('paid', 3_000),
];

describe('bench:e2e stage times', () => {
  it("splits face seen -> paid into camera, engine, hub and ui, and the shopper's taps out of ui", () => {
    const stages = stageTimes(paidWithPin);
    expect(stages).toEqual({
      totalMs: 2_000,
      camera: 20,
      engine: 780,
      hub: 40 + 150,
      ui: 2_000 - 20 - 780 - 190,
      taps: 400 + 500,
    });
    // What is left of ui is the kiosk's: screens shown, the confirm call, the receipt.
    expect(stages!.ui - stages!.taps).toBe(110);
  });

  it('a payment without the PIN screen has the confirm tap alone', () => {
    const noPin = paidWithPin.filter((m) => !['screen:pin', 'pin_submitted'].includes(m.name));
    const stages = stageTimes(
      noPin.map((m) => (m.name === 'hub_paid_answer' ? at(m.name, 2_700) : m)),
    );
    expect(stages).toMatchObject({ hub: 40 + 440, taps: 400 });
  });

  it('is null for a payment that was not paid', () => {
    expect(stageTimes(paidWithPin.filter((m) => m.name !== 'paid'))).toBeNull();
  });
});
