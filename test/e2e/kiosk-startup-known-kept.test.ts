// A failed start that could not even reach the kiosk service still shows what an earlier start in the tab
// read of it (main.tsx keeps it in sessionStorage over the reloads): here the shop's name in the top bar; a
// clinic's mode, for the reception's staff note, is kept the same way. Before, each reload forgot it.
import { describe, expect, it } from 'vitest';
import { waitForScreen } from '../../scripts/kiosk/kiosk-browser.ts';
import { useShopShellWithoutCamera } from './kiosk/shop-rig.ts';

describe('a failed start after a reload', () => {
  const kiosk = useShopShellWithoutCamera({
    artifactsName: 'kiosk-e2e-startup-known-kept',
    prefix: 'facepay-startup-known-kept-e2e-',
  });

  it("keeps the shop's name it read before, with the kiosk service out of reach", async () => {
    await kiosk.hubReachable();
    const shopName = kiosk.shell().runtime.service.status().shopName;
    expect(shopName).not.toBe('');
    const context = await kiosk.browser().newContext({ viewport: { width: 1280, height: 800 } });
    // The models refused: every start fails, the first one after reading the service's status.
    await context.route('**/models/**', (route) => route.fulfill({ status: 503, body: 'busy' }));
    const page = await context.newPage();
    await page.goto(kiosk.shell().url);
    await waitForScreen(page, ['startup_failed'], 60_000);
    const name = page.locator('.top-bar .shop-name');
    expect(await name.textContent()).toBe(shopName);

    // From now on the kiosk service's session is refused: the next start reads no status.
    let refusedSessions = 0;
    await context.route('**/kiosk/session', async (route) => {
      refusedSessions += 1;
      await route.fulfill({ status: 503, body: 'busy' });
    });
    await Promise.all([
      page.waitForEvent('load'),
      page.locator('[data-testid="startup-retry"]').click(),
    ]);
    await waitForScreen(page, ['startup_failed'], 60_000);
    expect(refusedSessions).toBeGreaterThan(0);
    expect(await name.textContent()).toBe(shopName);
    await context.close();
  }, 300_000);
});
