// A PIN check the hub refuses 429 (one a second per till; no try counted), in Debian's Chromium against a real
// hub behind a proxy that answers the chosen route 429 as the hub does: the shopper stays on the PIN or member
// screen, told the PIN was not checked, tries left as they were, and pays with the PIN typed again. A 429 to
// the hold request still goes back to the face step. Screenshots: test-artifacts/kiosk-e2e-pin-rate-limited.
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import { typeDigits, waitForScreen } from '../../scripts/kiosk/kiosk-browser.ts';
import { repoRoot } from '../biometrics/face-helpers.ts';
import { useKioskBehindProxy } from './kiosk/kiosk-behind-proxy.ts';

const artifacts = path.join(repoRoot, 'test-artifacts', 'kiosk-e2e-pin-rate-limited');
/**
 * The next `left` POSTs to `route` are answered 429 by the proxy (the hub's `code`, rate_limited unless
 * told); `answered` counts them.
 */
const throttle = { route: '', left: 0, answered: 0, code: 'rate_limited' };

const kiosk = useKioskBehindProxy(artifacts, (method, url) => {
  if (method !== 'POST' || new URL(url).pathname !== throttle.route || throttle.left === 0)
    return undefined;
  throttle.left -= 1;
  throttle.answered += 1;
  // The hub's own answers: a till's second PIN check within the second, or its wrong PINs at the cap.
  const error = { code: throttle.code, message: 'one PIN check a second per till' };
  return Response.json({ error }, { status: 429 });
});
const { pageLog } = kiosk;
let openPaymentId = '';

afterEach(() => {
  throttle.left = 0;
  throttle.answered = 0;
  throttle.code = 'rate_limited';
});

const balance = async () => (await kiosk.fixture().admin.getAccount('e2e-shopper')).balance;

/** Chromium with `clip` as its camera, at the kiosk, and the till's payment of `amount` on its face screen. */
async function paymentOnFaceScreen(clip: string, amount: number): Promise<Page> {
  const asked = await kiosk.kioskAsked(clip, { amount, reference: `e2e-pin-429-${amount}` });
  openPaymentId = asked.paymentId;
  await waitForScreen(asked.page, ['face'], 30_000);
  return asked.page;
}

/** The warning on the screen, in Japanese and then in English (screenshots of both), back in Japanese. */
async function warningInBothLanguages(page: Page, testId: string, name: string) {
  const warning = page.locator(`[data-testid="${testId}"]`);
  await warning.waitFor();
  const ja = (await warning.textContent()) ?? '';
  await page.screenshot({ path: path.join(artifacts, `ja-${name}.png`) });
  await page.locator('[data-testid="language-switch"]').click();
  const en = (await warning.textContent()) ?? '';
  await page.screenshot({ path: path.join(artifacts, `en-${name}.png`) });
  await page.locator('[data-testid="language-switch"]').click();
  return { ja, en };
}

/** The button named `name` lies inside the 1280x800 screen, which is not scrolled. */
async function expectInView(page: Page, name: string): Promise<void> {
  const box = await page.getByRole('button', { name, exact: true }).boundingBox();
  expect(box).not.toBeNull();
  expect((box?.y ?? 0) + (box?.height ?? 0)).toBeLessThanOrEqual(800);
  expect(await page.evaluate(() => document.scrollingElement?.scrollTop ?? 0)).toBe(0);
}

/** The top bar's height: the same on every screen (a tall screen below must not squeeze it). */
function topBarHeight(page: Page): Promise<number> {
  return page.locator('.top-bar').evaluate((bar) => bar.getBoundingClientRect().height);
}

/** The till's payment as the till reads it. */
const paidAtTill = () => kiosk.atTill(openPaymentId);

describe('a PIN check answered 429 (not checked, no try counted)', () => {
  it('keeps the shopper on the PIN screen, says the PIN was not checked, keeps the tries left, and the PIN typed again pays', async () => {
    const before = await balance();
    const page = await paymentOnFaceScreen(kiosk.fixture().clips.live, 640);
    const shown = await waitForScreen(page, ['confirm', 'error'], 90_000);
    expect(shown, pageLog.slice(-20).join('\n')).toBe('confirm');
    const barHeight = await topBarHeight(page);
    await page.locator('[data-testid="confirm-ok"]').click();
    await waitForScreen(page, ['pin'], 20_000);
    // One wrong PIN first: the hub counts it (2 tries left); the 429 after it must not.
    await typeDigits(page, '1357');
    await page.locator('[data-testid="pin-warning"]').waitFor();
    expect(await page.locator('[data-testid="pin-warning"]').textContent()).toContain('あと2回');

    throttle.route = '/v1/verify-pin';
    throttle.left = 2;
    await typeDigits(page, kiosk.fixture().enrolled.pin);
    const { ja, en } = await warningInBothLanguages(page, 'pin-not-checked', 'pin-not-checked');
    // The kiosk asked twice (its own wait and retry), both answered 429: still at the PIN, nothing taken.
    expect(throttle.answered).toBe(2);
    expect(await page.evaluate(() => document.body.dataset['screen'])).toBe('pin');
    // The notice above the pad made the bar 72 px instead of 80 (flex-shrink; seen in the screenshots).
    expect(await topBarHeight(page)).toBe(barHeight);
    expect(ja).toContain('暗証番号を確認できませんでした。回数には数えていません');
    expect(ja).toContain('残り2回');
    expect(en).toContain('PIN not checked');
    expect(en).toContain('no try was counted');
    expect(en).toContain('2 tries left');
    expect(await page.locator('#pin-title').textContent()).toBe(
      '少し待ってから、暗証番号をもう一度入力してください',
    );
    // Not the wrong-PIN warning, and the screen still fits 1280x800 (the cancel button in view, unscrolled).
    expect(await page.locator('[data-testid="pin-warning"]').count()).toBe(0);
    await expectInView(page, 'お支払いをやめる');
    expect(kiosk.shell().runtime.service.status().payment).toMatchObject({ state: 'pin' });
    expect(await balance()).toBe(before);

    await typeDigits(page, kiosk.fixture().enrolled.pin);
    await waitForScreen(page, ['receipt'], 30_000);
    expect(await paidAtTill()).toBe('paid');
    expect(await balance()).toBe(before - 640);
  }, 180_000);

  it('keeps the shopper on the member screen with the number typed, says it was not checked, and the PIN typed again pays', async () => {
    const before = await balance();
    const page = await paymentOnFaceScreen(kiosk.fixture().clips.stranger, 530);
    await page.getByRole('button', { name: '会員番号と暗証番号で支払う' }).click();
    await waitForScreen(page, ['member'], 10_000);
    await typeDigits(page, kiosk.fixture().enrolled.person.memberNumber);
    throttle.route = '/v1/pin-authorizations';
    throttle.left = 2;
    await typeDigits(page, kiosk.fixture().enrolled.pin);
    const { ja, en } = await warningInBothLanguages(page, 'pin-warning', 'member-not-checked');
    expect(throttle.answered).toBe(2);
    expect(await page.evaluate(() => document.body.dataset['screen'])).toBe('member');
    expect(ja).toContain('会員番号と暗証番号を確認できませんでした');
    expect(ja).not.toContain('違います');
    expect(en).toContain('were not checked');
    expect(en).not.toContain('Wrong');
    await expectInView(page, '戻る');
    // The member number is kept: the keypad asks for the PIN.
    expect(await page.locator('.keypad-display').getAttribute('aria-label')).toBe('暗証番号');
    expect(kiosk.shell().runtime.service.status().payment).toMatchObject({
      state: 'waiting_for_face',
    });
    expect(await balance()).toBe(before);

    await typeDigits(page, kiosk.fixture().enrolled.pin);
    await waitForScreen(page, ['receipt'], 30_000);
    expect(await paidAtTill()).toBe('paid');
    expect(await balance()).toBe(before - 530);
  }, 180_000);

  it('a 429 to the hold request still goes back to the face step, with the busy words and a retry', async () => {
    const before = await balance();
    const page = await paymentOnFaceScreen(kiosk.fixture().clips.stranger, 420);
    await page.getByRole('button', { name: '会員番号と暗証番号で支払う' }).click();
    await waitForScreen(page, ['member'], 10_000);
    await typeDigits(page, kiosk.fixture().enrolled.person.memberNumber);
    throttle.route = '/v1/holds';
    throttle.left = 1;
    await typeDigits(page, kiosk.fixture().enrolled.pin);
    await waitForScreen(page, ['error'], 30_000);
    expect(await page.locator('[data-testid="error-screen"]').getAttribute('data-code')).toBe(
      'rate_limited',
    );
    expect(await page.getByRole('button', { name: 'もう一度' }).count()).toBe(1);
    expect(kiosk.shell().runtime.service.status().payment).toMatchObject({
      state: 'waiting_for_face',
    });
    expect(await balance()).toBe(before);
  }, 120_000);

  it("the hub's pin_checks_suspended (the till's wrong PINs of 24 hours) closes the payment with its words and Close", async () => {
    const before = await balance();
    const page = await paymentOnFaceScreen(kiosk.fixture().clips.stranger, 310);
    await page.getByRole('button', { name: '会員番号と暗証番号で支払う' }).click();
    await waitForScreen(page, ['member'], 10_000);
    await typeDigits(page, kiosk.fixture().enrolled.person.memberNumber);
    throttle.route = '/v1/pin-authorizations';
    throttle.code = 'pin_checks_suspended';
    throttle.left = 1;
    await typeDigits(page, kiosk.fixture().enrolled.pin);
    await waitForScreen(page, ['error'], 30_000);
    // Not asked again: this 429 is the hub's cap, not its one-a-second limit.
    expect(throttle.answered).toBe(1);
    const screen = page.locator('[data-testid="error-screen"]');
    expect(await screen.getAttribute('data-code')).toBe('pin_checks_suspended');
    const body = page.locator('.error-body');
    expect(await body.textContent()).toContain('直近24時間');
    expect(await body.textContent()).toContain('お金は引き落とされていません');
    await page.locator('[data-testid="language-switch"]').click();
    expect(await body.textContent()).toContain('in the last 24 hours');
    expect(await body.textContent()).not.toContain('today');
    await page.screenshot({ path: path.join(artifacts, 'en-pin-checks-suspended.png') });
    // The payment is closed: no retry, Close leads back to the idle screen.
    expect(await page.getByRole('button', { name: 'Try again' }).count()).toBe(0);
    expect(kiosk.shell().runtime.service.status().payment).toBeNull();
    await page.getByRole('button', { name: 'Close' }).click();
    await waitForScreen(page, ['idle'], 10_000);
    expect(await balance()).toBe(before);
  }, 120_000);
});
