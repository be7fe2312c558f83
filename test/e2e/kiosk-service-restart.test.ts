// A Chromium kiosk (`--kiosk --app=URL`) outlives the web shell behind it: when the shell stops or restarts,
// the page's socket and session token die with it. The page must say so and come back by itself, not sit on
// its last screen with every tap failing until someone reloads it by hand. In Debian's Chromium, against a
// real hub: the web shell closes (the socket with it), starts again on the same port, and the same page
// takes the till's next payment and its Cancel. Screenshots: test-artifacts/kiosk-e2e-service-restart.
import type { Browser } from 'playwright-core';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  launchKioskBrowser,
  openKiosk,
  requestPayment,
  waitForScreen,
} from '../../scripts/kiosk/kiosk-browser.ts';
import { startWebShell, type WebShell } from '../../src/main/web-shell.ts';
import { assertNoProcessLeft, trackChildProcesses } from '../hub/process.ts';
import { closeKioskTestHub } from '../main/kiosk-test-hub.ts';
import { words } from './kiosk/locale-words.ts';
import { startShopRig, type ShopRig } from './kiosk/shop-rig.ts';

let rig: ShopRig;
let browser: Browser | null = null;
let shell: WebShell | null = null;
const pageLog: string[] = [];

beforeAll(async () => {
  rig = await startShopRig({
    artifactsName: 'kiosk-e2e-service-restart',
    prefix: 'facepay-service-restart-e2e-',
  });
  browser = await launchKioskBrowser(null);
  expect(trackChildProcesses(/chromium/)).toBeGreaterThan(0);
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await shell?.close();
  await closeKioskTestHub(rig.test);
  await assertNoProcessLeft();
});

function startShell(port: number): Promise<WebShell> {
  return startWebShell({ config: rig.test.shop.config, port, rendererDir: rig.rendererDir });
}

describe('the web shell restarts under an open kiosk page', () => {
  it('says the kiosk is restarting in ja and en, then reloads and takes the next payment', async () => {
    if (browser === null) throw new Error('no browser (beforeAll)');
    shell = await startShell(0);
    const port = Number(new URL(shell.url).port);
    const page = await openKiosk(browser, shell.url, pageLog);

    await shell.close();
    shell = null;
    expect(await waitForScreen(page, ['service_lost'], 10_000), pageLog.join('\n')).toBe(
      'service_lost',
    );
    const lost = page.locator('main[aria-labelledby="service-lost-title"]');
    for (const language of ['ja', 'en'] as const) {
      const part = lost.locator(`[lang="${language}"]`);
      await expect.poll(() => part.innerText()).toContain(words(language, 'serviceLost.title'));
      expect(await part.innerText()).toContain(words(language, 'serviceLost.body'));
    }
    await page.screenshot({ path: path.join(rig.artifacts, 'service-lost.png') });

    // Back on the same port (a service manager's restart): a new session token, the same page.
    shell = await startShell(port);
    expect(await waitForScreen(page, ['idle'], 20_000), pageLog.join('\n')).toBe('idle');

    // The reloaded page hears the new service (the till's payment opens the camera, here none) and is
    // heard by it (Cancel closes the payment).
    const requested = await requestPayment(shell.url, rig.test.shop.config.tillToken ?? '', {
      amount: 480,
      reference: 'restart-1',
    });
    expect(requested.status).toBe(201);
    expect(await waitForScreen(page, ['camera', 'face', 'error'], 30_000)).toBe('camera');
    await page
      .getByRole('button', { name: words('ja', 'actions.cancelPayment'), exact: true })
      .click();
    expect(await waitForScreen(page, ['idle'], 10_000)).toBe('idle');
    expect(shell.runtime.service.tillPayment(requested.body.payment?.id ?? '')).toMatchObject({
      state: 'cancelled',
    });
    await page.context().close();
  }, 180_000);
});
