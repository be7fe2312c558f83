// A hold request whose answer the kiosk cannot tell as paid (a buggy hub or gateway answers another hold
// than the one asked for, or the kiosk's own code throws telling it): the payment closes failed, never left
// open for the idle timeout to tell the till "cancelled", and reconcile gives back what the hub took.
import { afterAll, describe, expect, it, vi } from 'vitest';
import type { HubLink } from '../../src/main/hub-link.ts';
import type { KioskService } from '../../src/main/kiosk-service.ts';
import { kioskPaymentIdleMsMax, paymentAuthorizationLifetimeMs } from '../../src/shared/limits.ts';
import { networkChangingHoldAnswer } from './kiosk-test-hub.ts';
import { pay, shopKiosk } from './shop-fixture.ts';
import { useShopWithShopper } from './shop-per-file.ts';

/** clock: the hub's and the kiosk's, moved forward only (the hub's rate limiter counts on it). */
const { face, clock, hub, stateFolder } = useShopWithShopper('facepay-hold-answer-unexpected-');
const pastAuthorizations = () => (clock.offsetMs += paymentAuthorizationLifetimeMs + 15_000);
const nothing = { refunded: [], released: [], notPlaced: [], unresolved: [] };

const links: HubLink[] = [];
afterAll(() => {
  for (const link of links) link.dispose();
});

const balance = async () => (await hub().admin.getAccount('shopper')).balance;

/** The shop's kiosk on `files` (its own folder's pending holds and, when told, the till's requests on disk). */
async function kiosk(
  network: typeof fetch,
  files: { pendingHoldsFile: string; tillRequestsFile?: string },
): Promise<KioskService> {
  const { service, link } = await shopKiosk({ test: hub(), clock, network, ...files });
  links.push(link);
  return service;
}

/**
 * The runtime's idle tick after kioskPaymentIdleMsMax of the machine's elapsed time (performance.now, which
 * fake timers start again from 0: moved past the real reading first).
 */
function idleTimeoutPasses(service: KioskService): void {
  const realMs = performance.now();
  vi.useFakeTimers({ toFake: ['performance'] });
  try {
    vi.advanceTimersByTime(realMs + kioskPaymentIdleMsMax + 1_000);
    service.expireIdle();
  } finally {
    vi.useRealTimers();
  }
}

describe('a purchase hold answered as another hold than the one asked for', () => {
  it('closes the payment failed, could not be confirmed, and reconcile refunds what the hub took', async () => {
    const { pendingHoldsFile } = stateFolder('active');
    const service = await kiosk(networkChangingHoldAnswer({ status: 'active', settled: 0 }), {
      pendingHoldsFile,
    });
    const before = await balance();
    const { paymentId, answer } = await pay(service, face, 640);
    expect(answer).toMatchObject({ ok: false, error: { code: 'internal' } });
    // The hub did settle the real purchase.
    expect(await balance()).toBe(before - 640);
    // The till and the screen: failed, the request sent (never "cancelled", never "nothing taken").
    expect(service.tillPayment(paymentId)).toMatchObject({
      state: 'failed',
      failure: 'internal',
      holdRequestSent: true,
    });
    // Closed: the kiosk takes the next payment (an open one would answer kiosk_busy).
    const next = service.requestFromTill({ amount: 10, reference: 'next-order' });
    expect(next).toMatchObject({ ok: true, payment: { state: 'waiting_for_face' } });
    if (next.ok) service.cancelFromTill(next.payment.id);
    pastAuthorizations();
    expect(await service.reconcile()).toEqual({ ...nothing, refunded: [paymentId] });
    expect(await balance()).toBe(before);
    expect(service.tillPayment(paymentId)).toMatchObject({ state: 'failed', failure: 'internal' });
  });

  it('for another amount too: nothing is told paid that the hub did not take as asked', async () => {
    const { pendingHoldsFile } = stateFolder('amount');
    const service = await kiosk(networkChangingHoldAnswer({ amount: 1 }), { pendingHoldsFile });
    const before = await balance();
    const { paymentId, answer } = await pay(service, face, 320);
    expect(answer).toMatchObject({ ok: false, error: { code: 'internal' } });
    expect(service.tillPayment(paymentId)).toMatchObject({
      state: 'failed',
      holdRequestSent: true,
    });
    pastAuthorizations();
    expect(await service.reconcile()).toEqual({ ...nothing, refunded: [paymentId] });
    expect(await balance()).toBe(before);
  });
});

describe('a listener that throws as the payment is told', () => {
  it('at paid: the payment stays paid and closed, its lost-hold entry goes, nothing is refunded', async () => {
    const files = stateFolder('listener-paid');
    const service = await kiosk(fetch, files);
    service.subscribe((event) => {
      if (event.type === 'payment' && event.payment.state === 'paid') {
        throw new Error('a screen that failed to draw the receipt');
      }
    });
    const before = await balance();
    const { paymentId, answer } = await pay(service, face, 210);
    expect(answer).toMatchObject({ ok: true, payment: { id: paymentId, state: 'paid' } });
    expect(service.tillPayment(paymentId)).toMatchObject({ state: 'paid' });
    expect(await balance()).toBe(before - 210);
    // Closed: the idle timeout does not tell the till "cancelled" ...
    idleTimeoutPasses(service);
    expect(service.tillPayment(paymentId)).toMatchObject({ state: 'paid' });
    // ... and the till's next payment opens (an open one would answer kiosk_busy).
    const next = service.requestFromTill({ amount: 10, reference: 'after-paid' });
    expect(next).toMatchObject({ ok: true, payment: { state: 'waiting_for_face' } });
    if (next.ok) service.cancelFromTill(next.payment.id);
    // The till's record on disk says paid: a restarted kiosk answers the till so.
    const restarted = await kiosk(fetch, files);
    expect(restarted.tillPayment(paymentId)).toMatchObject({ state: 'paid' });
    pastAuthorizations();
    expect(await service.reconcile()).toEqual(nothing);
    expect(await restarted.reconcile()).toEqual(nothing);
    expect(await balance()).toBe(before - 210);
  });

  it('before the request leaves (a listener throws at "request sent"): failed, could not be confirmed, reconcile finds nothing placed', async () => {
    const { pendingHoldsFile } = stateFolder('listener-sent');
    const service = await kiosk(fetch, { pendingHoldsFile });
    let thrown = false;
    service.subscribe((event) => {
      // Once: at the change that says the hold request is going out.
      if (!thrown && event.type === 'payment' && event.payment.holdRequestSent) {
        thrown = true;
        throw new Error('a screen that failed to draw "paying"');
      }
    });
    const before = await balance();
    const { paymentId, answer } = await pay(service, face, 150);
    expect(answer).toMatchObject({ ok: false, error: { code: 'internal' } });
    expect(service.tillPayment(paymentId)).toMatchObject({
      state: 'failed',
      failure: 'internal',
      holdRequestSent: true,
    });
    pastAuthorizations();
    // The request never went out (the listener threw before it): nothing to give back.
    expect(await service.reconcile()).toEqual({ ...nothing, notPlaced: [paymentId] });
    expect(await balance()).toBe(before);
  });
});
