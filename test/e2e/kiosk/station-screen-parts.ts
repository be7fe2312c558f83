// The enrolment station's screen parts the fit tests measure (its frame, the keypad's corners, a button by
// its words in either language), found one way for station-steps-fit and station-desk-steps-fit.
import type { Locator, Page } from 'playwright-core';
import { words } from './locale-words.ts';

/** A button by its words in either language (the checks switch between them). */
export function stationButton(page: Page, key: string): Locator {
  const names = (['ja', 'en'] as const).map((language) => words(language, key));
  return page.getByRole('button', { name: new RegExp(`^(${names.join('|')})$`) });
}

/** The station's frame: the officer, the first and last step pills, Sign out and the step's title. */
export function stationFrame(page: Page) {
  const pills = page.locator('.station-steps li');
  return {
    officer: page.locator('[data-testid="station-officer"]'),
    'first step': pills.first(),
    'last step': pills.last(),
    'sign out': stationButton(page, 'enrol.signOut'),
    title: page.locator('#station-title'),
  };
}

/** The keypad's corners: its display, its first row's ends, its last row (delete, 0, OK). */
export function stationKeypadParts(page: Page) {
  const keys = page.locator('.keypad-keys .key');
  return {
    'keypad display': page.locator('.keypad-display'),
    'key 1': keys.nth(0),
    'key 3': keys.nth(2),
    'key delete': keys.nth(9),
    'key 0': keys.nth(10),
    OK: page.locator('[data-testid="keypad-submit"]'),
  };
}
