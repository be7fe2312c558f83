// A face engine that hangs (Debian's Chromium, real hub): it never answers a frame, so no frame_error comes,
// and the face screen gives up after faceEngineFirstFaceAnswerMsMax (40 s: it never read a face, so it may be
// a cold WebGL engine compiling shaders) for the engine-failure error screen (try again,
// member number, staff), nothing taken. Before, "look at the camera" stayed until the service's idle timeout,
// two minutes later. The hang is made in the kiosk's own face worker: every answer it posts is dropped.
// Screenshots: test-artifacts/kiosk-e2e-face-engine-hung.
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cameraClip, sampleCameraWindow } from '../../scripts/kiosk/camera-clip.ts';
import {
  launchKioskBrowser,
  marks,
  openKiosk,
  requestPayment,
  waitForScreen,
} from '../../scripts/kiosk/kiosk-browser.ts';
import { startWebShell, type WebShell } from '../../src/main/web-shell.ts';
import { assertNoProcessLeft, trackChildProcesses } from '../hub/process.ts';
import { closeKioskTestHub } from '../main/kiosk-test-hub.ts';
import { talkingFace } from './kiosk/deployment-fixture.ts';
import { inJapaneseThenEnglish, words } from './kiosk/locale-words.ts';
import { startShopRig, until, type ShopRig } from './kiosk/shop-rig.ts';

let rig: ShopRig | null = null;
let shell: WebShell | null = null;
let browser: Browser | null = null;

beforeAll(async () => {
  rig = await startShopRig({
    artifactsName: 'kiosk-e2e-face-engine-hung',
    prefix: 'facepay-engine-hung-e2e-',
  });
  const clip = await cameraClip({
    video: talkingFace,
    output: path.join(rig.test.work, 'camera.y4m'),
    ...sampleCameraWindow,
  });
  browser = await launchKioskBrowser(clip);
  expect(trackChildProcesses(/chromium/)).toBeGreaterThan(0);
  shell = await startWebShell({
    config: rig.test.shop.config,
    port: 0,
    rendererDir: rig.rendererDir,
  });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await shell?.close();
  await closeKioskTestHub(rig?.test);
  await assertNoProcessLeft();
});

describe('a face engine that never answers a frame', () => {
  it('gives up for the engine-failure screen: try again, member number, staff; nothing taken', async () => {
    if (rig === null || shell === null || browser === null) throw new Error('no rig');
    const service = shell.runtime.service;
    await until(() => service.status().hub === 'reachable', 30_000);
    const balance = async () => (await rig?.test.admin.getAccount('shopper'))?.balance;
    const before = await balance();
    const pageLog: string[] = [];
    const page = await openKiosk(browser, shell.url, pageLog);
    // The face worker starts with the page (its models loaded before idle shows): from now on nothing it
    // posts reaches the page, as a worker stuck on its first frame.
    await until(() => page.workers().length > 0, 10_000);
    for (const worker of page.workers()) {
      await worker.evaluate(() => {
        self.postMessage = () => undefined;
      });
    }

    const requested = await requestPayment(shell.url, rig.test.shop.tillToken, {
      amount: 470,
      reference: 'engine-hung-1',
    });
    expect(requested.status).toBe(201);
    await waitForScreen(page, ['face'], 30_000);
    // Gives up after faceEngineFirstFaceAnswerMsMax (40 s) without an answer; less than the payment's 120 s.
    const shown = await waitForScreen(page, ['error', 'idle'], 90_000);
    expect(shown, pageLog.slice(-20).join('\n')).toBe('error');
    const screen = page.locator('[data-testid="error-screen"]');
    expect(await screen.getAttribute('data-code')).toBe('face_engine_failed');
    const timeline = await marks(page);
    // No answer at all: not one frame read, not one frame_error.
    expect(timeline.filter((mark) => ['frame', 'frame_error'].includes(mark.name))).toEqual([]);
    expect(timeline.some((mark) => mark.name === 'face_engine_failed')).toBe(true);

    await inJapaneseThenEnglish(page, async (language) => {
      expect(await page.locator('#error-title').textContent()).toBe(
        words(language, 'error.face_engine_failed.title'),
      );
      expect(await page.locator('.error-body').textContent()).toBe(
        words(language, 'error.face_engine_failed.body'),
      );
      for (const key of ['actions.retry', 'actions.memberPin', 'actions.cancelPayment'])
        expect(await page.getByRole('button', { name: words(language, key) }).count(), key).toBe(1);
      expect(await page.locator('.staff-note').textContent()).toBe(
        words(language, 'actions.staff'),
      );
      await page.screenshot({
        path: path.join(rig?.artifacts ?? '', `${language}-engine-hung.png`),
      });
    });

    // Nothing taken, the payment open for the other ways.
    expect(service.status().payment).toMatchObject({
      id: requested.body.payment?.id,
      state: 'waiting_for_face',
    });
    expect(await balance()).toBe(before);
    // Try again: the worker still hangs, its frame unanswered past the cold limit, and the screen gives up
    // again at once (a frame stuck that long is not given more time: 5 s, far under even the warm 10 s).
    await page.getByRole('button', { name: words('ja', 'actions.retry') }).click();
    await waitForScreen(page, ['face'], 10_000);
    await waitForScreen(page, ['error'], 5_000);
    expect(await screen.getAttribute('data-code')).toBe('face_engine_failed');
    await page.locator('[data-testid="member-pin"]').click();
    await waitForScreen(page, ['member'], 10_000);
    expect(await balance()).toBe(before);
  }, 300_000);
});
