// The enrolment station's document step as the station-photo e2e files walk it: one copy of the form they
// all fill, so a change to the form's fields is made once.
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { waitForScreen } from '../../../scripts/kiosk/kiosk-browser.ts';

/** The document form filled for `account` (a My Number card of Taro Talking), not sent. */
export async function fillDocument(page: Page, account: string): Promise<void> {
  await waitForScreen(page, ['station-document'], 30_000);
  await page.locator('[data-testid="doc-account"]').fill(account);
  await page.locator('[data-testid="doc-type"]').selectOption('my_number_card');
  await page.locator('[data-testid="doc-number"]').fill('123456789018');
  await page.locator('[data-testid="doc-name"]').fill('Taro Talking');
  await page.locator('[data-testid="doc-birth"]').fill('1980-02-03');
  await page.locator('[data-testid="doc-expiry"]').fill('2034-02-03');
}

/** The document form filled and sent: the station asks for the ID photo. */
export async function toPhoto(page: Page, account: string, pageLog: string[]): Promise<void> {
  await fillDocument(page, account);
  await page.locator('[data-testid="doc-submit"]').click();
  expect(await waitForScreen(page, ['station-photo'], 30_000), pageLog.join('\n')).toBe(
    'station-photo',
  );
}
