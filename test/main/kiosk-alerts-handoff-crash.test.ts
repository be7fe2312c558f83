// A kiosk SIGKILLed after face checks paused (or resumed) but before the alert reached its outbox file: the
// outbox's write failed (a full disk) and the hub was out of reach. The pause file keeps the alert until the
// outbox has it, so the kiosk started again on the same folder still tells the hub, once. The node process
// that holds the kiosk service is killed, not a wrapper.
import { existsSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { faceLooksFailedInARowMax, faceTriesPerPaymentMax } from '../../src/shared/limits.ts';
import { startAlertsRig, type AlertsRig } from './alerts-gate.ts';
import { killKioskProcess, KioskSocket } from './kiosk-process.ts';
import { faceChecksPaused, refusedLooks } from './kiosk-process-looks.ts';

let rig: AlertsRig;

beforeAll(async () => {
  rig = await startAlertsRig('kiosk-alerts-handoff');
}, 60_000);

afterEach(() => {
  outboxWritable();
});

afterAll(async () => {
  await rig?.close();
});

/** Every write of the outbox fails with ENOSPC from now on (its temp file is /dev/full), as on a full disk. */
function outboxDiskFull(): void {
  symlinkSync('/dev/full', `${rig.outboxFile}.tmp`);
}

function outboxWritable(): void {
  rmSync(`${rig.outboxFile}.tmp`, { force: true });
}

function alertsInOutboxFile(): Array<{ type: string }> {
  if (!existsSync(rig.outboxFile)) return [];
  return (JSON.parse(readFileSync(rig.outboxFile, 'utf8')) as { alerts: never[] }).alerts;
}

describe('a kiosk SIGKILLed before its face-check alert reached the outbox file', () => {
  it('paused: started again, it tells the hub of the pause, once', async () => {
    const kioskId = rig.test.shop.config.kioskId;
    rig.proxy.fate = 'held back';
    const kiosk = await rig.startKiosk();
    const socket = await KioskSocket.open(kiosk.url);
    outboxDiskFull();
    await refusedLooks(kiosk, socket, rig.till, 301, faceTriesPerPaymentMax);
    await refusedLooks(
      kiosk,
      socket,
      rig.till,
      302,
      faceLooksFailedInARowMax - faceTriesPerPaymentMax,
    );
    expect(await faceChecksPaused(socket)).toBe(true);
    // The outbox could not keep it, and the hub never had it.
    expect(alertsInOutboxFile()).toEqual([]);
    socket.close();
    await killKioskProcess(kiosk);
    expect((await rig.test.admin.listKioskAlerts(kioskId)).items).toEqual([]);

    outboxWritable();
    rig.proxy.fate = 'passed';
    // Listening means the first round has run: the outbox was sent then.
    const again = await rig.startKiosk();
    const alerts = (await rig.test.admin.listKioskAlerts(kioskId)).items;
    expect(alerts).toMatchObject([
      { type: 'face_checks_paused', failedLooksInARow: faceLooksFailedInARowMax, kioskId },
    ]);
    // A second restart sends nothing more: the hub still has the pause once.
    await killKioskProcess(again);
    const third = await rig.startKiosk();
    expect((await rig.test.admin.listKioskAlerts(kioskId)).items).toHaveLength(1);
    await killKioskProcess(third);
  }, 120_000);

  it('resumed by staff: started again, it tells the hub of the resume, once', async () => {
    const kioskId = rig.test.shop.config.kioskId;
    rig.proxy.fate = 'held back';
    const kiosk = await rig.startKiosk();
    const socket = await KioskSocket.open(kiosk.url);
    expect(await faceChecksPaused(socket)).toBe(true);
    outboxDiskFull();
    expect(
      await socket.call('operatorUnlock', { pin: rig.test.shop.config.operatorPin }),
    ).toMatchObject({ ok: true });
    expect(await socket.call('operatorResumeFaceChecks', {})).toMatchObject({ ok: true });
    expect(await faceChecksPaused(socket)).toBe(false);
    socket.close();
    await killKioskProcess(kiosk);

    outboxWritable();
    rig.proxy.fate = 'passed';
    const again = await rig.startKiosk();
    const alerts = (await rig.test.admin.listKioskAlerts(kioskId)).items;
    // Newest first.
    expect(alerts.map((alert) => alert.type)).toEqual([
      'face_checks_resumed',
      'face_checks_paused',
    ]);
    expect(alerts[0]).toMatchObject({ failedLooksInARow: faceLooksFailedInARowMax });
    await killKioskProcess(again);
  }, 120_000);
});
