// What the e2e files on a payer's own account rules share (a per-payment limit, a blocked category, an age
// rule): the rule-bound people enrolled at a station, their member number and PIN typed, the refusal read.
import path from 'node:path';
import type { Page } from 'playwright-core';
import { typeDigits, waitForScreen } from '../../../scripts/kiosk/kiosk-browser.ts';
import type { CreateAccountRequest } from '../../../src/shared/hub-api.ts';
import { syntheticFace } from '../../hub/helpers.ts';
import type { KioskTestHub, TestClock } from '../../main/kiosk-test-hub.ts';
import { enrolAtStation, memberPin, modelId, sameFaceAs } from '../../main/kiosk-test-hub.ts';
import { expectInView } from './screen-fits.ts';

/** The refusals a payer's own account rules make, each a code of the kiosk's error screen. */
export type AccountRuleRefusal = 'limit_exceeded' | 'category_blocked' | 'age_restricted';

/** A person whose account carries its rules from creation; `born` is their enrolled date of birth. */
export type RuleBoundPerson = Pick<
  CreateAccountRequest,
  'name' | 'limits' | 'blockedCategories'
> & {
  account: string;
  born: string;
};

/** The kiosk's small display: a refusal and its way out must fit it unscrolled. */
export const smallDisplay = { width: 1024, height: 600 };

/** Old enough to enrol without a guardian (18), too young for an age-restricted category (20). */
export const nineteenYearsAgo = new Date(Date.now() - 19.5 * 365.25 * 86_400_000)
  .toISOString()
  .slice(0, 10);

/**
 * Each person's account (their rules, 20,000 yen), enrolled at a station with PIN memberPin: their member
 * numbers by the same keys as `people`.
 */
export async function enrolRuleBoundPeople<Key extends string>(
  test: KioskTestHub,
  clock: TestClock,
  people: Record<Key, RuleBoundPerson>,
): Promise<Record<Key, string>> {
  const patrons = [];
  for (const person of Object.values<RuleBoundPerson>(people)) {
    const { account, name, born, ...rules } = person;
    await test.admin.createAccount({
      id: account,
      kind: 'person',
      name,
      currency: 'JPY',
      ...rules,
    });
    await test.admin.deposit(account, 20_000, `deposit-${account}`);
    const face = syntheticFace();
    patrons.push({ name, born, account, faces: [sameFaceAs(face), sameFaceAs(face)] });
  }
  await enrolAtStation({
    admin: test.admin,
    hubUrl: test.hub.url,
    dir: test.work,
    modelId,
    pin: memberPin,
    people: patrons,
    now: clock.now,
  });
  const memberNumbers: Partial<Record<Key, string>> = {};
  for (const key of Object.keys(people) as Key[]) {
    const found = await test.admin.findPersons({ accountId: people[key].account });
    memberNumbers[key] = found.items[0]?.memberNumber ?? '';
  }
  return memberNumbers as Record<Key, string>;
}

/**
 * From the face step: the member number way (the button named `wayOut`), the number and PIN typed, and the
 * error screen that follows; returns its code.
 */
export async function refusedByMemberNumber(
  page: Page,
  options: { wayOut: string; memberNumber: string },
): Promise<string | null> {
  await page.getByRole('button', { name: options.wayOut }).click();
  await waitForScreen(page, ['member'], 10_000);
  await typeDigits(page, options.memberNumber);
  await typeDigits(page, memberPin);
  await waitForScreen(page, ['error'], 30_000);
  return page.locator('[data-testid="error-screen"]').getAttribute('data-code');
}

/**
 * The error screen's words, then its title, body, help line and buttons on the small display, unscrolled
 * (a screenshot `shot`.png in `artifacts`).
 */
export async function readErrorScreen(page: Page, options: { artifacts: string; shot: string }) {
  const screen = {
    title: (await page.locator('#error-title').textContent()) ?? '',
    body: (await page.locator('.error-body').textContent()) ?? '',
    staff: (await page.locator('.staff-note').textContent()) ?? '',
    buttons: await page.locator('.screen-error .actions button').allTextContents(),
  };
  await page.setViewportSize(smallDisplay);
  for (const part of ['#error-title', '.error-body', '.staff-note'])
    await expectInView(page, page.locator(part), `${options.shot} ${part}`);
  // Every way out, however many the screen offers.
  const buttons = await page.locator('.screen-error .actions button').all();
  for (const [index, button] of buttons.entries())
    await expectInView(page, button, `${options.shot} button ${index + 1}`);
  await page.screenshot({ path: path.join(options.artifacts, `${options.shot}.png`) });
  return screen;
}

/** The error screen read in Japanese, then English (readErrorScreen), the page left in Japanese. */
export async function readErrorScreenInBothLanguages(
  page: Page,
  options: { artifacts: string; code: string },
) {
  const ja = await readErrorScreen(page, {
    artifacts: options.artifacts,
    shot: `ja-${options.code}`,
  });
  await page.locator('[data-testid="language-switch"]').click();
  const en = await readErrorScreen(page, {
    artifacts: options.artifacts,
    shot: `en-${options.code}`,
  });
  await page.locator('[data-testid="language-switch"]').click();
  return { ja, en };
}
