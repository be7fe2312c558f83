// A child enrolled under a guardian at the enrolment station, then paying at a shop counter, in Debian's
// Chromium with recorded video as the camera and a real hub on a real port. The guardian (the woman of
// live-05, enrolled by her bank beforehand) sets the boy's limits and consents with her face and PIN; the
// camera then shows the boy (the man of talking-face.mp4, a child by his document's date of birth) for his
// ID photo, live face and 4-digit PIN. At the shop he pays with face + PIN, and is refused over the limit
// she set and in a category she blocked. Screenshots of the new screens, both languages:
// test-artifacts/enrolment-child-e2e.
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  followPayment,
  launchKioskBrowser,
  openKiosk,
  requestPayment,
  typeDigits,
  waitForScreen,
} from '../../scripts/kiosk/kiosk-browser.ts';
import { setUpShop } from '../../scripts/kiosk/deployment.ts';
import type { WebShell } from '../../src/main/web-shell.ts';
import { startWebShell } from '../../src/main/web-shell.ts';
import { repoRoot } from '../biometrics/face-helpers.ts';
import { assertNoProcessLeft, trackChildProcesses } from '../hub/process.ts';
import type { EnrolmentFixture } from './kiosk/enrolment-fixture.ts';
import { startEnrolmentFixture } from './kiosk/enrolment-fixture.ts';
import { expectInView } from './kiosk/screen-fits.ts';
import {
  enrolSecondPerson,
  secondPersonCameraClip,
  secondPersonDefaults,
} from './kiosk/second-person.ts';

const artifacts = path.join(repoRoot, 'test-artifacts', 'enrolment-child-e2e');
const pageLog: string[] = [];
let fixture: EnrolmentFixture;
let guardianClip: string;
let guardianId: string;
let browser: Browser | null = null;
let shop: WebShell | null = null;

/** The boy's PIN: a child's is exactly 4 digits. */
const childPin = '7391';
const limits = { perPaymentMax: 1_000, dailyMax: 1_500 };

beforeAll(async () => {
  await rm(artifacts, { recursive: true, force: true });
  await mkdir(artifacts, { recursive: true });
  fixture = await startEnrolmentFixture(['e2e-kid', 'e2e-kid-2']);
  const [guardian, clip] = await Promise.all([
    enrolSecondPerson({
      hubUrl: fixture.hub.url,
      adminToken: fixture.adminToken,
      dir: fixture.work,
      accountId: 'e2e-mother',
      deposit: 10_000,
    }),
    secondPersonCameraClip(path.join(fixture.work, 'guardian.y4m')),
  ]);
  guardianId = guardian.person.id;
  guardianClip = clip;
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await shop?.close();
  await fixture?.close();
  await assertNoProcessLeft();
});

/** A fresh Chromium with `clip` as its camera, on the station at one of the screens it may open with. */
async function stationPage(clip: string, ...screens: string[]): Promise<Page> {
  await browser?.close();
  browser = await launchKioskBrowser(clip);
  expect(trackChildProcesses(/chromium/)).toBeGreaterThan(0);
  return openKiosk(browser, fixture.shell.url, pageLog, { screens });
}

async function shootBoth(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(artifacts, `ja-${name}.png`) });
  const toggle = page.locator('[data-testid="language-switch"]');
  await toggle.click();
  await page.screenshot({ path: path.join(artifacts, `en-${name}.png`) });
  await toggle.click();
}

/** An error naming what the test waited for, where the page is, and the page's last log lines. */
async function lost(page: Page, waitingFor: string, cause: unknown): Promise<Error> {
  const at = await page.evaluate(
    () => `${document.body.dataset['screen']}: ${document.body.innerText.slice(0, 400)}`,
  );
  return new Error(`waiting for ${waitingFor}; at ${at}\n${pageLog.slice(-20).join('\n')}`, {
    cause,
  });
}

/** Waits for one of `screens`, or fails naming where the page is and its last log lines. */
async function reach(page: Page, screens: string[], timeoutMs: number): Promise<string> {
  try {
    return await waitForScreen(page, screens, timeoutMs);
  } catch (error) {
    throw await lost(page, screens.join('|'), error);
  }
}

/** Takes a child's document, on the document screen, and fills the guardian's limits (not sent). */
async function childDocument(
  page: Page,
  child: { account: string; number: string; name: string },
): Promise<void> {
  await page.locator('[data-testid="doc-account"]').fill(child.account);
  await page.locator('[data-testid="doc-type"]').selectOption('my_number_card');
  await page.locator('[data-testid="doc-number"]').fill(child.number);
  await page.locator('[data-testid="doc-name"]').fill(child.name);
  await page.locator('[data-testid="doc-birth"]').fill('2014-02-03');
  await page.locator('[data-testid="doc-expiry"]').fill('2030-02-03');
  await page.locator('[data-testid="doc-submit"]').click();
  // Under 18 by the document: the guardian's step comes before any face of the child.
  await reach(page, ['station-guardian-terms'], 30_000);
  await page.locator('[data-testid="guardian-per-payment"]').fill(String(limits.perPaymentMax));
  await page.locator('[data-testid="guardian-daily"]').fill(String(limits.dailyMax));
}

describe('a child enrolled under a guardian, then paying', () => {
  it('enrols the boy under his guardian, who sets his limits and consents with her face and PIN', async () => {
    // A station takes no payment: its web shell has no till API.
    const till = await fetch(`${fixture.shell.url}/kiosk/v1/payment-requests`, { method: 'POST' });
    expect(till.status).toBe(404);
    // The guardian is at the desk with the boy: the camera sees her first.
    const page = await stationPage(guardianClip, 'station-signin');
    await page.locator('[data-testid="officer-id"]').fill(fixture.officer.id);
    await typeDigits(page, fixture.officer.pin);
    await reach(page, ['station-document'], 30_000);
    await childDocument(page, {
      account: 'e2e-kid',
      number: '444455556665',
      name: 'Kenta Talking',
    });
    await page.locator('[data-testid="guardian-block-food"]').check();
    // Each category is a touch target as tall as a button, and the choices leave the buttons on screen.
    for (const choice of await page.locator('.category-choice').all()) {
      expect((await choice.boundingBox())?.height).toBeGreaterThanOrEqual(64);
    }
    await expectInView(
      page,
      page.locator('[data-testid="guardian-terms-submit"]'),
      'guardian terms submit',
    );
    // The officer's button says where it leads, not an instruction to the guardian that reads as a notice.
    expect(await page.locator('[data-testid="guardian-terms-submit"]').textContent()).toBe(
      '次へ：保護者の顔の確認',
    );
    await shootBoth(page, 'child-01-guardian-terms');
    await page.locator('[data-testid="guardian-terms-submit"]').click();
    await reach(page, ['station-guardian-face'], 10_000);
    await page.waitForTimeout(1_000);
    await shootBoth(page, 'child-02-guardian-face');
    await reach(page, ['station-guardian-pin'], 120_000);
    await shootBoth(page, 'child-03-guardian-pin');
    // A wrong PIN first: she may try again, and is told how many tries are left. Her face is matched
    // with the PIN, before it: a miss (the recogniser's FNMR is not zero; see second-person.ts for what
    // her probe scores) sends her back to the camera as at a real desk, with no PIN try counted.
    // One more look at most.
    let message = '';
    for (let look = 1; look <= 2; look++) {
      await typeDigits(page, '9051');
      // The hub's answer: back at the camera (face missed) or a message on the PIN pad (PIN wrong).
      const screen = await page
        .waitForFunction(
          () => {
            const at = document.body.dataset['screen'] ?? '';
            const shown = document.querySelector('[data-testid="guardian-message"]') !== null;
            return at === 'station-guardian-face' || (at === 'station-guardian-pin' && shown)
              ? at
              : null;
          },
          undefined,
          { timeout: 30_000 },
        )
        .then((handle) => handle.jsonValue())
        .catch(async (error: unknown) => {
          throw await lost(page, 'the answer to the guardian PIN', error);
        });
      message = (await page.locator('[data-testid="guardian-message"]').textContent()) ?? '';
      if (screen !== 'station-guardian-face') break;
      pageLog.push(`guardian look ${look} not identified: ${message}`);
      await reach(page, ['station-guardian-pin'], 120_000);
    }
    expect(message).toContain('2');
    await shootBoth(page, 'child-04-guardian-pin-wrong');
    await typeDigits(page, secondPersonDefaults.pin);
    await reach(page, ['station-photo'], 30_000);
    await shootBoth(page, 'child-05-photo-after-guardian');

    // The boy takes her place: a new camera picture, the same enrolment at the service.
    const boy = await stationPage(fixture.liveClip, 'station-photo');
    await boy.locator('[data-testid="photo-file"]').setInputFiles(fixture.idPhoto);
    await reach(boy, ['station-live'], 60_000);
    await reach(boy, ['station-pin'], 120_000);
    await typeDigits(boy, childPin);
    await reach(boy, ['station-pin-again'], 10_000);
    await typeDigits(boy, childPin);
    await reach(boy, ['station-consent'], 10_000);
    await boy.locator('[data-testid="consent-agree"]').click();
    await reach(boy, ['station-done'], 60_000);
    await shootBoth(boy, 'child-06-done');
    expect(await boy.locator('[data-testid="guardian-name"]').textContent()).toBe('H***** S*****');
    // Amounts in the locale's yen words, as everywhere else: not a hard-coded ¥ on a Japanese screen.
    const terms = (await boy.locator('[data-testid="guardian-terms"]').textContent()) ?? '';
    expect(terms).toContain('1,000円');
    expect(terms).toContain('1,500円');
    // Blocked categories in the order of the guardian's checkboxes, not sorted by their English keys.
    expect(terms).toContain('酒類、たばこ、ギャンブル、食品・飲食店');

    const personId = (await fixture.hub.store.reader.findPersonByAccount('e2e-kid'))?.id ?? '';
    const person = await fixture.admin.getPerson(personId);
    expect(person).toMatchObject({ child: true, guardianPersonId: guardianId, templates: 1 });
    expect(await fixture.admin.getAccount('e2e-kid')).toMatchObject({
      limits,
      blockedCategories: ['alcohol', 'food', 'gambling', 'tobacco'],
    });
  }, 600_000);

  it('the boy pays with face and his 4-digit PIN; over his limit and in a blocked category he is refused', async () => {
    await fixture.admin.deposit('e2e-kid', 5_000, 'pocket-money');
    const setUp = await setUpShop({
      hubUrl: fixture.hub.url,
      adminToken: fixture.adminToken,
      dir: path.join(fixture.work, 'shop'),
      shop: { id: 'e2e-sweets', name: 'E2E Sweets' },
      shopper: { id: 'e2e-kid', name: 'Kenta Talking', deposit: 0 },
    });
    shop = await startWebShell({ config: setUp.config, port: 0, rendererDir: fixture.rendererDir });
    const shopUrl = shop.url;
    /** One payment from the till, the boy at a fresh camera (the clip starts again, a blink soon). */
    const pay = async (amount: number, reference: string, category?: string) => {
      await browser?.close();
      browser = await launchKioskBrowser(fixture.liveClip);
      const page = await openKiosk(browser, shopUrl, pageLog);
      const requested = await requestPayment(shopUrl, setUp.tillToken, {
        amount,
        reference,
        ...(category === undefined ? {} : { category }),
      });
      expect(requested.status).toBe(201);
      const followed = await followPayment(page, { pin: childPin, timeoutMs: 120_000 });
      if (followed.outcome === 'error') await shootBoth(page, `child-shop-${followed.errorCode}`);
      // Receipt's Done, or the error's Close: back to the idle screen for the next payment.
      await page
        .locator('main.screen-receipt button, main.screen-error .actions button')
        .last()
        .click();
      await waitForScreen(page, ['idle'], 30_000);
      return followed;
    };
    const paid = await pay(600, 'sweets-1');
    expect(paid.outcome, pageLog.slice(-20).join('\n')).toBe('paid');
    expect(paid.screens).toContain('pin');
    expect(await fixture.admin.getAccount('e2e-kid')).toMatchObject({ balance: 4_400 });
    const overLimit = await pay(1_200, 'sweets-2');
    expect(overLimit, pageLog.slice(-20).join('\n')).toMatchObject({
      outcome: 'error',
      errorCode: 'limit_exceeded',
    });
    const blocked = await pay(300, 'lunch-1', 'food.restaurant');
    expect(blocked, pageLog.slice(-20).join('\n')).toMatchObject({
      outcome: 'error',
      errorCode: 'category_blocked',
    });
    // Nothing was taken by the refused payments.
    expect(await fixture.admin.getAccount('e2e-kid')).toMatchObject({ balance: 4_400, held: 0 });
  }, 600_000);

  it('with the station at its wrong-PIN cap, the guardian PIN is not checked and the station says so', async () => {
    // The first test's wrong guardian PIN is this station's one failure of the day: a cap of 1 is met.
    await fixture.restartHub({ pinFailuresPerDayPerClient: 1 });
    // The officer is still signed in at the station, which may show the boy's enrolment done.
    const page = await stationPage(guardianClip, 'station-done', 'station-document');
    if ((await page.evaluate(() => document.body.dataset['screen'])) === 'station-done') {
      await page.locator('[data-testid="next-person"]').click();
    }
    await reach(page, ['station-document'], 30_000);
    await childDocument(page, {
      account: 'e2e-kid-2',
      number: '555566667772',
      name: 'Yuki Talking',
    });
    await page.locator('[data-testid="guardian-terms-submit"]').click();
    await reach(page, ['station-guardian-pin'], 120_000);
    // Her right PIN: refused before any PIN work, whatever her face matched.
    await typeDigits(page, secondPersonDefaults.pin);
    await reach(page, ['station-refused'], 30_000);
    const refusal = page.locator('.station-refusal');
    expect(await refusal.getAttribute('data-code')).toBe('pin_checks_suspended');
    expect(await refusal.locator('.error-title').textContent()).toContain('暗証番号の確認を停止');
    // Its body in the officer's language (the hub's English sentence, naming the cap, is for logs).
    expect(await page.locator('[data-testid="refusal-detail"]').textContent()).toContain(
      '直近24時間の暗証番号の誤りが上限',
    );
    await shootBoth(page, 'child-07-pin-checks-suspended');
    expect(await fixture.hub.store.reader.findPersonByAccount('e2e-kid-2')).toBeUndefined();
  }, 600_000);
});
