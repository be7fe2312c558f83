// The enrolment station's steps while a real hub refuses the station's credentials mid-enrolment, in
// Debian's Chromium: the ID photo (camera on) and the PIN say so on the step, in Japanese and English, the
// step's own controls still on the station's display; the refusal cleared, the alert goes by itself and
// the enrolment goes on. Screenshots go to test-artifacts/station-e2e-refused-during-enrolment.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EnrolmentStationDeployment } from '../../scripts/kiosk/deployment.ts';
import { openKiosk, typeDigits, waitForScreen } from '../../scripts/kiosk/kiosk-browser.ts';
import type { WebShell } from '../../src/main/web-shell.ts';
import { repoRoot } from '../biometrics/face-helpers.ts';
import { syntheticFace } from '../hub/helpers.ts';
import { assertNoProcessLeft } from '../hub/process.ts';
import type { StationHub } from '../main/station-fixture.ts';
import { faces, licence, signIn, upToGuardianConsent } from '../main/station-fixture.ts';
import { words } from './kiosk/locale-words.ts';
import { expectInView, kioskDisplays, speak } from './kiosk/screen-fits.ts';
import { until } from './kiosk/shop-rig.ts';
import type { StationBehindTokenProxy } from './kiosk/station-behind-token-proxy.ts';
import { stationBehindTokenProxy } from './kiosk/station-behind-token-proxy.ts';
import type { TokenProxy } from './kiosk/token-proxy.ts';

const artifacts = path.join(repoRoot, 'test-artifacts', 'station-e2e-refused-during-enrolment');

let station: StationBehindTokenProxy | undefined;
let fx: StationHub;
let deployment: EnrolmentStationDeployment;
let proxy: TokenProxy | null = null;
let shell: WebShell | null = null;
let browser: Browser | null = null;
let page: Page;
/** The tokens the hub's administrator rotated the station's client to, the latest last. */
const rotatedTokens: string[] = [];
const pageLog: string[] = [];
/** What each check found on each display, written to fits.json for the report. */
const fits: Record<string, Record<string, boolean>> = {};

beforeAll(async () => {
  station = await stationBehindTokenProxy({
    artifacts,
    prefix: 'facepay-station-refused-enrolment-e2e-',
    name: 'Chuo Ward Office',
    accounts: ['e2e-refused-mid', 'e2e-guardian', 'e2e-child'],
    // The ID photo step waits for the officer's still; the guardian's face is read from the camera.
    camera: true,
  });
  ({ fx, deployment, proxy, shell, browser } = station);
}, 300_000);

afterAll(async () => {
  await writeFile(path.join(artifacts, 'fits.json'), JSON.stringify(fits, null, 2));
  await station?.close();
  await assertNoProcessLeft();
});

/** The language switch in the top bar, to `language`. */
const alert = () => page.locator('[data-testid="station-refused-during-enrolment"]');

/**
 * The hub's administrator rotates the station's token (station.json keeps the old one, which the proxy
 * still turns into the token before this one, if any); the station learns it from its own background
 * round, which asks the hub with its token every few rounds, and the open step shows the alert.
 */
async function hubRefusesStation(): Promise<void> {
  const rotated = await fx.admin.rotateClientToken(deployment.clientId);
  rotatedTokens.push(rotated.token);
  const rotatedAt = Date.now();
  await alert().waitFor({ timeout: 120_000 });
  fits[`seconds until alert ${rotatedTokens.length}`] = { [(Date.now() - rotatedAt) / 1000]: true };
  expect(shell?.runtime.service.status()).toMatchObject({
    credentialsRefused: { status: 401, code: 'unauthorized' },
  });
}

/** The proxy turns the station's token (station.json's) into the latest rotated one, if any. */
function putTokenRight(): void {
  const latest = rotatedTokens.at(-1);
  if (proxy === null) throw new Error('no proxy');
  if (latest !== undefined) proxy.newToken = { from: deployment.config.hubToken, to: latest };
}

/** The station's token put right: the next round finds the hub taking it, and the alert goes. */
async function hubTakesStationAgain(): Promise<void> {
  putTokenRight();
  await alert().waitFor({ state: 'detached', timeout: 30_000 });
  await page.locator('.hub-offline').waitFor({ state: 'detached', timeout: 10_000 });
  expect(shell?.runtime.service.status()).toMatchObject({
    hub: 'reachable',
    credentialsRefused: null,
  });
}

/** The alert on this step in both languages (its words from the locale files), a screenshot of each. */
async function alertInBoth(name: string): Promise<void> {
  for (const language of ['ja', 'en'] as const) {
    await speak(page, language);
    expect(await alert().getAttribute('role')).toBe('alert');
    const text = (await alert().textContent()) ?? '';
    expect(text).toContain(words(language, 'enrol.refusedDuringEnrolment.title'));
    const cancel = words(language, 'enrol.cancel');
    expect(text).toContain(words(language, 'enrol.refusedDuringEnrolment.body', { cancel }));
    // The alert names the step's own way out, which is there to press.
    expect(await page.getByRole('button', { name: cancel, exact: true }).count()).toBe(1);
    expect(await page.locator('.hub-offline').textContent()).toBe(
      words(language, 'enrol.hubRefused'),
    );
    await page.screenshot({ path: path.join(artifacts, `${language}-${name}.png`) });
  }
  await speak(page, 'ja');
}

/** The step's Cancel, in whichever language the page speaks. */
function cancelButton(): Locator {
  const names = (['ja', 'en'] as const).map((language) => words(language, 'enrol.cancel'));
  return page.getByRole('button', { name: new RegExp(`^(${names.join('|')})$`) });
}

/**
 * In each language: `locators` in view and not covered, the page unscrolled, on the station's display
 * (1280x800); on the smaller one (1024x600) what is in view in both languages is recorded under `name` in
 * fits.json and returned.
 */
async function onScreen(name: string, locators: Record<string, Locator>) {
  const [station, smaller] = kioskDisplays;
  const seen: Record<string, boolean> = {};
  for (const language of ['ja', 'en'] as const) {
    await speak(page, language);
    await page.setViewportSize(station);
    for (const [what, locator] of Object.entries(locators)) {
      await expectInView(page, locator, `${what} at 1280x800 (${language})`);
    }
    expect(await page.evaluate(() => document.scrollingElement?.scrollTop ?? 0)).toBe(0);
    await page.setViewportSize(smaller);
    for (const [what, locator] of Object.entries(locators)) {
      const inView = await expectInView(page, locator, what).then(
        () => true,
        () => false,
      );
      seen[what] = (seen[what] ?? true) && inView;
    }
    await page.screenshot({ path: path.join(artifacts, `${language}-${name}-1024x600.png`) });
  }
  await page.setViewportSize(station);
  await speak(page, 'ja');
  fits[`${name} 1024x600`] = seen;
  return seen;
}

describe('an enrolment under way when the hub starts refusing the station', () => {
  it('says so on the ID photo and the PIN step, and the alert goes once the hub takes the station again', async () => {
    if (shell === null || proxy === null || browser === null) throw new Error('no rig');
    const service = shell.runtime.service;
    await until(() => service.status().hub === 'reachable', 30_000);
    // An enrolment under way: the document checked, the page at the ID photo with the camera on.
    await signIn(service);
    const idDocument = licence('Ren Midway');
    const started = await service.handlers.enrolmentDocument({
      accountId: 'e2e-refused-mid',
      document: idDocument,
    });
    expect(started).toMatchObject({ ok: true, station: { enrolment: { step: 'id_photo' } } });
    page = await openKiosk(browser, shell.url, pageLog, { screens: ['station-photo'] });
    await page.locator('.camera-frame video').waitFor({ timeout: 20_000 });
    expect(await alert().count()).toBe(0);
    const cancel = cancelButton();
    const photoStep = {
      camera: page.locator('.camera-frame'),
      'take still': page.locator('[data-testid="photo-capture"]'),
      'image file': page.locator('label.button:has([data-testid="photo-file"])'),
      cancel,
    };
    const photoBefore = await onScreen('photo-before-refusal', photoStep);

    await hubRefusesStation();
    expect(await page.evaluate(() => document.body.dataset['screen'])).toBe('station-photo');
    await alertInBoth('station-photo-refused');
    const photoRefused = await onScreen('photo', { alert: alert(), ...photoStep });
    // On the smaller display the alert itself is seen, and takes nothing that was seen without it.
    expect(photoRefused).toEqual({ alert: true, ...photoBefore });
    expect(await page.locator('[data-testid="photo-capture"]').isEnabled()).toBe(true);

    // The photo and live face taken (the service's own calls; neither asks the hub): the page resumes at
    // the PIN, where the alert is from the start.
    await faces(service.handlers, syntheticFace());
    await page.reload();
    await waitForScreen(page, ['station-pin'], 30_000);
    await alert().waitFor({ timeout: 10_000 });
    await alertInBoth('station-pin-refused');
    const pinStep = {
      keypad: page.locator('.keypad'),
      ok: page.locator('[data-testid="keypad-submit"]'),
      cancel,
    };
    await onScreen('pin', { alert: alert(), ...pinStep });
    // The keypad still takes the PIN meanwhile.
    await typeDigits(page, '5829');
    await waitForScreen(page, ['station-pin-again'], 10_000);
    expect(await alert().isVisible()).toBe(true);
    const pinRefused = await onScreen('pin-again', { alert: alert(), ...pinStep });

    // The station's token put right: the next round finds the hub taking the station, and the alert goes
    // from the open step by itself; the enrolment then goes through.
    await hubTakesStationAgain();
    expect(await page.evaluate(() => document.body.dataset['screen'])).toBe('station-pin-again');
    await page.screenshot({ path: path.join(artifacts, 'ja-station-pin-hub-accepts-again.png') });
    const pinAfter = await onScreen('pin-again-after-refusal', pinStep);
    expect(pinRefused).toEqual({ alert: true, ...pinAfter });
    await typeDigits(page, '5829');
    await waitForScreen(page, ['station-consent'], 10_000);
    expect(await alert().count()).toBe(0);
    await page.locator('[data-testid="consent-agree"]').click();
    await waitForScreen(page, ['station-done'], 60_000);
  }, 300_000);

  it("says so on the guardian's terms, face and PIN for a child's enrolment", async () => {
    if (shell === null || browser === null) throw new Error('no rig');
    const service = shell.runtime.service;
    // The hub takes the station (the first test put its token right, unless it failed before that).
    putTokenRight();
    await until(() => service.status().hub === 'reachable', 30_000);
    // The guardian enrolled, the child's document checked: the page resumes at the guardian's terms.
    await upToGuardianConsent(
      service.handlers,
      { accountId: 'e2e-guardian', name: 'Aoi Guardian' },
      { accountId: 'e2e-child', name: 'Mei Child', born: '2016-05-05' },
    );
    await page.reload();
    await waitForScreen(page, ['station-guardian-terms'], 30_000);
    const cancel = cancelButton();
    const terms = { submit: page.locator('[data-testid="guardian-terms-submit"]'), cancel };
    const termsBefore = await onScreen('guardian-terms-before-refusal', terms);

    await hubRefusesStation();
    await alertInBoth('station-guardian-terms-refused');
    const termsRefused = await onScreen('guardian-terms', { alert: alert(), ...terms });
    expect(termsRefused).toEqual({ alert: true, ...termsBefore });

    // The guardian's face: the camera step says it too (checked at once: the face is read meanwhile).
    await page.locator('[data-testid="guardian-terms-submit"]').click();
    await waitForScreen(page, ['station-guardian-face'], 10_000);
    expect(await alert().isVisible()).toBe(true);
    for (const [what, locator] of Object.entries({
      alert: alert(),
      camera: page.locator('.camera-frame'),
      cancel,
    })) {
      await expectInView(page, locator, `guardian face: ${what} at 1280x800`);
    }
    await page.screenshot({ path: path.join(artifacts, 'ja-station-guardian-face-refused.png') });

    // Their face read (a refused try reads it again on the same step), their PIN: the alert again.
    await waitForScreen(page, ['station-guardian-pin'], 120_000);
    await alert().waitFor({ timeout: 10_000 });
    await alertInBoth('station-guardian-pin-refused');
    const pinStep = {
      keypad: page.locator('.keypad'),
      ok: page.locator('[data-testid="keypad-submit"]'),
      cancel,
    };
    const pinRefused = await onScreen('guardian-pin', { alert: alert(), ...pinStep });

    await hubTakesStationAgain();
    expect(await page.evaluate(() => document.body.dataset['screen'])).toBe('station-guardian-pin');
    const pinAfter = await onScreen('guardian-pin-after-refusal', pinStep);
    expect(pinRefused).toEqual({ alert: true, ...pinAfter });
    await cancel.click();
    await waitForScreen(page, ['station-document'], 10_000);
  }, 300_000);
});
