// A refusal that closes the payment (the shopper's per-payment limit) is not left for the next shopper to
// read: untouched, the error screen gives way to the idle screen after kioskClosedErrorScreenMs.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  launchKioskBrowser,
  openKiosk,
  requestPayment,
  waitForScreen,
} from '../../scripts/kiosk/kiosk-browser.ts';
import type { WebShell } from '../../src/main/web-shell.ts';
import { kioskClosedErrorScreenMs } from '../../src/shared/limits.ts';
import { yen } from '../../src/shared/money.ts';
import { assertNoProcessLeft, trackChildProcesses } from '../hub/process.ts';
import type { KioskTestHub, TestClock } from '../main/kiosk-test-hub.ts';
import { closeKioskTestHub, startKioskTestHub } from '../main/kiosk-test-hub.ts';
import { enrolRuleBoundPeople, refusedByMemberNumber } from './kiosk/account-rules.ts';
import { webShellWithStrangerCamera } from './kiosk/deployment-fixture.ts';
import { words } from './kiosk/locale-words.ts';

const shoppers = {
  limited: {
    account: 'limited-shopper',
    name: 'Tanaka Hanako',
    born: '1975-04-12',
    limits: { perPaymentMax: yen(3_000) },
  },
};

describe('an error screen whose payment is closed', () => {
  let test: KioskTestHub | null = null;
  let shell: WebShell | null = null;
  let browser: Browser | null = null;
  let memberNumber = '';
  const clock: TestClock = { offsetMs: 0, now: () => Date.now() + clock.offsetMs };

  beforeAll(async () => {
    test = await startKioskTestHub({
      prefix: 'facepay-closed-error-e2e-',
      adminToken: `admin-${Date.now()}`,
      clock,
      setup: {
        shop: { id: 'shop', name: 'Test Konbini' },
        shopper: { id: 'shopper', name: 'Suzuki Ichiro', deposit: 5_000 },
      },
    });
    ({ limited: memberNumber } = await enrolRuleBoundPeople(test, clock, shoppers));
    let clip: string;
    ({ shell, clip } = await webShellWithStrangerCamera(test.work, test.shop));
    browser = await launchKioskBrowser(clip);
    expect(trackChildProcesses(/chromium/)).toBeGreaterThan(0);
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await shell?.close();
    await closeKioskTestHub(test ?? undefined);
    await assertNoProcessLeft();
  });

  it('goes back to idle by itself when nobody taps Close', async () => {
    if (test === null || shell === null || browser === null) throw new Error('no rig');
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
