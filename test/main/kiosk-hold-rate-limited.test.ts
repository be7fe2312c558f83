// A hold request answered 429 while the shopper pays (the hub's rate limiter, or a gateway in front of it) was
// not placed: the shopper gets a way out that works, back to the face step under a new attempt, and pays once.
//
// Found in review: the 429 kept the payment at the PIN step as retryable, but the authorization it carried was
// spent (single use) and a PIN typed again was refused 403 identification_required, the face step answered
// payment_not_ready: the shopper was stuck until the payment timed out (no money moved).
//
// The throttled request is kept for reconcile (pending-holds, under <payment>-throttled-N): a gateway that
// forwards the request and then answers 429 itself leaves a hold the hub settled, which only reconcile gives
// back. Found in review: it was dropped, resting on "a 429 was never run", and the shopper paid twice, unseen.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { HubLink } from '../../src/main/hub-link.ts';
import type { KioskService } from '../../src/main/kiosk-service.ts';
import { paymentAuthorizationLifetimeMs, reconcileMarginMs } from '../../src/shared/limits.ts';
import { syntheticFace } from '../hub/helpers.ts';
import type { KioskTestHub } from './kiosk-test-hub.ts';
import { closeKioskTestHub, isPostTo, memberPin, modelId, sameFaceAs } from './kiosk-test-hub.ts';
import { pay, shopKiosk, startShopWithShopper } from './shop-fixture.ts';

const adminToken = `admin-${randomBytes(12).toString('hex')}`;
const face = syntheticFace();
/** The hub's and the kiosk's clock: moves forward only (the hub's rate limiter counts on it). */
const clock = { offsetMs: 0, now: () => Date.now() + clock.offsetMs };
const liveness = { passed: true, score: 0.99, checks: ['passive_texture_live', 'blink'] };

let test: KioskTestHub;
const links: HubLink[] = [];

beforeAll(async () => {
  test = await startShopWithShopper({ prefix: 'facepay-hold-429-', adminToken, clock, face });
}, 60_000);

afterEach(() => {
  for (const link of links.splice(0)) link.dispose();
});

afterAll(async () => {
  await closeKioskTestHub(test);
});

/** A network whose gateway answers the first hold request itself with its own 429: the hub never sees it. */
function networkThrottlingFirstHold() {
  const sent: string[] = [];
  let throttled = false;
  const network: typeof fetch = async (input, init) => {
    if (isPostTo('/v1/holds', input, init)) {
      sent.push(new Headers(init?.headers).get('idempotency-key') ?? '');
      if (!throttled) {
        throttled = true;
        return Response.json({ message: 'API rate limit exceeded' }, { status: 429 });
      }
    }
    return fetch(input, init);
  };
  return { network, sent };
}

const balance = async () => (await test.admin.getAccount('shopper')).balance;

async function kiosk(name: string, network: typeof fetch): Promise<KioskService> {
  const pendingHoldsFile = path.join(test.work, `pending-${name}.json`);
  const { service, link } = await shopKiosk({ test, clock, network, pendingHoldsFile });
  links.push(link);
  return service;
}

describe('a hold request answered 429 while the shopper pays', () => {
  it('sends the payment back to the face step, keeps the throttled request for reconcile only, and the retry pays once under a new key', async () => {
    const { network, sent } = networkThrottlingFirstHold();
    const service = await kiosk('throttled', network);
    const before = await balance();
    const { paymentId, answer } = await pay(service, face, 730);
    expect(answer).toMatchObject({ ok: false, error: { code: 'rate_limited' } });
    // Not placed: nothing moved, nothing for staff. The throttled request waits for reconcile to ask the hub
    // (a gateway may have forwarded it before its 429: below).
    expect(await balance()).toBe(before);
    expect(service.status().lostPaymentsWaiting).toBe(1);
    expect(service.status().paymentsToCheck).toEqual([]);
    // Still the same payment (the till reads it back by its id), open at the face step.
    expect(service.status().payment).toMatchObject({
      id: paymentId,
      state: 'waiting_for_face',
      displayNameMasked: null,
      pinRequired: false,
    });
    const descriptor = Array.from(sameFaceAs(face));
    const identified = await service.handlers.identify({
      paymentId,
      modelId,
      descriptor,
      liveness,
    });
    expect(identified).toMatchObject({ ok: true, payment: { state: 'confirming' } });
    await service.handlers.confirm({ paymentId });
    const paid = await service.handlers.confirm({ paymentId, pin: memberPin });
    expect(paid).toMatchObject({ ok: true, payment: { id: paymentId, state: 'paid' } });
    expect(await balance()).toBe(before - 730);
    expect(service.tillPayment(paymentId)).toMatchObject({ state: 'paid' });
    // The retry is a new attempt: its own key, never the throttled request's.
    expect(sent).toHaveLength(2);
    expect(new Set(sent).size).toBe(2);
    expect(sent.every((key) => key.startsWith('kiosk-'))).toBe(true);
    expect(await service.reconcile()).toEqual({
      refunded: [],
      released: [],
      notPlaced: [],
      unresolved: [],
    });
  });
});

/**
 * A gateway that answers the first hold request with its own 429: `forwardFirst` after passing it to the
 * hub (which runs it), else without (the hub never sees it, as a rate limiter in front of it does).
 */
function gatewayThrottlingFirstHold(forwardFirst: boolean) {
  let throttled = false;
  const network: typeof fetch = async (input, init) => {
    if (isPostTo('/v1/holds', input, init) && !throttled) {
      throttled = true;
      if (forwardFirst) await fetch(input, init);
      return Response.json({ message: 'API rate limit exceeded' }, { status: 429 });
    }
    return fetch(input, init);
  };
  return network;
}

/** After the 429 the same payment is back at the face step: the shopper pays it again, face and PIN. */
async function payAgain(service: KioskService, paymentId: string): Promise<void> {
  const descriptor = Array.from(sameFaceAs(face));
  await service.handlers.identify({ paymentId, modelId, descriptor, liveness });
  await service.handlers.confirm({ paymentId });
  const paid = await service.handlers.confirm({ paymentId, pin: memberPin });
  expect(paid).toMatchObject({ ok: true, payment: { id: paymentId, state: 'paid' } });
}

/** Past the throttled request's authorization: reconcile asks the hub about it. */
function pastTheAuthorization(): void {
  clock.offsetMs += paymentAuthorizationLifetimeMs + reconcileMarginMs + 1_000;
}

describe('a hold request a gateway answered 429', () => {
  it('after forwarding it to the hub: reconcile refunds the throttled attempt, the shopper pays once', async () => {
    const service = await kiosk('forwarded', gatewayThrottlingFirstHold(true));
    const before = await balance();
    const { paymentId, answer } = await pay(service, face, 640);
    expect(answer).toMatchObject({ ok: false, error: { code: 'rate_limited' } });
    // The hub ran it: the first attempt took the money, which the shopper was told it did not.
    expect(await balance()).toBe(before - 640);
    await payAgain(service, paymentId);
    expect(await balance()).toBe(before - 1_280);

    pastTheAuthorization();
    const rounds = await service.reconcile();
    expect(rounds.refunded).toHaveLength(1);
    expect(rounds.refunded[0]).toContain(paymentId);
    expect(await balance()).toBe(before - 640);
    expect(service.status().lostPaymentsWaiting).toBe(0);
    expect(service.status().paymentsToCheck).toEqual([]);
    // The paid attempt stays paid for the till; nothing more is given back at the next round.
    expect(service.tillPayment(paymentId)).toMatchObject({ state: 'paid' });
    expect(await service.reconcile()).toEqual({
      refunded: [],
      released: [],
      notPlaced: [],
      unresolved: [],
    });
    expect(await balance()).toBe(before - 640);
  });

  it('without forwarding it: reconcile finds it never placed and forgets it, the shopper pays once', async () => {
    const service = await kiosk('held-back', gatewayThrottlingFirstHold(false));
    const before = await balance();
    const { paymentId, answer } = await pay(service, face, 520);
    expect(answer).toMatchObject({ ok: false, error: { code: 'rate_limited' } });
    await payAgain(service, paymentId);
    expect(await balance()).toBe(before - 520);

    pastTheAuthorization();
    const rounds = await service.reconcile();
    expect(rounds).toMatchObject({ refunded: [], released: [], unresolved: [] });
    expect(rounds.notPlaced).toHaveLength(1);
    expect(rounds.notPlaced[0]).toContain(paymentId);
    expect(await balance()).toBe(before - 520);
    expect(service.status().lostPaymentsWaiting).toBe(0);
    expect(service.status().paymentsToCheck).toEqual([]);
  });

  it('survives a restart: the throttled attempt is written down and given back by the next run', async () => {
    const network = gatewayThrottlingFirstHold(true);
    const first = await kiosk('restarted', network);
    const before = await balance();
    const { answer } = await pay(first, face, 410);
    expect(answer).toMatchObject({ ok: false, error: { code: 'rate_limited' } });
    expect(await balance()).toBe(before - 410);

    // The kiosk restarts on the same file before it gave the throttled attempt back.
    const second = await kiosk('restarted', network);
    pastTheAuthorization();
    const rounds = await second.reconcile();
    expect(rounds.refunded).toHaveLength(1);
    expect(await balance()).toBe(before);
  });
});
