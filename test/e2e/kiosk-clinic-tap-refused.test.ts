// A patient's check-in tap that the kiosk refuses because the hub just refused the kiosk's credentials, in
// Debian's Chromium against a real hub behind a proxy that answers every call but health 401: the words on
// the reception screen (nothing held, ask at the reception desk), in Japanese and English, and no check-in.
// Screenshots: test-artifacts/kiosk-e2e-clinic-tap-refused.
//
// The tap must reach the kiosk after it learnt of the refusal and before the screen did (which disables the
// button): a window of a few milliseconds on one socket. The page here hears the kiosk's hub events
// `hubEventsHeardLateMs` late, as a renderer whose main thread is busy would, so a real tap lands in it.
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { launchKioskBrowser, screenOf, waitForScreen } from '../../scripts/kiosk/kiosk-browser.ts';
import type { WebShell } from '../../src/main/web-shell.ts';
import { repoRoot } from '../biometrics/face-helpers.ts';
import { syntheticFace } from '../hub/helpers.ts';
import { assertNoProcessLeft, trackChildProcesses } from '../hub/process.ts';
import type { KioskTestHub, TestClock } from '../main/kiosk-test-hub.ts';
import { refusedByMemberNumber, smallDisplay } from './kiosk/account-rules.ts';
import type { ClinicBehindProxy } from './kiosk/clinic-behind-proxy.ts';
import { clinicWithPatientBehindProxy, receptionBehindProxy } from './kiosk/clinic-behind-proxy.ts';
import { words } from './kiosk/locale-words.ts';
import { expectInView } from './kiosk/screen-fits.ts';
import { until } from './kiosk/shop-rig.ts';

const artifacts = path.join(repoRoot, 'test-artifacts', 'kiosk-e2e-clinic-tap-refused');
/** How late the page hears the kiosk's hub events: the window a tap lands in. */
const hubEventsHeardLateMs = 5_000;
let clinic: ClinicBehindProxy | undefined;
let test: KioskTestHub;
let shell: WebShell;
let browser: Browser | null = null;
let memberNumber = '';
let clip = '';
/** The machine's: the web shell's kiosk signs by it (no board is read here, so a local midnight is no matter). */
const clock: TestClock = { offsetMs: 0, now: () => Date.now() + clock.offsetMs };
/** While set, the hub (the proxy) refuses every call of the kiosk but health: its token was revoked. */
let tokenRevoked = false;

beforeAll(async () => {
  clinic = await clinicWithPatientBehindProxy({
    artifacts,
    prefix: 'facepay-clinic-tap-refused-e2e-',
    clock,
    face: syntheticFace(),
    answerHere: (_method, url) => {
      if (!tokenRevoked || new URL(url).pathname === '/v1/health') return undefined;
      const error = { code: 'unauthorized', message: 'token revoked' };
      return Response.json({ error }, { status: 401 });
    },
  });
  ({ test, memberNumber } = clinic);
  // Someone the clinic does not know: the patient uses the member number.
  ({ shell, clip } = await receptionBehindProxy(clinic));
}, 300_000);

afterEach(async () => {
  // The next test starts with the hub taking the kiosk, as the kiosk's own rounds find it again.
  tokenRevoked = false;
  await until(() => shell.runtime.service.status().credentialsRefused === null, 30_000);
  await browser?.close();
  browser = null;
});

afterAll(async () => {
  await browser?.close();
  await shell?.close();
  await clinic?.close();
  await assertNoProcessLeft();
});

/** The reception screen in Chromium, hearing the kiosk's hub events late, in `language`. */
async function slowReceptionPage(language: 'ja' | 'en'): Promise<Page> {
  browser = await launchKioskBrowser(clip);
  expect(trackChildProcesses(/chromium/)).toBeGreaterThan(0);
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await context.grantPermissions(['camera'], { origin: shell.url });
  await context.addInitScript((lateMs: number) => {
    const native = Object.getOwnPropertyDescriptor(WebSocket.prototype, 'onmessage');
    Object.defineProperty(WebSocket.prototype, 'onmessage', {
      configurable: true,
      ...(native?.get === undefined ? {} : { get: native.get }),
      set(this: WebSocket, handler: ((event: MessageEvent) => void) | null) {
        const late = (event: MessageEvent) => {
          const hubEvent = String(event.data).includes('"type":"hub"');
          if (hubEvent) setTimeout(() => handler?.call(this, event), lateMs);
          else handler?.call(this, event);
        };
        native?.set?.call(this, handler === null ? null : late);
      },
    });
  }, hubEventsHeardLateMs);
  const page = await context.newPage();
  await page.goto(shell.url);
  await waitForScreen(page, ['idle'], 120_000);
  if (language === 'en') await page.locator('[data-testid="language-switch"]').click();
  return page;
}

/** A text's sentences (ending with '.' or '。'). */
function sentences(text: string): string[] {
  return (text.match(/[^.。]+[.。]/g) ?? []).map((sentence) => sentence.trim());
}

/**
 * The hub revokes the kiosk's token; a patient's check-in is refused at its PIN (as kiosk-clinic-hub-refused
 * shows) and the kiosk learns of it; the next patient taps check in before the screen heard it.
 */
async function tapRefused(language: 'ja' | 'en') {
  const held = async () => (await test.admin.getAccount('patient')).held;
  const before = await held();
  const page = await slowReceptionPage(language);
  tokenRevoked = true;
  await page.locator('[data-testid="check-in"]').click();
  await waitForScreen(page, ['face'], 30_000);
  const wayOut = words(language, 'actions.memberPin_clinic');
  expect(await refusedByMemberNumber(page, { wayOut, memberNumber })).toBe('hub_refused');
  await page.getByRole('button', { name: words(language, 'actions.close') }).click();
  await waitForScreen(page, ['idle'], 10_000);
  // Back at idle the board speaks its default language (Japanese): the next patient switches for English.
  await until(async () => (await page.locator('html').getAttribute('lang')) === 'ja', 5_000);
  if (language === 'en') {
    await page.locator('[data-testid="language-switch"]').click();
    await until(async () => (await page.locator('html').getAttribute('lang')) === 'en', 5_000);
  }
  await until(() => shell.runtime.service.status().credentialsRefused !== null, 30_000);

  // The screen has not heard yet: the button is still enabled, and the tap reaches the kiosk.
  await page.locator('[data-testid="check-in"]').click({ timeout: 1_000 });
  const notice = page.locator('.screen-clinic [role="alert"]');
  await notice.waitFor({ timeout: 2_000 });
  // The refused tap says the next would be refused too: the button is disabled before the hub event is heard.
  expect(await page.locator('[data-testid="check-in"]').isDisabled()).toBe(true);
  const tapWords = (await notice.textContent()) ?? '';
  await page.screenshot({ path: path.join(artifacts, `${language}-tap-refused.png`) });
  await page.setViewportSize(smallDisplay);
  await expectInView(page, notice, `${language} tap refused`);
  expect(tapWords).toBe(words(language, 'clinic.refused.hub_refused'));
  // What the check-in's own refusal screen says beyond its cause: no money held, ask at the reception desk.
  const checkInRefused = sentences(words(language, 'error.hub_refused.body_clinic'));
  expect(sentences(tapWords).slice(1)).toEqual(checkInRefused.slice(1));
  // In the other language too, when the patient switches.
  const other = language === 'ja' ? 'en' : 'ja';
  await page.locator('[data-testid="language-switch"]').click();
  expect(await notice.textContent()).toBe(words(other, 'clinic.refused.hub_refused'));
  await page.locator('[data-testid="language-switch"]').click();
  expect(await screenOf(page)).toBe('idle');
  expect(shell.runtime.service.status().payment).toBeNull();
  expect(await held()).toBe(before);

  // Once the screen hears the refusal, the board says why in place of its hint, and offers no button.
  const refused = page.locator('.screen-clinic [data-testid="idle-refused"]');
  await refused.waitFor({ timeout: 15_000 });
  expect(await refused.textContent()).toBe(
    words(language, 'idle.refusedTitle_clinic') + words(language, 'idle.refusedBody_clinic'),
  );
  expect(await page.locator('[data-testid="check-in"]').count()).toBe(0);
  expect(await notice.count()).toBe(1);

  // The hub takes the kiosk again: check-in is possible, and no word of the refusal stays behind.
  tokenRevoked = false;
  await until(() => shell.runtime.service.status().credentialsRefused === null, 30_000);
  await page.locator('[data-testid="check-in"]:enabled').waitFor({ timeout: 15_000 });
  await page.screenshot({ path: path.join(artifacts, `${language}-taken-again.png`) });
  expect(await notice.count()).toBe(0);
}

describe('a check-in tap the kiosk refuses, the hub having just refused its credentials', () => {
  it('in Japanese: no money held, ask at the reception desk; no check-in opened', async () => {
    await tapRefused('ja');
  }, 180_000);

  it('in English: no money held, ask at the reception desk; no check-in opened', async () => {
    await tapRefused('en');
  }, 180_000);
});
