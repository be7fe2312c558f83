// A purchase the shopper's own account refuses, in Debian's Chromium against a real hub: a per-payment limit
// below the till's amount, alcohol blocked on the account, beer for a shopper of 19. The shopper reads, in
// Japanese and English, that nothing was taken; the hub holds nothing, the till's payment is failed, not paid.
// Screenshots: test-artifacts/kiosk-e2e-shop-account-rules.
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  launchKioskBrowser,
  openKiosk,
  requestPayment,
  waitForScreen,
} from '../../scripts/kiosk/kiosk-browser.ts';
import type { WebShell } from '../../src/main/web-shell.ts';
import { yen } from '../../src/shared/money.ts';
import { repoRoot } from '../biometrics/face-helpers.ts';
import { assertNoProcessLeft, trackChildProcesses } from '../hub/process.ts';
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
import { konbini, startRuleBoundKiosk } from './kiosk/rule-bound-kiosk.ts';

const artifacts = path.join(repoRoot, 'test-artifacts', 'kiosk-e2e-shop-account-rules');
/** Shoppers whose accounts refuse what the till asks of them, each by a rule of its own. */
const shoppers = {
  limited: {
    account: 'limited-shopper',
    name: 'Tanaka Hanako',
    born: '1975-04-12',
    limits: { perPaymentMax: yen(3_000) },
  },
  // A shopper who keeps themselves from buying drink, as the account's blocked categories allow.
  blocking: {
    account: 'blocking-shopper',
    name: 'Sato Jiro',
    born: '1968-11-30',
    blockedCategories: ['alcohol'],
  },
  young: { account: 'young-shopper', name: 'Ito Sora', born: nineteenYearsAgo },
} satisfies Record<string, RuleBoundPerson>;
type Shopper = keyof typeof shoppers;

let test: KioskTestHub;
let shell: WebShell;
let browser: Browser | null = null;
let clip = '';
let memberNumbers: Record<Shopper, string>;
const pageLog: string[] = [];
/** The machine's: the web shell's kiosk runs in this process and signs by it. */
const clock: TestClock = { offsetMs: 0, now: () => Date.now() + clock.offsetMs };

beforeAll(async () => {
  await rm(artifacts, { recursive: true, force: true });
  await mkdir(artifacts, { recursive: true });
  // The camera sees someone the shop does not know: the shoppers pay with their member number.
  ({ test, memberNumbers, shell, clip } = await startRuleBoundKiosk({
    prefix: 'facepay-shop-account-rules-e2e-',
    clock,
    setup: konbini,
    people: shoppers,
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

/** The last sentence of a body: what the shop's other refusals (insufficient funds) end with. */
function lastSentence(body: string): string {
  const sentences = body.match(/[^.。]+[.。]/g) ?? [];
  return sentences.at(-1)?.trim() ?? '';
}

/** The till's payment as the till reads it. */
async function atTill(paymentId: string) {
  const response = await fetch(`${shell.url}/kiosk/v1/payment-requests/${paymentId}`, {
    headers: { authorization: `Bearer ${test.shop.tillToken}` },
  });
  return ((await response.json()) as { payment: { state: string; holdId: string | null } }).payment;
}

/**
 * The till asks `amount` (of `category`); the shopper pays with member number and PIN and is refused `code`:
 * the shop's words for it in ja and en, saying nothing was taken; only Close; the balance as it was and no
 * hold at the hub; the till's payment failed, not paid; Close back to the idle screen.
 */
async function refusedPurchase(
  shopper: Shopper,
  code: AccountRuleRefusal,
  till: { amount: number; category?: string },
) {
  const account = () => test.admin.getAccount(shoppers[shopper].account);
  const before = await account();
  browser = await launchKioskBrowser(clip);
  expect(trackChildProcesses(/chromium/)).toBeGreaterThan(0);
  const page = await openKiosk(browser, shell.url, pageLog);
  const requested = await requestPayment(shell.url, test.shop.tillToken, {
    ...till,
    reference: `till-${code}`,
  });
  expect(requested.status).toBe(201);
  const paymentId = requested.body.payment?.id ?? '';
  await waitForScreen(page, ['face'], 30_000);
  const wayOut = words('ja', 'actions.memberPin');
  const memberNumber = memberNumbers[shopper];
  expect(await refusedByMemberNumber(page, { wayOut, memberNumber })).toBe(code);

  const seen = await readErrorScreenInBothLanguages(page, { artifacts, code });
  for (const language of ['ja', 'en'] as const) {
    const { title, body, staff, buttons } = seen[language];
    expect(title).toBe(words(language, `error.${code}.title`));
    expect(body).toBe(words(language, `error.${code}.body`));
    expect(lastSentence(body)).toBe(lastSentence(words(language, 'error.insufficient_funds.body')));
    expect(staff).toBe(words(language, 'actions.staff'));
    // The account's own rule refused it: trying again or with a PIN would meet it again.
    expect(buttons).toEqual([words(language, 'actions.close')]);
  }
  expect(await account()).toMatchObject({ balance: before.balance, held: 0 });
  const holds = await test.admin.listHolds({ payer: shoppers[shopper].account, limit: 10 });
  expect(holds.items).toEqual([]);
  expect(await atTill(paymentId)).toMatchObject({ state: 'failed', holdId: null });
  expect(shell.runtime.service.status().payment).toBeNull();

  await page.getByRole('button', { name: words('ja', 'actions.close') }).click();
  await waitForScreen(page, ['idle'], 10_000);
}

describe("a purchase the shopper's own account refuses", () => {
  it('over its per-payment limit: nothing taken, in ja and en; the till not paid', async () => {
    await refusedPurchase('limited', 'limit_exceeded', { amount: 4_800 });
  }, 180_000);

  it('beer on an account that blocks alcohol: nothing taken, in ja and en; the till not paid', async () => {
    await refusedPurchase('blocking', 'category_blocked', {
      amount: 1_280,
      category: 'alcohol.beer',
    });
  }, 180_000);

  it('beer for a shopper of 19: nothing taken, in ja and en; the till not paid', async () => {
    await refusedPurchase('young', 'age_restricted', { amount: 980, category: 'alcohol.beer' });
  }, 180_000);
});
