// Checks, in the real Chromium, the top bar every kiosk screen shares on both kiosk displays and in both
// languages: one row, the shop's name one readable line beside (never under) its badge and language switch.
import type { Page } from 'playwright-core';
import { everywhere } from './screen-fits.ts';

/** The smallest size the shop's name may shrink to before it is cut (with the whole name in its title). */
export const shopNameFontPxMin = 18;

/** The smallest touch target a person can hit surely (the keys of the smaller display's keypads). */
const touchPxMin = 56;

/** What the page's top bar is, measured as a person sees it. */
interface BarMeasure {
  bar: { top: number; bottom: number };
  name: { left: number; right: number; top: number; bottom: number };
  /** Lines the name's words take (one: a single row). */
  nameLines: number;
  nameFontPx: number;
  /** How many pixels of the name are cut off at its end (an ellipsis), 0 when it is whole. */
  nameCutPx: number;
  nameText: string;
  nameTitle: string | null;
  /** The badge (when shown) and the language switch, each with its box and lines. */
  others: { what: string; left: number; right: number; top: number; bottom: number }[];
  badgeLines: number;
  viewport: { width: number; height: number };
}

async function measureBar(page: Page): Promise<BarMeasure> {
  return page.evaluate(() => {
    const linesOf = (element: Element | null) => {
      if (element === null) return 0;
      const range = document.createRange();
      range.selectNodeContents(element);
      const rects = [...range.getClientRects()].filter((rect) => rect.width > 0);
      return new Set(rects.map((rect) => Math.round(rect.top))).size;
    };
    const boxOf = (element: Element) => {
      const { left, right, top, bottom } = element.getBoundingClientRect();
      return { left, right, top, bottom };
    };
    const bar = document.querySelector('.top-bar');
    const name = document.querySelector('.top-bar .shop-name');
    const badge = document.querySelector('.top-bar .hub-offline');
    const language = document.querySelector('.top-bar [data-testid="language-switch"]');
    if (bar === null || name === null || language === null) throw new Error('no top bar');
    const others = [
      ...(badge === null ? [] : [{ what: 'badge', ...boxOf(badge) }]),
      { what: 'language switch', ...boxOf(language) },
    ];
    return {
      bar: boxOf(bar),
      name: boxOf(name),
      nameLines: linesOf(name),
      nameFontPx: parseFloat(getComputedStyle(name).fontSize),
      nameCutPx: Math.max(
        name.scrollWidth - name.clientWidth,
        name.scrollHeight - name.clientHeight,
      ),
      nameText: name.textContent ?? '',
      nameTitle: name.getAttribute('title'),
      others,
      badgeLines: linesOf(badge),
      viewport: { width: window.innerWidth, height: window.innerHeight },
    };
  });
}

/** What is wrong with the bar as measured, where `where` names the display and language. */
function barFaults(found: BarMeasure, fullName: string, where: string): string[] {
  const faults: string[] = [];
  if (found.nameLines !== 1) faults.push(`name on ${found.nameLines} lines at ${where}`);
  if (found.badgeLines > 1) faults.push(`badge on ${found.badgeLines} lines at ${where}`);
  if (found.nameFontPx < shopNameFontPxMin)
    faults.push(`name at ${found.nameFontPx} px at ${where}`);
  if (found.nameText !== fullName) faults.push(`name reads "${found.nameText}" at ${where}`);
  if (found.nameCutPx > 0 && found.nameTitle !== fullName)
    faults.push(`name cut by ${found.nameCutPx} px without the whole name as title at ${where}`);
  for (const other of found.others) {
    const { what } = other;
    if (other.left < found.name.right) faults.push(`name under the ${what} at ${where}`);
    // One row: each control level with the name, inside the bar and the viewport.
    if (other.bottom <= found.name.top || other.top >= found.name.bottom)
      faults.push(`${what} on another row than the name at ${where}`);
    if (other.top < found.bar.top || other.bottom > found.bar.bottom)
      faults.push(`${what} outside the bar at ${where}`);
    if (other.left < 0 || other.right > found.viewport.width)
      faults.push(`${what} past the screen's edge at ${where}`);
  }
  const language = found.others.find((other) => other.what === 'language switch');
  if (language !== undefined) {
    const width = Math.round(language.right - language.left);
    const height = Math.round(language.bottom - language.top);
    if (Math.min(width, height) < touchPxMin)
      faults.push(`language switch ${width}x${height} px at ${where}`);
  }
  return faults;
}

/**
 * The top bar on both kiosk displays in Japanese and English (switched with its own button): one row, the
 * name a single line of at least shopNameFontPxMin px reading `fullName(language)`, cut only with the whole
 * name as its title, beside the badge and the language switch (a 56 px target) in the viewport. Answers
 * every fault found; leaves the page at 1280x800 in Japanese.
 */
export async function topBarFaults(
  page: Page,
  fullName: (language: 'ja' | 'en') => string,
): Promise<string[]> {
  const faults: string[] = [];
  await everywhere(page, async (where, language) => {
    faults.push(...barFaults(await measureBar(page), fullName(language), where));
  });
  return faults;
}
