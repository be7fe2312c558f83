// A kiosk SIGKILLed right after it paused face checks, before its hub heard of it (or after the hub recorded
// it but before its answer came back): the alert was written to kiosk-alerts.json beside the device keys
// before any send, so the kiosk started again on the same folder delivers it, and the hub records it exactly
// once. The node process that holds the kiosk service is killed, not a wrapper.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { faceLooksFailedInARowMax, faceTriesPerPaymentMax } from '../../src/shared/limits.ts';
import { assertNoProcessLeft } from '../hub/process.ts';
import { syntheticFace } from '../hub/helpers.ts';
import {
  blankRenderer,
  killKioskProcess,
  killKioskProcessesLeft,
  KioskSocket,
  startKioskProcess,
  type KioskProcess,
} from './kiosk-process.ts';
import { faceChecksPaused, refusedLooks, type TestTill } from './kiosk-process-looks.ts';
import { startAlertsGate, type AlertsGate } from './alerts-gate.ts';
import { closeKioskTestHub, type KioskTestHub } from './kiosk-test-hub.ts';
import { startShopWithShopper } from './shop-fixture.ts';

const adminToken = `admin-${randomBytes(12).toString('hex')}`;
const clock = { offsetMs: 0, now: () => Date.now() + clock.offsetMs };

let test: KioskTestHub;
let proxy: AlertsGate;
let rendererDir: string;
let till: TestTill;

beforeAll(async () => {
  test = await startShopWithShopper({
    prefix: 'facepay-kiosk-alerts-crash-',
    adminToken,
    clock,
    face: syntheticFace(),
  });
  proxy = await startAlertsGate(test.hub.url);
  rendererDir = blankRenderer(test.work);
  till = { token: test.shop.tillToken, referencePrefix: 'alerts-crash' };
}, 60_000);

afterAll(async () => {
  await killKioskProcessesLeft();
  await proxy?.close();
  await closeKioskTestHub(test);
  await assertNoProcessLeft();
});

function startKiosk(): Promise<KioskProcess> {
  return startKioskProcess({
    configFile: test.shop.configFile,
    hubUrl: proxy.url,
    rendererDir,
    clockAheadMs: clock.offsetMs,
  });
}

function waitingAlerts(): Array<{ alertId: string; type: string }> {
  const file = path.join(test.shop.config.keysDir, 'kiosk-alerts.json');
  return (JSON.parse(readFileSync(file, 'utf8')) as { alerts: never[] }).alerts;
}

describe('a kiosk process SIGKILLed right after it paused face checks', () => {
  it('started again on the same folder, it delivers the pause alert, and the hub records it exactly once', async () => {
    const kioskId = test.shop.config.kioskId;
    const kiosk = await startKiosk();
    const socket = await KioskSocket.open(kiosk.url);
    proxy.fate = 'held back';
    await refusedLooks(kiosk, socket, till, 101, faceTriesPerPaymentMax);
    await refusedLooks(kiosk, socket, till, 102, faceLooksFailedInARowMax - faceTriesPerPaymentMax);
    expect(await faceChecksPaused(socket)).toBe(true);
    expect(waitingAlerts()).toMatchObject([{ type: 'face_checks_paused' }]);

    socket.close();
    await killKioskProcess(kiosk);
    expect((await test.admin.listKioskAlerts(kioskId)).items).toEqual([]);

    proxy.fate = 'passed';
    // Listening means the first round has run: the outbox was sent then.
    const again = await startKiosk();
    expect(waitingAlerts()).toEqual([]);
    const alerts = (await test.admin.listKioskAlerts(kioskId)).items;
    expect(alerts).toMatchObject([
      { type: 'face_checks_paused', failedLooksInARow: faceLooksFailedInARowMax, kioskId },
    ]);
    await killKioskProcess(again);
  }, 120_000);

  it('the hub recorded the alert but its answer was lost: after the restart the kiosk sends it again, and the hub still has it once', async () => {
    const kioskId = test.shop.config.kioskId;
    proxy.fate = 'passed';
    const kiosk = await startKiosk();
    const socket = await KioskSocket.open(kiosk.url);
    expect(
      await socket.call('operatorUnlock', { pin: test.shop.config.operatorPin }),
    ).toMatchObject({ ok: true });
    expect(await socket.call('operatorResumeFaceChecks', {})).toMatchObject({ ok: true });
    await untilAlerts(kioskId, 2);
    expect(waitingAlerts()).toEqual([]);

    proxy.fate = 'answer lost';
    await refusedLooks(kiosk, socket, till, 201, faceTriesPerPaymentMax);
    await refusedLooks(kiosk, socket, till, 202, faceLooksFailedInARowMax - faceTriesPerPaymentMax);
    expect(await faceChecksPaused(socket)).toBe(true);
    const [recorded] = await untilAlerts(kioskId, 3);
    expect(recorded).toMatchObject({ type: 'face_checks_paused' });
    // The kiosk never heard the hub's answer: the alert is still in its outbox.
    expect(waitingAlerts()).toMatchObject([{ alertId: recorded?.alertId }]);

    socket.close();
    await killKioskProcess(kiosk);
    proxy.fate = 'passed';
    const again = await startKiosk();
    expect(waitingAlerts()).toEqual([]);
    const alerts = (await test.admin.listKioskAlerts(kioskId)).items;
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
    const { items } = await test.admin.listKioskAlerts(kioskId);
    if (items.length >= count) return items;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
