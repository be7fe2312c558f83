// The amount staff type on the staff menu is shown as every amount on the kiosk is: grouped, in the
// language's yen (1,200,000円 in Japanese, ¥1,200,000 in English), not as the bare digits after a fixed ¥.
import { describe, expect, it } from 'vitest';
import { typeDigits, waitForScreen } from '../../scripts/kiosk/kiosk-browser.ts';
import { words } from './kiosk/locale-words.ts';
import { useShopShellWithoutCamera } from './kiosk/shop-rig.ts';

describe("the staff menu's typed amount", () => {
  const kiosk = useShopShellWithoutCamera({
    artifactsName: 'kiosk-e2e-operator-amount-shown',
    prefix: 'facepay-operator-amount-e2e-',
  });

  it('1200000 typed reads 1,200,000円, then ¥1,200,000 in English', async () => {
    const page = await kiosk.openKiosk();
    await page.getByRole('button', { name: words('ja', 'operator.open') }).click();
    await waitForScreen(page, ['operator'], 5_000);
    await typeDigits(page, kiosk.rig().test.shop.config.operatorPin ?? '');
    const amount = page.locator('[data-testid="charge-keypad"] [data-testid="keypad-value"]');
    await amount.waitFor({ timeout: 10_000 });
    for (const digit of '1200000')
      await page.locator(`.keypad-keys button[aria-label="${digit}"]`).click();
    expect(await amount.textContent()).toBe(words('ja', 'amount.yen', { amount: '1,200,000' }));
    await page.locator('[data-testid="language-switch"]').click();
    await expect
      .poll(() => amount.textContent(), { timeout: 5_000 })
      .toBe(words('en', 'amount.yen', { amount: '1,200,000' }));
  }, 300_000);
});
