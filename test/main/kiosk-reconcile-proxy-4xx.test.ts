// A hold request that a proxy forwarded to the hub and then answered itself with a 4xx (a 408 with an empty
// body, a 400 or 404 in its own JSON): the hub placed and settled the hold, so the kiosk must not take the
// answer for the hub's refusal; the payment stays for reconcile, which gives the money back.
//
// Found in review: outcomeUnknownOn5xx made any 4xx below 500 but a gateway's 429 a refusal (hub_refused),
// KioskService.#sendHold dropped the payment from pending-holds, and the shopper, told the payment failed,
// stayed charged with nothing left to reconcile. Fixed: only the hub's own error is a refusal of a hold.
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { HubLink } from '../../src/main/hub-link.ts';
import { paymentAuthorizationLifetimeMs, reconcileMarginMs } from '../../src/shared/limits.ts';
import { syntheticFace } from '../hub/helpers.ts';
import { startHoldingProxy, type HoldingProxy } from './holding-proxy.ts';
import type { KioskTestHub } from './kiosk-test-hub.ts';
import { closeKioskTestHub, isPostTo } from './kiosk-test-hub.ts';
import { pay, shopKioskAt, startShopWithShopper } from './shop-fixture.ts';

const adminToken = `admin-${randomBytes(12).toString('hex')}`;
const face = syntheticFace();
/** The hub's and the kiosk's clock: moves forward only (the hub's rate limiter counts on it). */
const clock = { offsetMs: 0, now: () => Date.now() + clock.offsetMs };

/** What the proxy answers a hold request after forwarding it, each not the hub's own error. */
const proxyAnswers = {
  'a 408 with an empty body': () => new Response(null, { status: 408 }),
  'a 400 in the gateway’s own JSON': () =>
    Response.json({ message: 'upstream request timeout' }, { status: 400 }),
  'a 404 in the hub’s shape with a code the hub does not have': () =>
    Response.json({ error: { code: 'upstream_gone', message: 'no upstream' } }, { status: 404 }),
} as const;
type ProxyAnswer = keyof typeof proxyAnswers;

let test: KioskTestHub;
let proxy: HoldingProxy;
/** While set, the proxy answers the next POST /v1/holds itself, once the hub has answered it. */
let answering: ProxyAnswer | null = null;
const links: HubLink[] = [];

beforeAll(async () => {
  test = await startShopWithShopper({ prefix: 'facepay-proxy-4xx-', adminToken, clock, face });
  proxy = await startHoldingProxy(test.hub.url, {
    answerAfter: (method, url) => {
      if (answering === null || !isPostTo('/v1/holds', url, { method })) return undefined;
      const answer = proxyAnswers[answering]();
      answering = null;
      return answer;
    },
  });
}, 60_000);

afterEach(() => {
  answering = null;
  for (const link of links.splice(0)) link.dispose();
});

afterAll(async () => {
  await proxy?.close();
  await closeKioskTestHub(test);
});

const balance = async () => (await test.admin.getAccount('shopper')).balance;
const nothing = { refunded: [], released: [], notPlaced: [], unresolved: [] };

describe('a hold request a proxy forwarded, then answered with a 4xx of its own', () => {
  it.each(Object.keys(proxyAnswers) as ProxyAnswer[])(
    '%s is an unknown outcome: never paid, kept for reconcile, refunded once the authorization expired',
    async (which) => {
      const { service, link } = await shopKioskAt(test, clock, proxy.url);
      links.push(link);
      const before = await balance();
      answering = which;
      const { paymentId, answer } = await pay(service, face, 730);
      expect(answering).toBeNull();
      // The hub placed and settled it; the shopper is told nothing was taken, never that they paid.
      expect(await balance()).toBe(before - 730);
      expect(answer).toMatchObject({ ok: false, error: { code: 'hub_unreachable' } });
      expect(service.tillPayment(paymentId)).toMatchObject({ state: 'failed' });
      // Not asked again while the authorization it carries may still place a hold.
      expect(await service.reconcile()).toEqual(nothing);

      clock.offsetMs += paymentAuthorizationLifetimeMs + reconcileMarginMs + 5_000;
      expect(await service.reconcile()).toEqual({ ...nothing, refunded: [paymentId] });
      expect(await balance()).toBe(before);
      expect(await service.reconcile()).toEqual(nothing);
    },
  );
});
