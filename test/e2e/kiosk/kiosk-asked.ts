// A shopper at the deployment fixture's kiosk in Chromium, the till's payment on its way: how the e2e files
// on the shopper's PIN screens start each test (kioskAskedToPay), and their hooks around it (useKioskAskedToPay).
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import {
  launchKioskBrowser,
  openKiosk,
  requestPayment,
} from '../../../scripts/kiosk/kiosk-browser.ts';
import { assertNoProcessLeft, trackChildProcesses } from '../../hub/process.ts';
import type { KioskFixture } from './deployment-fixture.ts';
import { startKioskFixture } from './deployment-fixture.ts';

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

export interface KioskAskedRig {
  fixture(): KioskFixture;
  readonly pageLog: string[];
  /** Chromium with `clip` as its camera at the kiosk, the till's payment of `amount` asked; closed after the test. */
  kioskAsked(clip: string, amount: number): Promise<Page>;
}

/**
 * Registers the hooks of a file (or describe block) whose tests each ask the kiosk to pay: the deployment
 * fixture before them (screenshots in `artifacts`), each test's open payment cancelled and its browsers
 * closed after it, and everything stopped after the last, with no process left.
 */
export function useKioskAskedToPay(artifacts: string, referencePrefix: string): KioskAskedRig {
  let fixture: KioskFixture | undefined;
  const browsers: Browser[] = [];
  const pageLog: string[] = [];
  let openPaymentId: string | null = null;
  const started = () => {
    if (fixture === undefined) throw new Error('the kiosk fixture is not started (beforeAll)');
    return fixture;
  };
  beforeAll(async () => {
    fixture = await startKioskFixture(artifacts);
  }, 300_000);
  afterEach(async () => {
    if (openPaymentId !== null)
      await started().shell.runtime.service.handlers.cancel({ paymentId: openPaymentId });
    openPaymentId = null;
    for (const browser of browsers.splice(0)) await browser.close();
  });
  afterAll(async () => {
    for (const browser of browsers.splice(0)) await browser.close();
    await fixture?.close();
    await assertNoProcessLeft();
  });
  return {
    fixture: started,
    pageLog,
    kioskAsked: async (clip, amount) => {
      const reference = `${referencePrefix}-${amount}`;
      const asked = await kioskAskedToPay(started(), {
        clip,
        amount,
        reference,
        browsers,
        pageLog,
      });
      openPaymentId = asked.paymentId;
      return asked.page;
    },
  };
}
