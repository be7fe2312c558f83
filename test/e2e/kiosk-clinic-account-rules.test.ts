// A check-in whose fee hold the patient's own account refuses, in Debian's Chromium against a real hub: a
// per-payment limit below the clinic's cap, a block on the clinic's category, an age rule on the category a
// reception was configured with. The patient reads clinic words (nothing held, ask at the reception desk), not
// the shop's, in Japanese and English, on the kiosk's small display too, and Close leads back to reception.
// Screenshots: test-artifacts/kiosk-e2e-clinic-account-rules.
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { launchKioskBrowser, openKiosk, waitForScreen } from '../../scripts/kiosk/kiosk-browser.ts';
import { startWebShell, type WebShell } from '../../src/main/web-shell.ts';
import { yen } from '../../src/shared/money.ts';
import { repoRoot } from '../biometrics/face-helpers.ts';
import { assertNoProcessLeft, trackChildProcesses } from '../hub/process.ts';
import { cap } from '../main/clinic-fixture.ts';
import type { KioskTestHub, TestClock } from '../main/kiosk-test-hub.ts';
import { closeKioskTestHub } from '../main/kiosk-test-hub.ts';
import {
  nineteenYearsAgo,
  readErrorScreenInBothLanguages,
  refusedByMemberNumber,
  type AccountRuleRefusal,
  type RuleBoundPerson,
} from './kiosk/account-rules.ts';
import { words } from './kiosk/locale-words.ts';
import { startRuleBoundKiosk } from './kiosk/rule-bound-kiosk.ts';

const artifacts = path.join(repoRoot, 'test-artifacts', 'kiosk-e2e-clinic-account-rules');
/**
 * Patients whose accounts refuse the clinic's cap (5,000 yen on 'medical.consultation'), each its own way;
 * the young one only at a reception whose category has an age rule.
 */
const patients = {
  limited: {
    account: 'limited-patient',
    name: 'Tanaka Hanako',
    born: '1975-04-12',
    limits: { perPaymentMax: yen(cap - 2_000) },
  },
  blocking: {
    account: 'blocking-patient',
    name: 'Sato Jiro',
    born: '1968-11-30',
    blockedCategories: ['medical'],
  },
  young: { account: 'young-patient', name: 'Ito Sora', born: nineteenYearsAgo },
} satisfies Record<string, RuleBoundPerson>;
type Patient = keyof typeof patients;

let test: KioskTestHub;
let shell: WebShell;
let browser: Browser | null = null;
let clip = '';
let rendererDir = '';
let memberNumbers: Record<Patient, string>;
const pageLog: string[] = [];
/**
 * The machine's: the web shell's kiosk runs in this process and signs by it. No visit is made here (every
 * check-in is refused), so a local midnight crossed mid-run changes no board.
 */
const clock: TestClock = { offsetMs: 0, now: () => Date.now() + clock.offsetMs };

beforeAll(async () => {
  await rm(artifacts, { recursive: true, force: true });
  await mkdir(artifacts, { recursive: true });
  // The camera sees someone the clinic does not know: the patients check in by member number.
  ({ test, memberNumbers, shell, rendererDir, clip } = await startRuleBoundKiosk({
    prefix: 'facepay-clinic-account-rules-e2e-',
    clock,
    setup: {
      shop: { id: 'clinic', name: 'Sakura Clinic' },
      shopper: { id: 'patient', name: 'Suzuki Ichiro', deposit: 20_000 },
      clinic: { cap, noShowAfterSeconds: 3_600 },
    },
    people: patients,
  }));
}, 300_000);

afterEach(async () => {
  await browser?.close();
  browser = null;
});

afterAll(async () => {
  await browser?.close();
  await shell?.close();
  await closeKioskTestHub(test);
  await assertNoProcessLeft();
});

const account = (patient: Patient) => test.admin.getAccount(patients[patient].account);

/** The patient taps check in, chooses the member number and types it and the PIN: refused, an error screen. */
async function checkInByMemberNumber(patient: Patient): Promise<Page> {
  browser = await launchKioskBrowser(clip);
  expect(trackChildProcesses(/chromium/)).toBeGreaterThan(0);
  const page = await openKiosk(browser, shell.url, pageLog);
  await page.locator('[data-testid="check-in"]').click();
  await waitForScreen(page, ['face'], 30_000);
  const wayOut = words('ja', 'actions.memberPin_clinic');
  await refusedByMemberNumber(page, { wayOut, memberNumber: memberNumbers[patient] });
  return page;
}

/** The refusal in Japanese, then English: the shop's words nowhere, the clinic's in their place. */
async function expectClinicWords(page: Page, code: AccountRuleRefusal) {
  const seen = await readErrorScreenInBothLanguages(page, { artifacts, code });
  for (const language of ['ja', 'en'] as const) {
    const { title, body } = seen[language];
    expect(title).not.toBe(words(language, `error.${code}.title`));
    expect(body).not.toContain(words(language, `error.${code}.body`));
    expect(title).toBe(words(language, `error.${code}.title_clinic`));
    expect(body).toBe(words(language, `error.${code}.body_clinic`));
  }
  return seen;
}

/** One refusal, end to end: nothing held, clinic words, only Close (no retry, no PIN), back to reception. */
async function refusedCheckIn(patient: Patient, code: AccountRuleRefusal) {
  const before = await account(patient);
  const page = await checkInByMemberNumber(patient);
  expect(await page.locator('[data-testid="error-screen"]').getAttribute('data-code')).toBe(code);
  const { ja, en } = await expectClinicWords(page, code);
  expect(ja.staff).toBe(words('ja', 'actions.staff_clinic'));
  expect(en.staff).toBe(words('en', 'actions.staff_clinic'));
  // The account's own rule refused the hold: trying again or with a PIN would meet it again.
  expect(ja.buttons).toEqual([words('ja', 'actions.close')]);
  expect(en.buttons).toEqual([words('en', 'actions.close')]);
  expect(shell.runtime.service.status().payment).toBeNull();
  expect(await account(patient)).toMatchObject({ balance: before.balance, held: 0 });

  await page.getByRole('button', { name: words('ja', 'actions.close') }).click();
  await waitForScreen(page, ['idle'], 10_000);
  await page.locator('[data-testid="check-in"]:enabled').waitFor({ timeout: 10_000 });
}

describe("a check-in the patient's account refuses", () => {
  it('over its per-payment limit: clinic words in ja and en, nothing held, Close back to reception', async () => {
    await refusedCheckIn('limited', 'limit_exceeded');
  }, 180_000);

  it("with the clinic's category blocked: clinic words in ja and en, nothing held, Close back to reception", async () => {
    await refusedCheckIn('blocking', 'category_blocked');
  }, 180_000);
});

describe('a reception configured with an age-restricted category (no medical one is)', () => {
  it('a patient of 19: clinic words in ja and en, nothing held, Close back to reception', async () => {
    await shell.close();
    const config = { ...test.shop.config, defaultCategory: 'tobacco' };
    shell = await startWebShell({ config, port: 0, rendererDir });
    await refusedCheckIn('young', 'age_restricted');
  }, 180_000);
});
