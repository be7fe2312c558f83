// A kiosk whose face checks are paused must say so beyond the staff menu: the till's view of a payment
// carries `faceChecksPaused` (the cashier tells the shopper to use the member number, and staff to resume),
// and the service pushes a `faceChecks` event when the pause starts and when staff end it, so the idle
// screens (shop and clinic board) say it before anyone is sent to a camera that reads no face.
//
// A real hub; the till speaks to the kiosk's own HTTP server (kiosk-http.ts) with its bearer token.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KioskHttpServer } from '../../src/main/kiosk-http.ts';
import { startKioskHttp } from '../../src/main/kiosk-http.ts';
import type { HubLink } from '../../src/main/hub-link.ts';
import type { KioskService } from '../../src/main/kiosk-service.ts';
import type { KioskEvent } from '../../src/shared/kiosk-api.ts';
import { kioskEventSchema } from '../../src/shared/kiosk-api.ts';
import { faceLooksFailedInARowMax, faceTriesPerPaymentMax } from '../../src/shared/limits.ts';
import { syntheticFace } from '../hub/helpers.ts';
import type { KioskTestHub } from './kiosk-test-hub.ts';
import { closeKioskTestHub } from './kiosk-test-hub.ts';
import { runtimeOf, shopKiosk, startShopWithShopper } from './shop-fixture.ts';

const adminToken = `admin-${randomBytes(12).toString('hex')}`;
const clock = { offsetMs: 0, now: () => Date.now() + clock.offsetMs };

let test: KioskTestHub;
let link: HubLink;
let service: KioskService;
let http: KioskHttpServer;
/** Every faceChecks event the service pushed, in order. */
const pauseEvents: KioskEvent[] = [];

beforeAll(async () => {
  test = await startShopWithShopper({
    prefix: 'facepay-face-paused-till-',
    adminToken,
    clock,
    face: syntheticFace(),
  });
  const pendingHoldsFile = path.join(test.work, 'pending-paused-till.json');
  ({ service, link } = await shopKiosk({ test, clock, network: fetch, pendingHoldsFile }));
  service.subscribe((event) => {
    if (event.type === 'faceChecks') pauseEvents.push(event);
  });
  http = await startKioskHttp({ runtime: runtimeOf(test.shop.config, service), port: 0 });
}, 60_000);

afterAll(async () => {
  // The hub's alert of staff resuming may still be on its way: a request the hub answers while it closes
  // keeps its connection open (keep-alive) and the close waits for it.
  await service?.deliverAlerts();
  await http?.close();
  link?.dispose();
  if (test !== undefined) await closeKioskTestHub(test);
});

/** The till's call to the kiosk: its status and the payment it reads (the till's view). */
async function till(init: RequestInit, id = '') {
  const response = await fetch(`${http.url}/kiosk/v1/payment-requests${id}`, {
    ...init,
    headers: {
      authorization: `Bearer ${test.shop.tillToken}`,
      'content-type': 'application/json',
    },
  });
  const body = (await response.json()) as { payment: Record<string, unknown> };
  return { status: response.status, payment: body.payment };
}

const tillAsks = (amount: number) =>
  till({ method: 'POST', body: JSON.stringify({ amount, reference: `paused-${amount}` }) });

/** The face session refused `looks` faces on the till's payment (the renderer reports each); cancelled. */
async function refusedLooks(amount: number, looks: number): Promise<void> {
  const asked = await tillAsks(amount);
  expect(asked.status).toBe(201);
  const paymentId = String(asked.payment['id']);
  for (let look = 0; look < looks; look += 1)
    expect(await service.handlers.reportFaceRefused({ paymentId })).toMatchObject({ ok: true });
  expect(await service.handlers.cancel({ paymentId })).toMatchObject({ ok: true });
}

describe('face checks paused, seen by the till and by the idle screens', () => {
  it('the till reads faceChecksPaused on every payment, and the screens get one event as the pause starts and one as staff end it', async () => {
    const before = await tillAsks(201);
    expect(before).toMatchObject({ status: 201, payment: { faceChecksPaused: false } });
    const beforeId = String(before.payment['id']);
    expect(await service.handlers.cancel({ paymentId: beforeId })).toMatchObject({ ok: true });

    // One look short of the pause: nothing said yet.
    await refusedLooks(202, faceTriesPerPaymentMax);
    await refusedLooks(203, faceLooksFailedInARowMax - faceTriesPerPaymentMax - 1);
    expect(pauseEvents).toEqual([]);

    // The look that pauses: one event, valid as the renderer's schema reads it off the socket.
    await refusedLooks(204, 1);
    expect(pauseEvents).toEqual([{ type: 'faceChecks', paused: true }]);
    expect(kioskEventSchema.safeParse(pauseEvents[0]).success).toBe(true);

    const paused = await tillAsks(205);
    expect(paused).toMatchObject({
      status: 201,
      payment: { state: 'waiting_for_face', faceChecksPaused: true },
    });
    const pausedId = String(paused.payment['id']);
    // Read back (GET) and taken back (DELETE), the till still sees it.
    expect(await till({ method: 'GET' }, `/${pausedId}`)).toMatchObject({
      status: 200,
      payment: { id: pausedId, faceChecksPaused: true },
    });
    expect(await till({ method: 'DELETE' }, `/${pausedId}`)).toMatchObject({
      status: 200,
      payment: { id: pausedId, state: 'cancelled', faceChecksPaused: true },
    });
    // The till never reads the shopper's name, paused or not.
    expect(Object.keys(paused.payment).sort()).toEqual([
      'amount',
      'faceChecksPaused',
      'failure',
      'holdId',
      'id',
      'reference',
      'state',
    ]);

    // Staff resume: one event; resuming again (nothing paused) says nothing more.
    const pin = test.shop.config.operatorPin ?? '';
    expect(await service.handlers.operatorUnlock({ pin })).toMatchObject({ ok: true });
    expect(await service.handlers.operatorResumeFaceChecks({})).toMatchObject({ ok: true });
    expect(await service.handlers.operatorResumeFaceChecks({})).toMatchObject({ ok: true });
    expect(pauseEvents).toEqual([
      { type: 'faceChecks', paused: true },
      { type: 'faceChecks', paused: false },
    ]);
    const after = await tillAsks(206);
    expect(after).toMatchObject({ status: 201, payment: { faceChecksPaused: false } });
    expect(await service.handlers.cancel({ paymentId: String(after.payment['id']) })).toMatchObject(
      { ok: true },
    );
  }, 60_000);
});
