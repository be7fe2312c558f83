// A hold request answered 429 (through a proxy; a gateway may answer so after forwarding it), in Debian's
// Chromium against a real hub: the payment goes back to the face step, and the screen says the kiosk cannot
// tell whether money was taken (reconcile gives back what it finds), in Japanese and English. Before, it said
// "No money was taken", which the kiosk does not know once the request went out.
// Screenshots: test-artifacts/kiosk-e2e-hold-throttled-words.
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { typeDigits, waitForScreen } from '../../scripts/kiosk/kiosk-browser.ts';
import { repoRoot } from '../biometrics/face-helpers.ts';
import { useKioskBehindProxy } from './kiosk/kiosk-behind-proxy.ts';
import { inJapaneseThenEnglish, words } from './kiosk/locale-words.ts';

const artifacts = path.join(repoRoot, 'test-artifacts', 'kiosk-e2e-hold-throttled-words');
/** The next `left` hold requests are answered 429 by the proxy; `answered` counts them. */
const throttle = { left: 0, answered: 0 };

const kiosk = useKioskBehindProxy(artifacts, (method, url) => {
  if (method !== 'POST' || new URL(url).pathname !== '/v1/holds' || throttle.left === 0)
    return undefined;
  throttle.left -= 1;
  throttle.answered += 1;
  const error = { code: 'rate_limited', message: 'too many requests' };
  return Response.json({ error }, { status: 429 });
});
const { pageLog } = kiosk;

afterEach(() => {
  throttle.left = 0;
  throttle.answered = 0;
});

describe('a hold request answered 429', () => {
  it('says the kiosk cannot tell whether money was taken, not that no money was taken', async () => {
    const { page } = await kiosk.kioskAsked(kiosk.fixture().clips.stranger, {
      amount: 420,
      reference: 'e2e-hold-throttled',
    });
    await waitForScreen(page, ['face'], 30_000);
    await page.getByRole('button', { name: '会員番号と暗証番号で支払う' }).click();
    await waitForScreen(page, ['member'], 10_000);
    await typeDigits(page, kiosk.fixture().enrolled.person.memberNumber);
    throttle.left = 1;
    await typeDigits(page, kiosk.fixture().enrolled.pin);
    await waitForScreen(page, ['error'], 30_000);
    expect(throttle.answered, 'the hold request reached the proxy').toBe(1);
    const screen = page.locator('[data-testid="error-screen"]');
    expect(await screen.getAttribute('data-code'), pageLog.slice(-20).join('\n')).toBe(
      'rate_limited',
    );

    expect(await page.locator('.error-body').textContent()).not.toContain('引き落とされていません');
    await inJapaneseThenEnglish(page, async (language) => {
      await expect
        .poll(() => page.locator('.error-body').textContent(), { timeout: 5_000 })
        .toBe(words(language, 'error.hold_throttled.body'));
      expect(await screen.locator('.error-title').textContent()).toBe(
        words(language, 'error.hold_throttled.title'),
      );
      await page.screenshot({ path: path.join(artifacts, `${language}-hold-throttled.png`) });
    });
    expect(words('ja', 'error.hold_throttled.body')).not.toContain('引き落とされていません');
    expect(words('en', 'error.hold_throttled.body')).not.toContain('No money was taken');
    // Back at the face step, the throttled request kept for reconcile.
    expect(kiosk.shell().runtime.service.status().payment).toMatchObject({
      state: 'waiting_for_face',
      holdRequestSent: true,
    });
  }, 180_000);
});
