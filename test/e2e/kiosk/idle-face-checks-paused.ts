// The idle screen's "face checks are paused" notice (shop, or the clinic's board), read in Japanese then
// English against the renderer's own words, with a screenshot of each: the e2e tests of the pause share it.
import path from 'node:path';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { inJapaneseThenEnglish } from './locale-words.ts';

/**
 * The notice on `page`'s idle screen has `expected(language)`'s title and body, in ja then en (a
 * screenshot `<language>-<shot>.png` in `artifacts` of each); the page is left in Japanese.
 */
export async function expectIdleFaceChecksPausedInBothLanguages(
  page: Page,
  options: {
    artifacts: string;
    shot: string;
    expected: (language: 'ja' | 'en') => { title: string; body: string };
  },
): Promise<void> {
  const notice = page.locator('[data-testid="idle-face-checks-paused"]');
  await notice.waitFor({ timeout: 10_000 });
  await inJapaneseThenEnglish(page, async (language) => {
    const { title, body } = options.expected(language);
    await expect.poll(() => notice.locator('h2').textContent(), { timeout: 5_000 }).toBe(title);
    expect(await notice.locator('p').textContent()).toBe(body);
    await page.screenshot({
      path: path.join(options.artifacts, `${language}-${options.shot}.png`),
    });
  });
}
