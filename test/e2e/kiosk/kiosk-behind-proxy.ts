// The deployment fixture's shop with its kiosk reaching the real hub through a proxy the test controls, for
// the e2e files on answers a hub gives only in rare moments: the proxy answers the requests the test picks.
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import {
  launchKioskBrowser,
  openKiosk,
  requestPayment,
} from '../../../scripts/kiosk/kiosk-browser.ts';
import { startWebShell, type WebShell } from '../../../src/main/web-shell.ts';
import { assertNoProcessLeft, trackChildProcesses } from '../../hub/process.ts';
import { startHoldingProxy, type HoldingProxy } from '../../main/holding-proxy.ts';
import type { KioskFixture } from './deployment-fixture.ts';
import { startKioskFixture } from './deployment-fixture.ts';

/** Answers a request in the hub's stead (method, the hub's URL of it), or undefined to pass it on. */
export type AnswerHere = (method: string, url: string) => Response | undefined;

export interface KioskBehindProxy {
  fixture(): KioskFixture;
  /** The kiosk whose hub is the proxy (the fixture's own kiosk is stopped). */
  shell(): WebShell;
  /** The proxy itself: a test may hold the next hold request (holdNextRequest) or its answer. */
  proxy(): HoldingProxy;
  readonly pageLog: string[];
  /** Chromium with `clip` as its camera at the kiosk, the till's payment asked; closed after the test. */
  kioskAsked(
    clip: string,
    payment: { amount: number; reference: string },
  ): Promise<{ page: Page; paymentId: string }>;
  /** The till's payment as the till reads it (the kiosk's local API). */
  atTill(paymentId: string): Promise<string | undefined>;
}

/**
 * Registers the hooks of a file: the deployment fixture (screenshots in `artifacts`) with its kiosk behind a
 * proxy that asks `answerHere` first (and `answerAfter` once the hub answered, that answer dropped), each
 * test's open payment cancelled by the till and its Chromium closed after it, and everything stopped after
 * the last, with no process left.
 */
export function useKioskBehindProxy(
  artifacts: string,
  answerHere: AnswerHere,
  answerAfter?: AnswerHere,
): KioskBehindProxy {
  let fixture: KioskFixture | undefined;
  let proxy: HoldingProxy | undefined;
  let shell: WebShell | undefined;
  const browsers: Browser[] = [];
  const pageLog: string[] = [];
  let openPaymentId: string | null = null;
  const started = () => {
    if (fixture === undefined || shell === undefined) throw new Error('not started (beforeAll)');
    return { fixture, shell };
  };
  const tillRequest = (paymentId: string, method: 'GET' | 'DELETE') =>
    fetch(`${started().shell.url}/kiosk/v1/payment-requests/${paymentId}`, {
      method,
      headers: { authorization: `Bearer ${started().fixture.shop.tillToken}` },
    });
  beforeAll(async () => {
    fixture = await startKioskFixture(artifacts);
    // This file's kiosk reaches the hub through the proxy: the fixture's own kiosk steps aside.
    await fixture.shell.close();
    proxy = await startHoldingProxy(fixture.hub.url, {
      answerHere,
      ...(answerAfter === undefined ? {} : { answerAfter }),
    });
    const config = { ...fixture.shop.config, hubUrl: proxy.url };
    shell = await startWebShell({ config, port: 0, rendererDir: fixture.rendererDir });
  }, 300_000);
  afterEach(async () => {
    if (openPaymentId !== null) await tillRequest(openPaymentId, 'DELETE');
    openPaymentId = null;
    for (const browser of browsers.splice(0)) await browser.close();
  });
  afterAll(async () => {
    for (const browser of browsers.splice(0)) await browser.close();
    await shell?.close();
    await proxy?.close();
    await fixture?.close();
    await assertNoProcessLeft();
  });
  return {
    fixture: () => started().fixture,
    shell: () => started().shell,
    proxy: () => {
      if (proxy === undefined) throw new Error('not started (beforeAll)');
      return proxy;
    },
    pageLog,
    async kioskAsked(clip, payment) {
      const browser = await launchKioskBrowser(clip);
      browsers.push(browser);
      expect(trackChildProcesses(/chromium/)).toBeGreaterThan(0);
      const page = await openKiosk(browser, started().shell.url, pageLog);
      const requested = await requestPayment(
        started().shell.url,
        started().fixture.shop.tillToken,
        payment,
      );
      expect(requested.status).toBe(201);
      openPaymentId = requested.body.payment?.id ?? null;
      expect(openPaymentId).not.toBeNull();
      return { page, paymentId: openPaymentId ?? '' };
    },
    async atTill(paymentId) {
      const response = await tillRequest(paymentId, 'GET');
      return ((await response.json()) as { payment?: { state?: string } }).payment?.state;
    },
  };
}
