// A start that keeps failing (every model file answered 503, as a broken disk would) offers its ways out, like
// every failure screen: a start tried again at once, and staff, in the locale's words. Before, the screen
// had no button and no staff note: the shopper could only wait for the next automatic retry.
import { describe, expect, it } from 'vitest';
import { waitForScreen } from '../../scripts/kiosk/kiosk-browser.ts';
import { useShopShellWithoutCamera } from './kiosk/shop-rig.ts';
import { words } from './kiosk/locale-words.ts';

describe('a failed start', () => {
  const kiosk = useShopShellWithoutCamera({
    artifactsName: 'kiosk-e2e-startup-ways-out',
    prefix: 'facepay-startup-ways-out-e2e-',
  });

  it('offers "try again" and staff; after "try again" the kiosk starts', async () => {
    await kiosk.hubReachable();
    const context = await kiosk.browser().newContext({ viewport: { width: 1280, height: 800 } });
    const models = { refusing: true, refused: 0 };
    await context.route('**/models/**', async (route) => {
      if (models.refusing) {
        models.refused += 1;
        await route.fulfill({ status: 503, body: 'busy' });
      } else await route.continue();
    });
    const page = await context.newPage();
    await page.goto(kiosk.shell().url);
    await waitForScreen(page, ['startup_failed'], 60_000);
    expect(models.refused).toBeGreaterThan(0);
    const retry = page.locator('[data-testid="startup-retry"]');
    await expect.poll(() => retry.count(), { timeout: 5_000 }).toBe(1);
    expect(await retry.textContent()).toBe(words('ja', 'actions.retry'));
    expect(await page.locator('main .staff-note').textContent()).toBe(words('ja', 'actions.staff'));

    models.refusing = false;
    await retry.click();
    await waitForScreen(page, ['idle'], 60_000);
    await expect
      .poll(() => page.locator('#idle-title').textContent(), { timeout: 5_000 })
      .not.toBe('');
    await context.close();
  }, 300_000);
});
