// The operator's charge keypad end to end, in Debian's Chromium: disabled, with why, while the hub refuses
// this kiosk's credentials (the till's token rotated, kiosk.json not updated), in Japanese and English, the
// till's request refused at the same time; enabled again once kiosk.json has the new token and the kiosk
// restarts. Likewise while the hub, behind a proxy, answers nothing but 503, and again once it is back.
// Screenshots go to test-artifacts/kiosk-e2e-charge-disabled.
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  launchKioskBrowser,
  openKiosk,
  typeDigits,
  waitForScreen,
} from '../../scripts/kiosk/kiosk-browser.ts';
import type { KioskConfig } from '../../src/main/kiosk-config.ts';
import { startWebShell, type WebShell } from '../../src/main/web-shell.ts';
import { assertNoProcessLeft, trackChildProcesses } from '../hub/process.ts';
import type { KioskTestHub } from '../main/kiosk-test-hub.ts';
import { startHoldingProxy, type HoldingProxy } from '../main/holding-proxy.ts';
import { closeKioskTestHub } from '../main/kiosk-test-hub.ts';
import { expectOperatorScreenFits } from './kiosk/screen-fits.ts';
import { startShopRig, until } from './kiosk/shop-rig.ts';

let test: KioskTestHub;
let rendererDir = '';
let artifacts = '';
let browser: Browser | null = null;
let shell: WebShell | null = null;
let proxy: HoldingProxy | null = null;
/** While set, the proxy answers every request as a hub that is down would (503). */
let hubAway = false;
const pageLog: string[] = [];

beforeAll(async () => {
  ({ test, rendererDir, artifacts } = await startShopRig({
    artifactsName: 'kiosk-e2e-charge-disabled',
    prefix: 'facepay-charge-e2e-',
  }));
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await shell?.close();
  await proxy?.close();
  await closeKioskTestHub(test);
  await assertNoProcessLeft();
});

/** The till sends `amount` to the kiosk's own API: the HTTP status and body it gets back. */
async function tillAsks(config: KioskConfig, amount: number) {
  const response = await fetch(`${shell?.url ?? ''}/kiosk/v1/payment-requests`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${config.tillToken ?? ''}`,
      'content-type': 'application/json',
    },
    body: JSON.stringify({ amount, reference: `order-${amount}` }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, never> };
}

/** The kiosk in the browser with its staff menu unlocked. */
async function staffMenu(config: KioskConfig, openStaffMenu: string): Promise<Page> {
  browser ??= await launchKioskBrowser(null);
  expect(trackChildProcesses(/chromium/)).toBeGreaterThan(0);
  const page = await openKiosk(browser, shell?.url ?? '', pageLog);
  await page.getByRole('button', { name: openStaffMenu }).click();
  await waitForScreen(page, ['operator'], 5_000);
  await typeDigits(page, config.operatorPin ?? '');
  await page.locator('[data-testid="charge-keypad"]').waitFor();
  return page;
}

describe("the operator's charge keypad", () => {
  it('is disabled with the reason while the hub refuses the kiosk, as the till is refused, and enabled once the kiosk is provisioned again', async () => {
    const rotated = await test.admin.rotateClientToken(test.shop.tillClientId);
    const stale = { ...test.shop.config, hubUrl: test.hub.url };
    shell = await startWebShell({ config: stale, port: 0, rendererDir });
    expect(shell.runtime.service.status().credentialsRefused).toEqual({
      status: 401,
      code: 'unauthorized',
    });
    expect(await tillAsks(stale, 500)).toMatchObject({
      status: 503,
      body: { error: { code: 'not_taking_payments', reason: 'credentials_refused' } },
    });

    const page = await staffMenu(stale, '店員メニューを開く');
    const keypad = page.locator('[data-testid="charge-keypad"]');
    expect(await keypad.getAttribute('data-disabled')).toBe('credentials_refused');
    expect(await keypad.getAttribute('disabled')).not.toBeNull();
    expect(await keypad.getByRole('button', { name: '5' }).isDisabled()).toBe(true);
    const why = page.locator('#charge-disabled');
    expect(await why.textContent()).toContain('決済を受け付けていません');
    expect(await why.textContent()).toContain('再登録されるまで');
    await page.screenshot({ path: path.join(artifacts, 'ja-operator-charge-disabled.png') });
    await expectOperatorScreenFits(page);
    await page.locator('[data-testid="language-switch"]').click();
    expect(await why.textContent()).toContain('Not taking payments.');
    expect(await why.textContent()).toContain('provisioned again');
    await page.screenshot({ path: path.join(artifacts, 'en-operator-charge-disabled.png') });
    await expectOperatorScreenFits(page);
    expect(shell.runtime.service.status().payment).toBeNull();
    await page.close();

    // kiosk.json gets the rotated token and the kiosk restarts: it takes payments again.
    await shell.close();
    shell = null;
    const fixed = { ...stale, hubToken: rotated.token };
    shell = await startWebShell({ config: fixed, port: 0, rendererDir });
    expect(shell.runtime.service.status()).toMatchObject({
      hub: 'reachable',
      credentialsRefused: null,
    });
    const again = await staffMenu(fixed, '店員メニューを開く');
    const enabled = again.locator('[data-testid="charge-keypad"]');
    expect(await enabled.getAttribute('data-disabled')).toBeNull();
    expect(await enabled.getAttribute('disabled')).toBeNull();
    expect(await enabled.getByRole('button', { name: '5' }).isDisabled()).toBe(false);
    expect(await again.locator('#charge-disabled').count()).toBe(0);
    await again.screenshot({ path: path.join(artifacts, 'ja-operator-charge-enabled.png') });
    const taken = await tillAsks(fixed, 500);
    expect(taken.status).toBe(201);
  }, 180_000);

  it('is disabled with the reason while the hub does not answer, the till refused once it stays away, and enabled once it is back', async () => {
    await shell?.close();
    shell = null;
    proxy = await startHoldingProxy(test.hub.url, {
      answerHere: () =>
        hubAway
          ? Response.json({ error: { code: 'unavailable', message: 'down' } }, { status: 503 })
          : undefined,
    });
    // The first test rotated the till's token away from the shop's config: this kiosk gets a current one.
    const rotated = await test.admin.rotateClientToken(test.shop.tillClientId);
    const config = { ...test.shop.config, hubToken: rotated.token, hubUrl: proxy.url };
    shell = await startWebShell({ config, port: 0, rendererDir });
    const service = shell.runtime.service;
    expect(service.status().hub).toBe('reachable');
    const page = await staffMenu(config, '店員メニューを開く');
    const keypad = page.locator('[data-testid="charge-keypad"]');
    expect(await keypad.getAttribute('data-disabled')).toBeNull();

    hubAway = true;
    // The next health round (every 10 s while the hub answered) finds it away.
    await until(() => service.status().hub === 'unreachable', 15_000);
    await page.locator('[data-testid="charge-keypad"][data-disabled="hub_unreachable"]').waitFor();
    expect(await keypad.getByRole('button', { name: '5' }).isDisabled()).toBe(true);
    const why = page.locator('#charge-disabled');
    expect(await why.textContent()).toContain('決済サービスに接続できない');
    await page.screenshot({ path: path.join(artifacts, 'ja-operator-charge-hub-unreachable.png') });
    await expectOperatorScreenFits(page);
    await page.locator('[data-testid="language-switch"]').click();
    expect(await why.textContent()).toContain('The payment service cannot be reached');
    await page.screenshot({ path: path.join(artifacts, 'en-operator-charge-hub-unreachable.png') });
    await expectOperatorScreenFits(page);
    // Away for 15 s: the till is refused too.
    await until(() => service.notTakingPayments()?.reason === 'hub_unreachable', 20_000);
    expect(await tillAsks(config, 600)).toMatchObject({
      status: 503,
      body: { error: { code: 'not_taking_payments', reason: 'hub_unreachable', hub: null } },
    });

    hubAway = false;
    // Rounds come every 2 s while the hub is away: the keypad is back by itself.
    await page.locator('[data-testid="charge-keypad"]:not([data-disabled])').waitFor();
    expect(await page.locator('#charge-disabled').count()).toBe(0);
    expect((await tillAsks(config, 600)).status).toBe(201);
  }, 120_000);
});
