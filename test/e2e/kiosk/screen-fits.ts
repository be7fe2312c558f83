// Checks, in the real Chromium, that a staff screen fits the kiosk's display: its title not scrolled
// under the top bar, its buttons on the screen, the page itself not scrolled; used by the e2e tests.
import path from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { expect } from 'vitest';

/** The kiosk's display, and a smaller one the operator screen must stay usable on. */
export const kioskDisplays = [
  { width: 1280, height: 800 },
  { width: 1024, height: 600 },
] as const;

/** Where `locator` lies, and whether it is the element seen at its centre (nothing covers it). */
async function placeOf(locator: Locator) {
  const box = await locator.boundingBox();
  if (box === null) throw new Error(`${locator.toString()} is not shown`);
  const seen = await locator.evaluate(
    (element, centre) => {
      const top = document.elementFromPoint(centre.x, centre.y);
      return top !== null && (top === element || element.contains(top));
    },
    { x: box.x + box.width / 2, y: box.y + box.height / 2 },
  );
  return { box, seen };
}

/** `locator` wholly inside the viewport and not covered (the top bar over a scrolled title, say). */
export async function expectInView(page: Page, locator: Locator, name: string): Promise<void> {
  const viewport = page.viewportSize();
  if (viewport === null) throw new Error('the page has no viewport');
  const { box, seen } = await placeOf(locator);
  const inside =
    box.x >= 0 &&
    box.y >= 0 &&
    box.x + box.width <= viewport.width &&
    box.y + box.height <= viewport.height;
  expect({ name, viewport, box, inside, seen }).toMatchObject({ inside: true, seen: true });
}

/**
 * The operator screen on each display: its title, Close and (when unlocked) Exit in view; the screen
 * and the page unscrolled, as only the notices column may scroll. Leaves the page at 1280x800.
 */
export async function expectOperatorScreenFits(page: Page): Promise<void> {
  for (const display of kioskDisplays) {
    await page.setViewportSize(display);
    const exit = page.locator('.operator-controls .button-danger');
    // On the smaller display Exit is reached by scrolling its column, which must leave the title be.
    const small = display.width < kioskDisplays[0].width;
    if (small && (await exit.count()) > 0) await exit.scrollIntoViewIfNeeded();
    await expectInView(page, page.locator('#operator-title'), `title at ${display.width}`);
    const close = page.locator('.operator-head .button');
    await expectInView(page, close, `Close at ${display.width}`);
    if ((await exit.count()) > 0) await expectInView(page, exit, `Exit at ${display.width}`);
    const scrolled = await page.evaluate(() => ({
      page: document.scrollingElement?.scrollTop ?? 0,
      screen: document.querySelector('.screen-operator')?.scrollTop ?? 0,
    }));
    expect(scrolled).toEqual({ page: 0, screen: 0 });
  }
  await page.setViewportSize(kioskDisplays[0]);
}

/** How far `locator` reaches past the viewport (0: not at all), and whether it is seen at its centre. */
async function overflowOf(page: Page, locator: Locator) {
  const viewport = page.viewportSize();
  if (viewport === null) throw new Error('the page has no viewport');
  const { box, seen } = await placeOf(locator);
  const past = Math.max(
    -box.x,
    -box.y,
    box.x + box.width - viewport.width,
    box.y + box.height - viewport.height,
    0,
  );
  return { past: Math.round(past), seen };
}

/** The page's language, switched with the top bar's button when it is not `language` already. */
export async function speak(page: Page, language: 'ja' | 'en'): Promise<void> {
  const now = await page.evaluate(() => document.documentElement.lang);
  if (now !== language) await page.locator('[data-testid="language-switch"]').click();
  await page.waitForFunction((lang) => document.documentElement.lang === lang, language);
}

/**
 * The screen on both kiosk displays in Japanese and English: each of `locators` in view and not covered
 * (expectInView), the page and the screen unscrolled. Every check is made before it fails, so the failure
 * lists each element out of view and by how many pixels. Leaves the page at 1280x800 in Japanese.
 */
export async function expectScreenFitsEverywhere(
  page: Page,
  locators: Record<string, Locator>,
): Promise<void> {
  const misses: string[] = [];
  await everywhere(page, async (where) => {
    for (const [what, locator] of Object.entries(locators)) {
      const missed = await expectInView(page, locator, `${what} at ${where}`).then(
        () => false,
        () => true,
      );
      if (!missed) continue;
      const { past, seen } = await overflowOf(page, locator);
      misses.push(`${what} at ${where}: ${past} px out of view${seen ? '' : ', covered'}`);
    }
    const scrolled = await page.evaluate(() => ({
      page: document.scrollingElement?.scrollTop ?? 0,
      screen: document.querySelector('.screen')?.scrollTop ?? 0,
    }));
    if (scrolled.page !== 0 || scrolled.screen !== 0)
      misses.push(`scrolled at ${where}: ${JSON.stringify(scrolled)}`);
  });
  expect(misses).toEqual([]);
}

/**
 * Runs `visit` with the page in each language at each kiosk display, told where ('1024x600 en'), then leaves
 * the page at 1280x800 in Japanese.
 */
export async function everywhere(
  page: Page,
  visit: (
    where: string,
    language: 'ja' | 'en',
    display: (typeof kioskDisplays)[number],
  ) => Promise<void>,
): Promise<void> {
  for (const language of ['ja', 'en'] as const) {
    await speak(page, language);
    for (const display of kioskDisplays) {
      await page.setViewportSize(display);
      await visit(`${display.width}x${display.height} ${language}`, language, display);
    }
  }
  await page.setViewportSize(kioskDisplays[0]);
  await speak(page, 'ja');
}

/** A screenshot of the screen at each display, in each language, as `dir`/<language>-`name`-<size>.png. */
export async function screenshotsEverywhere(page: Page, dir: string, name: string): Promise<void> {
  await everywhere(page, async (_where, language, display) => {
    const file = `${language}-${name}-${display.width}x${display.height}.png`;
    await page.screenshot({ path: path.join(dir, file) });
  });
}

/** The keypad's corners: its display, its first row's ends, its last row (delete, 0, OK). */
export function keypadParts(page: Page) {
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
