// While the hub refuses this kiosk's credentials, or has been out of reach for a while, the kiosk takes no
// payment: the till's request is answered at once with why, and the operator's charge is refused.
//
// A real hub; the admin revokes the till's client as `hub:admin` does, or the kiosk's network drops every
// request. The till speaks to the kiosk's own HTTP server (kiosk-http.ts) with its bearer token.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { KioskConfig } from '../../src/main/kiosk-config.ts';
import type { KioskHttpServer } from '../../src/main/kiosk-http.ts';
import { startKioskHttp } from '../../src/main/kiosk-http.ts';
import type { HubLink } from '../../src/main/hub-link.ts';
import { watchHubRound } from '../../src/main/kiosk-runtime.ts';
import type { KioskService } from '../../src/main/kiosk-service.ts';
import { syntheticFace } from '../hub/helpers.ts';
import type { KioskTestHub } from './kiosk-test-hub.ts';
import { closeKioskTestHub, memberPin, modelId, sameFaceAs } from './kiosk-test-hub.ts';
import { provisionedAgain, runtimeOf, shopKiosk, startShopWithShopper } from './shop-fixture.ts';

const adminToken = `admin-${randomBytes(12).toString('hex')}`;
const face = syntheticFace();
/** The hub's and the kiosks' clock (wall and elapsed): moves forward only. */
const clock = { offsetMs: 0, now: () => Date.now() + clock.offsetMs };

let test: KioskTestHub;
const links: HubLink[] = [];
const servers: KioskHttpServer[] = [];

beforeAll(async () => {
  test = await startShopWithShopper({ prefix: 'facepay-not-taking-', adminToken, clock, face });
}, 60_000);

afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
  for (const link of links.splice(0)) link.dispose();
});

afterAll(async () => {
  await closeKioskTestHub(test);
});

/** A network that drops every request to the hub while `down.on` (a cable pulled, the hub's host gone). */
function networkThatGoesDown() {
  const down = { on: false };
  const network: typeof fetch = async (input, init) => {
    if (down.on) throw new TypeError('network is unreachable');
    return fetch(input, init);
  };
  return { network, down };
}

/** The shop's kiosk with `config` behind `network`, its hub round and its till API on a port of its own. */
async function kioskWithTill(config: KioskConfig, name: string, network: typeof fetch = fetch) {
  const pendingHoldsFile = path.join(test.work, `pending-${name}.json`);
  const { service, link } = await shopKiosk({ test, clock, network, pendingHoldsFile, config });
  links.push(link);
  const http = await startKioskHttp({ runtime: runtimeOf(config, service), port: 0 });
  servers.push(http);
  const till = (init: RequestInit, id = '') =>
    fetch(`${http.url}/kiosk/v1/payment-requests${id}`, {
      ...init,
      headers: {
        authorization: `Bearer ${config.tillToken ?? ''}`,
        'content-type': 'application/json',
      },
    });
  return {
    service,
    round: () => watchHubRound(link, service),
    tillAsks: async (amount: number) => {
      const response = await till({
        method: 'POST',
        body: JSON.stringify({ amount, reference: `order-${amount}` }),
      });
      return { status: response.status, headers: response.headers, body: await response.json() };
    },
    tillTakesBack: (id: string) => till({ method: 'DELETE' }, `/${id}`),
  };
}

/** Staff unlock the operator screen and type `amount` on its keypad. */
async function operatorCharges(service: KioskService, config: KioskConfig, amount: number) {
  const unlocked = await service.handlers.operatorUnlock({ pin: config.operatorPin ?? '' });
  expect(unlocked).toMatchObject({ ok: true });
  return service.handlers.startPayment({ amount });
}

/** The shopper pays the open payment `paymentId` with their face and PIN: the kiosk's last answer. */
async function shopperPays(service: KioskService, paymentId: string) {
  const descriptor = Array.from(sameFaceAs(face));
  const liveness = { passed: true, score: 0.99, checks: ['passive_texture_live', 'blink'] };
  await service.handlers.identify({ paymentId, modelId, descriptor, liveness });
  await service.handlers.confirm({ paymentId });
  return service.handlers.confirm({ paymentId, pin: memberPin });
}

describe('a kiosk whose hub refuses its credentials', () => {
  it("answers the till 503 not_taking_payments with the hub's refusal, refuses the operator's charge, and takes payments again once provisioned again", async () => {
    const revoked = await provisionedAgain(test, 'till-refused');
    await test.admin.revokeClient((await test.admin.getKiosk(revoked.kioskId)).clientId);
    const kiosk = await kioskWithTill(revoked, 'refused');
    expect(await kiosk.round()).toBe(false);
    expect(kiosk.service.status().credentialsRefused).toEqual({
      status: 401,
      code: 'unauthorized',
    });
    const asked = await kiosk.tillAsks(300);
    expect(asked.status).toBe(503);
    expect(asked.body).toMatchObject({
      error: {
        code: 'not_taking_payments',
        reason: 'credentials_refused',
        hub: { status: 401, code: 'unauthorized' },
      },
    });
    expect(await operatorCharges(kiosk.service, revoked, 300)).toMatchObject({
      ok: false,
      error: { code: 'hub_refused' },
    });
    // Nothing was opened: no shopper is sent to the camera for a payment that cannot go through.
    expect(kiosk.service.status().payment).toBeNull();
    // The admin provisions the kiosk again, kiosk.json gets the new token and id, and it restarts.
    const again = await provisionedAgain(test, 'till-refused-again');
    const restarted = await kioskWithTill(again, 'refused-again');
    expect(await restarted.round()).toBe(true);
    const taken = await restarted.tillAsks(300);
    expect(taken.status).toBe(201);
    expect(await shopperPays(restarted.service, taken.body.payment.id)).toMatchObject({
      ok: true,
      payment: { state: 'paid' },
    });
  });
});

describe('a kiosk whose hub is out of reach', () => {
  it("takes the till's payment after one missed round (it goes through once the hub answers), answers 503 not_taking_payments hub_unreachable once the hub stays away, and takes payments again once it is back", async () => {
    const { network, down } = networkThatGoesDown();
    const kiosk = await kioskWithTill(test.shop.config, 'out-of-reach', network);
    expect(await kiosk.round()).toBe(true);
    // One missed round: a blip is not a reason to turn the till away.
    down.on = true;
    expect(await kiosk.round()).toBe(false);
    const duringBlip = await kiosk.tillAsks(200);
    expect(duringBlip.status).toBe(201);
    down.on = false;
    expect(await shopperPays(kiosk.service, duringBlip.body.payment.id)).toMatchObject({
      ok: true,
      payment: { state: 'paid' },
    });
    // Away for good: 15 s of rounds that reach nobody.
    down.on = true;
    expect(await kiosk.round()).toBe(false);
    clock.offsetMs += 15_000;
    expect(await kiosk.round()).toBe(false);
    const asked = await kiosk.tillAsks(250);
    expect(asked.status).toBe(503);
    expect(asked.headers.get('retry-after')).not.toBeNull();
    expect(asked.body).toMatchObject({
      error: { code: 'not_taking_payments', reason: 'hub_unreachable', hub: null },
    });
    expect(await operatorCharges(kiosk.service, test.shop.config, 250)).toMatchObject({
      ok: false,
      error: { code: 'hub_unreachable' },
    });
    expect(kiosk.service.status().payment).toBeNull();
    // The hub answers again: the next round takes payments again.
    down.on = false;
    expect(await kiosk.round()).toBe(true);
    const taken = await kiosk.tillAsks(250);
    expect(taken.status).toBe(201);
    expect((await kiosk.tillTakesBack(taken.body.payment.id)).status).toBe(200);
  });
});
