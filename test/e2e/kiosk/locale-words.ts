// The renderer's own resource strings, read from its locale files, so an e2e test checks a screen against the
// words a person is meant to see (in Japanese and English) rather than a copy of them that could drift.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { repoRoot } from '../../biometrics/face-helpers.ts';

type Words = Record<string, unknown>;
const localesDir = path.join(repoRoot, 'src', 'renderer', 'locales');
const locales = {
  ja: JSON.parse(readFileSync(path.join(localesDir, 'ja.json'), 'utf8')) as Words,
  en: JSON.parse(readFileSync(path.join(localesDir, 'en.json'), 'utf8')) as Words,
};

/** A resource string by its dotted key, with `{{name}}` filled from `values`; a missing key fails the test. */
export function words(
  language: 'ja' | 'en',
  key: string,
  values: Record<string, string> = {},
): string {
  const found = key
    .split('.')
    .reduce<unknown>((node, part) => (node as Words | undefined)?.[part], locales[language]);
  expect(typeof found, key).toBe('string');
  return (found as string).replace(/\{\{(\w+)\}\}/g, (_, name: string) => values[name] ?? '');
}

/**
 * Runs `check` on `page` in Japanese, then in English (the language switch tapped, the page's lang awaited),
 * and leaves the page in Japanese again: the screen tests that read a screen's words in both languages.
 */
export async function inJapaneseThenEnglish(
  page: Page,
  check: (language: 'ja' | 'en') => Promise<void>,
): Promise<void> {
  const switchTo = async (language: 'ja' | 'en') => {
    await page.locator('[data-testid="language-switch"]').click();
    await expect
      .poll(() => page.locator('html').getAttribute('lang'), { timeout: 5_000 })
      .toBe(language);
  };
  await expect.poll(() => page.locator('html').getAttribute('lang'), { timeout: 5_000 }).toBe('ja');
  await check('ja');
  await switchTo('en');
  await check('en');
  await switchTo('ja');
}

/**
 * The error screen on `page` in Japanese, then English: its body is `expected(language).body`, its title
 * `expected(language).title` where given, and its buttons exactly `expected(language).buttons`, with a
 * screenshot `<language>-<shot>.png` in `artifacts` of each; the page is left in Japanese.
 */
export async function expectErrorScreenInBothLanguages(
  page: Page,
  options: {
    artifacts: string;
    shot: string;
    expected: (language: 'ja' | 'en') => { title?: string; body: string; buttons: string[] };
  },
): Promise<void> {
  const screen = page.locator('[data-testid="error-screen"]');
  await inJapaneseThenEnglish(page, async (language) => {
    const { title, body, buttons } = options.expected(language);
    await expect
      .poll(() => page.locator('.error-body').textContent(), { timeout: 5_000 })
      .toBe(body);
    if (title !== undefined) expect(await screen.locator('.error-title').textContent()).toBe(title);
    expect(await screen.locator('.actions button').allTextContents()).toEqual(buttons);
    await page.screenshot({
      path: path.join(options.artifacts, `${language}-${options.shot}.png`),
    });
  });
}
