// A face engine that fails on every frame (Debian's Chromium, real hub): the face screen gives up within
// seconds for an error screen with the other ways to pay, and nothing is taken. Before, "look at the camera"
// stayed until the service's idle timeout, two minutes later. The failure is made in the kiosk's own face
// worker: its frames' pixels cannot be read (getImageData throws), so every frame is answered frame_error.
// Screenshots: test-artifacts/kiosk-e2e-face-engine-failing.
import { describe, expect, it } from 'vitest';
import { marks, waitForScreen } from '../../scripts/kiosk/kiosk-browser.ts';
import {
  expectEngineFailedWords,
  faceStepWithBrokenWorker,
  useShopWithTalkingFace,
} from './kiosk/face-engine-broken.ts';
import { words } from './kiosk/locale-words.ts';

const kiosk = useShopWithTalkingFace({
  artifactsName: 'kiosk-e2e-face-engine-failing',
  prefix: 'facepay-engine-failing-e2e-',
});

describe('a face engine failing on every frame', () => {
  it('gives up for an error screen: try again, member number, staff; the payment open, nothing taken', async () => {
    const rig = kiosk.rig();
    const service = kiosk.shell().runtime.service;
    const pageLog: string[] = [];
    // From the page's start the face worker cannot read a frame's pixels, as an engine whose every frame
    // fails.
    const { page, paymentId, before, balance } = await faceStepWithBrokenWorker(kiosk, {
      breakWorker: () => {
        OffscreenCanvasRenderingContext2D.prototype.getImageData = () => {
          throw new Error('injected: the face engine fails on every frame');
        };
      },
      amount: 480,
      reference: 'engine-failing-1',
      pageLog,
    });
    // Gives up after faceEngineFailingMsMax (3 s) of failures; far less than the payment's 120 s timeout.
    const shown = await waitForScreen(page, ['error', 'idle'], 60_000);
    expect(shown, pageLog.slice(-20).join('\n')).toBe('error');
    const screen = page.locator('[data-testid="error-screen"]');
    expect(await screen.getAttribute('data-code')).toBe('face_engine_failed');
    const timeline = await marks(page);
    expect(timeline.filter((mark) => mark.name === 'frame_error').length).toBeGreaterThanOrEqual(5);
    expect(timeline.some((mark) => mark.name === 'face_engine_failed')).toBe(true);

    await expectEngineFailedWords(page, rig, 'engine-failed');

    // Nothing taken, the payment open for the other ways; no face try used (nothing was compared).
    const open = service.status().payment;
    expect(open).toMatchObject({ id: paymentId, state: 'waiting_for_face' });
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
