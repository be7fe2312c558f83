// Checks, in the real Chromium, that a staff screen fits the kiosk's display: its title not scrolled
// under the top bar, its buttons on the screen, the page itself not scrolled; used by the e2e tests.
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
