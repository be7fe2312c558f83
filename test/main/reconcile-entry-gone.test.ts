// Reconcile walks the lost hold requests as they were when it started; one taken off the list while it waits
// on the hub for an earlier one (a payment in flight then, told paid meanwhile) is skipped, never asserted
// on: before, that round threw and the earlier one's refund was never reported.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HubLink } from '../../src/main/hub-link.ts';
import { paymentAuthorizationLifetimeMs } from '../../src/shared/limits.ts';
import { syntheticFace } from '../hub/helpers.ts';
import type { KioskTestHub } from './kiosk-test-hub.ts';
import { closeKioskTestHub, isPostTo } from './kiosk-test-hub.ts';
import { pay, shopKiosk, startShopWithShopper } from './shop-fixture.ts';

const face = syntheticFace();
/** The hub's and the kiosk's clock: moves forward only (the hub's rate limiter counts on it). */
const clock = { offsetMs: 0, now: () => Date.now() + clock.offsetMs };
let test: KioskTestHub;
const links: HubLink[] = [];

beforeAll(async () => {
  test = await startShopWithShopper({
    prefix: 'facepay-reconcile-entry-gone-',
    adminToken: `admin-${randomBytes(12).toString('hex')}`,
    clock,
    face,
  });
}, 60_000);

afterAll(async () => {
  for (const link of links) link.dispose();
  await closeKioskTestHub(test);
});

function later() {
  let settle = () => {};
  const promise = new Promise<void>((resolve) => (settle = resolve));
  return { promise, settle };
}

/**
 * The real hub behind a network that loses the answer to the first hold request (placed all the same),
 * holds the second one back until the third (reconcile asking again for the first) arrives, and holds that
 * third one back until `secondTold` settles: the second payment is told paid while reconcile waits.
 */
function networkInterleaving() {
  const secondSent = later();
  const secondGoes = later();
  const secondTold = later();
  let holdRequests = 0;
  const network: typeof fetch = async (input, init) => {
    if (!isPostTo('/v1/holds', input, init)) return fetch(input, init);
    holdRequests += 1;
    if (holdRequests === 1) {
      await fetch(input, init);
      throw new TypeError('the answer was lost');
    }
    if (holdRequests === 2) {
      secondSent.settle();
      await secondGoes.promise;
    } else if (holdRequests === 3) {
      secondGoes.settle();
      await secondTold.promise;
    }
    return fetch(input, init);
  };
  return { network, secondSent, secondTold };
}

describe('a lost request taken off the list while reconcile waits on an earlier one', () => {
  it('is skipped: the round reports the earlier refund, and the payment told paid stays paid', async () => {
    const { network, secondSent, secondTold } = networkInterleaving();
    const { service, link } = await shopKiosk({
      test,
      clock,
      network,
      pendingHoldsFile: path.join(test.work, 'pending-holds.json'),
    });
    links.push(link);
    const before = (await test.admin.getAccount('shopper')).balance;
    const lost = await pay(service, face, 300);
    expect(lost.answer).toMatchObject({ ok: false, error: { code: 'hub_unreachable' } });
    clock.offsetMs += paymentAuthorizationLifetimeMs + 15_000;
    service.setHubState('reachable'); // the runtime's health round found the hub again
    // The next payment's hold request is on its way (on the list) as reconcile starts.
    const paying = pay(service, face, 200);
    await secondSent.promise;
    const reconciling = service.reconcile();
    const paid = await paying;
    expect(paid.answer).toMatchObject({ ok: true, payment: { state: 'paid' } });
    secondTold.settle();
    expect(await reconciling).toEqual({
      refunded: [lost.paymentId],
      released: [],
      notPlaced: [],
      unresolved: [],
    });
    expect((await test.admin.getAccount('shopper')).balance).toBe(before - 200);
    expect(service.tillPayment(paid.paymentId)).toMatchObject({ state: 'paid' });
  });
});
