// The enrolment station's screen parts the fit tests measure (its frame, a button by its words in either
// language), found one way for station-steps-fit and station-desk-steps-fit.
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
