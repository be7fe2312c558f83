// The operator screen end to end, in Debian's Chromium against a real hub that refuses a lost payment's
// refund for a cause of its own (the hold already took the most refunds the hub allows): staff read why and
// what to do in their language, by the hub's code, and the hub's English message only apart, for its operator.
// Screenshots go to test-artifacts/kiosk-e2e-refused-words.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  launchKioskBrowser,
  openKiosk,
  typeDigits,
  waitForScreen,
} from '../../scripts/kiosk/kiosk-browser.ts';
import { startWebShell, type WebShell } from '../../src/main/web-shell.ts';
import { holdRefundsMax } from '../../src/shared/limits.ts';
import { assertNoProcessLeft, trackChildProcesses } from '../hub/process.ts';
import type { KioskTestHub, TestClock } from '../main/kiosk-test-hub.ts';
import { closeKioskTestHub, networkLosingFirstAnswer } from '../main/kiosk-test-hub.ts';
import { pay, shopKiosk } from '../main/shop-fixture.ts';
import { words } from './kiosk/locale-words.ts';
import { expectOperatorScreenFits } from './kiosk/screen-fits.ts';
import { startShopRig, until } from './kiosk/shop-rig.ts';

/** The real hub's message for this refusal (Ledger.refund). */
const hubMessage = `a hold takes at most ${holdRefundsMax} refunds`;

let test: KioskTestHub;
let clock: TestClock;
let face: Float32Array;
let artifacts = '';
let rendererDir = '';
let browser: Browser | null = null;
let shell: WebShell | null = null;
const pageLog: string[] = [];

beforeAll(async () => {
  ({ test, clock, face, rendererDir, artifacts } = await startShopRig({
    artifactsName: 'kiosk-e2e-refused-words',
    prefix: 'facepay-refused-words-e2e-',
  }));
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await shell?.close();
  await closeKioskTestHub(test);
  await assertNoProcessLeft();
});

/**
 * An earlier run of the kiosk: the shopper paid `amount`, the answer was lost (its wait over since), and
 * the shop's back office then refunded 1 yen at a time until the hold takes no more refunds.
 */
async function lostPaymentPastItsRefunds(amount: number): Promise<void> {
  const pendingHoldsFile = path.join(test.shop.config.keysDir, 'pending-holds.json');
  const earlier = await shopKiosk({
    test,
    clock,
    network: networkLosingFirstAnswer('/v1/holds'),
    pendingHoldsFile,
  });
  const { answer } = await pay(earlier.service, face, amount, 'till-past-refunds');
  earlier.link.dispose();
  expect(answer).toMatchObject({ ok: false, error: { code: 'hub_unreachable' } });
  const pending = JSON.parse(await readFile(pendingHoldsFile, 'utf8')) as object[];
  await writeFile(pendingHoldsFile, JSON.stringify(pending.map((e) => ({ ...e, waitLeftMs: 0 }))));
  const [hold] = (await test.admin.listHolds({ payer: 'shopper', payee: 'shop', limit: 1 })).items;
  expect(hold).toMatchObject({ amount, settled: amount, refunded: 0 });
  for (let refund = 0; refund < holdRefundsMax; refund += 1) {
    await test.admin.holdAction(hold!.id, 'refunds', { amount: 1 }, `back-office-${refund}`);
  }
}

/** The refused payment's three parts as the screen shows them now. */
async function refusalOnScreen(page: Page) {
  const refused = page.locator('[data-testid="payment-refused"]');
  await refused.waitFor();
  const text = async (testId: string) =>
    (await refused.locator(`[data-testid="${testId}"]`).textContent()) ?? '';
  return {
    code: await refused.getAttribute('data-code'),
    reason: await text('payment-refused-reason'),
    hubWords: await text('payment-refused-hub-words'),
    all: (await refused.textContent()) ?? '',
  };
}

describe('the operator screen, the hub refusing a refund for a cause of its own', () => {
  it("says why and what to do in the staff's language, the hub's English message apart", async () => {
    await lostPaymentPastItsRefunds(1_400);
    const config = test.shop.config;
    shell = await startWebShell({ config, port: 0, rendererDir });
    const service = shell.runtime.service;
    // Refused at the first round and again at the next: then staff see it.
    await until(() => service.status().paymentsToCheck.length === 1, 30_000);
    expect(service.status().paymentsToCheck[0]?.hubRefusal).toEqual({
      status: 422,
      code: 'too_many_refunds',
      hubMessage,
    });

    browser = await launchKioskBrowser(null);
    expect(trackChildProcesses(/chromium/)).toBeGreaterThan(0);
    const page = await openKiosk(browser, shell.url, pageLog);
    await page.getByRole('button', { name: words('ja', 'operator.open') }).click();
    await waitForScreen(page, ['operator'], 5_000);
    await typeDigits(page, config.operatorPin);

    const ja = await refusalOnScreen(page);
    expect(ja.code).toBe('too_many_refunds');
    // No retry can undo it: the headline says so, not that the kiosk keeps asking.
    expect(ja.all).toContain(words('ja', 'operator.toCheckRefusedFinal'));
    expect(ja.all).not.toContain(words('ja', 'operator.toCheckRefused'));
    expect(ja.reason).toBe(words('ja', 'operator.toCheckRefusedReason.too_many_refunds'));
    // The staff's sentences carry no English from the hub; its message is the labelled line's alone.
    expect(ja.all.replace(ja.hubWords, '')).not.toContain(hubMessage);
    expect(ja.all.replace(ja.hubWords, '')).not.toMatch(/[A-Za-z]{4,}/);
    expect(ja.hubWords).toBe(
      `${words('ja', 'operator.toCheckHubWords', { answer: '422 too_many_refunds' })} ${hubMessage}`,
    );
    await page.screenshot({ path: path.join(artifacts, 'ja-operator-refused-words.png') });
    await expectOperatorScreenFits(page);

    await page.locator('[data-testid="language-switch"]').click();
    const en = await refusalOnScreen(page);
    expect(en.all).toContain(words('en', 'operator.toCheckRefusedFinal'));
    expect(en.reason).toBe(words('en', 'operator.toCheckRefusedReason.too_many_refunds'));
    expect(en.hubWords).toBe(
      `${words('en', 'operator.toCheckHubWords', { answer: '422 too_many_refunds' })} ${hubMessage}`,
    );
    await page.screenshot({ path: path.join(artifacts, 'en-operator-refused-words.png') });
    await expectOperatorScreenFits(page);

    // No retry can undo this one: once the hub's operator gave the money back another way, staff mark
    // it checked, and it leaves the list.
    const item = page.locator('[data-testid="payment-to-check"]');
    await item.getByRole('button', { name: words('en', 'operator.toCheckDone') }).click();
    await item.waitFor({ state: 'detached', timeout: 10_000 });
    expect(service.status().paymentsToCheck).toEqual([]);
    expect(pageLog.filter((line) => line.startsWith('pageerror'))).toEqual([]);
  }, 180_000);
});
