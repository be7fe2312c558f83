// A kiosk SIGKILLed right after it paused face checks, before its hub heard of it (or after the hub recorded
// it but before its answer came back): the alert was written to kiosk-alerts.json beside the device keys
// before any send, so the kiosk started again on the same folder delivers it, and the hub records it exactly
// once. The node process that holds the kiosk service is killed, not a wrapper.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { faceLooksFailedInARowMax, faceTriesPerPaymentMax } from '../../src/shared/limits.ts';
import { startAlertsRig, type AlertsRig } from './alerts-gate.ts';
import { killKioskProcess, KioskSocket } from './kiosk-process.ts';
import { faceChecksPaused, refusedLooks } from './kiosk-process-looks.ts';

let rig: AlertsRig;

beforeAll(async () => {
  rig = await startAlertsRig('kiosk-alerts-crash');
}, 60_000);

afterAll(async () => {
  await rig?.close();
});

function waitingAlerts(): Array<{ alertId: string; type: string }> {
  return (JSON.parse(readFileSync(rig.outboxFile, 'utf8')) as { alerts: never[] }).alerts;
}

describe('a kiosk process SIGKILLed right after it paused face checks', () => {
  it('started again on the same folder, it delivers the pause alert, and the hub records it exactly once', async () => {
    const kioskId = rig.test.shop.config.kioskId;
    const kiosk = await rig.startKiosk();
    const socket = await KioskSocket.open(kiosk.url);
    rig.proxy.fate = 'held back';
    await refusedLooks(kiosk, socket, rig.till, 101, faceTriesPerPaymentMax);
    await refusedLooks(
      kiosk,
      socket,
      rig.till,
      102,
      faceLooksFailedInARowMax - faceTriesPerPaymentMax,
    );
    expect(await faceChecksPaused(socket)).toBe(true);
    expect(waitingAlerts()).toMatchObject([{ type: 'face_checks_paused' }]);

    socket.close();
    await killKioskProcess(kiosk);
    expect((await rig.test.admin.listKioskAlerts(kioskId)).items).toEqual([]);

    rig.proxy.fate = 'passed';
    // Listening means the first round has run: the outbox was sent then.
    const again = await rig.startKiosk();
    expect(waitingAlerts()).toEqual([]);
    const alerts = (await rig.test.admin.listKioskAlerts(kioskId)).items;
    expect(alerts).toMatchObject([
      { type: 'face_checks_paused', failedLooksInARow: faceLooksFailedInARowMax, kioskId },
    ]);
    await killKioskProcess(again);
  }, 120_000);

  it('the hub recorded the alert but its answer was lost: after the restart the kiosk sends it again, and the hub still has it once', async () => {
    const kioskId = rig.test.shop.config.kioskId;
    rig.proxy.fate = 'passed';
    const kiosk = await rig.startKiosk();
    const socket = await KioskSocket.open(kiosk.url);
    expect(
      await socket.call('operatorUnlock', { pin: rig.test.shop.config.operatorPin }),
    ).toMatchObject({ ok: true });
    expect(await socket.call('operatorResumeFaceChecks', {})).toMatchObject({ ok: true });
    await untilAlerts(kioskId, 2);
    expect(waitingAlerts()).toEqual([]);

    rig.proxy.fate = 'answer lost';
    await refusedLooks(kiosk, socket, rig.till, 201, faceTriesPerPaymentMax);
    await refusedLooks(
      kiosk,
      socket,
      rig.till,
      202,
      faceLooksFailedInARowMax - faceTriesPerPaymentMax,
    );
    expect(await faceChecksPaused(socket)).toBe(true);
    const [recorded] = await untilAlerts(kioskId, 3);
    expect(recorded).toMatchObject({ type: 'face_checks_paused' });
    // The kiosk never heard the hub's answer: the alert is still in its outbox.
    expect(waitingAlerts()).toMatchObject([{ alertId: recorded?.alertId }]);

    socket.close();
    await killKioskProcess(kiosk);
    rig.proxy.fate = 'passed';
    const again = await rig.startKiosk();
    expect(waitingAlerts()).toEqual([]);
    const alerts = (await rig.test.admin.listKioskAlerts(kioskId)).items;
    expect(alerts.map((alert) => alert.type)).toEqual([
      'face_checks_paused',
      'face_checks_resumed',
      'face_checks_paused',
    ]);
    expect(alerts[0]).toEqual(recorded);
    await killKioskProcess(again);
  }, 120_000);
});

/** The kiosk's alerts once the hub has `count` of them (the kiosk sends in the background). */
async function untilAlerts(kioskId: string, count: number) {
  for (;;) {
    const { items } = await rig.test.admin.listKioskAlerts(kioskId);
    if (items.length >= count) return items;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
