// A kiosk SIGKILLed after face checks paused (or resumed) but before the alert reached its outbox file: the
// outbox's write failed (a full disk) and the hub was out of reach. The pause file keeps the alert until the
// outbox has it, so the kiosk started again on the same folder still tells the hub, once. The node process
// that holds the kiosk service is killed, not a wrapper.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { faceLooksFailedInARowMax, faceTriesPerPaymentMax } from '../../src/shared/limits.ts';
import { assertNoProcessLeft } from '../hub/process.ts';
import { syntheticFace } from '../hub/helpers.ts';
import { startAlertsGate, type AlertsGate } from './alerts-gate.ts';
import {
  blankRenderer,
  killKioskProcess,
  killKioskProcessesLeft,
  KioskSocket,
  startKioskProcess,
  type KioskProcess,
} from './kiosk-process.ts';
import { faceChecksPaused, refusedLooks, type TestTill } from './kiosk-process-looks.ts';
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
    prefix: 'facepay-kiosk-alerts-handoff-',
    adminToken,
    clock,
    face: syntheticFace(),
  });
  proxy = await startAlertsGate(test.hub.url);
  rendererDir = blankRenderer(test.work);
  till = { token: test.shop.tillToken, referencePrefix: 'alerts-handoff' };
}, 60_000);

afterEach(() => {
  outboxWritable();
});

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

function outboxFile(): string {
  return path.join(test.shop.config.keysDir, 'kiosk-alerts.json');
}

/** Every write of the outbox fails with ENOSPC from now on (its temp file is /dev/full), as on a full disk. */
function outboxDiskFull(): void {
  symlinkSync('/dev/full', `${outboxFile()}.tmp`);
}

function outboxWritable(): void {
  rmSync(`${outboxFile()}.tmp`, { force: true });
}

function alertsInOutboxFile(): Array<{ type: string }> {
  if (!existsSync(outboxFile())) return [];
  return (JSON.parse(readFileSync(outboxFile(), 'utf8')) as { alerts: never[] }).alerts;
}

describe('a kiosk SIGKILLed before its face-check alert reached the outbox file', () => {
  it('paused: started again, it tells the hub of the pause, once', async () => {
    const kioskId = test.shop.config.kioskId;
    proxy.fate = 'held back';
    const kiosk = await startKiosk();
    const socket = await KioskSocket.open(kiosk.url);
    outboxDiskFull();
    await refusedLooks(kiosk, socket, till, 301, faceTriesPerPaymentMax);
    await refusedLooks(kiosk, socket, till, 302, faceLooksFailedInARowMax - faceTriesPerPaymentMax);
    expect(await faceChecksPaused(socket)).toBe(true);
    // The outbox could not keep it, and the hub never had it.
    expect(alertsInOutboxFile()).toEqual([]);
    socket.close();
    await killKioskProcess(kiosk);
    expect((await test.admin.listKioskAlerts(kioskId)).items).toEqual([]);

    outboxWritable();
    proxy.fate = 'passed';
    // Listening means the first round has run: the outbox was sent then.
    const again = await startKiosk();
    const alerts = (await test.admin.listKioskAlerts(kioskId)).items;
    expect(alerts).toMatchObject([
      { type: 'face_checks_paused', failedLooksInARow: faceLooksFailedInARowMax, kioskId },
    ]);
    // A second restart sends nothing more: the hub still has the pause once.
    await killKioskProcess(again);
    const third = await startKiosk();
    expect((await test.admin.listKioskAlerts(kioskId)).items).toHaveLength(1);
    await killKioskProcess(third);
  }, 120_000);

  it('resumed by staff: started again, it tells the hub of the resume, once', async () => {
    const kioskId = test.shop.config.kioskId;
    proxy.fate = 'held back';
    const kiosk = await startKiosk();
    const socket = await KioskSocket.open(kiosk.url);
    expect(await faceChecksPaused(socket)).toBe(true);
    outboxDiskFull();
    expect(
      await socket.call('operatorUnlock', { pin: test.shop.config.operatorPin }),
    ).toMatchObject({ ok: true });
    expect(await socket.call('operatorResumeFaceChecks', {})).toMatchObject({ ok: true });
    expect(await faceChecksPaused(socket)).toBe(false);
    socket.close();
    await killKioskProcess(kiosk);

    outboxWritable();
    proxy.fate = 'passed';
    const again = await startKiosk();
    const alerts = (await test.admin.listKioskAlerts(kioskId)).items;
    // Newest first.
    expect(alerts.map((alert) => alert.type)).toEqual([
      'face_checks_resumed',
      'face_checks_paused',
    ]);
    expect(alerts[0]).toMatchObject({ failedLooksInARow: faceLooksFailedInARowMax });
    await killKioskProcess(again);
  }, 120_000);
});
