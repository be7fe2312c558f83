// A shop kiosk that stops (a crash, a power cut) while a purchase's hold request is on its way to the hub:
// the hub settles it and nobody hears so; the restarted kiosk must still find that hold and refund it.
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KioskService } from '../../src/main/kiosk-service.ts';
import { paymentAuthorizationLifetimeMs } from '../../src/shared/limits.ts';
import { syntheticFace } from '../hub/helpers.ts';
import type { KioskTestHub } from './kiosk-test-hub.ts';
import { closeKioskTestHub, networkHoldingBack } from './kiosk-test-hub.ts';
import { atPin as shopperAtPin, shopKiosk, startShopWithShopper } from './shop-fixture.ts';

const adminToken = `admin-${randomBytes(12).toString('hex')}`;
const face = syntheticFace();
/** Moves forward only (the hub's rate limiter counts on it): the test waits out an authorization. */
const clock = { offsetMs: 0, now: () => Date.now() + clock.offsetMs };

let test: KioskTestHub;

beforeAll(async () => {
  test = await startShopWithShopper({ prefix: 'facepay-shop-restart-', adminToken, clock, face });
}, 60_000);

afterAll(async () => {
  await closeKioskTestHub(test);
});

/**
 * The shop's kiosk behind `network`, keeping its lost hold requests in `pendingHoldsFile`; `now` is the
 * kiosk service's clock (its hub link seals by the hub's).
 */
function kiosk(network: typeof fetch, pendingHoldsFile: string, now = clock.now) {
  return shopKiosk({ test, clock, network, pendingHoldsFile, now });
}

/** The till asks for `amount`, the shopper's face is identified and they tap OK: the PIN is next. */
const atPin = (service: KioskService, amount: number) => shopperAtPin(service, face, amount);

const balance = async () => (await test.admin.getAccount('shopper')).balance;

describe('a kiosk stopped while a hold request is on its way', () => {
  it('refunds the purchase the hub settled after the restart: the shopper was never told they paid', async () => {
    const file = path.join(test.work, 'pending-holds.json');
    const before = await balance();
    const { network, arrived, release } = networkHoldingBack('/v1/holds');
    const first = await kiosk(network, file);
    const paymentId = await atPin(first.service, 730);
    const paying = first.service.handlers.confirm({ paymentId, pin: '4862' });
    await arrived;
    // The kiosk stops here; the one started on the same folder never hears the hub's answer.
    const restarted = await kiosk(fetch, file);
    release();
    await paying;
    first.link.dispose();
    expect(await balance()).toBe(before - 730); // the hub did take it
    expect(restarted.service.tillPayment(paymentId)).toBeNull();
    clock.offsetMs += paymentAuthorizationLifetimeMs + 15_000;
    expect(await restarted.service.reconcile()).toEqual({
      refunded: [paymentId],
      released: [],
      notPlaced: [],
      unresolved: [],
    });
    expect(await balance()).toBe(before);
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual([]);
    restarted.link.dispose();
  });
});

describe('a hold request on its way', () => {
  it('is not asked again by reconcile when the kiosk clock jumps past its authorization: the paid shopper keeps their receipt and the shop its money', async () => {
    const file = path.join(test.work, 'pending-in-flight.json');
    const jump = { ms: 0 };
    const { network, arrived, release } = networkHoldingBack('/v1/holds');
    const { service, link } = await kiosk(network, file, () => clock.now() + jump.ms);
    const before = await balance();
    const paymentId = await atPin(service, 410);
    const paying = service.handlers.confirm({ paymentId, pin: '4862' });
    await arrived;
    jump.ms = paymentAuthorizationLifetimeMs + 15_000; // NTP sets the kiosk clock forward
    const reconciling = service.reconcile();
    release();
    expect(await paying).toMatchObject({ ok: true, payment: { state: 'paid' } });
    expect(await reconciling).toEqual({
      refunded: [],
      released: [],
      notPlaced: [],
      unresolved: [],
    });
    expect(await balance()).toBe(before - 410);
    link.dispose();
  });
});
