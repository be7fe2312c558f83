// A kiosk SIGKILLed right after it paused face checks, before its hub heard of it: the alert was written to
// kiosk-alerts.json beside the device keys before any send, so the kiosk started again on the same folder
// delivers it, and the hub records it exactly once. The node process that holds the kiosk service is killed.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KioskStatus } from '../../src/shared/kiosk-api.ts';
import { faceLooksFailedInARowMax, faceTriesPerPaymentMax } from '../../src/shared/limits.ts';
import { assertNoProcessLeft } from '../hub/process.ts';
import { syntheticFace } from '../hub/helpers.ts';
import { startHoldingProxy, type HoldingProxy } from './holding-proxy.ts';
import {
  blankRenderer,
  killKioskProcess,
  killKioskProcessesLeft,
  KioskSocket,
  startKioskProcess,
  type KioskProcess,
} from './kiosk-process.ts';
import { closeKioskTestHub, type KioskTestHub } from './kiosk-test-hub.ts';
import { startShopWithShopper } from './shop-fixture.ts';

const adminToken = `admin-${randomBytes(12).toString('hex')}`;
const clock = { offsetMs: 0, now: () => Date.now() + clock.offsetMs };

let test: KioskTestHub;
let proxy: HoldingProxy;
let rendererDir: string;
/** While on, the proxy answers every alert itself with a 503: the hub never sees one. */
const alertsHeldBack = { on: true };

beforeAll(async () => {
  test = await startShopWithShopper({
    prefix: 'facepay-kiosk-alerts-crash-',
    adminToken,
    clock,
    face: syntheticFace(),
  });
  proxy = await startHoldingProxy(test.hub.url, {
    answerHere: (method, url) =>
      alertsHeldBack.on && method === 'POST' && new URL(url).pathname.endsWith('/alerts')
        ? new Response('held back by the test', { status: 503 })
        : undefined,
  });
  rendererDir = blankRenderer(test.work);
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

/** The till asks the kiosk for `amount`, the face session refuses `looks` faces, and it is cancelled. */
async function refusedLooks(
  kiosk: KioskProcess,
  socket: KioskSocket,
  amount: number,
  looks: number,
) {
  const response = await fetch(`${kiosk.url}/kiosk/v1/payment-requests`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${test.shop.tillToken}`,
      'content-type': 'application/json',
    },
    body: JSON.stringify({ amount, reference: `alerts-crash-${amount}` }),
  });
  expect(response.status).toBe(201);
  const paymentId = ((await response.json()) as { payment: { id: string } }).payment.id;
  for (let look = 0; look < looks; look += 1)
    expect(await socket.call('reportFaceRefused', { paymentId })).toMatchObject({ ok: true });
  expect(await socket.call('cancel', { paymentId })).toMatchObject({ ok: true });
}

async function faceChecksPaused(socket: KioskSocket): Promise<boolean> {
  const answer = await socket.call<{ status: KioskStatus }>('status', {});
  if (!answer.ok) throw new Error(answer.error.message);
  return answer.status.faceChecksPaused;
}

function waitingAlerts(): Array<{ type: string }> {
  const file = path.join(test.shop.config.keysDir, 'kiosk-alerts.json');
  return (JSON.parse(readFileSync(file, 'utf8')) as { alerts: Array<{ type: string }> }).alerts;
}

describe('a kiosk process SIGKILLed right after it paused face checks', () => {
  it('started again on the same folder, it delivers the pause alert, and the hub records it exactly once', async () => {
    const kioskId = test.shop.config.kioskId;
    const kiosk = await startKiosk();
    const socket = await KioskSocket.open(kiosk.url);
    await refusedLooks(kiosk, socket, 101, faceTriesPerPaymentMax);
    await refusedLooks(kiosk, socket, 102, faceLooksFailedInARowMax - faceTriesPerPaymentMax);
    expect(await faceChecksPaused(socket)).toBe(true);
    expect(waitingAlerts()).toMatchObject([{ type: 'face_checks_paused' }]);

    socket.close();
    await killKioskProcess(kiosk);
    expect((await test.admin.listKioskAlerts(kioskId)).items).toEqual([]);

    alertsHeldBack.on = false;
    // Listening means the first round has run: the outbox was sent then.
    const again = await startKiosk();
    expect(waitingAlerts()).toEqual([]);
    const alerts = (await test.admin.listKioskAlerts(kioskId)).items;
    expect(alerts).toMatchObject([
      { type: 'face_checks_paused', failedLooksInARow: faceLooksFailedInARowMax, kioskId },
    ]);
    await killKioskProcess(again);
  }, 120_000);
});
