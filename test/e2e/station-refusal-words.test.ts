// The enrolment station's refusals as the officer reads them, in Debian's Chromium, each worded from the
// resource files in Japanese and English (title and body, with the facts the service passed: the MRZ's
// fields, its check digits that fail, the hub's own code, the lock's minutes), never with the service's English
// sentence, which is kept for logs (the marks): the desk's "nobody enrolled here", an MRZ that disagrees or
// does not check, the hub refusing an enrolment (an account it does not know), the hub not answering it
// (sent again from the refusal), the officers' PIN lock. Screenshots: {ja,en}-refusal-*.png.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildRenderer } from '../../scripts/kiosk/build-renderer.ts';
import { chromiumPath } from '../../scripts/kiosk/camera-clip.ts';
import {
  headlessChromiumArgs,
  launchKioskBrowser,
  marks,
  openKiosk,
  typeDigits,
  waitForScreen,
} from '../../scripts/kiosk/kiosk-browser.ts';
import { startWebShell, type WebShell } from '../../src/main/web-shell.ts';
import { repoRoot } from '../biometrics/face-helpers.ts';
import { syntheticFace } from '../hub/helpers.ts';
import { assertNoProcessLeft, trackChildProcesses } from '../hub/process.ts';
import { startHoldingProxy, type HoldingProxy } from '../main/holding-proxy.ts';
import { isPostTo } from '../main/kiosk-test-hub.ts';
import type { StationHub } from '../main/station-fixture.ts';
import {
  closeStationHub,
  deployStation,
  faces,
  licence,
  modelId,
  officer,
  signIn,
  startStationHub,
  upToPin,
  guardianConsents,
  upToGuardianConsent,
} from '../main/station-fixture.ts';
import { words } from './kiosk/locale-words.ts';
import { speak } from './kiosk/screen-fits.ts';

const artifacts = path.join(repoRoot, 'test-artifacts', 'enrolment-e2e');
/** Three Latin words in a row: an English sentence (or part of one) on a Japanese screen. */
const englishWords = /[A-Za-z]+(?:[\s,;:'’]+[A-Za-z]+){2,}/;

const account = 'e2e-words';
/** Hanako Tanaka's passport: its MRZ as printed (TD3), her birth date 1990-04-01. */
const passport = {
  number: 'TK1234567',
  mrz: [
    'P<JPNTANAKA<<HANAKO<<<<<<<<<<<<<<<<<<<<<<<<<',
    'TK12345671JPN9004012F3104013<<<<<<<<<<<<<<00',
  ].join('\n'),
};

let fx: StationHub;
let rendererDir = '';
let browser: Browser | null = null;
let shell: WebShell | null = null;
let proxy: HoldingProxy | null = null;
let hubDown = false;
/** The next POST /v1/persons is answered as the hub does once the guardian's consent was spent. */
let consentSpent = false;
let cameraless: Browser | null = null;

const spentConsent = () =>
  new Response(
    JSON.stringify({
      error: { code: 'guardian_consent_invalid', message: 'the consent was used already' },
    }),
    { status: 403, headers: { 'content-type': 'application/json' } },
  );

/** The answer the proxy gives POST /v1/persons itself, if any. */
function personsAnswer(): Response | undefined {
  if (hubDown) return unavailable();
  if (!consentSpent) return undefined;
  consentSpent = false;
  return spentConsent();
}

/** What a hub (or the proxy before it) answers while it is down. */
const unavailable = () =>
  new Response(JSON.stringify({ error: { code: 'unavailable', message: 'down for the test' } }), {
    status: 503,
    headers: { 'content-type': 'application/json' },
  });
let page: Page;
const pageLog: string[] = [];

beforeAll(async () => {
  await mkdir(artifacts, { recursive: true });
  fx = await startStationHub('facepay-station-words-e2e-');
  rendererDir = await buildRenderer(path.join(fx.work, 'renderer'));
  const deployment = await deployStation(fx, {
    dir: path.join(fx.work, 'station'),
    name: 'Chuo Ward Office',
    accounts: [account, 'e2e-guardian', 'e2e-child', 'e2e-camera'],
  });
  // The station reaches the hub through a proxy that answers POST /v1/persons 503 while `hubDown`.
  proxy = await startHoldingProxy(fx.hub.url, {
    answerHere: (method, url) =>
      isPostTo('/v1/persons', url, { method }) ? personsAnswer() : undefined,
  });
  shell = await startWebShell({
    config: { ...deployment.config, hubUrl: proxy.url },
    port: 0,
    rendererDir,
  });
  // Chromium's own fake camera (a test pattern): the face steps have a camera, no face is read.
  browser = await chromium.launch({
    executablePath: chromiumPath(),
    args: [
      ...headlessChromiumArgs,
      '--use-fake-device-for-media-stream',
      '--use-fake-ui-for-media-stream',
    ],
  });
  expect(trackChildProcesses(/chromium/)).toBeGreaterThan(0);
  page = await openKiosk(browser, shell.url, pageLog, { screens: ['station-signin'] });
  await page.locator('[data-testid="officer-id"]').fill(officer.id);
  await typeDigits(page, officer.pin);
  await waitForScreen(page, ['station-document'], 30_000);
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await cameraless?.close();
  await shell?.close();
  await proxy?.close();
  await closeStationHub(fx);
  await assertNoProcessLeft();
});

async function fillDocument(document: {
  type: string;
  number: string;
  name: string;
  birth: string;
  expiry: string;
  mrz?: string;
  account?: string;
}): Promise<void> {
  if (document.account !== undefined) {
    await page.locator('[data-testid="doc-account"]').fill(document.account);
  }
  await page.locator('[data-testid="doc-type"]').selectOption(document.type);
  await page.locator('[data-testid="doc-number"]').fill(document.number);
  await page.locator('[data-testid="doc-name"]').fill(document.name);
  await page.locator('[data-testid="doc-birth"]').fill(document.birth);
  await page.locator('[data-testid="doc-expiry"]').fill(document.expiry);
  if (document.mrz !== undefined) await page.locator('[data-testid="doc-mrz"]').fill(document.mrz);
  await page.locator('[data-testid="doc-submit"]').click();
}

/** The language switch in the top bar, to `language`. */
/**
 * The refusal screen in both languages: its code, then in each language the title and body the resource
 * files give for `key` (with `values` per language), no English sentence on the Japanese screen, and a
 * screenshot. The service's own English (`logged`) is in the page's marks, not on screen.
 */
async function refusalInBoth(
  name: string,
  expected: {
    code: string;
    /** Where the words are: enrol.refused.codes.<key>, or `words` (a full key) when given. */
    key: string;
    words?: string;
    /** The body's own key, where it is not the title's neighbour (a fact worded on its own). */
    body?: string;
    values?: Record<'ja' | 'en', Record<string, string>>;
  },
  logged: RegExp,
): Promise<void> {
  const wordsAt = expected.words ?? `enrol.refused.codes.${expected.key}`;
  const bodyAt = expected.body ?? `${wordsAt}.body`;
  const refusal = page.locator('.station-refusal');
  expect(await refusal.getAttribute('data-code')).toBe(expected.code);
  for (const language of ['ja', 'en'] as const) {
    await speak(page, language);
    const values = expected.values?.[language] ?? {};
    // First: the Japanese screen carries no English sentence (the service's, under a Japanese title).
    if (language === 'ja') {
      expect(await page.locator('main').textContent()).not.toMatch(englishWords);
    }
    expect(await refusal.locator('.error-title').textContent()).toBe(
      words(language, `${wordsAt}.title`),
    );
    expect(await page.locator('[data-testid="refusal-detail"]').textContent()).toBe(
      words(language, bodyAt, values),
    );
    await page.screenshot({ path: path.join(artifacts, `${language}-refusal-${name}.png`) });
  }
  await speak(page, 'ja');
  const refusals = (await marks(page)).filter((mark) => mark.name === 'station_refused');
  expect(String(refusals.at(-1)?.detail?.['message'])).toMatch(logged);
  expect(await page.locator('main').textContent()).not.toMatch(logged);
}

async function startAgain(): Promise<void> {
  await page.locator('[data-testid="start-again"]').click();
  await waitForScreen(page, ['station-document'], 10_000);
}

describe("the station's refusals, in the officer's language", () => {
  it("words the desk's not-enrolled-here from the resource files, not the service's English", async () => {
    await page.locator('[data-testid="desk-erase"]').click();
    const typed = '482910375561';
    await fillDocument({
      type: 'drivers_licence',
      number: typed,
      name: 'Nobody Here',
      birth: '1979-05-06',
      expiry: '2035-01-01',
    });
    // Nobody to name for the erasure's confirmation: refused at once.
    await waitForScreen(page, ['station-refused'], 30_000);
    expect(await page.locator('h1').textContent()).toBe(words('ja', 'enrol.refused.titleDesk'));
    await refusalInBoth(
      'not-enrolled-here',
      { code: 'not_enrolled_here', key: 'not_enrolled_here' },
      /nobody enrolled at this station shows this document/,
    );
    // Back to the desk, or the document again to correct a typo in its number.
    expect(await page.locator('[data-testid="start-again"]').textContent()).toBe(
      words('ja', 'enrol.refused.backToDesk'),
    );
    await page.locator('[data-testid="correct-document"]').click();
    await waitForScreen(page, ['station-document'], 10_000);
    expect(await page.locator('[data-testid="doc-number"]').inputValue()).toBe(typed);
    await page.locator('[data-testid="desk-enrol"]').click();
    await page.locator('[data-testid="doc-number"]').fill('');
  }, 120_000);

  it('names the MRZ check digits that do not check, in each language', async () => {
    await page.locator('[data-testid="desk-enrol"]').click();
    // The date of birth's check digit typed 3 instead of 2: it fails, and the whole line's (composite)
    // with it, which is not named beside it.
    const mistyped = passport.mrz.replace('9004012F', '9004013F');
    await fillDocument({
      account,
      type: 'passport',
      number: passport.number,
      name: 'Hanako Tanaka',
      birth: '1990-04-01',
      expiry: '2031-04-01',
      mrz: mistyped,
    });
    await waitForScreen(page, ['station-refused'], 30_000);
    const digits = (language: 'ja' | 'en') =>
      words(language, 'enrol.refused.checkDigits.date_of_birth');
    await refusalInBoth(
      'mrz-check-digits',
      {
        code: 'mrz_invalid',
        key: 'mrz_invalid',
        body: 'enrol.refused.mrzCheckDigits',
        values: { ja: { digits: digits('ja') }, en: { digits: digits('en') } },
      },
      /the MRZ does not check: Birth date check digit, Composite check digit/,
    );
    await page.locator('[data-testid="correct-document"]').click();
    await waitForScreen(page, ['station-document'], 10_000);
    expect(await page.locator('[data-testid="doc-mrz"]').inputValue()).toBe(mistyped);
    await page.locator('[data-testid="doc-number"]').fill('');
  }, 120_000);

  it('names the typed fields an MRZ disagrees with, in each language', async () => {
    await page.locator('[data-testid="desk-enrol"]').click();
    await fillDocument({
      account,
      type: 'passport',
      number: passport.number,
      name: 'Hanako Suzuki',
      birth: '1990-04-02',
      expiry: '2031-04-01',
      mrz: passport.mrz,
    });
    await waitForScreen(page, ['station-refused'], 30_000);
    const fields = (language: 'ja' | 'en') =>
      [
        words(language, 'enrol.refused.fields.date_of_birth'),
        words(language, 'enrol.refused.fields.name'),
      ].join(words(language, 'enrol.refused.fieldSeparator'));
    await refusalInBoth(
      'mrz-mismatch',
      {
        code: 'mrz_mismatch',
        key: 'mrz_mismatch',
        values: { ja: { fields: fields('ja') }, en: { fields: fields('en') } },
      },
      /the MRZ and the typed date of birth, name disagree/,
    );
    // The officer corrects what they typed: the form comes back as it was, not empty.
    await page.locator('[data-testid="correct-document"]').click();
    await waitForScreen(page, ['station-document'], 10_000);
    expect(await page.locator('[data-testid="doc-name"]').inputValue()).toBe('Hanako Suzuki');
    expect(await page.locator('[data-testid="doc-mrz"]').inputValue()).toBe(passport.mrz);
    await page.locator('[data-testid="doc-name"]').fill('Hanako Tanaka');
    await page.locator('[data-testid="doc-birth"]').fill('1990-04-01');
    await page.locator('[data-testid="doc-submit"]').click();
    await waitForScreen(page, ['station-photo'], 30_000);
  }, 120_000);

  it("words the hub's own reason for refusing an enrolment (an account it does not know), without the hub's English", async () => {
    // Up to the PIN through the service (no camera here); the page opened again resumes there.
    const service = shell?.runtime.service;
    if (service === undefined) throw new Error('no web shell');
    await signIn(service);
    await upToPin(service.handlers, 'e2e-not-opened', licence('Ken Nowhere'));
    await page.reload();
    await waitForScreen(page, ['station-pin'], 60_000);
    await typeDigits(page, '5829');
    await waitForScreen(page, ['station-pin-again'], 10_000);
    await typeDigits(page, '5829');
    await waitForScreen(page, ['station-consent'], 10_000);
    await page.locator('[data-testid="consent-agree"]').click();
    await waitForScreen(page, ['station-refused'], 60_000);
    // The hub's 404 not_found: its own words, not the generic "check the account number and document".
    expect(await page.locator('.station-refusal').getAttribute('data-hub-code')).toBe('not_found');
    await refusalInBoth(
      'hub-refused',
      { code: 'hub_refused', key: 'hub_refused', words: 'enrol.refused.hubCodes.not_found' },
      /^404 not_found: person account e2e-not-opened not found/,
    );
    expect(await page.locator('main').textContent()).not.toContain(
      words('ja', 'enrol.refused.codes.hub_refused.body'),
    );
    await startAgain();
  }, 180_000);

  it('lets the officer send an enrolment the hub did not answer again, and it enrols', async () => {
    const service = shell?.runtime.service;
    if (service === undefined) throw new Error('no web shell');
    await signIn(service);
    await upToPin(service.handlers, account, licence('Mio Retry'));
    await page.reload();
    await waitForScreen(page, ['station-pin'], 60_000);
    await typeDigits(page, '5829');
    await waitForScreen(page, ['station-pin-again'], 10_000);
    await typeDigits(page, '5829');
    await waitForScreen(page, ['station-consent'], 10_000);
    hubDown = true;
    await page.locator('[data-testid="consent-agree"]').click();
    await waitForScreen(page, ['station-refused'], 60_000);
    await refusalInBoth(
      'hub-unreachable',
      { code: 'hub_unreachable', key: 'hub_unreachable' },
      /503/,
    );
    // Not stopped: the enrolment waits to be sent again; the badge names the identity service.
    expect(await page.locator('h1').textContent()).toBe(words('ja', 'enrol.refused.titleNotYet'));
    expect(await page.locator('.hub-offline').textContent()).toBe(words('ja', 'enrol.hubOffline'));
    hubDown = false;
    await page.locator('[data-testid="retry"]').click();
    await waitForScreen(page, ['station-consent'], 10_000);
    await page.locator('[data-testid="consent-agree"]').click();
    await waitForScreen(page, ['station-done'], 60_000);
    expect(await page.locator('[data-testid="enrolled-name"]').textContent()).not.toBe('');
    await page.locator('[data-testid="next-person"]').click();
    await waitForScreen(page, ['station-document'], 10_000);
  }, 180_000);

  it("asks the guardian to consent again when the hub finds their consent spent, not 'start again'", async () => {
    const service = shell?.runtime.service;
    if (service === undefined) throw new Error('no web shell');
    await signIn(service);
    const { handlers } = service;
    const guardian = await upToGuardianConsent(
      handlers,
      { accountId: 'e2e-guardian', name: 'Kaori Guardian' },
      { accountId: 'e2e-child', name: 'Sora Child', born: '2016-05-05' },
    );
    const consent = await guardianConsents(handlers, guardian);
    expect(consent).toMatchObject({ ok: true });
    await faces(handlers, syntheticFace());
    await page.reload();
    await waitForScreen(page, ['station-pin'], 60_000);
    await typeDigits(page, '5829');
    await waitForScreen(page, ['station-pin-again'], 10_000);
    await typeDigits(page, '5829');
    await waitForScreen(page, ['station-consent'], 10_000);
    consentSpent = true;
    await page.locator('[data-testid="consent-agree"]').click();
    await waitForScreen(page, ['station-guardian-face'], 60_000);
    const message = page.locator('[data-testid="guardian-message"]');
    for (const language of ['ja', 'en'] as const) {
      await speak(page, language);
      expect(await message.textContent()).toBe(words(language, 'enrol.guardian.consentAgain'));
      const shot = `${language}-refusal-guardian-consent-again.png`;
      await page.screenshot({ path: path.join(artifacts, shot) });
    }
    await speak(page, 'ja');
    expect(await handlers.station({})).toMatchObject({
      station: { enrolment: { step: 'guardian', accountId: 'e2e-child' } },
    });
  }, 180_000);

  it('says a face step has no camera, and offers to open it again or stop', async () => {
    const service = shell?.runtime.service;
    if (service === undefined || shell === null) throw new Error('no web shell');
    await signIn(service);
    const { handlers } = service;
    const document = licence('Nao Camera');
    expect(await handlers.enrolmentDocument({ accountId: 'e2e-camera', document })).toMatchObject({
      ok: true,
    });
    const face = syntheticFace();
    expect(
      await handlers.enrolmentIdPhoto({ modelId, descriptor: Array.from(face) }),
    ).toMatchObject({ ok: true, station: { enrolment: { step: 'live_face' } } });
    cameraless = await launchKioskBrowser(null);
    const without = await openKiosk(cameraless, shell.url, pageLog, { screens: ['station-live'] });
    const refusal = without.locator('.station-refusal');
    await refusal.waitFor({ timeout: 30_000 });
    expect(await refusal.getAttribute('data-code')).toBe('camera');
    expect(await without.locator('main').textContent()).not.toMatch(englishWords);
    expect(await without.locator('[data-testid="retry"]').count()).toBe(1);
    expect(await without.locator('[data-testid="start-again"]').count()).toBe(1);
    await without.screenshot({ path: path.join(artifacts, 'ja-refusal-no-camera.png') });
    await without.locator('[data-testid="language-switch"]').click();
    expect(await refusal.locator('.error-title').textContent()).toBe(
      words('en', 'enrol.refused.codes.camera.title'),
    );
    await without.screenshot({ path: path.join(artifacts, 'en-refusal-no-camera.png') });
    await without.locator('[data-testid="start-again"]').click();
    await waitForScreen(without, ['station-document'], 10_000);
    await without.context().close();
    await page.reload();
    await waitForScreen(page, ['station-document'], 60_000);
  }, 180_000);

  it("gives the officers' PIN lock with its minutes, in each language", async () => {
    await page.locator('.station-bar button').click();
    await waitForScreen(page, ['station-signin'], 10_000);
    const message = page.locator('[data-testid="station-message"]');
    const lockTitle = words('ja', 'enrol.refused.codes.officer_locked.title');
    for (let wrong = 0; wrong < 6; wrong += 1) {
      await page.locator('[data-testid="officer-id"]').fill(officer.id);
      await typeDigits(page, '000000');
      await message.waitFor({ timeout: 10_000 });
    }
    await page.waitForFunction(
      (title) =>
        document.querySelector('[data-testid="station-message"]')?.textContent?.includes(title),
      lockTitle,
      { timeout: 30_000 },
    );
    for (const language of ['ja', 'en'] as const) {
      await speak(page, language);
      const lock = words(language, 'enrol.refused.codes.officer_locked.title');
      expect(await message.textContent()).toBe(
        words(language, 'enrol.refused.line', {
          title: lock,
          body: words(language, 'enrol.refused.lockedMinutes_other', { count: '5' }),
        }),
      );
      if (language === 'ja') expect(await message.textContent()).not.toMatch(englishWords);
      await page.screenshot({
        path: path.join(artifacts, `${language}-refusal-officer-locked.png`),
      });
    }
    await speak(page, 'ja');
  }, 120_000);
});
