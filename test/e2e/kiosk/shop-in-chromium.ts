// One shop counter in Chromium for an e2e test file: the deployment fixture (a real hub on a real port, the
// web shell, the person of the sample video enrolled) and Debian's Chromium with the live clip as its camera,
// started before the file's tests and stopped after them, with no process left; and the steps they share.
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import { launchKioskBrowser, waitForScreen } from '../../../scripts/kiosk/kiosk-browser.ts';
import { repoRoot } from '../../biometrics/face-helpers.ts';
import { assertNoProcessLeft, trackChildProcesses } from '../../hub/process.ts';
import type { KioskFixture } from './deployment-fixture.ts';
import { startKioskFixture } from './deployment-fixture.ts';
import { faceStepTold } from './face-step-told.ts';

export interface ShopInChromium {
  /** test-artifacts/<name>: the file's screenshots. */
  readonly artifacts: string;
  /** The page's console and errors, for a failure's message. */
  readonly pageLog: string[];
  fixture(): KioskFixture;
  browser(): Browser;
}

/** Registers the file's beforeAll and afterAll; the fixture and browser are there once beforeAll has run. */
export function useShopInChromium(name: string): ShopInChromium {
  const artifacts = path.join(repoRoot, 'test-artifacts', name);
  let fixture: KioskFixture | undefined;
  let browser: Browser | null = null;
  beforeAll(async () => {
    fixture = await startKioskFixture(artifacts);
    browser = await launchKioskBrowser(fixture.clips.live);
    expect(trackChildProcesses(/chromium/)).toBeGreaterThan(0);
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    await fixture?.close();
    await assertNoProcessLeft();
  });
  return {
    artifacts,
    pageLog: [],
    fixture: () => {
      if (fixture === undefined) throw new Error('the shop is not started (beforeAll)');
      return fixture;
    },
    browser: () => {
      if (browser === null) throw new Error('no browser (beforeAll)');
      return browser;
    },
  };
}

/**
 * The face is read: the confirm screen, or the test fails with the screen and code it saw, the face step's
 * marks (faceStepTold) and the page's log.
 */
export async function expectConfirmScreen(page: Page, pageLog: string[]): Promise<void> {
  const shown = await waitForScreen(page, ['confirm', 'error'], 90_000);
  const told = shown === 'confirm' ? '' : await faceStepTold(page);
  expect(shown, `${told}\n${pageLog.slice(-20).join('\n')}`).toBe('confirm');
}

/** The shopper taps Not me on the confirm or PIN screen: the not_me screen. */
export async function tapNotMe(page: Page): Promise<void> {
  await page.locator('[data-testid="not-me"]').click();
  const screen = page.locator('[data-testid="error-screen"]');
  await screen.waitFor({ timeout: 10_000 });
  expect(await screen.getAttribute('data-code')).toBe('not_me');
}
