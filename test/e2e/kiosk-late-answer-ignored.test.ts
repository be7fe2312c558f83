// An answer that arrives for a payment the screen no longer shows is not painted over what it shows now, in
// Debian's Chromium against a real hub behind a proxy the test controls: the shopper's PIN check is held on
// its way to the hub, the till cancels the payment (the kiosk goes idle) and sends the next one (its face
// screen), then the PIN check goes on: its answer (payment_closed) belongs to the cancelled payment, and the
// next payment's screen stays. Before, the error screen covered the new payment's face step.
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  clearMarks,
  launchKioskBrowser,
  marks,
  openKiosk,
  requestPayment,
  screenOf,
  typeDigits,
  waitForScreen,
} from '../../scripts/kiosk/kiosk-browser.ts';
import { startWebShell, type WebShell } from '../../src/main/web-shell.ts';
import { repoRoot } from '../biometrics/face-helpers.ts';
import { assertNoProcessLeft, trackChildProcesses } from '../hub/process.ts';
import { startHoldingProxy, type HoldingProxy } from '../main/holding-proxy.ts';
import type { KioskFixture } from './kiosk/deployment-fixture.ts';
import { startKioskFixture } from './kiosk/deployment-fixture.ts';
import { expectConfirmScreen } from './kiosk/shop-in-chromium.ts';

let fixture: KioskFixture | undefined;
let proxy: HoldingProxy | undefined;
let shell: WebShell | undefined;
let browser: Browser | undefined;
const pageLog: string[] = [];

beforeAll(async () => {
  fixture = await startKioskFixture(path.join(repoRoot, 'test-artifacts', 'kiosk-e2e-late-answer'));
  // This file's kiosk reaches the hub through the proxy: the fixture's own kiosk steps aside.
  await fixture.shell.close();
  proxy = await startHoldingProxy(fixture.hub.url, {
    heldRoute: { method: 'POST', path: '/v1/verify-pin' },
  });
  shell = await startWebShell({
    config: { ...fixture.shop.config, hubUrl: proxy.url },
    port: 0,
    rendererDir: fixture.rendererDir,
  });
  browser = await launchKioskBrowser(fixture.clips.live);
  expect(trackChildProcesses(/chromium/)).toBeGreaterThan(0);
}, 300_000);

afterAll(async () => {
  const open = shell?.runtime.service.status().payment;
  if (open != null && ['waiting_for_face', 'confirming', 'pin'].includes(open.state))
    await shell?.runtime.service.handlers.cancel({ paymentId: open.id });
  await browser?.close();
  await shell?.close();
  await proxy?.close();
  await fixture?.close();
  await assertNoProcessLeft();
});

async function tillAsks(amount: number, reference: string): Promise<string> {
  if (shell === undefined || fixture === undefined) throw new Error('no rig');
  const requested = await requestPayment(shell.url, fixture.shop.tillToken, { amount, reference });
  expect(requested.status).toBe(201);
  return requested.body.payment?.id ?? '';
}

describe("a late answer about the till's cancelled payment", () => {
  it("is not shown over the next payment's screen", async () => {
    if (
      shell === undefined ||
      fixture === undefined ||
      browser === undefined ||
      proxy === undefined
    )
      throw new Error('no rig');
    const page: Page = await openKiosk(browser, shell.url, pageLog);
    const first = await tillAsks(680, 'e2e-late-answer-1');
    await expectConfirmScreen(page, pageLog);
    await page.locator('[data-testid="confirm-ok"]').click();
    await waitForScreen(page, ['pin'], 30_000);

    // The PIN check is held on its way to the hub; the till takes the payment back meanwhile.
    const held = proxy.holdNextRequest();
    await typeDigits(page, fixture.enrolled.pin);
    await held.arrived;
    const cancelled = await fetch(`${shell.url}/kiosk/v1/payment-requests/${first}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${fixture.shop.tillToken}` },
    });
    expect(cancelled.status).toBeLessThan(300);
    await waitForScreen(page, ['idle'], 10_000);

    // The next payment's face step, then the cancelled payment's PIN check reaches the hub and is answered.
    await tillAsks(690, 'e2e-late-answer-2');
    await waitForScreen(page, ['face'], 30_000);
    await clearMarks(page);
    await held.forward();
    // The kiosk service answers the renderer once the hub has: give it time to arrive and be shown.
    await page.waitForTimeout(2_000);
    const shown = (await marks(page)).filter((mark) => mark.name.startsWith('screen:'));
    expect(
      shown.map((mark) => mark.name),
      pageLog.slice(-20).join('\n'),
    ).not.toContain('screen:error');
    expect(await screenOf(page)).not.toBe('error');
    expect(shell.runtime.service.status().payment?.reference).toBe('e2e-late-answer-2');
  }, 180_000);
});
