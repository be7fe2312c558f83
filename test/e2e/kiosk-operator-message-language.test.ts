// The staff menu's notices follow the language switch: a wrong staff PIN is said in Japanese, and in
// English once the switch is tapped (the notice is kept as a locale key, not as the words first shown).
import { describe, expect, it } from 'vitest';
import { typeDigits, waitForScreen } from '../../scripts/kiosk/kiosk-browser.ts';
import { words } from './kiosk/locale-words.ts';
import { useShopShellWithoutCamera } from './kiosk/shop-rig.ts';

describe("the staff menu's notices", () => {
  const kiosk = useShopShellWithoutCamera({
    artifactsName: 'kiosk-e2e-operator-message-language',
    prefix: 'facepay-operator-message-e2e-',
  });

  it('a wrong staff PIN: said in Japanese, then in English after the switch', async () => {
    const page = await kiosk.openKiosk();
    await page.getByRole('button', { name: words('ja', 'operator.open') }).click();
    await waitForScreen(page, ['operator'], 5_000);
    const pin = kiosk.rig().test.shop.config.operatorPin ?? '';
    await typeDigits(page, pin === '0000' ? '1111' : '0000');
    const notice = page.locator('.screen-operator .pin-warning[role="alert"]');
    await expect
      .poll(() => notice.textContent(), { timeout: 10_000 })
      .toBe(words('ja', 'operator.operator_pin_incorrect'));
    await page.locator('[data-testid="language-switch"]').click();
    await expect
      .poll(() => notice.textContent(), { timeout: 5_000 })
      .toBe(words('en', 'operator.operator_pin_incorrect'));
  }, 300_000);
});
