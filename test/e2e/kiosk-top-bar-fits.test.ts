// The shop's and the clinic's top bar with long real-world names, in Debian's Chromium against a real hub, on
// both kiosk displays (1280x800 and the smaller 1024x600) in Japanese and English: one row, the name one line
// beside the badge and language switch. Screenshots: test-artifacts/kiosk-e2e-top-bar-fits.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchKioskBrowser, openKiosk } from '../../scripts/kiosk/kiosk-browser.ts';
import type { KioskConfig } from '../../src/main/kiosk-config.ts';
import { startWebShell, type WebShell } from '../../src/main/web-shell.ts';
import { assertNoProcessLeft, trackChildProcesses } from '../hub/process.ts';
import { closeKioskTestHub } from '../main/kiosk-test-hub.ts';
import { expectScreenFitsEverywhere, screenshotsEverywhere } from './kiosk/screen-fits.ts';
import { startShopRig, until, type ShopRig } from './kiosk/shop-rig.ts';
import { topBarFaults } from './kiosk/top-bar-fits.ts';

/** Names as long as real ones: a chain's shop in an underground mall, a clinic with its branch. */
const names = {
  shopJa: '株式会社さくらマート 東京駅八重洲地下街店',
  shopEn: 'Sakura Mart Tokyo Station Yaesu Underground Mall',
  clinicJa: '医療法人さくら会 さくら内科・小児科クリニック 八重洲院',
  clinicEn: 'Sakura Internal Medicine & Pediatrics Clinic Yaesu',
};

/** Where no hub listens: the kiosk finds its hub out of reach and the bar shows its badge. */
const noHubUrl = 'http://127.0.0.1:9';

let rig: ShopRig;
let browser: Browser | null = null;
let shell: WebShell | null = null;
const pageLog: string[] = [];

beforeAll(async () => {
  rig = await startShopRig({
    artifactsName: 'kiosk-e2e-top-bar-fits',
    prefix: 'facepay-top-bar-fits-e2e-',
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

/** The shop's kiosk (or, with `clinic`, a clinic reception) named `shopName`, its hub at `hubUrl`. */
async function kioskNamed(options: {
  shopName: string;
  hubUrl?: string;
  clinic?: boolean;
}): Promise<{ page: Page; hub: 'reachable' | 'unreachable' }> {
  if (browser === null) throw new Error('no browser (beforeAll)');
  await shell?.close();
  const config: KioskConfig = {
    ...rig.test.shop.config,
    hubUrl: options.hubUrl ?? rig.test.hub.url,
    shopName: options.shopName,
    ...(options.clinic === true
      ? { mode: 'clinic' as const, clinic: { cap: 5_000, noShowAfterSeconds: 3_600 } }
      : {}),
  };
  shell = await startWebShell({ config, port: 0, rendererDir: rig.rendererDir });
  const service = shell.runtime.service;
  const hub = options.hubUrl === undefined ? 'reachable' : 'unreachable';
  await until(() => service.status().hub === hub, 30_000);
  const page = await openKiosk(browser, shell.url, pageLog);
  return { page, hub };
}

/** The idle screen with the name `shopName`: its bar whole, its title, staff button and switch in view. */
async function expectIdleFits(page: Page, shopName: string, name: string): Promise<void> {
  await screenshotsEverywhere(page, rig.artifacts, name);
  expect(await topBarFaults(page, () => shopName)).toEqual([]);
  await expectScreenFitsEverywhere(page, {
    title: page.locator('#idle-title'),
    'language switch': page.locator('[data-testid="language-switch"]'),
    'staff button': page.locator('.operator-corner'),
  });
  await page.context().close();
}

describe('the top bar keeps one row with a long shop or clinic name on both kiosk displays', () => {
  it('a shop named in Japanese (21 characters), and with the hub out of reach (its badge beside)', async () => {
    const shop = await kioskNamed({ shopName: names.shopJa });
    await expectIdleFits(shop.page, names.shopJa, 'shop-ja');
    const offline = await kioskNamed({ shopName: names.shopJa, hubUrl: noHubUrl });
    await expectIdleFits(offline.page, names.shopJa, 'shop-ja-offline');
  }, 180_000);

  it('a shop named in English (48 characters), and with the hub out of reach', async () => {
    const shop = await kioskNamed({ shopName: names.shopEn });
    await expectIdleFits(shop.page, names.shopEn, 'shop-en');
    const offline = await kioskNamed({ shopName: names.shopEn, hubUrl: noHubUrl });
    await expectIdleFits(offline.page, names.shopEn, 'shop-en-offline');
  }, 180_000);

  it('a clinic reception named in Japanese and in English, and with the hub out of reach', async () => {
    for (const clinicName of [names.clinicJa, names.clinicEn]) {
      const clinic = await kioskNamed({ shopName: clinicName, clinic: true });
      await expectIdleFits(clinic.page, clinicName, `clinic-${clinicName.length}`);
    }
    const offline = await kioskNamed({ shopName: names.clinicEn, clinic: true, hubUrl: noHubUrl });
    await expectIdleFits(offline.page, names.clinicEn, 'clinic-en-offline');
  }, 240_000);
});
