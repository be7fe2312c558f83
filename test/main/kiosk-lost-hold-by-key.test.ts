// A shop kiosk's lost hold request, reconciled after the hub was out of reach for longer than it keeps
// stored answers: the kiosk asks the hub for the hold by the request's Idempotency-Key, which the hold keeps.
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KioskService } from '../../src/main/kiosk-service.ts';
import { syntheticFace } from '../hub/helpers.ts';
import type { KioskTestHub } from './kiosk-test-hub.ts';
import {
  closeKioskTestHub,
  isPostTo,
  networkLosingFirstAnswer,
  networkToOlderHub,
  twoDaysLater as hubPrunedTwoDaysLater,
} from './kiosk-test-hub.ts';
import { pay as shopperPays, shopKiosk, startShopWithShopper } from './shop-fixture.ts';

const adminToken = `admin-${randomBytes(12).toString('hex')}`;
const face = syntheticFace();
/** The hub's and the kiosks' clock: moves forward only (the hub's rate limiter counts on it). */
const clock = { offsetMs: 0, now: () => Date.now() + clock.offsetMs };

let test: KioskTestHub;

beforeAll(async () => {
  test = await startShopWithShopper({
    prefix: 'facepay-lost-hold-by-key-',
    adminToken,
    clock,
    face,
  });
}, 60_000);

afterAll(async () => {
  await closeKioskTestHub(test);
});

/**
 * The shop's kiosk behind `network`, keeping its lost hold requests in `file` (under the test's folder);
 * `now`: the kiosk service's clock (its hub link seals by the hub's).
 */
async function kiosk(network: typeof fetch, file: string, now = clock.now) {
  const pendingHoldsFile = path.join(test.work, file);
  const { service, link } = await shopKiosk({ test, clock, network, pendingHoldsFile, now });
  return { service, link, pendingHoldsFile };
}

/** The shopper pays `amount` at `service` (face, OK, PIN); answers the payment's id and the answer. */
const pay = (service: KioskService, amount: number) => shopperPays(service, face, amount);

/** Two days without the hub: its clock moves past the answer retention and its hourly pruning runs. */
const twoDaysLater = () => hubPrunedTwoDaysLater(test, clock);

const balance = async () => (await test.admin.getAccount('shopper')).balance;
const nothing = { refunded: [], released: [], notPlaced: [], unresolved: [] };
const pendingIn = async (file: string) => JSON.parse(await readFile(file, 'utf8')) as unknown[];

describe('a lost hold request asked again after the hub pruned its stored answer', () => {
  it('is refunded when the hub placed it: found by its key, the shopper has their money back, no staff', async () => {
    const { service, link, pendingHoldsFile } = await kiosk(
      networkLosingFirstAnswer('/v1/holds'),
      'pending-placed.json',
    );
    const before = await balance();
    const { paymentId, answer } = await pay(service, 730);
    expect(answer).toMatchObject({ ok: false, error: { code: 'hub_unreachable' } });
    expect(await balance()).toBe(before - 730); // the hub did take it
    await twoDaysLater();
    expect(await service.reconcile()).toEqual({ ...nothing, refunded: [paymentId] });
    expect(await balance()).toBe(before);
    expect(service.status().paymentsToCheck).toEqual([]);
    expect(await pendingIn(pendingHoldsFile)).toEqual([]);
    expect(await service.reconcile()).toEqual(nothing);
    link.dispose();
  });

  it('is removed as never placed when it never reached the hub: no staff, nothing taken', async () => {
    let drop = true;
    const dropping: typeof fetch = async (input, init) => {
      if (drop && isPostTo('/v1/holds', input, init)) throw new TypeError('network is unreachable');
      return fetch(input, init);
    };
    const { service, link, pendingHoldsFile } = await kiosk(dropping, 'pending-never-sent.json');
    const before = await balance();
    const { paymentId, answer } = await pay(service, 420);
    expect(answer).toMatchObject({ ok: false, error: { code: 'hub_unreachable' } });
    drop = false;
    await twoDaysLater();
    expect(await service.reconcile()).toEqual({ ...nothing, notPlaced: [paymentId] });
    expect(service.status().paymentsToCheck).toEqual([]);
    expect(await pendingIn(pendingHoldsFile)).toEqual([]);
    expect(await balance()).toBe(before);
    link.dispose();
  });

  it('waits, neither removed nor for staff, while the lookup by key gets no answer', async () => {
    let cut = false;
    const lossy = networkLosingFirstAnswer('/v1/holds');
    const network: typeof fetch = async (input, init) => {
      const url = String(input instanceof Request ? input.url : input);
      if (cut && url.includes('idempotencyKey=')) throw new TypeError('socket hang up');
      return lossy(input, init);
    };
    const { service, link, pendingHoldsFile } = await kiosk(network, 'pending-lookup-lost.json');
    const before = await balance();
    const { paymentId } = await pay(service, 310);
    expect(await balance()).toBe(before - 310);
    await twoDaysLater();
    cut = true;
    expect(await service.reconcile()).toEqual(nothing);
    expect(service.status().paymentsToCheck).toEqual([]);
    expect(await pendingIn(pendingHoldsFile)).toHaveLength(1);
    cut = false;
    expect(await service.reconcile()).toEqual({ ...nothing, refunded: [paymentId] });
    expect(await balance()).toBe(before);
    link.dispose();
  });

  it('goes to staff when it was sent before the hub kept keys: finding none under its key proves nothing', async () => {
    // The hub began keeping keys when it started (its migration); by this kiosk's clock, a day behind,
    // the request went out before that. It never reached the hub, but the kiosk cannot know.
    const shift = clock.offsetMs + 24 * 3_600_000;
    let drop = true;
    const dropping: typeof fetch = async (input, init) => {
      if (drop && isPostTo('/v1/holds', input, init)) throw new TypeError('network is unreachable');
      return fetch(input, init);
    };
    const behind = () => clock.now() - shift;
    const { service, link, pendingHoldsFile } = await kiosk(
      dropping,
      'pending-before.json',
      behind,
    );
    const { paymentId, answer } = await pay(service, 260);
    expect(answer).toMatchObject({ ok: false, error: { code: 'hub_unreachable' } });
    drop = false;
    await twoDaysLater();
    expect(await service.reconcile()).toEqual({ ...nothing, unresolved: [paymentId] });
    expect(service.status().paymentsToCheck).toMatchObject([{ paymentId, amount: 260 }]);
    expect(await pendingIn(pendingHoldsFile)).toHaveLength(1);
    link.dispose();
  });

  it('goes to staff only when the hub has no lookup by key (an older hub): never written off', async () => {
    const { service, link, pendingHoldsFile } = await kiosk(
      networkToOlderHub(networkLosingFirstAnswer('/v1/holds')),
      'pending-older-hub.json',
    );
    const before = await balance();
    const { paymentId } = await pay(service, 530);
    expect(await balance()).toBe(before - 530);
    await twoDaysLater();
    expect(await service.reconcile()).toEqual({ ...nothing, unresolved: [paymentId] });
    expect(service.status().paymentsToCheck).toMatchObject([
      { paymentId, amount: 530, reference: 'order-530' },
    ]);
    expect(await pendingIn(pendingHoldsFile)).toHaveLength(1);
    expect(await balance()).toBe(before - 530);
    link.dispose();
  });
});
