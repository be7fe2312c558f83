// The shopper's and the operator's screens end to end, in Debian's Chromium, while the hub refuses this
// kiosk's credentials (the till's token rotated, kiosk.json not updated): the shopper is sent to staff, not
// told the network is down; staff see the hub's answer, the lost payment waiting, and how to provision the
// kiosk again, in Japanese and English. Screenshots go to test-artifacts/kiosk-e2e-hub-refuses.
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
import { closeKioskTestHub, networkLosingFirstAnswer } from '../main/kiosk-test-hub.ts';
import { pay, shopKiosk } from '../main/shop-fixture.ts';
import { expectOperatorScreenFits } from './kiosk/screen-fits.ts';
import { startShopRig, until, type ShopRig } from './kiosk/shop-rig.ts';

let rig: ShopRig;
let browser: Browser | null = null;
let shell: WebShell | null = null;
const pageLog: string[] = [];

beforeAll(async () => {
  rig = await startShopRig({
    artifactsName: 'kiosk-e2e-hub-refuses',
    prefix: 'facepay-hub-refuses-e2e-',
  });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await shell?.close();
  await closeKioskTestHub(rig.test);
  await assertNoProcessLeft();
});

describe('a kiosk the hub refuses', () => {
  it('sends the shopper to staff and tells staff the hub refuses its token, the lost payment waiting and what to do', async () => {
    const { test, clock, face, rendererDir, artifacts } = rig;
    // An earlier run of this kiosk: the shopper paid, the answer was lost; its wait is over since.
    const pendingHoldsFile = path.join(test.shop.config.keysDir, 'pending-holds.json');
    const earlier = await shopKiosk({
      test,
      clock,
      network: networkLosingFirstAnswer('/v1/holds'),
      pendingHoldsFile,
    });
    const { answer } = await pay(earlier.service, face, 1_400, 'till-1400');
    earlier.link.dispose();
    expect(answer).toMatchObject({ ok: false, error: { code: 'hub_unreachable' } });
    const pending = JSON.parse(await readFile(pendingHoldsFile, 'utf8')) as object[];
    await writeFile(
      pendingHoldsFile,
      JSON.stringify(pending.map((p) => ({ ...p, waitLeftMs: 0 }))),
    );
    // The admin rotates the till's token; kiosk.json keeps the old one.
    await test.admin.rotateClientToken(test.shop.tillClientId);

    const config = { ...test.shop.config, hubUrl: test.hub.url };
    shell = await startWebShell({ config, port: 0, rendererDir });
    const service = shell.runtime.service;
    await until(() => service.status().credentialsRefused !== null, 30_000);
    expect(service.status()).toMatchObject({
      hub: 'unreachable',
      credentialsRefused: { status: 401, code: 'unauthorized' },
      lostPaymentsWaiting: 1,
    });

    browser = await launchKioskBrowser(null);
    expect(trackChildProcesses(/chromium/)).toBeGreaterThan(0);
    const page = await openKiosk(browser, shell.url, pageLog);
    const idle = page.locator('[data-testid="idle-refused"]');
    await idle.waitFor();
    expect(await idle.textContent()).toContain('店員にお声がけください');
    const badge = page.locator('.hub-offline');
    expect(await badge.textContent()).toBe('お支払いを受け付けていません');
    expect(await page.locator('body').textContent()).not.toContain('接続できません');
    await page.screenshot({ path: path.join(artifacts, 'ja-idle-hub-refuses.png') });

    await page.getByRole('button', { name: '店員メニューを開く' }).click();
    await waitForScreen(page, ['operator'], 5_000);
    await typeDigits(page, config.operatorPin);
    const notice = page.locator('[data-testid="hub-refuses-kiosk"]');
    await notice.waitFor();
    const lost = page.locator('[data-testid="lost-payments-waiting"]');
    await lost.waitFor();
    expect(await notice.getAttribute('data-code')).toBe('unauthorized');
    expect(await notice.textContent()).toContain('ハブの応答: 401 unauthorized');
    expect(await notice.textContent()).toContain('ネットワークの障害ではありません');
    expect(await notice.textContent()).toContain('rotate-client-token');
    expect(await lost.textContent()).toContain('1 件');
    await page.screenshot({ path: path.join(artifacts, 'ja-operator-hub-refuses.png') });
    await expectOperatorScreenFits(page);

    await page.locator('[data-testid="language-switch"]').click();
    expect(await notice.textContent()).toContain("The hub refuses this kiosk's credentials");
    expect(await notice.textContent()).toContain('The hub answered: 401 unauthorized');
    expect(await notice.textContent()).toContain('This is not a network fault');
    expect(await lost.textContent()).toContain('1 lost payment is waiting to be given back');
    await page.screenshot({ path: path.join(artifacts, 'en-operator-hub-refuses.png') });
    await expectOperatorScreenFits(page);
    await page.getByRole('button', { name: 'Close' }).click();
    await idle.waitFor();
    // Back at idle the kiosk speaks its default language again (the staff's English is not the next
    // shopper's); the shopper's own tap on the switch reads the refusal in English.
    await expect
      .poll(() => idle.textContent(), { timeout: 5_000 })
      .toContain('店員にお声がけください');
    await page.locator('[data-testid="language-switch"]').click();
    expect(await idle.textContent()).toContain('This kiosk cannot take payments right now');
    expect(await badge.textContent()).toBe('Not taking payments');
    await page.screenshot({ path: path.join(artifacts, 'en-idle-hub-refuses.png') });
  }, 180_000);
});
