// A lost payment whose hold changes between reconcile's read and its refund (the shop's back office refunds
// part of it at the hub meanwhile): the kiosk's next round reads the hold again and refunds what is left.
//
// Found in review (helper-65): 183bb57 treats a first refusal as such a race, "read again next round", but
// KioskService.#giveBack refunds under one Idempotency-Key per payment (`kiosk-<kiosk>-<payment>-refund`)
// whatever the amount. The hub stores the refusal (exceeds_refundable) under that key, so the next round's
// refund of the amount left, under the same key with another body, is refused (idempotency_key_reused) at
// every round until the hub prunes the key (a day or more): the shopper waits, and staff see a refusal
// they cannot clear. Fixed with a key per amount (#giveBack), safe since each round reads the hold first.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { HubLink } from '../../src/main/hub-link.ts';
import { paymentAuthorizationLifetimeMs, reconcileMarginMs } from '../../src/shared/limits.ts';
import { syntheticFace } from '../hub/helpers.ts';
import type { KioskTestHub } from './kiosk-test-hub.ts';
import { closeKioskTestHub, isPostTo } from './kiosk-test-hub.ts';
import { pay, shopKiosk, startShopWithShopper } from './shop-fixture.ts';

const adminToken = `admin-${randomBytes(12).toString('hex')}`;
const face = syntheticFace();
/** The hub's and the kiosk's clock: moves forward only (the hub's rate limiter counts on it). */
const clock = { offsetMs: 0, now: () => Date.now() + clock.offsetMs };

let test: KioskTestHub;
const links: HubLink[] = [];

beforeAll(async () => {
  test = await startShopWithShopper({ prefix: 'facepay-refund-race-', adminToken, clock, face });
}, 60_000);

afterEach(() => {
  for (const link of links.splice(0)) link.dispose();
});

afterAll(async () => {
  await closeKioskTestHub(test);
});

const balance = async () => (await test.admin.getAccount('shopper')).balance;
const nothing = { refunded: [], released: [], notPlaced: [], unresolved: [] };
const isRefund = (input: Parameters<typeof fetch>[0], init?: RequestInit) =>
  init?.method === 'POST' &&
  /^\/v1\/holds\/[^/]+\/refunds$/.test(
    new URL(String(input instanceof Request ? input.url : input)).pathname,
  );

describe('a lost payment refunded in part at the hub while reconcile refunds it', () => {
  it('refunds what is left at a later round', async () => {
    const network = { loseHoldAnswer: true, backOfficeRefunds: 0 };
    const fetchThrough: typeof fetch = async (input, init) => {
      if (isPostTo('/v1/holds', input, init) && network.loseHoldAnswer) {
        network.loseHoldAnswer = false;
        await fetch(input, init);
        throw new TypeError('connection reset');
      }
      if (isRefund(input, init) && network.backOfficeRefunds > 0) {
        // The back office refunds part of the purchase at the hub just before the kiosk's refund arrives.
        const holdId = new URL(String(input)).pathname.split('/')[3] ?? '';
        const amount = network.backOfficeRefunds;
        network.backOfficeRefunds = 0;
        await test.admin.refundHold(holdId, { amount }, `back-office-${holdId}`);
      }
      return fetch(input, init);
    };
    const { service, link } = await shopKiosk({
      test,
      clock,
      network: fetchThrough,
      pendingHoldsFile: path.join(test.work, 'pending-refund-race.json'),
    });
    links.push(link);
    const before = await balance();
    // Paid, but the answer was lost: the shopper was told nothing was taken.
    const { paymentId, answer } = await pay(service, face, 800);
    expect(answer).toMatchObject({ ok: false, error: { code: 'hub_unreachable' } });
    expect(await balance()).toBe(before - 800);
    clock.offsetMs += paymentAuthorizationLifetimeMs + reconcileMarginMs + 5_000;

    // Round 1 read 800 refundable; 300 is refunded at the hub before its refund of 800 arrives.
    network.backOfficeRefunds = 300;
    expect(await service.reconcile()).toEqual(nothing);
    expect(await balance()).toBe(before - 500);
    // The next rounds read the hold again (500 left) and refund it.
    let refunded = false;
    for (let round = 0; round < 3 && !refunded; round += 1) {
      refunded = (await service.reconcile()).refunded.includes(paymentId);
    }
    expect(await balance()).toBe(before);
    expect(service.status().paymentsToCheck).toEqual([]);
  });
});
