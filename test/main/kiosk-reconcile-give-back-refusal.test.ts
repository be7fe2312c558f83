// A shop kiosk's lost hold request found placed and settled (reconcile), whose refund the hub refuses: a
// refusal that lasts is shown to staff while the kiosk keeps asking; a passing fault is asked again unseen.
//
// A real hub behind a proxy that answers the kiosk's POST /v1/holds/:id/refunds itself while a test says so,
// as the hub (or one in front of it) would; everything else reaches the hub.
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { HubLink } from '../../src/main/hub-link.ts';
import type { KioskService } from '../../src/main/kiosk-service.ts';
import { paymentAuthorizationLifetimeMs, reconcileMarginMs } from '../../src/shared/limits.ts';
import { syntheticFace } from '../hub/helpers.ts';
import {
  cap,
  checkInAs,
  reception,
  receptionIdentity,
  startClinicWithPatient,
} from './clinic-fixture.ts';
import { startHoldingProxy, type HoldingProxy } from './holding-proxy.ts';
import type { KioskTestHub } from './kiosk-test-hub.ts';
import { closeKioskTestHub, networkLosingFirstAnswer } from './kiosk-test-hub.ts';
import { pay, shopKiosk, startShopWithShopper } from './shop-fixture.ts';

const adminToken = `admin-${randomBytes(12).toString('hex')}`;
const face = syntheticFace();
/** The hub's and the kiosks' clock: moves forward only (the hub's rate limiter counts on it). */
const clock = { offsetMs: 0, now: () => Date.now() + clock.offsetMs };

/** Refusals of a refund that do not go away by themselves, each as the hub words it. */
const lasting = {
  "the till's role changed": [403, 'forbidden', 'this call needs role merchant'],
  'a stricter hub schema': [400, 'invalid_request', 'body.amount: unknown field'],
  'a hub without the route': [404, 'not_found', 'no route POST /v1/holds/x/refunds'],
  'a revoked token': [401, 'unauthorized', 'this token was revoked'],
  'a conflict that repeats': [409, 'idempotency_key_reused', 'another body under this key'],
} as const;
/** Refusals that pass: the hub or a proxy in front of it failing, or the till asking too fast. */
const passing = {
  'the hub failing': [500, 'internal', 'internal error'],
  'a proxy with no hub behind it': [502, 'bad_gateway', 'no upstream'],
  'the till asking too fast': [429, 'rate_limited', 'too many requests; slow down'],
} as const;
type Refusal = readonly [number, string, string];
/** The kiosk status's hubRefusal for "the till's role changed". */
const roleChanged = {
  status: 403,
  code: 'forbidden',
  hubMessage: 'this call needs role merchant',
};

let test: KioskTestHub;
let proxy: HoldingProxy;
/** While set, the proxy answers every refund itself with this refusal. */
let refusing: Refusal | null = null;
/** While set, the proxy answers every call on holds (placing, listing, refunding) with this refusal. */
let refusingHolds: Refusal | null = null;
const links: HubLink[] = [];

beforeAll(async () => {
  // Enough for every case, also where one fails half way with the shopper's money still taken.
  test = await startShopWithShopper({
    prefix: 'facepay-give-back-',
    adminToken,
    clock,
    face,
    deposit: 50_000,
  });
  proxy = await startHoldingProxy(test.hub.url, {
    answerHere: (method, url) => {
      const refund = method === 'POST' && isRefund(url) ? refusing : null;
      const onHolds = new URL(url).pathname.startsWith('/v1/holds');
      const refusal = (onHolds ? refusingHolds : null) ?? refund;
      if (refusal === null) return undefined;
      const [status, code, message] = refusal;
      return Response.json({ error: { code, message } }, { status });
    },
  });
}, 60_000);

afterEach(() => {
  refusing = null;
  refusingHolds = null;
  for (const link of links.splice(0)) link.dispose();
});

afterAll(async () => {
  await proxy?.close();
  await closeKioskTestHub(test);
});

function isRefund(url: string | URL): boolean {
  return /^\/v1\/holds\/[^/]+\/refunds$/.test(new URL(String(url)).pathname);
}

/**
 * The shop's kiosk through the proxy over `network` (the first hold request's answer lost unless told),
 * keeping its lost hold requests in `file`; its elapsed clock moves with the test's clock.
 */
async function kiosk(file: string, network = networkLosingFirstAnswer('/v1/holds')) {
  const pendingHoldsFile = path.join(test.work, file);
  const { service, link } = await shopKiosk({
    test,
    clock,
    network,
    pendingHoldsFile,
    hubUrl: proxy.url,
  });
  links.push(link);
  return { service, pendingHoldsFile };
}

const nothing = { refunded: [], released: [], notPlaced: [], unresolved: [] };
const balance = async () => (await test.admin.getAccount('shopper')).balance;
const pendingIn = async (file: string) =>
  JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>[];

/**
 * The shopper pays `amount`, the hub places and settles the hold, its answer is lost (the shopper is told
 * nothing was taken), and the authorization's lifetime passes: reconcile finds the hold and refunds it next.
 */
async function paidButToldNot(service: KioskService, amount: number) {
  const before = await balance();
  const { paymentId, answer } = await pay(service, face, amount);
  expect(answer).toMatchObject({ ok: false, error: { code: 'hub_unreachable' } });
  expect(await balance()).toBe(before - amount);
  clock.offsetMs += paymentAuthorizationLifetimeMs + reconcileMarginMs + 5_000;
  return { paymentId, before };
}

describe('a lost payment whose refund the hub refuses for good', () => {
  it.each(Object.keys(lasting) as (keyof typeof lasting)[])(
    'is shown to staff once refused again, still asked every round, and refunded once the hub takes it: %s',
    async (why) => {
      const [status, code, message] = lasting[why];
      const { service, pendingHoldsFile } = await kiosk(`pending-lasting-${status}.json`);
      const { paymentId, before } = await paidButToldNot(service, 500 + status);
      refusing = lasting[why];
      // The first refusal may be a race (the hold changed under the request): the hold is read again first.
      expect(await service.reconcile()).toEqual(nothing);
      expect(service.status().paymentsToCheck).toEqual([]);
      // Refused again: staff see it, with the hub's status, code and words, and the kiosk keeps asking.
      expect(await service.reconcile()).toEqual(nothing);
      const shown = {
        paymentId,
        amount: 500 + status,
        hubRefusal: { status, code, hubMessage: message },
      };
      expect(service.status().paymentsToCheck).toMatchObject([shown]);
      expect(await service.reconcile()).toEqual(nothing);
      expect(service.status().paymentsToCheck).toMatchObject([shown]);
      // Not for staff to clear: the kiosk has not given up, and the hub's record will end it.
      await service.handlers.operatorUnlock({ pin: test.shop.config.operatorPin });
      expect(await service.handlers.operatorClearPaymentToCheck({ paymentId })).toMatchObject({
        ok: false,
      });
      // Kept on disk, not marked for staff only: a restart asks again.
      expect(await pendingIn(pendingHoldsFile)).toEqual([
        expect.not.objectContaining({ toCheck: true }),
      ]);
      expect(await balance()).toBe(before - 500 - status);
      refusing = null;
      expect(await service.reconcile()).toEqual({ ...nothing, refunded: [paymentId] });
      expect(await balance()).toBe(before);
      expect(service.status().paymentsToCheck).toEqual([]);
      expect(await pendingIn(pendingHoldsFile)).toEqual([]);
    },
  );

  it("refused its look-up too (the till's role changed for every call on holds): shown to staff the same, refunded once the role is back", async () => {
    const { service, pendingHoldsFile } = await kiosk('pending-lasting-look-up.json');
    const { paymentId, before } = await paidButToldNot(service, 580);
    refusingHolds = lasting["the till's role changed"];
    expect(await service.reconcile()).toEqual(nothing);
    expect(service.status().paymentsToCheck).toEqual([]);
    expect(await service.reconcile()).toEqual(nothing);
    expect(service.status().paymentsToCheck).toMatchObject([
      { paymentId, amount: 580, hubRefusal: roleChanged },
    ]);
    expect(await pendingIn(pendingHoldsFile)).toEqual([
      expect.not.objectContaining({ toCheck: true }),
    ]);
    refusingHolds = null;
    expect(await service.reconcile()).toEqual({ ...nothing, refunded: [paymentId] });
    expect(await balance()).toBe(before);
    expect(service.status().paymentsToCheck).toEqual([]);
  });

  it('refunded by the hub operator meanwhile: found with nothing left to refund, it ends', async () => {
    const { service, pendingHoldsFile } = await kiosk('pending-lasting-refunded-at-hub.json');
    const { paymentId, before } = await paidButToldNot(service, 590);
    refusing = lasting["the till's role changed"];
    expect(await service.reconcile()).toEqual(nothing);
    expect(await service.reconcile()).toEqual(nothing);
    expect(service.status().paymentsToCheck).toMatchObject([{ paymentId }]);
    // Staff asked the hub's operator, who refunded it there.
    const [hold] = (await test.admin.listHolds({ payer: 'shopper', payee: 'shop', limit: 1 }))
      .items;
    expect(hold).toMatchObject({ amount: 590, settled: 590, refunded: 0 });
    await test.admin.holdAction(hold!.id, 'refunds', { amount: 590 }, `operator-${paymentId}`);
    expect(await balance()).toBe(before);
    expect(await service.reconcile()).toEqual({ ...nothing, notPlaced: [paymentId] });
    expect(service.status().paymentsToCheck).toEqual([]);
    expect(await pendingIn(pendingHoldsFile)).toEqual([]);
    expect(await balance()).toBe(before);
  });
});

describe('a lost payment whose refund fails for a while', () => {
  it.each(Object.keys(passing) as (keyof typeof passing)[])(
    'is asked again every round, never shown to staff, and refunded once the hub answers: %s',
    async (why) => {
      const [status] = passing[why];
      const { service, pendingHoldsFile } = await kiosk(`pending-passing-${status}.json`);
      const { paymentId, before } = await paidButToldNot(service, 300 + status);
      refusing = passing[why];
      for (let round = 0; round < 3; round += 1) {
        expect(await service.reconcile()).toEqual(nothing);
        expect(service.status().paymentsToCheck).toEqual([]);
      }
      expect(await pendingIn(pendingHoldsFile)).toHaveLength(1);
      refusing = null;
      expect(await service.reconcile()).toEqual({ ...nothing, refunded: [paymentId] });
      expect(await balance()).toBe(before);
      expect(await pendingIn(pendingHoldsFile)).toEqual([]);
    },
  );

  it('unreachable: asked again every round, never shown to staff', async () => {
    const cut = { on: false };
    const losing = networkLosingFirstAnswer('/v1/holds');
    const network: typeof fetch = (input, init) =>
      cut.on && init?.method === 'POST' && isRefund(String(input))
        ? Promise.reject(new TypeError('network is unreachable'))
        : losing(input, init);
    const { service } = await kiosk('pending-passing-unreachable.json', network);
    const { paymentId, before } = await paidButToldNot(service, 720);
    cut.on = true;
    for (let round = 0; round < 3; round += 1) {
      expect(await service.reconcile()).toEqual(nothing);
      expect(service.status().paymentsToCheck).toEqual([]);
    }
    cut.on = false;
    expect(await service.reconcile()).toEqual({ ...nothing, refunded: [paymentId] });
    expect(await balance()).toBe(before);
  });
});

describe('a lost payment whose refund the hub did', () => {
  it('its answer lost: found with nothing left to refund at the next round, it ends unseen by staff', async () => {
    let refunds = 0;
    const losing = networkLosingFirstAnswer('/v1/holds');
    const network: typeof fetch = async (input, init) => {
      const answer = await losing(input, init);
      if (init?.method === 'POST' && isRefund(String(input)) && (refunds += 1) === 1) {
        throw new TypeError('socket hang up');
      }
      return answer;
    };
    const { service, pendingHoldsFile } = await kiosk('pending-refund-answer-lost.json', network);
    const { paymentId, before } = await paidButToldNot(service, 730);
    expect(await service.reconcile()).toEqual(nothing);
    expect(await balance()).toBe(before);
    expect(await service.reconcile()).toEqual({ ...nothing, notPlaced: [paymentId] });
    expect(refunds).toBe(1);
    expect(service.status().paymentsToCheck).toEqual([]);
    expect(await pendingIn(pendingHoldsFile)).toEqual([]);
  });

  it('done, though the kiosk heard a refusal: found with nothing left to refund at the next round, it ends unseen by staff', async () => {
    // Something between the kiosk and the hub answered for a refund the hub carried out.
    let refunds = 0;
    const losing = networkLosingFirstAnswer('/v1/holds');
    const network: typeof fetch = async (input, init) => {
      const answer = await losing(input, init);
      if (init?.method !== 'POST' || !isRefund(String(input))) return answer;
      refunds += 1;
      return Response.json(
        { error: { code: 'forbidden', message: 'by a proxy' } },
        { status: 403 },
      );
    };
    const { service, pendingHoldsFile } = await kiosk('pending-refund-refused-done.json', network);
    const { paymentId, before } = await paidButToldNot(service, 740);
    expect(await service.reconcile()).toEqual(nothing);
    expect(await balance()).toBe(before);
    expect(await service.reconcile()).toEqual({ ...nothing, notPlaced: [paymentId] });
    expect(refunds).toBe(1);
    expect(service.status().paymentsToCheck).toEqual([]);
    expect(await pendingIn(pendingHoldsFile)).toEqual([]);
  });
});

describe('a lost check-in whose release the hub refuses for good', () => {
  let clinic: KioskTestHub;
  /** Its own clock: the station that enrols the patient signs by the machine's, which the shop's has left. */
  const clinicClock = { offsetMs: 0, now: () => Date.now() + clinicClock.offsetMs };
  beforeAll(async () => {
    clinic = await startClinicWithPatient({
      prefix: 'facepay-give-back-clinic-',
      adminToken,
      clock: clinicClock,
      face,
    });
  }, 60_000);
  afterAll(async () => {
    await closeKioskTestHub(clinic);
  });

  it('is shown to staff once refused again, and released once the hub takes it', async () => {
    const refusingRelease = { on: false };
    const losing = networkLosingFirstAnswer('/v1/holds');
    const network: typeof fetch = async (input, init) => {
      const pathname = new URL(String(input instanceof Request ? input.url : input)).pathname;
      if (refusingRelease.on && init?.method === 'POST' && /\/release$/.test(pathname)) {
        const error = { code: 'forbidden', message: 'this call needs role merchant' };
        return Response.json({ error }, { status: 403 });
      }
      return losing(input, init);
    };
    const identity = await receptionIdentity(clinic);
    const { service, link } = reception({ test: clinic, identity, clock: clinicClock, network });
    links.push(link);
    const { paymentId, answer } = await checkInAs(service, face);
    expect(answer).toMatchObject({ ok: false, error: { code: 'hub_unreachable' } });
    const held = async () => (await clinic.admin.getAccount('patient')).held;
    expect(await held()).toBe(cap);
    clinicClock.offsetMs += paymentAuthorizationLifetimeMs + reconcileMarginMs + 5_000;
    refusingRelease.on = true;
    expect(await service.reconcile()).toEqual(nothing);
    expect(service.status().paymentsToCheck).toEqual([]);
    expect(await service.reconcile()).toEqual(nothing);
    expect(service.status().paymentsToCheck).toMatchObject([
      { paymentId, amount: cap, hubRefusal: roleChanged },
    ]);
    expect(await held()).toBe(cap);
    refusingRelease.on = false;
    expect(await service.reconcile()).toEqual({ ...nothing, released: [paymentId] });
    expect(await held()).toBe(0);
    expect(service.status().paymentsToCheck).toEqual([]);
  });
});
