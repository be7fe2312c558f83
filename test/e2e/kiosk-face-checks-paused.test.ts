// Face checks paused after failed looks in a row, in Debian's Chromium against a real hub: the look that
// reaches faceLooksFailedInARowMax (a printed photo, refused at the camera) ends with the paused words (ja,
// en) and no retry, the member number pays, the idle screen then says face payment is paused (ja, en), the
// staff menu says why and resumes (the idle screen says so), and the next payment opens the camera again.
// While paused, what the member number cannot pay (above its limit, a child's account) says face checks
// are paused, not that this payment's tries were used. The looks before are reported to the service as
// the renderer reports a refusal (kiosk-face-refusals-counted covers that path).
// Screenshots: test-artifacts/kiosk-e2e-face-checks-paused.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { typeDigits, waitForScreen } from '../../scripts/kiosk/kiosk-browser.ts';
import { faceRefusalCodes } from '../../src/renderer/face/face-refusal.ts';
import { faceLooksFailedInARowMax, faceTriesPerPaymentMax } from '../../src/shared/limits.ts';
import { repoRoot } from '../biometrics/face-helpers.ts';
import { useKioskBehindProxy } from './kiosk/kiosk-behind-proxy.ts';
import { expectIdleFaceChecksPausedInBothLanguages } from './kiosk/idle-face-checks-paused.ts';
import { expectErrorScreenInBothLanguages, words } from './kiosk/locale-words.ts';
import { expectOperatorScreenFits } from './kiosk/screen-fits.ts';

const artifacts = path.join(repoRoot, 'test-artifacts', 'kiosk-e2e-face-checks-paused');
// The proxy counts the faces the hub was asked to compare, and when told answers the next member-number
// payment as the hub answers a child's account (face_required); every other request goes to the hub.
let identifies = 0;
let refuseNextAsChildAccount = false;
const kiosk = useKioskBehindProxy(artifacts, (method, url) => {
  const route = new URL(url).pathname;
  if (method === 'POST' && route === '/v1/identify') identifies += 1;
  if (method !== 'POST' || route !== '/v1/pin-authorizations' || !refuseNextAsChildAccount)
    return undefined;
  refuseNextAsChildAccount = false;
  const error = { code: 'face_required', message: "a child's account pays by face and PIN" };
  return Response.json({ error }, { status: 422 });
});
const { pageLog } = kiosk;

const balance = async () => (await kiosk.fixture().admin.getAccount('e2e-shopper')).balance;

/** Till payments whose looks the face session refused, reported as the renderer reports them, cancelled. */
async function earlierRefusedLooks(looks: number): Promise<void> {
  const service = kiosk.shell().runtime.service;
  for (let left = looks, order = 1; left > 0; order += 1) {
    const opened = service.requestFromTill({
      amount: 100 + order,
      reference: `e2e-paused-${order}`,
    });
    if (!opened.ok) throw new Error(`kiosk: ${opened.code}`);
    const paymentId = opened.payment.id;
    for (let look = 0; look < faceTriesPerPaymentMax && left > 0; look += 1, left -= 1)
      expect(await service.handlers.reportFaceRefused({ paymentId })).toMatchObject({ ok: true });
    expect(await service.handlers.cancel({ paymentId })).toMatchObject({ ok: true });
  }
}

describe('face checks paused after failed looks in a row', () => {
  it('the look that reaches the limit says face checks are paused, the member number pays, and staff resume them', async () => {
    await earlierRefusedLooks(faceLooksFailedInARowMax - 1);
    expect(kiosk.shell().runtime.service.status().faceChecksPaused).toBe(false);
    const before = await balance();
    const { page } = await kiosk.kioskAsked(kiosk.fixture().clips.photo, {
      amount: 350,
      reference: 'e2e-face-paused-350',
    });
    const shown = await waitForScreen(page, ['error', 'confirm'], 90_000);
    expect(shown, pageLog.slice(-20).join('\n')).toBe('error');
    const screen = page.locator('[data-testid="error-screen"]');
    expect(faceRefusalCodes).toContain(await screen.getAttribute('data-code'));
    expect(kiosk.shell().runtime.service.status()).toMatchObject({
      faceChecksPaused: true,
      payment: { state: 'waiting_for_face', faceTriesLeft: 0, faceChecksPaused: true },
    });
    expect(identifies).toBe(0);

    // Paused at this kiosk, not "this payment's tries are used": this payment used one.
    await expectErrorScreenInBothLanguages(page, {
      artifacts,
      shot: 'paused-refusal',
      // Titled as the pause, not as this look's refusal (which was this kiosk's sixth in a row).
      expected: (language) => ({
        title: words(language, 'error.face_checks_paused.title'),
        body: words(language, 'error.face_checks_paused.body'),
        buttons: [words(language, 'actions.memberPin'), words(language, 'actions.cancelPayment')],
      }),
    });

    await page.locator('[data-testid="member-pin"]').click();
    await waitForScreen(page, ['member'], 10_000);
    await typeDigits(page, kiosk.fixture().enrolled.person.memberNumber);
    await typeDigits(page, kiosk.fixture().enrolled.pin);
    await waitForScreen(page, ['receipt'], 30_000);
    expect(await balance()).toBe(before - 350);
    await page.getByRole('button', { name: words('ja', 'actions.done'), exact: true }).click();
    await waitForScreen(page, ['idle'], 10_000);
    // The idle screen, loaded before the pause, says it (the service's faceChecks event) before the next
    // amount sends anyone to the camera.
    await expectIdleFaceChecksPausedInBothLanguages(page, {
      artifacts,
      shot: 'idle-paused',
      expected: (language) => ({
        title: words(language, 'idle.facePausedTitle'),
        body: words(language, 'idle.facePausedBody'),
      }),
    });
    expect(await page.locator('.idle-hint').count()).toBe(0);

    // A payment while paused opens no camera: the paused screen, titled as such, the member number first.
    const service = kiosk.shell().runtime.service;
    const paused = service.requestFromTill({ amount: 360, reference: 'e2e-face-paused-360' });
    if (!paused.ok) throw new Error(`kiosk: ${paused.code}`);
    await waitForScreen(page, ['error'], 10_000);
    expect(await screen.getAttribute('data-code')).toBe('face_tries_used');
    expect(await page.locator('#error-title').textContent()).toBe(
      words('ja', 'error.face_checks_paused.title'),
    );
    await page.screenshot({ path: path.join(artifacts, 'ja-paused-next-payment.png') });
    expect(await service.handlers.cancel({ paymentId: paused.payment.id })).toMatchObject({
      ok: true,
    });
    await waitForScreen(page, ['idle'], 10_000);

    // The staff menu says why and resumes face checks.
    await page.getByRole('button', { name: words('ja', 'operator.open') }).click();
    await waitForScreen(page, ['operator'], 5_000);
    await typeDigits(page, kiosk.fixture().shop.config.operatorPin);
    const notice = page.locator('[data-testid="face-checks-paused"]');
    await notice.waitFor({ timeout: 10_000 });
    expect(await notice.locator('h2').textContent()).toBe(
      words('ja', 'operator.faceChecksPausedTitle'),
    );
    expect(await notice.locator('p').textContent()).toBe(
      words('ja', 'operator.faceChecksPausedBody'),
    );
    await page.screenshot({ path: path.join(artifacts, 'ja-operator-paused.png') });
    await expectOperatorScreenFits(page);
    await page.locator('[data-testid="language-switch"]').click();
    const resume = notice.getByRole('button', { name: words('en', 'operator.resumeFaceChecks') });
    await page.screenshot({ path: path.join(artifacts, 'en-operator-paused.png') });
    await expectOperatorScreenFits(page);
    await resume.click();
    await notice.waitFor({ state: 'detached', timeout: 10_000 });
    expect(await page.locator('.screen-operator > .pin-warning').textContent()).toBe(
      words('en', 'operator.faceChecksResumed'),
    );
    expect(service.status().faceChecksPaused).toBe(false);
    await page.getByRole('button', { name: words('en', 'actions.close'), exact: true }).click();
    await waitForScreen(page, ['idle'], 10_000);
    // Resumed: the idle screen says how to pay by face again, in the kiosk's default language (back at
    // idle, the staff's English is not kept for the next shopper).
    await expect
      .poll(() => page.locator('.idle-hint').textContent(), { timeout: 5_000 })
      .toBe(words('ja', 'idle.hint'));
    expect(await page.locator('[data-testid="idle-face-checks-paused"]').count()).toBe(0);

    // The next payment has its face tries and opens the camera.
    const next = service.requestFromTill({ amount: 370, reference: 'e2e-face-resumed-370' });
    if (!next.ok) throw new Error(`kiosk: ${next.code}`);
    expect(next.payment).toMatchObject({
      faceTriesLeft: faceTriesPerPaymentMax,
      faceChecksPaused: false,
    });
    await waitForScreen(page, ['face'], 10_000);
    expect(await service.handlers.cancel({ paymentId: next.payment.id })).toMatchObject({
      ok: true,
    });
    expect(await balance()).toBe(before - 350);
  }, 300_000);

  it("while paused, what the member number cannot pay says so: above its limit, and a child's account (face_required)", async () => {
    await earlierRefusedLooks(faceLooksFailedInARowMax);
    const service = kiosk.shell().runtime.service;
    expect(service.status().faceChecksPaused).toBe(true);
    const max = { ja: '10,000円', en: '¥10,000' };
    // Above what the member number pays alone: the paused words for that, and only Cancel.
    const { page, paymentId } = await kiosk.kioskAsked(kiosk.fixture().clips.photo, {
      amount: 12_000,
      reference: 'e2e-face-paused-12000',
    });
    const screen = page.locator('[data-testid="error-screen"]');
    expect(await waitForScreen(page, ['error', 'face'], 30_000)).toBe('error');
    await expectErrorScreenInBothLanguages(page, {
      artifacts,
      shot: 'paused-above-pin-max',
      expected: (language) => ({
        title: words(language, 'error.face_checks_paused.title'),
        body: words(language, 'error.face_checks_paused.body_faceOnly', { max: max[language] }),
        buttons: [words(language, 'actions.cancelPayment')],
      }),
    });
    expect(await service.handlers.cancel({ paymentId })).toMatchObject({ ok: true });
    await waitForScreen(page, ['idle'], 10_000);

    // A child's account by member number: the hub says face_required, and the face is not read here now.
    const child = service.requestFromTill({ amount: 380, reference: 'e2e-face-paused-child' });
    if (!child.ok) throw new Error(`kiosk: ${child.code}`);
    await waitForScreen(page, ['error'], 10_000);
    await page.locator('[data-testid="member-pin"]').click();
    await waitForScreen(page, ['member'], 10_000);
    refuseNextAsChildAccount = true;
    await typeDigits(page, kiosk.fixture().enrolled.person.memberNumber);
    await typeDigits(page, kiosk.fixture().enrolled.pin);
    await expect
      .poll(() => screen.getAttribute('data-code'), { timeout: 30_000 })
      .toBe('face_required');
    expect(refuseNextAsChildAccount).toBe(false);
    await expectErrorScreenInBothLanguages(page, {
      artifacts,
      shot: 'paused-face-required',
      // Not "this payment needs your face": the kiosk reads none now.
      expected: (language) => ({
        title: words(language, 'error.face_checks_paused.title'),
        body: words(language, 'error.face_required.body_paused', { max: max[language] }),
        buttons: [words(language, 'actions.cancelPayment')],
      }),
    });
    expect(await service.handlers.cancel({ paymentId: child.payment.id })).toMatchObject({
      ok: true,
    });
    expect(identifies).toBe(0);
  }, 300_000);
});
