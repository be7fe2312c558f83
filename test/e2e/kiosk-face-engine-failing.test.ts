// A face engine that fails on every frame (Debian's Chromium, real hub): the face screen gives up within
// seconds for an error screen with the other ways to pay, and nothing is taken. Before, "look at the camera"
// stayed until the service's idle timeout, two minutes later. The failure is made in the kiosk's own face
// worker: its frames' pixels cannot be read (getImageData throws), so every frame is answered frame_error.
// Screenshots: test-artifacts/kiosk-e2e-face-engine-failing.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cameraClip, sampleCameraWindow } from '../../scripts/kiosk/camera-clip.ts';
import {
  marks,
  openKiosk,
  requestPayment,
  waitForScreen,
} from '../../scripts/kiosk/kiosk-browser.ts';
import { startWebShell } from '../../src/main/web-shell.ts';
import { talkingFace } from './kiosk/deployment-fixture.ts';
import { inJapaneseThenEnglish, words } from './kiosk/locale-words.ts';
import { useKioskInChromium } from './kiosk/kiosk-in-chromium.ts';
import { startShopRig, until } from './kiosk/shop-rig.ts';

const kiosk = useKioskInChromium({
  startRig: () =>
    startShopRig({
      artifactsName: 'kiosk-e2e-face-engine-failing',
      prefix: 'facepay-engine-failing-e2e-',
    }),
  startKiosk: async (rig) => {
    // The clip first: the shell, once started, is the fixture's to close.
    const clip = await cameraClip({
      video: talkingFace,
      output: path.join(rig.test.work, 'camera.y4m'),
      ...sampleCameraWindow,
    });
    const config = rig.test.shop.config;
    return { shell: await startWebShell({ config, port: 0, rendererDir: rig.rendererDir }), clip };
  },
});

describe('a face engine failing on every frame', () => {
  it('gives up for an error screen: try again, member number, staff; the payment open, nothing taken', async () => {
    const rig = kiosk.rig();
    const shell = kiosk.shell();
    const browser = kiosk.browser();
    const service = shell.runtime.service;
    await until(() => service.status().hub === 'reachable', 30_000);
    const balance = async () => (await rig.test.admin.getAccount('shopper')).balance;
    const before = await balance();
    const pageLog: string[] = [];
    const page = await openKiosk(browser, shell.url, pageLog);
    // The face worker starts with the page (its models loaded before idle shows): from now on it cannot read
    // a frame's pixels, as an engine whose every frame fails.
    await until(() => page.workers().length > 0, 10_000);
    for (const worker of page.workers()) {
      await worker.evaluate(() => {
        OffscreenCanvasRenderingContext2D.prototype.getImageData = () => {
          throw new Error('injected: the face engine fails on every frame');
        };
      });
    }

    const requested = await requestPayment(shell.url, rig.test.shop.tillToken, {
      amount: 480,
      reference: 'engine-failing-1',
    });
    expect(requested.status).toBe(201);
    await waitForScreen(page, ['face'], 30_000);
    // Gives up after faceEngineFailingMsMax (3 s) of failures; far less than the payment's 120 s timeout.
    const shown = await waitForScreen(page, ['error', 'idle'], 60_000);
    expect(shown, pageLog.slice(-20).join('\n')).toBe('error');
    const screen = page.locator('[data-testid="error-screen"]');
    expect(await screen.getAttribute('data-code')).toBe('face_engine_failed');
    const timeline = await marks(page);
    expect(timeline.filter((mark) => mark.name === 'frame_error').length).toBeGreaterThanOrEqual(5);
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
      expect(await page.locator('[data-testid="member-pin"]').textContent()).toBe(
        words(language, 'actions.memberPin'),
      );
      expect(await page.locator('.staff-note').textContent()).toBe(
        words(language, 'actions.staff'),
      );
      await page.screenshot({
        path: path.join(rig.artifacts, `${language}-engine-failed.png`),
      });
    });

    // Nothing taken, the payment open for the other ways; no face try used (nothing was compared).
    const open = service.status().payment;
    expect(open).toMatchObject({ id: requested.body.payment?.id, state: 'waiting_for_face' });
    expect(await balance()).toBe(before);
    // Try again: a new look, which gives up the same way while the engine still fails.
    await page.getByRole('button', { name: words('ja', 'actions.retry') }).click();
    await waitForScreen(page, ['face'], 10_000);
    await waitForScreen(page, ['error'], 60_000);
    expect(await screen.getAttribute('data-code')).toBe('face_engine_failed');
    expect(service.status().payment?.faceTriesLeft).toBe(open?.faceTriesLeft);
    // The member number is one tap away.
    await page.locator('[data-testid="member-pin"]').click();
    await waitForScreen(page, ['member'], 10_000);
    expect(await balance()).toBe(before);
  }, 300_000);
});
