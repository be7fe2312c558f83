// A start that keeps failing (every model file answered 503, as a broken disk would) offers its ways out, like
// every failure screen: a start tried again at once, and staff, in the locale's words. The automatic retry is
// pushed to 48 s (four failed starts already in this tab), so only the tap can bring idle in the 30 s allowed;
// and a tapped start that fails again keeps the same wait, not a doubled one (the tap is not a failed retry).
import { describe, expect, it } from 'vitest';
import { marks, waitForScreen } from '../../scripts/kiosk/kiosk-browser.ts';
import { useShopShellWithoutCamera } from './kiosk/shop-rig.ts';
import { words } from './kiosk/locale-words.ts';

/** main.tsx's count of failed starts in a row, in sessionStorage. */
const attemptsKey = 'facepay.failedStarts';

describe('a failed start', () => {
  const kiosk = useShopShellWithoutCamera({
    artifactsName: 'kiosk-e2e-startup-ways-out',
    prefix: 'facepay-startup-ways-out-e2e-',
  });

  it('offers "try again" and staff; a tap tries at once, without lengthening the wait', async () => {
    await kiosk.hubReachable();
    const context = await kiosk.browser().newContext({ viewport: { width: 1280, height: 800 } });
    // Four failed starts before this page: its automatic retry waits 3 s x 2^4 = 48 s.
    await context.addInitScript((key) => {
      if (window.sessionStorage.getItem(key) === null) window.sessionStorage.setItem(key, '4');
    }, attemptsKey);
    const models = { refusing: true, refused: 0 };
    await context.route('**/models/**', async (route) => {
      if (models.refusing) {
        models.refused += 1;
        await route.fulfill({ status: 503, body: 'busy' });
      } else await route.continue();
    });
    const page = await context.newPage();
    /** The wait the failure screen shown now set for its automatic retry. */
    const retryInMs = async () => {
      const shown = (await marks(page)).filter((mark) => mark.name === 'screen:startup_failed');
      return shown.at(-1)?.detail?.['retryInMs'];
    };
    await page.goto(kiosk.shell().url);
    await waitForScreen(page, ['startup_failed'], 60_000);
    expect(models.refused).toBeGreaterThan(0);
    expect(await retryInMs()).toBe(48_000);
    const retry = page.locator('[data-testid="startup-retry"]');
    await expect.poll(() => retry.count(), { timeout: 5_000 }).toBe(1);
    expect(await retry.textContent()).toBe(words('ja', 'actions.retry'));
    expect(await page.locator('main .staff-note').textContent()).toBe(words('ja', 'actions.staff'));

    // Tapped while the models are still refused: the start fails again, with the same 48 s wait (a fifth
    // failure in a row counted would make it 60 s) and the count of failed starts unchanged.
    const refusedBefore = models.refused;
    await Promise.all([page.waitForEvent('load'), retry.click()]);
    await waitForScreen(page, ['startup_failed'], 60_000);
    expect(models.refused).toBeGreaterThan(refusedBefore);
    expect(await retryInMs()).toBe(48_000);
    expect(await page.evaluate((key) => window.sessionStorage.getItem(key), attemptsKey)).toBe('5');

    // Tapped with the models back: idle comes within 30 s, well before the 48 s automatic retry.
    models.refusing = false;
    await retry.click();
    await waitForScreen(page, ['idle'], 30_000);
    await expect
      .poll(() => page.locator('#idle-title').textContent(), { timeout: 5_000 })
      .not.toBe('');
    expect(await page.evaluate((key) => window.sessionStorage.getItem(key), attemptsKey)).toBe(
      null,
    );
    await context.close();
  }, 300_000);
});
