// Reconcile walks the lost hold requests as they were when it started; one taken off the list while it waits
// on the hub for an earlier one (a payment in flight then, told paid meanwhile) is skipped, never asserted
// on: before, that round threw and the earlier one's refund was never reported.
import { describe, expect, it } from 'vitest';
import { paymentAuthorizationLifetimeMs } from '../../src/shared/limits.ts';
import { isPostTo } from './kiosk-test-hub.ts';
import { pay, shopKiosk } from './shop-fixture.ts';
import { useShopWithShopper } from './shop-per-file.ts';

/** clock: the hub's and the kiosk's, moved forward only (the hub's rate limiter counts on it). */
const { face, clock, hub, stateFolder } = useShopWithShopper('facepay-reconcile-entry-gone-');

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
    const test = hub();
    const { pendingHoldsFile } = stateFolder('entry-gone');
    const { service, link } = await shopKiosk({ test, clock, network, pendingHoldsFile });
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
    link.dispose();
  });
});
