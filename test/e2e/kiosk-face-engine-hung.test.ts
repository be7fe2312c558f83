// A face engine that hangs (Debian's Chromium, real hub): it never answers a frame, so no frame_error comes,
// and the face screen gives up after faceEngineFirstFaceAnswerMsMax (40 s: it never read a face, so it may be
// a cold WebGL engine compiling shaders) for the engine-failure error screen (try again,
// member number, staff), nothing taken. Before, "look at the camera" stayed until the service's idle timeout,
// two minutes later. The hang is made in the kiosk's own face worker: every answer it posts is dropped.
// Screenshots: test-artifacts/kiosk-e2e-face-engine-hung.
import { describe, expect, it } from 'vitest';
import { marks, waitForScreen } from '../../scripts/kiosk/kiosk-browser.ts';
import {
  expectEngineFailedWords,
  faceStepWithBrokenWorker,
  useShopWithTalkingFace,
} from './kiosk/face-engine-broken.ts';
import { words } from './kiosk/locale-words.ts';

const kiosk = useShopWithTalkingFace({
  artifactsName: 'kiosk-e2e-face-engine-hung',
  prefix: 'facepay-engine-hung-e2e-',
});

describe('a face engine that never answers a frame', () => {
  it('gives up for the engine-failure screen: try again, member number, staff; nothing taken', async () => {
    const rig = kiosk.rig();
    const service = kiosk.shell().runtime.service;
    const pageLog: string[] = [];
    // From the page's start nothing the face worker posts reaches the page, as a worker stuck on its first
    // frame.
    const { page, paymentId, before, balance } = await faceStepWithBrokenWorker(kiosk, {
      breakWorker: () => {
        self.postMessage = () => undefined;
      },
      amount: 470,
      reference: 'engine-hung-1',
      pageLog,
    });
    // Gives up after faceEngineFirstFaceAnswerMsMax (40 s) without an answer; less than the payment's 120 s.
    const shown = await waitForScreen(page, ['error', 'idle'], 90_000);
    expect(shown, pageLog.slice(-20).join('\n')).toBe('error');
    const screen = page.locator('[data-testid="error-screen"]');
    expect(await screen.getAttribute('data-code')).toBe('face_engine_failed');
    const timeline = await marks(page);
    // No answer at all: not one frame read, not one frame_error.
    expect(timeline.filter((mark) => ['frame', 'frame_error'].includes(mark.name))).toEqual([]);
    expect(timeline.some((mark) => mark.name === 'face_engine_failed')).toBe(true);

    await expectEngineFailedWords(page, rig, 'engine-hung');

    // Nothing taken, the payment open for the other ways.
    expect(service.status().payment).toMatchObject({
      id: paymentId,
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
