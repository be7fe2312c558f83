// The set-up the e2e files on a broken face engine share: the shop rig with the talking face as Chromium's
// camera, the kiosk's face worker broken in the page before the till asks, and the engine-failure screen.
import path from 'node:path';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { cameraClip, sampleCameraWindow } from '../../../scripts/kiosk/camera-clip.ts';
import { openKiosk, requestPayment, waitForScreen } from '../../../scripts/kiosk/kiosk-browser.ts';
import { startWebShell } from '../../../src/main/web-shell.ts';
import { talkingFace } from './deployment-fixture.ts';
import { useKioskInChromium, type KioskInChromium } from './kiosk-in-chromium.ts';
import { inJapaneseThenEnglish, words } from './locale-words.ts';
import { startShopRig, until, type ShopRig } from './shop-rig.ts';

/** useKioskInChromium on startShopRig (screenshots in test-artifacts/`artifactsName`), the talking face its camera. */
export function useShopWithTalkingFace(options: {
  artifactsName: string;
  prefix: string;
}): KioskInChromium<ShopRig> {
  return useKioskInChromium({
    startRig: () => startShopRig(options),
    startKiosk: async (rig) => {
      // The clip first: the shell, once started, is the fixture's to close.
      const clip = await cameraClip({
        video: talkingFace,
        output: path.join(rig.test.work, 'camera.y4m'),
        ...sampleCameraWindow,
      });
      const config = rig.test.shop.config;
      return {
        shell: await startWebShell({ config, port: 0, rendererDir: rig.rendererDir }),
        clip,
      };
    },
  });
}

/**
 * The hub reachable, the kiosk's page opened (its console in `pageLog`) and `breakWorker` run in each of
 * its face workers (they start with the page, their models loaded before idle shows), then the till's
 * payment asked (201) and the face screen shown. Answers the page, the payment's id and the shopper's
 * balance before it, and how to read it again.
 */
export async function faceStepWithBrokenWorker(
  kiosk: KioskInChromium<ShopRig>,
  options: {
    breakWorker: () => void;
    amount: number;
    reference: string;
    pageLog: string[];
  },
) {
  const rig = kiosk.rig();
  const shell = kiosk.shell();
  await until(() => shell.runtime.service.status().hub === 'reachable', 30_000);
  const balance = async () => (await rig.test.admin.getAccount('shopper')).balance;
  const before = await balance();
  const page = await openKiosk(kiosk.browser(), shell.url, options.pageLog);
  await until(() => page.workers().length > 0, 10_000);
  for (const worker of page.workers()) await worker.evaluate(options.breakWorker);

  const requested = await requestPayment(shell.url, rig.test.shop.tillToken, {
    amount: options.amount,
    reference: options.reference,
  });
  expect(requested.status).toBe(201);
  await waitForScreen(page, ['face'], 30_000);
  return { page, paymentId: requested.body.payment?.id, before, balance };
}

/**
 * The engine-failure screen's words in Japanese then English (title, body, try again, member number and
 * cancel, the staff note), a screenshot of each in the rig's artifacts named `<language>-<shot>.png`.
 */
export async function expectEngineFailedWords(page: Page, rig: ShopRig, shot: string) {
  await inJapaneseThenEnglish(page, async (language) => {
    expect(await page.locator('#error-title').textContent()).toBe(
      words(language, 'error.face_engine_failed.title'),
    );
    expect(await page.locator('.error-body').textContent()).toBe(
      words(language, 'error.face_engine_failed.body'),
    );
    for (const key of ['actions.retry', 'actions.memberPin', 'actions.cancelPayment'])
      expect(await page.getByRole('button', { name: words(language, key) }).count(), key).toBe(1);
    expect(await page.locator('[data-testid="member-pin"]').textContent()).toBe(
      words(language, 'actions.memberPin'),
    );
    expect(await page.locator('.staff-note').textContent()).toBe(words(language, 'actions.staff'));
    await page.screenshot({ path: path.join(rig.artifacts, `${language}-${shot}.png`) });
  });
}
