// A start that fails (the first model file answered 503, as a busy disk or a restarting service would) is said
// in the locale's words, never the raw error, and the page retries by itself: the kiosk reaches idle unaided.
import { describe, expect, it } from 'vitest';
import { waitForScreen } from '../../scripts/kiosk/kiosk-browser.ts';
import { useShopShellWithoutCamera } from './kiosk/shop-rig.ts';
import { words } from './kiosk/locale-words.ts';

describe('a failed start', () => {
  const kiosk = useShopShellWithoutCamera({
    artifactsName: 'kiosk-e2e-startup-retry',
    prefix: 'facepay-startup-retry-e2e-',
  });

  it('says so in Japanese without the raw error, then retries by itself and reaches idle', async () => {
    await kiosk.hubReachable();
    const context = await kiosk.browser().newContext({ viewport: { width: 1280, height: 800 } });
    let refused = 0;
    await context.route('**/models/**', async (route) => {
      if (refused === 0) {
        refused += 1;
        await route.fulfill({ status: 503, body: 'busy' });
      } else await route.continue();
    });
    const page = await context.newPage();
    await page.goto(kiosk.shell().url);
    await waitForScreen(page, ['startup_failed'], 60_000);
    expect(refused).toBe(1);
    await expect
      .poll(() => page.locator('main h1').textContent(), { timeout: 5_000 })
      .toBe(words('ja', 'startupFailed.title'));
    // Only the locale's words, all of them: title, body, "try again", the staff note. The raw error (HTTP
    // 503, 'busy') goes to the console.
    expect(await page.locator('main').textContent()).toBe(
      ['startupFailed.title', 'startupFailed.body', 'actions.retry', 'actions.staff']
        .map((key) => words('ja', key))
        .join(''),
    );
    expect(await page.locator('html').getAttribute('lang')).toBe('ja');

    const started = Date.now();
    await waitForScreen(page, ['idle'], 20_000);
    expect(Date.now() - started).toBeLessThan(20_000);
    await expect
      .poll(() => page.locator('#idle-title').textContent(), { timeout: 5_000 })
      .not.toBe('');
    await context.close();
  }, 300_000);
});
