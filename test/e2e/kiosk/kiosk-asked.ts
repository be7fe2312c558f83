// A shopper at the deployment fixture's kiosk in Chromium, the till's payment on its way: how the e2e files
// on the shopper's PIN screens start each test, the browser kept by the caller to close after it.
import type { Browser, Page } from 'playwright-core';
import { expect } from 'vitest';
import {
  launchKioskBrowser,
  openKiosk,
  requestPayment,
} from '../../../scripts/kiosk/kiosk-browser.ts';
import { trackChildProcesses } from '../../hub/process.ts';
import type { KioskFixture } from './deployment-fixture.ts';

/**
 * Chromium with `clip` as its camera (kept in `browsers`, for the caller to close), at the kiosk, and the
 * till's payment of `amount` asked: answers the page and the payment's id.
 */
export async function kioskAskedToPay(
  fixture: KioskFixture,
  options: {
    clip: string;
    amount: number;
    reference: string;
    browsers: Browser[];
    pageLog: string[];
  },
): Promise<{ page: Page; paymentId: string | null }> {
  const browser = await launchKioskBrowser(options.clip);
  options.browsers.push(browser);
  expect(trackChildProcesses(/chromium/)).toBeGreaterThan(0);
  const page = await openKiosk(browser, fixture.shell.url, options.pageLog);
  const requested = await requestPayment(fixture.shell.url, fixture.shop.tillToken, {
    amount: options.amount,
    reference: options.reference,
  });
  expect(requested.status).toBe(201);
  return { page, paymentId: requested.body.payment?.id ?? null };
}
