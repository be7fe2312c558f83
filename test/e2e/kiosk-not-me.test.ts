// "Not me" on the confirm screen, in Debian's Chromium against a real hub: the till's payment stays open,
// the shopper is told in ja and en that nothing was paid, with the member number and PIN first (the same face
// would match the same person again), and pays it that way. Cancel on the same screen still cancels.
// Screenshots: test-artifacts/kiosk-e2e-not-me.
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import {
  openKiosk,
  requestPayment,
  typeDigits,
  waitForScreen,
} from '../../scripts/kiosk/kiosk-browser.ts';
import { words } from './kiosk/locale-words.ts';
import { expectInView, kioskDisplays } from './kiosk/screen-fits.ts';
import {
  expectConfirmScreen,
  tapNotMe as tapNotMeOnScreen,
  useShopInChromium,
} from './kiosk/shop-in-chromium.ts';

const shop = useShopInChromium('kiosk-e2e-not-me');
const { artifacts, pageLog } = shop;

afterEach(async () => {
  const service = shop.fixture().shell.runtime.service;
  const open = service.status().payment;
  if (open !== null) await service.handlers.cancel({ paymentId: open.id });
});

const balance = async () => (await shop.fixture().admin.getAccount('e2e-shopper')).balance;

/** The till asks for `amount`; the shopper's face is read: the confirm screen shows the masked name. */
async function atConfirm(amount: number): Promise<{ page: Page; paymentId: string }> {
  const { shell, shop: till } = shop.fixture();
  const page = await openKiosk(shop.browser(), shell.url, pageLog);
  const requested = await requestPayment(shell.url, till.tillToken, {
    amount,
    reference: `e2e-not-me-${amount}`,
  });
  expect(requested.status).toBe(201);
  const paymentId = requested.body.payment?.id ?? '';
  await expectConfirmScreen(page, pageLog);
  return { page, paymentId };
}

/** The till's payment as the till reads it. */
async function atTill(paymentId: string): Promise<string | undefined> {
  const fixture = shop.fixture();
  const response = await fetch(`${fixture.shell.url}/kiosk/v1/payment-requests/${paymentId}`, {
    headers: { authorization: `Bearer ${fixture.shop.tillToken}` },
  });
  return ((await response.json()) as { payment?: { state?: string } }).payment?.state;
}

/** The shopper taps Not me: the not_me screen, and the till's payment still open at the face step. */
async function tapNotMe(page: Page, paymentId: string): Promise<void> {
  await tapNotMeOnScreen(page);
  expect(await atTill(paymentId)).toBe('waiting_for_face');
}

describe('"not me" on the confirm screen', () => {
  it("keeps the till's payment, says nothing was paid, and the shopper pays with member number and PIN", async () => {
    const before = await balance();
    const { page, paymentId } = await atConfirm(870);
    for (const display of kioskDisplays) {
      await page.setViewportSize(display);
      for (const id of ['confirm-ok', 'not-me', 'confirm-cancel'])
        await expectInView(
          page,
          page.locator(`[data-testid="${id}"]`),
          `${id} at ${display.width}`,
        );
    }
    await page.setViewportSize(kioskDisplays[0]);
    expect(await page.locator('[data-testid="not-me"]').textContent()).toBe(
      words('ja', 'actions.notMe'),
    );
    await page.screenshot({ path: path.join(artifacts, 'ja-confirm.png') });
    await tapNotMe(page, paymentId);
    expect(shop.fixture().shell.runtime.service.status().payment).toMatchObject({
      id: paymentId,
      state: 'waiting_for_face',
      displayNameMasked: null,
    });
    for (const language of ['ja', 'en'] as const) {
      if (language === 'en') await page.locator('[data-testid="language-switch"]').click();
      await expect
        .poll(() => page.locator('#error-title').textContent())
        .toBe(words(language, 'error.not_me.title'));
      expect(await page.locator('.error-body').textContent()).toBe(
        words(language, 'error.not_me.body'),
      );
      // The member number and PIN lead (a primary button, first); trying the face again comes second.
      const buttons = page.locator('[data-testid="error-screen"] .actions button');
      expect(await buttons.first().getAttribute('data-testid')).toBe('member-pin');
      expect(await buttons.first().getAttribute('class')).toContain('button-primary');
      expect(await buttons.nth(1).textContent()).toBe(words(language, 'actions.retry'));
      await page.screenshot({ path: path.join(artifacts, `${language}-not-me.png`) });
      for (const display of kioskDisplays) {
        await page.setViewportSize(display);
        for (const [index, name] of [
          [0, 'member'],
          [1, 'retry'],
          [2, 'cancel'],
        ] as const)
          await expectInView(page, buttons.nth(index), `${name} at ${display.width}`);
      }
      await page.setViewportSize(kioskDisplays[0]);
    }
    await page.locator('[data-testid="language-switch"]').click();
    expect(await balance()).toBe(before);

    await page.locator('[data-testid="member-pin"]').click();
    await waitForScreen(page, ['member'], 10_000);
    await typeDigits(page, shop.fixture().enrolled.person.memberNumber);
    await typeDigits(page, shop.fixture().enrolled.pin);
    await waitForScreen(page, ['receipt'], 30_000);
    expect(await atTill(paymentId)).toBe('paid');
    expect(await balance()).toBe(before - 870);
    await page.close();
  }, 240_000);

  it("from the PIN screen too: no PIN of the matched person is tried, and the till's payment stays open", async () => {
    const before = await balance();
    const { page, paymentId } = await atConfirm(540);
    await page.locator('[data-testid="confirm-ok"]').click();
    await waitForScreen(page, ['pin'], 20_000);
    // Both displays: on the smaller one the keypad stands beside the name, amount and these buttons.
    for (const display of kioskDisplays) {
      await page.setViewportSize(display);
      for (const id of ['not-me', 'keypad-submit'])
        await expectInView(
          page,
          page.locator(`[data-testid="${id}"]`),
          `${id} at ${display.width}`,
        );
      await expectInView(
        page,
        page.getByRole('button', { name: words('ja', 'actions.cancelPayment'), exact: true }),
        `cancel at ${display.width}`,
      );
    }
    await page.setViewportSize(kioskDisplays[0]);
    await page.screenshot({ path: path.join(artifacts, 'ja-pin-not-me.png') });
    await tapNotMe(page, paymentId);
    // The matched person's PIN step is gone: a confirm with their PIN is not taken.
    const confirm = await shop.fixture().shell.runtime.service.handlers.confirm({
      paymentId,
      pin: shop.fixture().enrolled.pin,
    });
    expect(confirm).toMatchObject({ ok: false, error: { code: 'payment_not_ready' } });
    expect(await balance()).toBe(before);
    await page.close();
  }, 240_000);

  it("cancel on the confirm screen still cancels the till's payment", async () => {
    const before = await balance();
    const { page, paymentId } = await atConfirm(450);
    expect(await page.locator('[data-testid="confirm-cancel"]').textContent()).toBe(
      words('ja', 'actions.cancelPayment'),
    );
    await page.locator('[data-testid="confirm-cancel"]').click();
    await waitForScreen(page, ['idle'], 10_000);
    expect(await atTill(paymentId)).toBe('cancelled');
    expect(await balance()).toBe(before);
    await page.close();
  }, 240_000);
});
