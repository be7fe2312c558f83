// The face-check pause survives the kiosk's death: its node process (`npm run kiosk`'s web shell, which holds
// face-check-pause.json) is SIGKILLed and started again on the same folder, and a replayed recording gets no
// fresh draws from it: a paused kiosk is still paused, and the failed looks so far still count.
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { PaymentView } from '../../src/shared/kiosk-api.ts';
import { faceLooksFailedInARowMax, faceTriesPerPaymentMax } from '../../src/shared/limits.ts';
import { killKioskProcess, KioskSocket, type KioskProcess } from './kiosk-process.ts';
import { faceChecksPaused, refusedLooks, tillAsks, type TestTill } from './kiosk-process-looks.ts';
import { useShopCrashRig } from './shop-crash-rig.ts';

const { test, rig } = useShopCrashRig({ prefix: 'facepay-face-pause-crash-' });
let pauseFile: string;
let till: TestTill;

// After the rig's beforeAll (hooks run in the order they are registered).
beforeAll(() => {
  pauseFile = path.join(test().shop.config.keysDir, 'face-check-pause.json');
  till = { token: test().shop.tillToken, referencePrefix: 'pause-crash' };
});

/** The open payment as the kiosk's screen sees it (its face tries). */
async function openPayment(socket: KioskSocket): Promise<PaymentView | null> {
  const answer = await socket.call<{ payment: PaymentView | null }>('currentPayment', {});
  if (!answer.ok) throw new Error(answer.error.message);
  return answer.payment;
}

/** SIGKILL, then `npm run kiosk` again on the same folder, and the page's socket to it. */
async function killAndRestart(kiosk: KioskProcess, socket: KioskSocket) {
  socket.close();
  await killKioskProcess(kiosk);
  const again = await rig().startKiosk();
  return { kiosk: again, socket: await KioskSocket.open(again.url) };
}

describe('a kiosk process SIGKILLed with face checks paused, or on the way there', () => {
  it('started again on the same folder it is still paused: the next payment has no face try; staff resume it, and that survives too', async () => {
    let kiosk = await rig().startKiosk();
    let socket = await KioskSocket.open(kiosk.url);
    await refusedLooks(kiosk, socket, till, 101, faceTriesPerPaymentMax);
    await refusedLooks(kiosk, socket, till, 102, faceLooksFailedInARowMax - faceTriesPerPaymentMax);
    expect(await faceChecksPaused(socket)).toBe(true);
    expect(existsSync(`${pauseFile}.tmp`)).toBe(false);
    expect(statSync(pauseFile).mode & 0o777).toBe(0o600);

    ({ kiosk, socket } = await killAndRestart(kiosk, socket));
    expect(await faceChecksPaused(socket)).toBe(true);
    const paused = await tillAsks(kiosk, till, 103);
    expect(await openPayment(socket)).toMatchObject({
      id: paused.id,
      faceTriesLeft: 0,
      faceChecksPaused: true,
    });
    expect(await socket.call('cancel', { paymentId: paused.id })).toMatchObject({ ok: true });

    expect(
      await socket.call('operatorUnlock', { pin: test().shop.config.operatorPin }),
    ).toMatchObject({ ok: true });
    expect(await socket.call('operatorResumeFaceChecks', {})).toMatchObject({ ok: true });
    ({ kiosk, socket } = await killAndRestart(kiosk, socket));
    expect(await faceChecksPaused(socket)).toBe(false);
    const resumed = await tillAsks(kiosk, till, 104);
    expect(await openPayment(socket)).toMatchObject({
      id: resumed.id,
      faceTriesLeft: faceTriesPerPaymentMax,
      faceChecksPaused: false,
    });
    socket.close();
    await killKioskProcess(kiosk);
  }, 120_000);

  it('killed one failed look short of the pause: the first refused look after the restart pauses', async () => {
    let kiosk = await rig().startKiosk();
    let socket = await KioskSocket.open(kiosk.url);
    await refusedLooks(kiosk, socket, till, 201, faceTriesPerPaymentMax);
    await refusedLooks(
      kiosk,
      socket,
      till,
      202,
      faceLooksFailedInARowMax - faceTriesPerPaymentMax - 1,
    );
    expect(await faceChecksPaused(socket)).toBe(false);

    ({ kiosk, socket } = await killAndRestart(kiosk, socket));
    const { id: paymentId } = await tillAsks(kiosk, till, 203);
    expect(await socket.call('reportFaceRefused', { paymentId })).toMatchObject({
      ok: true,
      payment: { faceTriesLeft: 0, faceChecksPaused: true },
    });
    expect(await socket.call('cancel', { paymentId })).toMatchObject({ ok: true });
    socket.close();
    await killKioskProcess(kiosk);
  }, 120_000);
});
