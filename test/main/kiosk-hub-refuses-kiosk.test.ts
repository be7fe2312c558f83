// The kiosk tells a hub out of reach from a hub that refuses this kiosk's credentials (its till's token
// revoked or rotated away, its registration revoked), so staff are not sent to look for a network fault.
//
// A real hub; the admin revokes or rotates the till's client or revokes the kiosk, as `hub:admin` does, and
// the runtime's hub round (watchHubRound) runs as every ~10 s in the kiosk. A second hub is stopped.
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { HubLink } from '../../src/main/hub-link.ts';
import type { KioskConfig } from '../../src/main/kiosk-config.ts';
import { openHubLink, watchHubRound } from '../../src/main/kiosk-runtime.ts';
import { KioskService } from '../../src/main/kiosk-service.ts';
import { paymentAuthorizationLifetimeMs, reconcileMarginMs } from '../../src/shared/limits.ts';
import { syntheticFace } from '../hub/helpers.ts';
import type { KioskTestHub } from './kiosk-test-hub.ts';
import {
  closeKioskTestHub,
  modelId,
  networkLosingFirstAnswer,
  startKioskTestHub,
} from './kiosk-test-hub.ts';
import { pay, provisionedAgain, shopKiosk, startShopWithShopper } from './shop-fixture.ts';

const adminToken = `admin-${randomBytes(12).toString('hex')}`;
const face = syntheticFace();
/** The hub's and the kiosks' clock (wall and elapsed): moves forward only. */
const clock = { offsetMs: 0, now: () => Date.now() + clock.offsetMs };
/** Reconcile asks a lost request again once its authorization's lifetime and the margin have passed. */
const waitMs = paymentAuthorizationLifetimeMs + reconcileMarginMs;

let test: KioskTestHub;
const links: HubLink[] = [];

beforeAll(async () => {
  test = await startShopWithShopper({ prefix: 'facepay-hub-refuses-', adminToken, clock, face });
}, 60_000);

afterEach(() => {
  for (const link of links.splice(0)) link.dispose();
});

afterAll(async () => {
  await closeKioskTestHub(test);
});

const pathOf = (input: Parameters<typeof fetch>[0]) =>
  new URL(String(input instanceof Request ? input.url : input)).pathname;
/** HubLink.connect's first ask (GET /v1/hub-key, which needs the till's token). */
const isConnectAsk = (input: Parameters<typeof fetch>[0], init?: RequestInit) =>
  (init?.method ?? 'GET') === 'GET' && pathOf(input) === '/v1/hub-key';
/** HubLink.connect's signed ask for the kiosk's transform key. */
const isProvisioning = (input: Parameters<typeof fetch>[0], init?: RequestInit) =>
  init?.method === 'POST' && pathOf(input).endsWith('/transform-key');

/** `network`, counting the connects (HubLink.connect) that pass. */
function countingConnects(network: typeof fetch = fetch) {
  const seen = { connects: 0 };
  const counting: typeof fetch = (input, init) => {
    if (isConnectAsk(input, init)) seen.connects += 1;
    return network(input, init);
  };
  return { network: counting, seen };
}

/** A start of the kiosk app with `config` on the pending-holds file `file`: its service and one hub round. */
async function startKiosk(config: KioskConfig, file: string, network: typeof fetch = fetch) {
  const pendingHoldsFile = path.join(test.work, file);
  const { service, link } = await shopKiosk({ test, clock, network, pendingHoldsFile, config });
  links.push(link);
  return { service, round: () => watchHubRound(link, service) };
}

/**
 * A kiosk with `config` where the shopper pays `amount`: the hub places and settles the hold but its answer
 * is lost on the way. Answers the payment's id, the kiosk and the count of its connects.
 */
async function lostPayment(config: KioskConfig, file: string, amount: number) {
  const { network, seen } = countingConnects(networkLosingFirstAnswer('/v1/holds'));
  const kiosk = await startKiosk(config, file, network);
  expect(await kiosk.round()).toBe(true);
  const { paymentId, answer } = await pay(kiosk.service, face, amount);
  expect(answer).toMatchObject({ ok: false, error: { code: 'hub_unreachable' } });
  return { paymentId, kiosk, seen };
}

const balance = async () => (await test.admin.getAccount('shopper')).balance;

describe('a hub that refuses this kiosk', () => {
  it("says the hub refuses the kiosk's credentials (401), not unreachable, once the admin revoked the till's token while it ran", async () => {
    const till = await provisionedAgain(test, 'till-revoked');
    const file = 'pending-revoked.json';
    const before = await balance();
    const { paymentId, kiosk, seen } = await lostPayment(till, file, 410);
    // The kiosk keeps running; the admin revokes its client (hub:admin revoke-client).
    const clientId = (await test.admin.getKiosk(till.kioskId)).clientId;
    await test.admin.revokeClient(clientId);
    clock.offsetMs += waitMs;
    // Reconcile's ask is refused (401): the round says why instead of waiting for the next one.
    expect(await kiosk.round()).toBe(false);
    expect(kiosk.service.status()).toMatchObject({
      hub: 'unreachable',
      credentialsRefused: { status: 401, code: 'unauthorized' },
      lostPaymentsWaiting: 1,
      paymentsToCheck: [],
    });
    // Asked again every round: the refusal stays, and so does the shopper's money with the hub.
    const connectsBefore = seen.connects;
    expect(await kiosk.round()).toBe(false);
    expect(await kiosk.round()).toBe(false);
    expect(seen.connects).toBe(connectsBefore + 2);
    expect(kiosk.service.status()).toMatchObject({
      credentialsRefused: { status: 401, code: 'unauthorized' },
      lostPaymentsWaiting: 1,
    });
    expect(await balance()).toBe(before - 410);
    // Provisioned again (a new client: the revoked one stays revoked) and restarted: ready again. Reconciled
    // under another client, the lost payment goes to staff as before (kiosk-lost-hold-other-client).
    const again = await startKiosk(await provisionedAgain(test, 'till-after-revoke'), file);
    expect(await again.round()).toBe(true);
    expect(again.service.status()).toMatchObject({
      hub: 'reachable',
      credentialsRefused: null,
      lostPaymentsWaiting: 0,
      paymentsToCheck: [{ paymentId, amount: 410 }],
    });
  });

  it("says the hub refuses the kiosk's credentials at start after a token rotation kiosk.json missed, and gives the lost payment back once it has the new token", async () => {
    const till = await provisionedAgain(test, 'till-rotated');
    const file = 'pending-rotated.json';
    const before = await balance();
    await lostPayment(till, file, 420);
    expect(await balance()).toBe(before - 420);
    const clientId = (await test.admin.getKiosk(till.kioskId)).clientId;
    const rotated = await test.admin.rotateClientToken(clientId);
    // Restarted on the old kiosk.json: the hub no longer knows its token.
    const { network, seen } = countingConnects();
    const stale = await startKiosk(till, file, network);
    expect(await stale.round()).toBe(false);
    expect(await stale.round()).toBe(false);
    expect(seen.connects).toBe(2);
    expect(stale.service.status()).toMatchObject({
      hub: 'unreachable',
      credentialsRefused: { status: 401, code: 'unauthorized' },
      lostPaymentsWaiting: 1,
    });
    // kiosk.json gets the new token, the kiosk restarts: its round reconciles and refunds.
    const fixed = await startKiosk({ ...till, hubToken: rotated.token }, file);
    // A restarted kiosk waits out the request's authorization again from its start (pending-holds.ts).
    clock.offsetMs += waitMs;
    expect(await fixed.round()).toBe(true);
    expect(fixed.service.status()).toMatchObject({
      hub: 'reachable',
      credentialsRefused: null,
      lostPaymentsWaiting: 0,
      paymentsToCheck: [],
    });
    expect(await balance()).toBe(before);
  });

  it("says the hub refuses the kiosk's credentials (403 kiosk_revoked) once the admin revoked the kiosk's registration", async () => {
    const till = await provisionedAgain(test, 'till-kiosk-revoked');
    await test.admin.revokeKiosk(till.kioskId);
    const kiosk = await startKiosk(till, 'pending-kiosk-revoked.json');
    expect(await kiosk.round()).toBe(false);
    expect(kiosk.service.status()).toMatchObject({
      hub: 'unreachable',
      credentialsRefused: { status: 403, code: 'kiosk_revoked' },
      lostPaymentsWaiting: 0,
    });
  });

  it("says the hub refuses the kiosk's credentials (404 not_found) when its kiosk id is not registered at this hub", async () => {
    const till = await provisionedAgain(test, 'till-unknown-kiosk');
    const kiosk = await startKiosk({ ...till, kioskId: 'kiosk-nobody-registered' }, 'p-404.json');
    expect(await kiosk.round()).toBe(false);
    expect(kiosk.service.status().credentialsRefused).toEqual({ status: 404, code: 'not_found' });
  });
});

describe('a hub out of reach', () => {
  it.each([
    [503, 'unavailable'],
    [429, 'rate_limited'],
  ] as const)(
    'says unreachable, not refused, while the hub answers connect %i %s, and ready once it answers',
    async (status, code) => {
      const till = await provisionedAgain(test, `till-connect-${status}`);
      const failing = { on: true };
      const network: typeof fetch = async (input, init) => {
        if (!failing.on || !isProvisioning(input, init)) return fetch(input, init);
        return Response.json({ error: { code, message: 'not now' } }, { status });
      };
      const kiosk = await startKiosk(till, `pending-connect-${status}.json`, network);
      expect(await kiosk.round()).toBe(false);
      expect(kiosk.service.status()).toMatchObject({
        hub: 'unreachable',
        credentialsRefused: null,
      });
      failing.on = false;
      expect(await kiosk.round()).toBe(true);
      expect(kiosk.service.status()).toMatchObject({ hub: 'reachable', credentialsRefused: null });
    },
  );

  it('says unreachable, not refused, once the hub is stopped, also after it had refused the kiosk', async () => {
    const other = await startKioskTestHub({
      prefix: 'facepay-hub-stopped-',
      adminToken,
      setup: {
        shop: { id: 'shop', name: 'Test Shop' },
        shopper: { id: 'shopper', name: 'S', deposit: 0 },
      },
    });
    let stopped = false;
    try {
      const ready = await kioskOf(other, other.shop.config);
      expect(await ready.round()).toBe(true);
      const revoked = await provisionedAgain(other, 'till-stopped-revoked');
      await other.admin.revokeKiosk(revoked.kioskId);
      const refused = await kioskOf(other, revoked);
      expect(await refused.round()).toBe(false);
      expect(refused.service.status().credentialsRefused).toMatchObject({ status: 403 });
      await other.hub.close();
      stopped = true;
      for (const kiosk of [ready, refused]) {
        expect(await kiosk.round()).toBe(false);
        expect(kiosk.service.status()).toMatchObject({
          hub: 'unreachable',
          credentialsRefused: null,
        });
      }
    } finally {
      if (stopped) await rm(other.work, { recursive: true, force: true });
      else await closeKioskTestHub(other);
    }
  });
});

/** A kiosk of `hub`'s shop with `config`, no pending holds file: its service and one hub round. */
async function kioskOf(hub: KioskTestHub, config: KioskConfig) {
  const { link } = await openHubLink({ ...config, hubUrl: hub.hub.url });
  links.push(link);
  const service = new KioskService({ config, hub: link, modelId });
  return { service, round: () => watchHubRound(link, service) };
}
