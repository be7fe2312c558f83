// The shop-counter kiosk end to end: Debian's Chromium runs the built renderer from the web shell, its
// camera fed by recorded video; a real hub on a real port holds the money. A shopper pays by face + PIN,
// pays by member number after the face fails, a stranger and a printed photo take no money, and the
// kiosk says so when the camera or the hub is missing. Screenshots of every screen, both languages, go
// to test-artifacts/kiosk-e2e.
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { FollowedPayment } from '../../scripts/kiosk/kiosk-browser.ts';
import {
  clearMarks,
  followPayment,
  launchKioskBrowser,
  marks,
  openKiosk,
  requestPayment,
  typeDigits,
  waitForScreen,
} from '../../scripts/kiosk/kiosk-browser.ts';
import { faceRefusalCodes } from '../../src/renderer/face/face-refusal.ts';
import { repoRoot } from '../biometrics/face-helpers.ts';
import { assertNoProcessLeft, trackChildProcesses } from '../hub/process.ts';
import type { KioskFixture } from './kiosk/deployment-fixture.ts';
import { paymentToCheck, startKioskFixture } from './kiosk/deployment-fixture.ts';
import { words } from './kiosk/locale-words.ts';

const artifacts = path.join(repoRoot, 'test-artifacts', 'kiosk-e2e');
let fixture: KioskFixture;
let browser: Browser | null = null;
const pageLog: string[] = [];
let payments = 0;
let lastPaymentId: string | null = null;

beforeAll(async () => {
  await rm(artifacts, { recursive: true, force: true });
  await mkdir(artifacts, { recursive: true });
  fixture = await startKioskFixture(artifacts);
}, 300_000);

afterEach(async () => {
  // The till takes back whatever payment a failed test left open, so the next one starts at idle.
  if (lastPaymentId !== null) {
    await fetch(`${fixture.shell.url}/kiosk/v1/payment-requests/${lastPaymentId}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${fixture.shop.tillToken}` },
    });
  }
  lastPaymentId = null;
  await browser?.close();
  browser = null;
});

afterAll(async () => {
  await browser?.close();
  await fixture?.close();
  // Every Chromium the tests launched, and whatever it started, has ended with its close().
  await assertNoProcessLeft();
});

/** Chromium with the clip as its camera, remembered so afterAll can check that it ended. */
async function launch(clip: string | null, options?: { askForPermission?: boolean }) {
  const launched = await launchKioskBrowser(clip, options);
  expect(trackChildProcesses(/chromium/)).toBeGreaterThan(0);
  return launched;
}

async function kioskWith(clip: string | null): Promise<Page> {
  browser = await launch(clip);
  return openKiosk(browser, fixture.shell.url, pageLog);
}

async function balance(): Promise<number> {
  return (await fixture.admin.getAccount('e2e-shopper')).balance;
}

async function pay(page: Page, amount: number, label: string): Promise<FollowedPayment> {
  payments += 1;
  const requested = await requestPayment(fixture.shell.url, fixture.shop.tillToken, {
    amount,
    reference: `e2e-${payments}`,
  });
  expect(requested.status).toBe(201);
  lastPaymentId = requested.body.payment?.id ?? null;
  return followPayment(page, {
    pin: fixture.enrolled.pin,
    timeoutMs: 60_000,
    screenshotDir: artifacts,
    label,
    otherLanguageToo: true,
  });
}

/** Chromium's default fake camera is a green test pattern; the video's frames are not. */
async function expectRealFrames(page: Page): Promise<void> {
  const frames = (await marks(page)).filter((mark) => mark.name === 'frame');
  expect(frames.length).toBeGreaterThan(3);
  for (const frame of frames.slice(0, 5)) {
    const r = Number(frame.detail?.['meanR']);
    const g = Number(frame.detail?.['meanG']);
    const b = Number(frame.detail?.['meanB']);
    expect(g > 1.4 * r && g > 1.4 * b, `frame colour ${r} ${g} ${b}`).toBe(false);
  }
}

describe('shop counter kiosk in Chromium', () => {
  it('pays by face and PIN with the default liveness policy, in Japanese then English', async () => {
    const page = await kioskWith(fixture.clips.live);
    await page.screenshot({ path: path.join(artifacts, 'ja-00-idle.png') });
    const before = await balance();
    const paid = await pay(page, 680, 'ja-face');
    expect(paid, pageLog.slice(-20).join('\n')).toMatchObject({ outcome: 'paid' });
    expect(paid.screens).toEqual(expect.arrayContaining(['face', 'confirm', 'pin', 'receipt']));
    await expectRealFrames(page);
    const hold = await fixture.admin.getHold(paid.holdId ?? '');
    expect(hold).toMatchObject({
      status: 'settled',
      settled: 680,
      payer: 'e2e-shopper',
      payee: 'e2e-shop',
    });
    expect(await balance()).toBe(before - 680);

    await page.locator('[data-testid="language-switch"]').click();
    await page.getByRole('button', { name: 'Done' }).click();
    await waitForScreen(page, ['idle'], 10_000);
    // A fresh camera for the second payment: the clip starts again at 45 s, 3.4 s before a blink. Read
    // from wherever the loop happens to be, the man may not blink for 15 s (bench:e2e: 2 runs in 10).
    await browser?.close();
    const english = await kioskWith(fixture.clips.live);
    await english.locator('[data-testid="language-switch"]').click();
    await english.screenshot({ path: path.join(artifacts, 'en-00-idle.png') });
    const again = await pay(english, 1_200, 'en-face');
    expect(again.outcome).toBe('paid');
    expect(await balance()).toBe(before - 680 - 1_200);
  }, 180_000);

  it('a stranger is refused (liveness or no match) and takes no money; the member number and PIN then pay', async () => {
    const page = await kioskWith(fixture.clips.stranger);
    const before = await balance();
    const failed = await pay(page, 450, 'ja-stranger');
    expect(failed.outcome).toBe('error');
    expect(['no_match', ...faceRefusalCodes]).toContain(failed.errorCode);
    expect(await balance()).toBe(before);

    await page.locator('[data-testid="member-pin"]').click();
    await waitForScreen(page, ['member'], 10_000);
    await page.screenshot({ path: path.join(artifacts, 'ja-member-number.png') });
    await typeDigits(page, fixture.enrolled.person.memberNumber);
    await page.screenshot({ path: path.join(artifacts, 'ja-member-pin.png') });
    await typeDigits(page, fixture.enrolled.pin);
    await waitForScreen(page, ['receipt'], 30_000);
    await page.screenshot({ path: path.join(artifacts, 'ja-member-receipt.png') });
    expect(await balance()).toBe(before - 450);
  }, 180_000);

  it('refuses a printed photo moved in front of the camera', async () => {
    const page = await kioskWith(fixture.clips.photo);
    const before = await balance();
    const refused = await pay(page, 300, 'ja-photo');
    expect(refused.outcome).toBe('error');
    expect(faceRefusalCodes).toContain(refused.errorCode);
    expect(await balance()).toBe(before);
    await page.getByRole('button', { name: 'お支払いをやめる' }).click();
  }, 120_000);

  it('the operator types an amount behind the operator PIN, and the shopper can cancel', async () => {
    const page = await kioskWith(fixture.clips.live);
    const before = await balance();
    await page.getByRole('button', { name: '店員メニューを開く' }).click();
    await waitForScreen(page, ['operator'], 5_000);
    await typeDigits(page, '0000');
    await page.getByText('暗証番号が違います').waitFor();
    await page.screenshot({ path: path.join(artifacts, 'ja-operator-pin.png') });
    await typeDigits(page, fixture.shop.config.operatorPin);
    await page.locator('.camera-choice').waitFor();
    // The payment an earlier run left for staff to check (the hub may have forgotten it).
    const toCheck = page.locator('[data-testid="payment-to-check"]');
    await toCheck.waitFor();
    expect(await toCheck.textContent()).toContain(paymentToCheck.reference);
    expect(await toCheck.textContent()).toContain('1,200円');
    await page.locator('[data-testid="language-switch"]').click();
    await page.screenshot({ path: path.join(artifacts, 'en-operator-menu.png') });
    await page.locator('[data-testid="language-switch"]').click();
    await page.screenshot({ path: path.join(artifacts, 'ja-operator-menu.png') });
    await page.getByRole('button', { name: '確認済み' }).click();
    await toCheck.waitFor({ state: 'detached' });
    await page.screenshot({ path: path.join(artifacts, 'ja-operator-menu-checked.png') });
    await typeDigits(page, '980');
    await waitForScreen(page, ['face'], 10_000);
    // Cancel on the face screen says what it cancels, as on every other screen of the payment.
    await page
      .getByRole('button', { name: words('ja', 'actions.cancelPayment'), exact: true })
      .click();
    await waitForScreen(page, ['idle'], 10_000);
    expect(await balance()).toBe(before);
  }, 60_000);

  it('shows the no-camera screen and takes no money', async () => {
    const page = await kioskWith(null);
    const before = await balance();
    const followed = await pay(page, 300, 'ja-no-camera');
    expect(followed).toMatchObject({ outcome: 'camera', errorCode: 'no_camera' });
    await page.locator('[data-testid="language-switch"]').click();
    await page.screenshot({ path: path.join(artifacts, 'en-no-camera.png') });
    expect(await balance()).toBe(before);
  }, 60_000);

  it('says so when camera access is denied', async () => {
    browser = await launch(fixture.clips.live, { askForPermission: true });
    const page = await openKiosk(browser, fixture.shell.url, pageLog, { grantCamera: false });
    const followed = await pay(page, 300, 'ja-denied');
    expect(followed).toMatchObject({ outcome: 'camera', errorCode: 'permission_denied' });
  }, 60_000);

  it('stops the payment and says so when the camera goes away mid-payment', async () => {
    const page = await kioskWith(fixture.clips.live);
    const before = await balance();
    const requested = await requestPayment(fixture.shell.url, fixture.shop.tillToken, {
      amount: 260,
      reference: 'e2e-unplugged',
    });
    lastPaymentId = requested.body.payment?.id ?? null;
    await waitForScreen(page, ['face'], 20_000);
    // What Chromium does when the device is unplugged: the track ends and fires 'ended'.
    await page.evaluate(() => {
      const video = document.querySelector('video');
      const stream = video?.srcObject as MediaStream | null;
      for (const track of stream?.getVideoTracks() ?? []) {
        track.stop();
        track.dispatchEvent(new Event('ended'));
      }
    });
    await waitForScreen(page, ['camera'], 10_000);
    expect(await page.locator('[data-problem]').getAttribute('data-problem')).toBe('camera_lost');
    await page.screenshot({ path: path.join(artifacts, 'ja-camera-lost.png') });
    await page.locator('[data-testid="language-switch"]').click();
    await page.screenshot({ path: path.join(artifacts, 'en-camera-lost.png') });
    expect(await balance()).toBe(before);
  }, 60_000);

  it('says the payment service is unreachable when the hub is down, and takes no money', async () => {
    const before = await balance();
    const page = await kioskWith(fixture.clips.live);
    await fixture.stopHub();
    try {
      const followed = await pay(page, 500, 'ja-hub-down');
      expect(followed).toMatchObject({ outcome: 'error', errorCode: 'hub_unreachable' });
      await page.locator('[data-testid="language-switch"]').click();
      await page.screenshot({ path: path.join(artifacts, 'en-hub-down.png') });
    } finally {
      // The later tests need the hub: bring it back even when this one failed.
      await fixture.restartHub();
    }
    expect(await balance()).toBe(before);
  }, 120_000);

  it('after erasure the same face matches nobody and takes no money', async () => {
    const before = await balance();
    const erased = await fetch(`${fixture.hub.url}/v1/persons/${fixture.enrolled.person.id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${fixture.adminToken}` },
    });
    expect(erased.status).toBe(204);
    const page = await kioskWith(fixture.clips.live);
    const followed = await pay(page, 700, 'ja-erased');
    expect(followed).toMatchObject({ outcome: 'error', errorCode: 'no_match' });
    expect(await balance()).toBe(before);
  }, 120_000);

  it("past the till's wrong PINs of the day, PIN payments pause with the staff way out, and take no money", async () => {
    // The operator's lower cap (FACEPAY_PIN_FAILURES_PER_DAY_PER_CLIENT), so that two wrong PINs reach it.
    await fixture.stopHub();
    await fixture.restartHub({ pinFailuresPerDayPerClient: 2 });
    const before = await balance();
    const page = await kioskWith(fixture.clips.stranger);
    const requested = await requestPayment(fixture.shell.url, fixture.shop.tillToken, {
      amount: 800,
      reference: 'e2e-pin-cap',
    });
    expect(requested.status).toBe(201);
    lastPaymentId = requested.body.payment?.id ?? null;
    await waitForScreen(page, ['face'], 30_000);
    await page.getByRole('button', { name: '会員番号と暗証番号で支払う' }).click();
    // The shopper was erased above: every member number + PIN here is a wrong PIN to the hub. After a
    // wrong PIN the screen keeps the member number and asks for the PIN again.
    await waitForScreen(page, ['member'], 10_000);
    const answers: string[] = [];
    for (let attempt = 0; attempt < 6 && answers.at(-1) !== 'pin_checks_suspended'; attempt++) {
      // One PIN check a second per till: a faster try would be "wait a moment", not a count.
      if (attempt > 0) await page.waitForTimeout(1_100);
      await clearMarks(page);
      const asks = await page.locator('.keypad-display').getAttribute('aria-label');
      if (asks === '会員番号') await typeDigits(page, fixture.enrolled.person.memberNumber);
      await typeDigits(page, '1357');
      await page.waitForFunction(
        () => (window.facepayMarks ?? []).some((mark) => mark.name === 'member_pin_answer'),
        undefined,
        { timeout: 20_000 },
      );
      const answer = (await marks(page)).find((mark) => mark.name === 'member_pin_answer');
      answers.push(String(answer?.detail?.['code']));
    }
    // Two wrong PINs counted (a "wait a moment" between them would not be), then the cap.
    expect(answers.filter((code) => code === 'pin_incorrect')).toHaveLength(2);
    expect(answers.at(-1)).toBe('pin_checks_suspended');
    await waitForScreen(page, ['error'], 10_000);
    expect(await page.locator('[data-testid="error-screen"]').getAttribute('data-code')).toBe(
      'pin_checks_suspended',
    );
    await page.screenshot({ path: path.join(artifacts, 'ja-pin-checks-suspended.png') });
    await page.locator('[data-testid="language-switch"]').click();
    await page.screenshot({ path: path.join(artifacts, 'en-pin-checks-suspended.png') });
    expect(await balance()).toBe(before);
  }, 180_000);
});
