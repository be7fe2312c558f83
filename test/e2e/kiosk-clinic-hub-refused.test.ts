// A check-in the hub refuses mid-way, in Debian's Chromium against a real hub behind a proxy that answers the
// patient's member number + PIN as the hub would refuse it: the patient reads clinic words (ask at the reception
// desk, nothing held) in Japanese and English, and Close leads back to reception, whose idle screen says check-in
// is not possible while the hub refuses the kiosk. And a check-in with no camera: clinic words, and the member
// number way out checks in. Screenshots: test-artifacts/kiosk-e2e-clinic-hub-refused.
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import { typeDigits, waitForScreen } from '../../scripts/kiosk/kiosk-browser.ts';
import { repoRoot } from '../biometrics/face-helpers.ts';
import { patientPin } from '../main/clinic-fixture.ts';
import { useClinicReceptionBehindProxy } from './kiosk/clinic-reception-behind-proxy.ts';

const artifacts = path.join(repoRoot, 'test-artifacts', 'kiosk-e2e-clinic-hub-refused');
/** How the proxy answers: `pinAuthorization` for POST /v1/pin-authorizations, `all` for every call but health. */
const refuse: { pinAuthorization: Response | null; all: Response | null } = {
  pinAuthorization: null,
  all: null,
};

// The kiosk signs by the machine's clock: no board is read here, so a local midnight is no matter.
const reception = useClinicReceptionBehindProxy({
  artifacts,
  prefix: 'facepay-clinic-refused-e2e-',
  answerHere: (method, url) => {
    const { pathname } = new URL(url);
    if (refuse.all !== null && pathname !== '/v1/health') return refuse.all.clone();
    if (method !== 'POST' || pathname !== '/v1/pin-authorizations') return undefined;
    // A token revoked stays revoked: from that answer on, the hub refuses every call of the kiosk.
    if (refuse.pinAuthorization?.status === 401) refuse.all = refuse.pinAuthorization;
    return refuse.pinAuthorization?.clone();
  },
});

afterEach(() => {
  refuse.pinAuthorization = null;
  refuse.all = null;
});

/** The reception kiosk's service status. */
const status = () => reception.shell().runtime.service.status();
const held = async () => (await reception.clinic().test.admin.getAccount('patient')).held;

/** The hub's refusal, as its body reads: `{"error":{"code","message"}}`. */
function hubRefusal(status: number, code: string, message: string): Response {
  return Response.json({ error: { code, message } }, { status });
}

/** The patient taps check in, chooses the member number and types it and the PIN. */
async function checkInByMemberNumber(): Promise<Page> {
  const page = await reception.atMemberNumber();
  await typeDigits(page, reception.clinic().memberNumber);
  await typeDigits(page, patientPin);
  await waitForScreen(page, ['error'], 30_000);
  return page;
}

/** The error screen's title and body in Japanese, then English (screenshots of both), back in Japanese. */
async function errorInBothLanguages(page: Page, name: string) {
  const read = async () => ({
    title: (await page.locator('#error-title').textContent()) ?? '',
    body: (await page.locator('.error-body').textContent()) ?? '',
    staff: (await page.locator('.staff-note').textContent()) ?? '',
  });
  const ja = await read();
  await page.screenshot({ path: path.join(artifacts, `ja-${name}.png`) });
  await page.locator('[data-testid="language-switch"]').click();
  const en = await read();
  await page.screenshot({ path: path.join(artifacts, `en-${name}.png`) });
  await page.locator('[data-testid="language-switch"]').click();
  return { ja, en };
}

describe('a check-in the hub refuses', () => {
  it("refused for the kiosk's credentials mid-way: clinic words, nothing held, Close back to reception, which says check-in is not possible", async () => {
    const before = await held();
    refuse.pinAuthorization = hubRefusal(401, 'unauthorized', 'token revoked');
    const page = await checkInByMemberNumber();
    expect(await page.locator('[data-testid="error-screen"]').getAttribute('data-code')).toBe(
      'hub_refused',
    );
    const { ja, en } = await errorInBothLanguages(page, 'clinic-hub-refused');
    expect(ja.title).toBe('受付できませんでした');
    expect(ja.body).toContain('受付サービスがこの端末からの依頼を受け付けませんでした');
    expect(ja.body).toContain('お金はお預かりしていません');
    expect(ja.body).toContain('受付窓口');
    expect(ja.staff).toContain('受付');
    expect(en.title).toBe('Check-in did not go through');
    expect(en.body).toContain("refused this kiosk's request");
    expect(en.body).toContain('No money was held');
    expect(en.body).toContain('reception desk');
    for (const words of [ja.title, ja.body, ja.staff, en.title, en.body, en.staff]) {
      expect(words).not.toMatch(/お支払い|決済|係員|payment|taken|member of staff/);
    }
    // The check-in is closed: no retry that could not work, only Close, back to the board.
    expect(await page.getByRole('button', { name: 'もう一度' }).count()).toBe(0);
    expect(status().payment).toBeNull();
    expect(await held()).toBe(before);

    // The hub goes on refusing the kiosk (refuse.all): the next round finds it so (credentials refused).
    await page.getByRole('button', { name: '閉じる' }).click();
    await waitForScreen(page, ['idle'], 10_000);
    // The board says so in place of its "tap to check in" hint, and offers no button to tap.
    const notice = page.locator('.screen-clinic [data-testid="idle-refused"]');
    await notice.waitFor({ timeout: 30_000 });
    expect(await notice.getAttribute('role')).toBe('alert');
    expect(await notice.textContent()).toContain('この端末では、ただいま受付できません');
    expect(await notice.textContent()).toContain('受付窓口');
    expect(await page.locator('.screen-clinic .idle-hint').count()).toBe(0);
    expect(await page.locator('[data-testid="check-in"]').count()).toBe(0);
    // The top bar's badge in the clinic's words too: nobody pays at a reception kiosk.
    const badge = page.locator('.top-bar .hub-offline');
    expect(await badge.textContent()).toBe('受付を停止しています');
    await page.screenshot({ path: path.join(artifacts, 'ja-clinic-idle-refused.png') });
    await page.locator('[data-testid="language-switch"]').click();
    expect(await notice.textContent()).toContain('This kiosk cannot take check-ins right now');
    expect(await badge.textContent()).toBe('Not taking check-ins');
    await page.screenshot({ path: path.join(artifacts, 'en-clinic-idle-refused.png') });
  }, 180_000);

  it("at the clinic's wrong-PIN cap: clinic words for the paused PIN check-in, nothing held", async () => {
    // Let the kiosk's rounds find the hub again first (the first test left it refused).
    const reachable = Date.now() + 30_000;
    while (status().credentialsRefused !== null && Date.now() < reachable)
      await new Promise((resolve) => setTimeout(resolve, 250));
    expect(status().credentialsRefused).toBeNull();
    const before = await held();
    refuse.pinAuthorization = hubRefusal(
      429,
      'pin_checks_suspended',
      '20 wrong PINs from this client in 24 hours: PIN checks resume as they age out',
    );
    const page = await checkInByMemberNumber();
    expect(await page.locator('[data-testid="error-screen"]').getAttribute('data-code')).toBe(
      'pin_checks_suspended',
    );
    const { ja, en } = await errorInBothLanguages(page, 'clinic-pin-checks-suspended');
    expect(ja.title).toBe('この端末では、暗証番号での受付を停止しています');
    expect(ja.body).toContain('直近24時間');
    expect(ja.body).toContain('お金はお預かりしていません');
    expect(en.title).toBe('Check-in with a PIN is paused at this kiosk');
    expect(en.body).toContain('in the last 24 hours');
    expect(en.body).toContain('No money was held');
    for (const words of [ja.title, ja.body, en.title, en.body]) {
      expect(words).not.toMatch(/お支払い|係員|till|taken|staff/);
    }
    expect(await held()).toBe(before);
  }, 180_000);
});

describe('a check-in with no camera', () => {
  it('says so in clinic words, and checking in with the member number and PIN works', async () => {
    const before = await held();
    const page = await reception.openReception(false);
    await page.locator('[data-testid="check-in"]').click();
    await waitForScreen(page, ['camera'], 30_000);
    const problem = page.locator('[data-testid="camera-problem"]');
    expect(await problem.getAttribute('data-problem')).toBe('no_camera');
    const memberNumberWay = page.getByRole('button', { name: '会員番号と暗証番号で受付' });
    expect(await memberNumberWay.count()).toBe(1);
    const body = page.locator('.error-body');
    const staff = page.locator('.staff-note');
    expect(await body.textContent()).toContain('受付窓口');
    expect(await body.textContent()).toContain('お金はお預かりしていません');
    expect(await staff.textContent()).toBe('お困りの際は受付にお声がけください');
    await page.screenshot({ path: path.join(artifacts, 'ja-clinic-no-camera.png') });
    await page.locator('[data-testid="language-switch"]').click();
    expect(await body.textContent()).toContain('reception desk');
    expect(await staff.textContent()).toBe('Need help? Please ask at the reception desk');
    expect(
      await page.getByRole('button', { name: 'Check in with member number and PIN' }).count(),
    ).toBe(1);
    await page.screenshot({ path: path.join(artifacts, 'en-clinic-no-camera.png') });
    await page.locator('[data-testid="language-switch"]').click();

    await memberNumberWay.click();
    await waitForScreen(page, ['member'], 10_000);
    await typeDigits(page, reception.clinic().memberNumber);
    await typeDigits(page, patientPin);
    await waitForScreen(page, ['waiting'], 30_000);
    expect(await held()).toBe(before + (reception.clinic().test.shop.config.clinic?.cap ?? 0));
  }, 120_000);
});
