// The till's payment requests under an Idempotency-Key, over the kiosk's real till API and a real hub: a till
// that lost the kiosk's 201 and asks again learns of the payment it opened (open, paid or cancelled) instead
// of being told "busy" with no id, or opening a second payment under the same reference once the first
// closed; the same key with another body is refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKioskHttp, type KioskHttpServer } from '../../src/main/kiosk-http.ts';
import type { HubLink } from '../../src/main/hub-link.ts';
import type { KioskService } from '../../src/main/kiosk-service.ts';
import { syntheticFace } from '../hub/helpers.ts';
import {
  closeKioskTestHub,
  memberPin,
  modelId,
  sameFaceAs,
  type KioskTestHub,
} from './kiosk-test-hub.ts';
import { runtimeOf, shopWithShopperAndKiosk } from './shop-fixture.ts';

const face = syntheticFace();
const clock = { offsetMs: 0, now: () => Date.now() + clock.offsetMs };

let test: KioskTestHub;
let service: KioskService;
let link: HubLink;
let http: KioskHttpServer;

beforeAll(async () => {
  ({ test, service, link } = await shopWithShopperAndKiosk({
    prefix: 'facepay-till-idempotency-',
    clock,
    face,
  }));
  http = await startKioskHttp({ runtime: runtimeOf(test.shop.config, service), port: 0 });
}, 60_000);

afterAll(async () => {
  await http?.close();
  link?.dispose();
  await closeKioskTestHub(test);
});

interface TillView {
  id: string;
  state: string;
  amount: number;
  reference: string;
  holdId: string | null;
}

/** The till's POST, with `key` as its Idempotency-Key (none when undefined). */
async function tillAsks(body: unknown, key?: string) {
  const response = await fetch(`${http.url}/kiosk/v1/payment-requests`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${test.shop.tillToken}`,
      'content-type': 'application/json',
      ...(key === undefined ? {} : { 'idempotency-key': key }),
    },
    body: JSON.stringify(body),
  });
  return {
    status: response.status,
    replayed: response.headers.get('idempotent-replayed'),
    body: (await response.json()) as { payment?: TillView; error?: { code: string } },
  };
}

async function tillCancels(paymentId: string) {
  const response = await fetch(`${http.url}/kiosk/v1/payment-requests/${paymentId}`, {
    method: 'DELETE',
    headers: { authorization: `Bearer ${test.shop.tillToken}` },
  });
  expect(response.status).toBe(200);
}

/** The shopper looks at the camera, taps OK and types the PIN. */
async function shopperPays(paymentId: string) {
  const descriptor = Array.from(sameFaceAs(face));
  const liveness = { passed: true, score: 0.99, checks: ['passive_texture_live', 'blink'] };
  expect(
    await service.handlers.identify({ paymentId, modelId, descriptor, liveness }),
  ).toMatchObject({ ok: true });
  expect(await service.handlers.confirm({ paymentId })).toMatchObject({ ok: true });
  expect(await service.handlers.confirm({ paymentId, pin: memberPin })).toMatchObject({
    ok: true,
    payment: { state: 'paid' },
  });
}

describe("the till's payment request under an Idempotency-Key", () => {
  it('asked again while open: the same payment, replayed, and no second one', async () => {
    const order = { amount: 700, reference: 'order-700' };
    const first = await tillAsks(order, 'till-order-700');
    expect(first).toMatchObject({ status: 201, replayed: null });
    const again = await tillAsks(order, 'till-order-700');
    expect(again).toMatchObject({
      status: 201,
      replayed: 'true',
      body: { payment: { id: first.body.payment?.id, state: 'waiting_for_face', amount: 700 } },
    });
    // Without a key it is a new request, refused while this one is open.
    expect(await tillAsks(order)).toMatchObject({
      status: 409,
      body: { error: { code: 'kiosk_busy' } },
    });
    await tillCancels(first.body.payment?.id ?? '');
  });

  it('asked again after the shopper paid: the paid payment with its hold, and nothing opens or is taken again', async () => {
    const order = { amount: 640, reference: 'order-640' };
    const first = await tillAsks(order, 'till-order-640');
    const paymentId = first.body.payment?.id ?? '';
    await shopperPays(paymentId);
    const before = (await test.admin.getAccount('shopper')).balance;
    const again = await tillAsks(order, 'till-order-640');
    expect(again).toMatchObject({
      status: 201,
      replayed: 'true',
      body: { payment: { id: paymentId, state: 'paid', holdId: expect.stringMatching(/^hold_/) } },
    });
    expect(service.status().payment).toBeNull();
    expect((await test.admin.getAccount('shopper')).balance).toBe(before);
  });

  it('asked again after the till cancelled it: the cancelled payment, not a new one', async () => {
    const order = { amount: 300, reference: 'order-300' };
    const first = await tillAsks(order, 'till-order-300');
    await tillCancels(first.body.payment?.id ?? '');
    const again = await tillAsks(order, 'till-order-300');
    expect(again).toMatchObject({
      status: 201,
      replayed: 'true',
      body: { payment: { id: first.body.payment?.id, state: 'cancelled' } },
    });
    expect(service.status().payment).toBeNull();
  });

  it('the same key with another amount or reference is refused, and opens nothing', async () => {
    const first = await tillAsks({ amount: 500, reference: 'order-500' }, 'till-order-500');
    await tillCancels(first.body.payment?.id ?? '');
    for (const other of [
      { amount: 5_000, reference: 'order-500' },
      { amount: 500, reference: 'order-501' },
      { amount: 500, reference: 'order-500', category: 'food.groceries' },
    ]) {
      expect(await tillAsks(other, 'till-order-500')).toMatchObject({
        status: 409,
        body: { error: { code: 'idempotency_key_reused' } },
      });
    }
    expect(service.status().payment).toBeNull();
  });

  it('a key that is empty or longer than 255 characters is refused before anything opens', async () => {
    for (const key of ['', 'k'.repeat(256)]) {
      expect(await tillAsks({ amount: 200, reference: 'order-200' }, key)).toMatchObject({
        status: 400,
        body: { error: { code: 'invalid_request' } },
      });
    }
    expect(service.status().payment).toBeNull();
  });
});
