// A shop kiosk's lost hold request reconciled under another hub token than the one it was sent under. The
// hub keeps stored answers and placed keys per client: under another client "nothing placed" proves nothing.
//
// A real hub. The till is provisioned again (a new merchant client of the same shop, its own kiosk keys), or
// its client's token is rotated, between the payment and reconcile; the kiosk restarts on the same folder.
// A kiosk that knows its client's id (GET /v1/clients/me) tells a rotation (the same client) from another
// client; where the id is unknown on one side (lost on the way, an older hub's 404), the token's fingerprint
// decides, and a rotation reads as another sender.
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { HubLink } from '../../src/main/hub-link.ts';
import type { KioskConfig } from '../../src/main/kiosk-config.ts';
import type { KioskService } from '../../src/main/kiosk-service.ts';
import {
  lostHoldKeysSinceMarginMs,
  paymentAuthorizationLifetimeMs,
  reconcileMarginMs,
} from '../../src/shared/limits.ts';
import { syntheticFace } from '../hub/helpers.ts';
import type { KioskTestHub } from './kiosk-test-hub.ts';
import { closeKioskTestHub, networkLosingFirstAnswer, twoDaysLater } from './kiosk-test-hub.ts';
import {
  networkLosingHoldRequests,
  pay,
  provisionedAgain,
  shopKiosk,
  startShopWithShopper,
} from './shop-fixture.ts';

const adminToken = `admin-${randomBytes(12).toString('hex')}`;
const face = syntheticFace();
/** The hub's clock and the kiosks' (wall and elapsed): time passing, forward only. */
const clock = { offsetMs: 0, now: () => Date.now() + clock.offsetMs };
/** Reconcile asks a lost request again once its authorization's lifetime and the margin have passed. */
const waitMs = paymentAuthorizationLifetimeMs + reconcileMarginMs;
const nothing = { refunded: [], released: [], notPlaced: [], unresolved: [] };

let test: KioskTestHub;
/** The shop's till config as it stands: a rotation gives its client a new token. */
let till: KioskConfig;
const links: HubLink[] = [];

beforeAll(async () => {
  test = await startShopWithShopper({
    prefix: 'facepay-lost-hold-other-client-',
    adminToken,
    clock,
    face,
  });
  till = test.shop.config;
  // The hub has kept the keys holds were placed under for long enough that finding none under a
  // request's key proves, for the client that sent it, that it placed nothing (lostHoldKeysSinceMarginMs).
  clock.offsetMs += lostHoldKeysSinceMarginMs + 3_600_000;
}, 60_000);

afterEach(() => {
  for (const link of links.splice(0)) link.dispose();
});

afterAll(async () => {
  await closeKioskTestHub(test);
});

/** A start of the kiosk app with `config`, behind `network`, on the pending-holds file `file`. */
async function startKiosk(config: KioskConfig, network: typeof fetch, file: string) {
  const pendingHoldsFile = path.join(test.work, file);
  const { service, link } = await shopKiosk({ test, clock, network, pendingHoldsFile, config });
  links.push(link);
  return { service, pendingHoldsFile };
}

/** The till's client gets a new token (POST /v1/clients/:id/rotate-token); the old one stops at once. */
async function rotated(): Promise<KioskConfig> {
  const again = await test.admin.rotateClientToken(test.shop.tillClientId);
  till = { ...till, hubToken: again.token };
  return till;
}

const isOwnClientAsk = (input: Parameters<typeof fetch>[0], init?: RequestInit) =>
  (init?.method ?? 'GET') === 'GET' &&
  new URL(String(input instanceof Request ? input.url : input)).pathname === '/v1/clients/me';

/** `network`, with GET /v1/clients/me lost on the way. */
function losingOwnClientAsk(network: typeof fetch): typeof fetch {
  return async (input, init) => {
    if (isOwnClientAsk(input, init)) throw new TypeError('network is unreachable');
    return network(input, init);
  };
}

/** `network` to a hub that has no GET /v1/clients/me (an older hub: Fastify's 404 for an unknown route). */
function olderHub(network: typeof fetch): typeof fetch {
  return async (input, init) => {
    if (!isOwnClientAsk(input, init)) return network(input, init);
    const body = {
      message: 'Route GET:/v1/clients/me not found',
      error: 'Not Found',
      statusCode: 404,
    };
    return Response.json(body, { status: 404 });
  };
}

/** The shopper pays `amount` at `service` and is told nothing was taken (the answer was lost). */
async function lostPayment(service: KioskService, amount: number): Promise<string> {
  const { paymentId, answer } = await pay(service, face, amount);
  expect(answer).toMatchObject({ ok: false, error: { code: 'hub_unreachable' } });
  return paymentId;
}

const balance = async () => (await test.admin.getAccount('shopper')).balance;
const pendingIn = async (file: string) =>
  JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>[];

/** Reconcile left `paymentId` for staff: on the operator screen and in the file, nothing given back. */
async function keptForStaff(
  service: KioskService,
  paymentId: string,
  file: string,
  amount: number,
) {
  expect(await service.reconcile()).toEqual({ ...nothing, unresolved: [paymentId] });
  expect(service.status().paymentsToCheck).toMatchObject([{ paymentId, amount }]);
  expect(await pendingIn(file)).toMatchObject([{ paymentId, toCheck: true }]);
  // Asked no more: it stays for staff, round after round.
  expect(await service.reconcile()).toEqual({ ...nothing, unresolved: [paymentId] });
}

describe('a lost hold request reconciled after the till was provisioned again under another client', () => {
  it('placed and settled, the hub still keeping its answer: kept for staff, not written off', async () => {
    const file = 'pending-other-client.json';
    const first = await startKiosk(till, networkLosingFirstAnswer('/v1/holds'), file);
    const before = await balance();
    const paymentId = await lostPayment(first.service, 640);
    expect(await balance()).toBe(before - 640); // the old client placed and settled it
    const again = await provisionedAgain(test, 'till-again');
    const second = await startKiosk(again, fetch, file);
    clock.offsetMs += waitMs;
    // Asked again under the new client, the request runs afresh (refused: its authorization expired)
    // and the new client finds nothing under the key: neither says the old client placed nothing.
    await keptForStaff(second.service, paymentId, second.pendingHoldsFile, 640);
    expect(await balance()).toBe(before - 640);
  });

  it('placed and settled, the hub past its answer retention: kept for staff, not written off', async () => {
    const file = 'pending-other-client-pruned.json';
    const first = await startKiosk(till, networkLosingFirstAnswer('/v1/holds'), file);
    const before = await balance();
    const paymentId = await lostPayment(first.service, 650);
    const again = await provisionedAgain(test, 'till-again-pruned');
    const second = await startKiosk(again, fetch, file);
    await twoDaysLater(test, clock);
    await keptForStaff(second.service, paymentId, second.pendingHoldsFile, 650);
    expect(await balance()).toBe(before - 650);
  });
});

describe("a lost hold request reconciled after the till's token was rotated (the same client)", () => {
  it('placed and settled, the hub replaying its stored answer: refunded as before', async () => {
    const file = 'pending-rotated.json';
    const first = await startKiosk(till, networkLosingFirstAnswer('/v1/holds'), file);
    const before = await balance();
    const paymentId = await lostPayment(first.service, 660);
    expect(await balance()).toBe(before - 660);
    const second = await startKiosk(await rotated(), fetch, file);
    clock.offsetMs += waitMs;
    expect(await second.service.reconcile()).toEqual({ ...nothing, refunded: [paymentId] });
    expect(await balance()).toBe(before);
    expect(second.service.status().paymentsToCheck).toEqual([]);
    expect(await pendingIn(second.pendingHoldsFile)).toEqual([]);
  });

  it('placed and settled, the hub past its answer retention: found by its key, refunded as before', async () => {
    const file = 'pending-rotated-pruned.json';
    const first = await startKiosk(till, networkLosingFirstAnswer('/v1/holds'), file);
    const before = await balance();
    const paymentId = await lostPayment(first.service, 670);
    const second = await startKiosk(await rotated(), fetch, file);
    await twoDaysLater(test, clock);
    expect(await second.service.reconcile()).toEqual({ ...nothing, refunded: [paymentId] });
    expect(await balance()).toBe(before);
  });

  it('never reached the hub: written off as never placed, the kiosk knowing its client id (GET /v1/clients/me)', async () => {
    const file = 'pending-rotated-never-sent.json';
    const { network, lost } = networkLosingHoldRequests();
    const first = await startKiosk(till, network, file);
    const before = await balance();
    const paymentId = await lostPayment(first.service, 680);
    lost.on = false;
    const second = await startKiosk(await rotated(), fetch, file);
    clock.offsetMs += waitMs;
    // A rotation keeps the client, whose stored answers and placed keys prove it placed nothing
    // (below: where the id is unknown on one side, it goes to staff as before).
    expect(await second.service.reconcile()).toEqual({ ...nothing, notPlaced: [paymentId] });
    expect(await pendingIn(second.pendingHoldsFile)).toEqual([]);
    expect(await balance()).toBe(before);
  });

  it('under the token it was sent under, never reached the hub: written off as never placed', async () => {
    const file = 'pending-same-token-never-sent.json';
    const { network, lost } = networkLosingHoldRequests();
    const first = await startKiosk(till, network, file);
    const paymentId = await lostPayment(first.service, 690);
    lost.on = false;
    const second = await startKiosk(till, fetch, file);
    clock.offsetMs += waitMs;
    expect(await second.service.reconcile()).toEqual({ ...nothing, notPlaced: [paymentId] });
    expect(await pendingIn(second.pendingHoldsFile)).toEqual([]);
  });
});

describe('a lost hold request that never reached the hub, the kiosk knowing its client id', () => {
  it('rotated token of the same client: written off as never placed, the id on disk and never the token', async () => {
    const file = 'pending-own-rotated.json';
    const { network, lost } = networkLosingHoldRequests();
    const first = await startKiosk(till, network, file);
    const before = await balance();
    const paymentId = await lostPayment(first.service, 710);
    const onDisk = await readFile(first.pendingHoldsFile, 'utf8');
    expect(JSON.parse(onDisk)).toMatchObject([{ paymentId, sentByClient: test.shop.tillClientId }]);
    expect(onDisk).not.toContain(till.hubToken);
    lost.on = false;
    const second = await startKiosk(await rotated(), fetch, file);
    clock.offsetMs += waitMs;
    expect(await second.service.reconcile()).toEqual({ ...nothing, notPlaced: [paymentId] });
    expect(second.service.status().paymentsToCheck).toEqual([]);
    expect(await pendingIn(second.pendingHoldsFile)).toEqual([]);
    expect(await balance()).toBe(before);
  });

  it("another client's token (the till provisioned again): kept for staff", async () => {
    const file = 'pending-own-other-client.json';
    const { network, lost } = networkLosingHoldRequests();
    const first = await startKiosk(till, network, file);
    const paymentId = await lostPayment(first.service, 720);
    lost.on = false;
    const second = await startKiosk(await provisionedAgain(test, 'till-own-other'), fetch, file);
    clock.offsetMs += waitMs;
    await keptForStaff(second.service, paymentId, second.pendingHoldsFile, 720);
  });
});

describe('a lost hold request that never reached the hub, the client id unknown on one side: the fingerprint decides', () => {
  it('the id lost on its way when sent, the token rotated since: kept for staff', async () => {
    const file = 'pending-own-unknown-at-send.json';
    const { network, lost } = networkLosingHoldRequests();
    const first = await startKiosk(till, losingOwnClientAsk(network), file);
    const paymentId = await lostPayment(first.service, 730);
    expect(await pendingIn(first.pendingHoldsFile)).toMatchObject([
      { paymentId, sentByClient: null },
    ]);
    lost.on = false;
    const second = await startKiosk(await rotated(), fetch, file);
    clock.offsetMs += waitMs;
    await keptForStaff(second.service, paymentId, second.pendingHoldsFile, 730);
  });

  it('an older hub (404 for the id) then and at reconcile, the token rotated since: kept for staff', async () => {
    const file = 'pending-own-older-hub.json';
    const { network, lost } = networkLosingHoldRequests();
    const first = await startKiosk(till, olderHub(network), file);
    const paymentId = await lostPayment(first.service, 740);
    expect(await pendingIn(first.pendingHoldsFile)).toMatchObject([
      { paymentId, sentByClient: null },
    ]);
    lost.on = false;
    const second = await startKiosk(await rotated(), olderHub(fetch), file);
    clock.offsetMs += waitMs;
    await keptForStaff(second.service, paymentId, second.pendingHoldsFile, 740);
  });

  it('known when sent, an older hub (404) at reconcile, the token rotated since: kept for staff', async () => {
    const file = 'pending-own-unknown-at-reconcile.json';
    const { network, lost } = networkLosingHoldRequests();
    const first = await startKiosk(till, network, file);
    const paymentId = await lostPayment(first.service, 750);
    lost.on = false;
    const second = await startKiosk(await rotated(), olderHub(fetch), file);
    clock.offsetMs += waitMs;
    await keptForStaff(second.service, paymentId, second.pendingHoldsFile, 750);
  });

  it('known when sent, unanswered at reconcile (lost on the way), the token rotated since: asked again next round, then written off', async () => {
    const file = 'pending-own-unanswered-at-reconcile.json';
    const { network, lost } = networkLosingHoldRequests();
    const first = await startKiosk(till, network, file);
    const before = await balance();
    const paymentId = await lostPayment(first.service, 770);
    lost.on = false;
    const asking = { lost: true };
    const sometimesLosing: typeof fetch = (input, init) =>
      asking.lost && isOwnClientAsk(input, init)
        ? Promise.reject(new TypeError('network is unreachable'))
        : fetch(input, init);
    const second = await startKiosk(await rotated(), sometimesLosing, file);
    clock.offsetMs += waitMs;
    // Not for staff on the fingerprint alone: the hub gave no answer, so the next round asks again.
    expect(await second.service.reconcile()).toEqual(nothing);
    expect(second.service.status().paymentsToCheck).toEqual([]);
    expect(await pendingIn(second.pendingHoldsFile)).toMatchObject([{ paymentId }]);
    asking.lost = false;
    expect(await second.service.reconcile()).toEqual({ ...nothing, notPlaced: [paymentId] });
    expect(await pendingIn(second.pendingHoldsFile)).toEqual([]);
    expect(await balance()).toBe(before);
  });

  it('the id unknown when sent, reconciled under the very token it was sent under: written off as before', async () => {
    const file = 'pending-own-unknown-same-token.json';
    const { network, lost } = networkLosingHoldRequests();
    const first = await startKiosk(till, olderHub(network), file);
    const paymentId = await lostPayment(first.service, 760);
    lost.on = false;
    const second = await startKiosk(till, fetch, file);
    clock.offsetMs += waitMs;
    expect(await second.service.reconcile()).toEqual({ ...nothing, notPlaced: [paymentId] });
  });
});
