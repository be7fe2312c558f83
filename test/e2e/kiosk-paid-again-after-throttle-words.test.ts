// A hold request a gateway forwarded to the hub and then answered 429, in Debian's Chromium against a real
// hub: the first attempt took the money, so the shopper's next attempt (member number and PIN) is refused
// insufficient_funds. That screen keeps its reason but must not say no money was taken, in Japanese or
// English. Before, every code with words of its own said "No money was taken" whatever went out before.
// Screenshots: test-artifacts/kiosk-e2e-paid-again-after-throttle-words.
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { typeDigits, waitForScreen } from '../../scripts/kiosk/kiosk-browser.ts';
import { repoRoot } from '../biometrics/face-helpers.ts';
import { useKioskBehindProxy } from './kiosk/kiosk-behind-proxy.ts';
import { inJapaneseThenEnglish, words } from './kiosk/locale-words.ts';

const artifacts = path.join(
  repoRoot,
  'test-artifacts',
  'kiosk-e2e-paid-again-after-throttle-words',
);
/** The next `left` hold requests reach the hub, and the proxy answers them 429; `answered` counts them. */
const throttle = { left: 0, answered: 0 };

const kiosk = useKioskBehindProxy(
  artifacts,
  () => undefined,
  (method, url) => {
    if (method !== 'POST' || new URL(url).pathname !== '/v1/holds' || throttle.left === 0)
      return undefined;
    throttle.left -= 1;
    throttle.answered += 1;
    const error = { code: 'rate_limited', message: 'too many requests' };
    return Response.json({ error }, { status: 429 });
  },
);
const { pageLog } = kiosk;

afterEach(() => {
  throttle.left = 0;
  throttle.answered = 0;
});

async function payByMemberNumber(page: Parameters<typeof typeDigits>[0], beforePin: () => void) {
  await waitForScreen(page, ['member'], 10_000);
  await typeDigits(page, kiosk.fixture().enrolled.person.memberNumber);
  beforePin();
  await typeDigits(page, kiosk.fixture().enrolled.pin);
  await waitForScreen(page, ['error'], 30_000);
}

describe('a payment whose first hold request was forwarded and answered 429', () => {
  it('refused for funds on the next attempt: never says no money was taken', async () => {
    const { admin } = kiosk.fixture();
    const shopper = 'e2e-shopper';
    const amount = 6_000;
    // The shopper's account holds enough for this payment once, not twice.
    const { available } = await admin.getAccount(shopper);
    const blocking = await admin.placeHold(
      {
        payer: shopper,
        payee: 'e2e-shop',
        amount: available - amount - 1_000,
        currency: 'JPY',
        reference: 'leaves-one-payment',
        expiresInSeconds: 3_600,
      },
      'e2e-leaves-one-payment',
    );
    try {
      const { page } = await kiosk.kioskAsked(kiosk.fixture().clips.stranger, {
        amount,
        reference: 'e2e-paid-again-after-throttle',
      });
      await waitForScreen(page, ['face'], 30_000);
      await page.getByRole('button', { name: '会員番号と暗証番号で支払う' }).click();
      await payByMemberNumber(page, () => (throttle.left = 1));
      expect(throttle.answered, 'the hold request reached the hub, then the 429').toBe(1);
      const screen = page.locator('[data-testid="error-screen"]');
      expect(await screen.getAttribute('data-code'), pageLog.slice(-20).join('\n')).toBe(
        'rate_limited',
      );
      // The first attempt took the money.
      expect((await admin.getAccount(shopper)).available).toBe(1_000);

      await page.locator('[data-testid="member-pin"]').click();
      await payByMemberNumber(page, () => undefined);
      expect(await screen.getAttribute('data-code'), pageLog.slice(-20).join('\n')).toBe(
        'insufficient_funds',
      );
      await inJapaneseThenEnglish(page, async (language) => {
        const body = await page.locator('.error-body').textContent();
        expect(body).not.toContain(
          language === 'ja' ? '引き落とされていません' : 'No money was taken',
        );
        // The refusal's own reason stays, and the money taken before is not denied.
        expect(body).toContain(
          language === 'ja' ? 'お支払いできませんでした' : 'did not go through',
        );
        expect(body).toContain(words(language, 'error.moneyNotKnown.sentence'));
        await page.screenshot({
          path: path.join(artifacts, `${language}-funds-after-throttle.png`),
        });
      });
    } finally {
      await admin.holdAction(blocking.id, 'release', {}, 'e2e-leaves-one-payment-release');
    }
  }, 240_000);
});
