// The web shell's service goes while a payment's hold request is out (held at a proxy before the hub), in
// Debian's Chromium against a real hub: the page's socket dies with it, and the service-lost screen says, in
// Japanese and English, that the payment could not be confirmed and to ask staff. Before, it said only that
// the kiosk was restarting, then idle: the shopper never heard that money may have been taken.
// Screenshots: test-artifacts/kiosk-e2e-service-lost-paying.
import type { Browser } from 'playwright-core';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  launchKioskBrowser,
  openKiosk,
  requestPayment,
  typeDigits,
  waitForScreen,
} from '../../scripts/kiosk/kiosk-browser.ts';
import { startWebShell, type WebShell } from '../../src/main/web-shell.ts';
import { repoRoot } from '../biometrics/face-helpers.ts';
import { assertNoProcessLeft, trackChildProcesses } from '../hub/process.ts';
import { startHoldingProxy, type HoldingProxy } from '../main/holding-proxy.ts';
import { startKioskFixture, type KioskFixture } from './kiosk/deployment-fixture.ts';
import { words } from './kiosk/locale-words.ts';

const artifacts = path.join(repoRoot, 'test-artifacts', 'kiosk-e2e-service-lost-paying');
let fixture: KioskFixture | undefined;
let proxy: HoldingProxy | undefined;
let shell: WebShell | undefined;
let browser: Browser | undefined;
const pageLog: string[] = [];

beforeAll(async () => {
  fixture = await startKioskFixture(artifacts);
  // This file's kiosk reaches the hub through the proxy: the fixture's own kiosk steps aside.
  await fixture.shell.close();
  proxy = await startHoldingProxy(fixture.hub.url);
  const config = { ...fixture.shop.config, hubUrl: proxy.url };
  shell = await startWebShell({ config, port: 0, rendererDir: fixture.rendererDir });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await shell?.close();
  await proxy?.close();
  await fixture?.close();
  await assertNoProcessLeft();
});

describe('the kiosk service lost while a hold request is out', () => {
  it('the service-lost screen says the payment could not be confirmed, in ja and en', async () => {
    if (fixture === undefined || shell === undefined || proxy === undefined) {
      throw new Error('not started (beforeAll)');
    }
    browser = await launchKioskBrowser(fixture.clips.stranger);
    expect(trackChildProcesses(/chromium/)).toBeGreaterThan(0);
    const page = await openKiosk(browser, shell.url, pageLog);
    const requested = await requestPayment(shell.url, fixture.shop.tillToken, {
      amount: 530,
      reference: 'e2e-service-lost-paying',
    });
    expect(requested.status).toBe(201);
    await waitForScreen(page, ['face'], 30_000);
    await page.getByRole('button', { name: '会員番号と暗証番号で支払う' }).click();
    await waitForScreen(page, ['member'], 10_000);
    await typeDigits(page, fixture.enrolled.person.memberNumber);
    const held = proxy.holdNextRequest();
    await typeDigits(page, fixture.enrolled.pin);
    await held.arrived;

    // The service goes (a crash, a restart) with the hold request out.
    const closing = shell.close();
    shell = undefined;
    expect(await waitForScreen(page, ['service_lost'], 20_000), pageLog.join('\n')).toBe(
      'service_lost',
    );
    const lost = page.locator('main[aria-labelledby="service-lost-title"]');
    for (const language of ['ja', 'en'] as const) {
      const part = lost.locator(`[lang="${language}"]`);
      await expect
        .poll(() => part.innerText(), { timeout: 5_000 })
        .toContain(words(language, 'serviceLost.paymentUnconfirmed'));
    }
    expect(await lost.innerText()).not.toContain('引き落とされていません');
    expect(await lost.innerText()).not.toContain('No money was taken');
    await page.screenshot({ path: path.join(artifacts, 'service-lost-paying.png') });
    held.drop();
    await closing;
  }, 240_000);
});
