// The operator screen end to end, in Debian's Chromium: a lost payment whose refund the hub refuses round
// after round (the till's role changed) is listed for staff with the hub's words and no "Checked" button,
// in Japanese and English, while the kiosk (the web shell) keeps asking; once the hub takes it, it is refunded.
// Screenshots go to test-artifacts/kiosk-e2e-refused.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  launchKioskBrowser,
  openKiosk,
  typeDigits,
  waitForScreen,
} from '../../scripts/kiosk/kiosk-browser.ts';
import { startWebShell, type WebShell } from '../../src/main/web-shell.ts';
import { assertNoProcessLeft, trackChildProcesses } from '../hub/process.ts';
import { startHoldingProxy, type HoldingProxy } from '../main/holding-proxy.ts';
import type { KioskTestHub, TestClock } from '../main/kiosk-test-hub.ts';
import { closeKioskTestHub, networkLosingFirstAnswer } from '../main/kiosk-test-hub.ts';
import { pay, shopKiosk } from '../main/shop-fixture.ts';
import { expectOperatorScreenFits } from './kiosk/screen-fits.ts';
import { startShopRig, until } from './kiosk/shop-rig.ts';

const refusal = 'this call needs role merchant';

let test: KioskTestHub;
let clock: TestClock;
let face: Float32Array;
let artifacts = '';
let proxy: HoldingProxy;
/** While set, the proxy answers the kiosk's refunds as a hub would after the till's role changed. */
let refusing = true;
let rendererDir = '';
let browser: Browser | null = null;
let shell: WebShell | null = null;
const pageLog: string[] = [];

beforeAll(async () => {
  ({ test, clock, face, rendererDir, artifacts } = await startShopRig({
    artifactsName: 'kiosk-e2e-refused',
    prefix: 'facepay-refund-refused-e2e-',
  }));
  proxy = await startHoldingProxy(test.hub.url, {
    answerHere: (method, url) => {
      const isRefund = /^\/v1\/holds\/[^/]+\/refunds$/.test(new URL(url).pathname);
      if (!refusing || method !== 'POST' || !isRefund) return undefined;
      return Response.json({ error: { code: 'forbidden', message: refusal } }, { status: 403 });
    },
  });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await shell?.close();
  await proxy?.close();
  await closeKioskTestHub(test);
  await assertNoProcessLeft();
});

describe('the operator screen', () => {
  it('lists a payment whose refund the hub keeps refusing, with its words and no Checked button', async () => {
    const balance = async () => (await test.admin.getAccount('shopper')).balance;
    const before = await balance();
    // An earlier run of this kiosk: the shopper paid, the answer was lost; its wait is over since.
    const pendingHoldsFile = path.join(test.shop.config.keysDir, 'pending-holds.json');
    const earlier = await shopKiosk({
      test,
      clock,
      network: networkLosingFirstAnswer('/v1/holds'),
      pendingHoldsFile,
    });
    const { answer } = await pay(earlier.service, face, 1_300, 'till-1300');
    earlier.link.dispose();
    expect(answer).toMatchObject({ ok: false, error: { code: 'hub_unreachable' } });
    expect(await balance()).toBe(before - 1_300);
    const pending = JSON.parse(await readFile(pendingHoldsFile, 'utf8')) as object[];
    const waited = pending.map((entry) => ({ ...entry, waitLeftMs: 0 }));
    await writeFile(pendingHoldsFile, JSON.stringify(waited));

    // The kiosk starts (its first round is refused once); the next round, 10 s on, is refused again.
    const config = { ...test.shop.config, hubUrl: proxy.url };
    shell = await startWebShell({ config, port: 0, rendererDir });
    const service = shell.runtime.service;
    await until(() => service.status().paymentsToCheck.length === 1, 30_000);

    browser = await launchKioskBrowser(null);
    expect(trackChildProcesses(/chromium/)).toBeGreaterThan(0);
    const page = await openKiosk(browser, shell.url, pageLog);
    await page.getByRole('button', { name: '店員メニューを開く' }).click();
    await waitForScreen(page, ['operator'], 5_000);
    await typeDigits(page, config.operatorPin);
    const item = page.locator('[data-testid="payment-to-check"]');
    await item.waitFor();
    const words = page.locator('[data-testid="payment-refused"]');
    expect(await item.textContent()).toContain('till-1300');
    expect(await item.textContent()).toContain('1,300円');
    expect(await words.textContent()).toContain('ハブがこの返金を拒否しています');
    expect(await words.textContent()).toContain('403 forbidden');
    expect(await words.textContent()).toContain(refusal);
    expect(await item.getByRole('button').count()).toBe(0);
    await page.screenshot({ path: path.join(artifacts, 'ja-operator-refund-refused.png') });
    await expectOperatorScreenFits(page);
    await page.locator('[data-testid="language-switch"]').click();
    expect(await words.textContent()).toContain('The hub refuses to give this money back');
    expect(await words.textContent()).toContain('keeps asking by itself');
    await page.screenshot({ path: path.join(artifacts, 'en-operator-refund-refused.png') });
    await expectOperatorScreenFits(page);

    // The hub takes it at the next round: refunded, and off the list.
    refusing = false;
    await until(async () => (await balance()) === before, 30_000);
    expect(service.status().paymentsToCheck).toEqual([]);
  }, 180_000);
});
