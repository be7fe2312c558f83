// A refusal that closes the payment (the shopper's per-payment limit) is not left for the next shopper to
// read: untouched, the error screen gives way to the idle screen after kioskClosedErrorScreenMs.
import { describe, expect, it } from 'vitest';
import { openKiosk, requestPayment, waitForScreen } from '../../scripts/kiosk/kiosk-browser.ts';
import { kioskClosedErrorScreenMs } from '../../src/shared/limits.ts';
import { yen } from '../../src/shared/money.ts';
import type { TestClock } from '../main/kiosk-test-hub.ts';
import { refusedByMemberNumber } from './kiosk/account-rules.ts';
import { useKioskInChromium } from './kiosk/kiosk-in-chromium.ts';
import { words } from './kiosk/locale-words.ts';
import { konbini, startRuleBoundKiosk } from './kiosk/rule-bound-kiosk.ts';

const shoppers = {
  limited: {
    account: 'limited-shopper',
    name: 'Tanaka Hanako',
    born: '1975-04-12',
    limits: { perPaymentMax: yen(3_000) },
  },
};

describe('an error screen whose payment is closed', () => {
  let memberNumber = '';
  const clock: TestClock = { offsetMs: 0, now: () => Date.now() + clock.offsetMs };
  const kiosk = useKioskInChromium({
    startRig: async () => {
      const rig = await startRuleBoundKiosk({
        prefix: 'facepay-closed-error-e2e-',
        clock,
        setup: konbini,
        people: shoppers,
      });
      memberNumber = rig.memberNumbers.limited;
      return rig;
    },
    // The shell started with the rig; the fixture closes it after the describe.
    startKiosk: ({ shell, clip }) => Promise.resolve({ shell, clip }),
  });

  it('goes back to idle by itself when nobody taps Close', async () => {
    const { test } = kiosk.rig();
    const shell = kiosk.shell();
    const browser = kiosk.browser();
    const page = await openKiosk(browser, shell.url);
    const requested = await requestPayment(shell.url, test.shop.tillToken, {
      amount: 4_800,
      reference: 'closed-error-1',
    });
    expect(requested.status).toBe(201);
    await waitForScreen(page, ['face'], 30_000);
    const wayOut = words('ja', 'actions.memberPin');
    expect(await refusedByMemberNumber(page, { wayOut, memberNumber })).toBe('limit_exceeded');
    const shownAt = Date.now();
    await waitForScreen(page, ['idle'], kioskClosedErrorScreenMs + 5_000);
    expect(Date.now() - shownAt).toBeGreaterThan(kioskClosedErrorScreenMs - 1_000);
    expect(await page.locator('[data-testid="error-screen"]').count()).toBe(0);
  }, 300_000);
});
