// The kiosk's page loads in Debian's Chromium, from the web shell against a real hub, without one failed
// request and without a console error for staff to puzzle over. Chromium asks every page for /favicon.ico
// (the page now names an empty icon, which the kiosk's CSP allows as a data: image); that fetch is not a
// page response, so the console assertion is the one that catches its 404, the response listener every
// other resource.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchKioskBrowser, openKiosk } from '../../scripts/kiosk/kiosk-browser.ts';
import { startWebShell, type WebShell } from '../../src/main/web-shell.ts';
import { assertNoProcessLeft, trackChildProcesses } from '../hub/process.ts';
import { closeKioskTestHub } from '../main/kiosk-test-hub.ts';
import { startShopRig, type ShopRig } from './kiosk/shop-rig.ts';

let rig: ShopRig;
let browser: Browser | null = null;
let shell: WebShell | null = null;

beforeAll(async () => {
  rig = await startShopRig({
    artifactsName: 'kiosk-e2e-page-load',
    prefix: 'facepay-page-load-e2e-',
  });
  shell = await startWebShell({
    config: rig.test.shop.config,
    port: 0,
    rendererDir: rig.rendererDir,
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

describe('kiosk page load', () => {
  it('asks the web shell for nothing it does not have', async () => {
    if (browser === null || shell === null) throw new Error('no browser or web shell (beforeAll)');
    const failed: string[] = [];
    const pageLog: string[] = [];
    const page = await openKiosk(browser, shell.url, pageLog, {
      beforeOpen: async (context) => {
        context.on('response', (response) => {
          if (response.status() >= 400) failed.push(`${response.status()} ${response.url()}`);
        });
        context.on('requestfailed', (request) => failed.push(`failed ${request.url()}`));
      },
    });
    await page.waitForLoadState('networkidle');
    expect(failed, pageLog.join('\n')).toEqual([]);
    expect(pageLog.filter((line) => line.startsWith('error:'))).toEqual([]);
    await page.context().close();
  }, 120_000);
});
