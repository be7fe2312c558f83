// The enrolment station's screens end to end, in Debian's Chromium, while a real hub refuses the station's
// credentials (its client's token rotated at the hub, station.json not updated): the consent's refusal, the
// desk and the sign-in say the hub answered and refuses this station, that it is not the network, that no
// enrolment can be sent, and what the hub's administrator runs, in Japanese and English; once the hub takes
// the station again the notice goes by itself. Screenshots go to test-artifacts/station-e2e-hub-refuses.
import path from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EnrolmentStationDeployment } from '../../scripts/kiosk/deployment.ts';
import { openKiosk, typeDigits, waitForScreen } from '../../scripts/kiosk/kiosk-browser.ts';
import type { WebShell } from '../../src/main/web-shell.ts';
import { repoRoot } from '../biometrics/face-helpers.ts';
import { assertNoProcessLeft } from '../hub/process.ts';
import type { StationHub } from '../main/station-fixture.ts';
import { licence, officer, signIn, upToPin } from '../main/station-fixture.ts';
import { everywhere, expectInView, kioskDisplays, speak } from './kiosk/screen-fits.ts';
import { until } from './kiosk/shop-rig.ts';
import { words } from './kiosk/locale-words.ts';
import type { StationBehindTokenProxy } from './kiosk/station-behind-token-proxy.ts';
import { stationBehindTokenProxy } from './kiosk/station-behind-token-proxy.ts';
import type { TokenProxy } from './kiosk/token-proxy.ts';

const artifacts = path.join(repoRoot, 'test-artifacts', 'station-e2e-hub-refuses');
let station: StationBehindTokenProxy | undefined;
let fx: StationHub;
let deployment: EnrolmentStationDeployment;
let proxy: TokenProxy | null = null;
let shell: WebShell | null = null;
let browser: Browser | null = null;
let page: Page;
const pageLog: string[] = [];

beforeAll(async () => {
  station = await stationBehindTokenProxy({
    artifacts,
    prefix: 'facepay-station-hub-refuses-e2e-',
    name: 'Chuo Ward Office',
    accounts: ['e2e-refused'],
    camera: false,
  });
  ({ fx, deployment, proxy, shell, browser } = station);
}, 300_000);

afterAll(async () => {
  await station?.close();
  await assertNoProcessLeft();
});

/** The notice in `language`: the hub's answer, not the network, the commands that fix it. */
async function expectNotice(notice: Locator, language: 'ja' | 'en', steps: boolean) {
  const text = (await notice.textContent()) ?? '';
  expect(await notice.getAttribute('data-code')).toBe('unauthorized');
  expect(text).toContain(words(language, 'enrol.hubRefuses.title'));
  expect(text).toContain(words(language, 'enrol.hubRefuses.reasons.unauthorized'));
  const answer = { status: '401', code: 'unauthorized' };
  expect(text).toContain(words(language, 'operator.credentialsAnswer', answer));
  expect(text).toContain(words(language, 'enrol.hubRefuses.notNetwork'));
  const command = words(language, 'operator.credentialsCommand.rotate');
  expect(text.includes(command)).toBe(steps);
  if (steps) expect(text).toContain('--role enrollment');
  // A revoked client's replacement erases, unlocks and enrols this desk's people once they are moved to it.
  const transfer = words(language, 'enrol.hubRefuses.transferEnrollments');
  expect(transfer).toContain('transfer-enrollments --from');
  expect(text.includes(transfer)).toBe(steps);
  // The top bar names the refusal, not the network.
  expect(await page.locator('.hub-offline').textContent()).toBe(
    words(language, 'enrol.hubRefused'),
  );
  expect(await page.locator('body').textContent()).not.toContain(
    words(language, 'enrol.hubOffline'),
  );
}

/** The notice on this screen in both languages, each screenshot `<language>-<name>.png`, then `check`. */
async function noticeInBoth(
  name: string,
  steps: boolean,
  check: (language: 'ja' | 'en') => Promise<void>,
): Promise<void> {
  const notice = page.locator('[data-testid="station-hub-refuses"]');
  await notice.waitFor({ timeout: 10_000 });
  for (const language of ['ja', 'en'] as const) {
    await speak(page, language);
    await expectNotice(notice, language, steps);
    await check(language);
    await page.screenshot({ path: path.join(artifacts, `${language}-${name}.png`) });
  }
  await speak(page, 'ja');
}

/**
 * On each of `displays` (the kiosk's and the smaller one), in Japanese and English: `locators` inside the
 * viewport and not covered; the page itself not scrolled. Leaves the page at 1280x800 in Japanese.
 */
async function expectOnScreen(
  locators: Record<string, Locator>,
  displays: readonly { width: number; height: number }[] = kioskDisplays,
): Promise<void> {
  await everywhere(page, async (where, _language, display) => {
    if (!displays.some((one) => one.width === display.width && one.height === display.height))
      return;
    for (const [name, locator] of Object.entries(locators))
      await expectInView(page, locator, `${name} at ${where}`);
    const scrolled = await page.evaluate(() => document.scrollingElement?.scrollTop ?? 0);
    expect(scrolled, `the page scrolled at ${where}`).toBe(0);
  });
}

/**
 * The notice, standing in for the desk's enrolment form or the refusal's words: on the station's display
 * (1280x800) whole in each language, nothing cut off or scrolled out of it (its last line, restart, was in
 * English, at the desk and at the consent's refusal); on the smaller one its last line is reached by
 * scrolling the notice alone. Leaves the page at 1280x800 in Japanese.
 */
async function expectNoticeWhole(): Promise<void> {
  const notice = page.locator('[data-testid="station-hub-refuses"]');
  const restart = page.locator('[data-testid="hub-refuses-restart"]');
  await everywhere(page, async (where, _language, display) => {
    if (display.width === kioskDisplays[0].width) {
      const room = await notice.evaluate((box) => ({
        overflow: box.scrollHeight - box.clientHeight,
      }));
      expect(room, `the notice's text past its box at ${where}`).toEqual({ overflow: 0 });
      await expectInView(page, notice, `notice at ${where}`);
    } else await restart.scrollIntoViewIfNeeded();
    await expectInView(page, restart, `restart at ${where}`);
    const scrolled = await page.evaluate(() => document.scrollingElement?.scrollTop ?? 0);
    expect(scrolled, `the page scrolled at ${where}`).toBe(0);
  });
}

describe('an enrolment station the hub refuses', () => {
  it('says so at the consent, at the desk and at the sign-in, and clears it once the hub takes the station again', async () => {
    if (shell === null || proxy === null || browser === null) throw new Error('no rig');
    const service = shell.runtime.service;
    await until(() => service.status().hub === 'reachable', 30_000);
    // An enrolment under way (document, ID photo, live face through the service): the page resumes at the PIN.
    await signIn(service);
    await upToPin(service.handlers, 'e2e-refused', licence('Yui Refused'));
    page = await openKiosk(browser, shell.url, pageLog, { screens: ['station-pin'] });
    await typeDigits(page, '5829');
    await waitForScreen(page, ['station-pin-again'], 10_000);
    await typeDigits(page, '5829');
    await waitForScreen(page, ['station-consent'], 10_000);

    // The hub's administrator rotates the station's token; station.json keeps the old one.
    const rotated = await fx.admin.rotateClientToken(deployment.clientId);
    await page.locator('[data-testid="consent-agree"]').click();
    await waitForScreen(page, ['station-refused'], 60_000);
    expect(await page.locator('.station-refusal').getAttribute('data-hub-code')).toBe(
      'unauthorized',
    );
    // The service holds it from that call on, not only from its next round: so the round that finds the
    // hub taking the station again clears it.
    expect(service.status()).toMatchObject({
      hub: 'unreachable',
      credentialsRefused: { status: 401, code: 'unauthorized' },
    });
    await noticeInBoth('station-consent-hub-refuses', true, async (language) => {
      // Nothing to send again: only the way back to the desk.
      expect(await page.locator('[data-testid="retry"]').count()).toBe(0);
      expect(await page.locator('[data-testid="start-again"]').textContent()).toBe(
        words(language, 'enrol.refused.again'),
      );
      expect(await page.locator('main').textContent()).not.toContain(
        words(language, 'enrol.refused.codes.hub_unreachable.body'),
      );
    });
    await expectOnScreen({
      title: page.locator('#station-title'),
      'start again': page.locator('[data-testid="start-again"]'),
    });
    await expectNoticeWhole();

    // The desk: the notice stands in for the enrolment's form; erasure keeps its form.
    await page.locator('[data-testid="start-again"]').click();
    await waitForScreen(page, ['station-document'], 10_000);
    await noticeInBoth('station-desk-hub-refuses', true, async () => {
      expect(await page.locator('[data-testid="doc-submit"]').isVisible()).toBe(false);
    });
    await expectOnScreen({
      'sign out': page.locator('.station-bar button'),
      'desk actions': page.locator('.desk-actions'),
    });
    await expectNoticeWhole();
    await page.locator('[data-testid="desk-erase"]').click();
    await noticeInBoth('station-desk-erase-hub-refuses', false, async () => {
      expect(await page.locator('[data-testid="doc-submit"]').isVisible()).toBe(true);
    });
    // The station's display: the erasure's form alone (no notice) is taller than the smaller one already.
    await expectOnScreen({ 'erase submit': page.locator('[data-testid="doc-submit"]') }, [
      kioskDisplays[0],
    ]);
    await page.locator('[data-testid="desk-enrol"]').click();

    // Signed out: the sign-in still works, the notice beside it.
    await page.locator('.station-bar button').click();
    await waitForScreen(page, ['station-signin'], 10_000);
    await noticeInBoth('station-signin-hub-refuses', true, async () => undefined);
    await expectOnScreen({
      'officer id': page.locator('[data-testid="officer-id"]'),
      keypad: page.locator('.keypad'),
    });

    // The station's token put right (the rotated one): the next round finds the hub taking the station,
    // and the notice goes from the open page by itself.
    proxy.newToken = { from: deployment.config.hubToken, to: rotated.token };
    const notice = page.locator('[data-testid="station-hub-refuses"]');
    await notice.waitFor({ state: 'detached', timeout: 30_000 });
    await page.locator('.hub-offline').waitFor({ state: 'detached', timeout: 10_000 });
    expect(service.status()).toMatchObject({ hub: 'reachable', credentialsRefused: null });
    await page.locator('[data-testid="officer-id"]').fill(officer.id);
    await typeDigits(page, officer.pin);
    await waitForScreen(page, ['station-document'], 30_000);
    expect(await page.locator('[data-testid="doc-submit"]').isVisible()).toBe(true);
    await page.screenshot({ path: path.join(artifacts, 'ja-station-desk-hub-accepts-again.png') });
  }, 240_000);
});
