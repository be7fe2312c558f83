// The runtime's hub round asks which hub client the kiosk is (GET /v1/clients/me) until the hub says: a
// lost or failed ask is asked again next round, and a hub without the route is asked once, not every round.
//
// A real hub; the kiosk's network loses the ask, or answers it as a failing hub or an older hub would.
import { describe, expect, it } from 'vitest';
import { openHubLink, watchHubRound } from '../../src/main/kiosk-runtime.ts';
import { KioskService } from '../../src/main/kiosk-service.ts';
import { hubForRounds } from './hub-round-fixture.ts';
import { modelId } from './kiosk-test-hub.ts';

const hubRig = hubForRounds('facepay-own-client-rounds-');
const links = hubRig.links;

/** How the kiosk's network treats GET /v1/clients/me; 'hub': it reaches the hub. */
type OwnClientAsk = 'hub' | 'lost' | 'older hub' | 'failing hub' | 'too fast' | 'proxy page';

const isOwnClientAsk = (input: Parameters<typeof fetch>[0], init?: RequestInit) =>
  (init?.method ?? 'GET') === 'GET' &&
  new URL(String(input instanceof Request ? input.url : input)).pathname === '/v1/clients/me';

/** What each kind of network answers instead of the hub (the older hub's is Fastify's own 404). */
function answerOf(ask: Exclude<OwnClientAsk, 'hub'>): Response {
  switch (ask) {
    case 'lost':
      throw new TypeError('network is unreachable');
    case 'older hub':
      return Response.json(
        { message: 'Route GET:/v1/clients/me not found', error: 'Not Found', statusCode: 404 },
        { status: 404 },
      );
    case 'failing hub':
      return Response.json(
        { error: { code: 'internal', message: 'internal error' } },
        { status: 503 },
      );
    case 'too fast':
      return Response.json(
        { error: { code: 'rate_limited', message: 'too many requests; slow down' } },
        { status: 429 },
      );
    case 'proxy page':
      return new Response('<html><body>404 Not Found</body></html>', {
        status: 404,
        headers: { 'content-type': 'text/html' },
      });
  }
}

/** The shop's kiosk as the runtime starts it, over a network whose GET /v1/clients/me `network.ask` says. */
async function kiosk(ask: OwnClientAsk) {
  const network = { ask, asked: 0 };
  const fetchThrough: typeof fetch = async (input, init) => {
    if (!isOwnClientAsk(input, init)) return fetch(input, init);
    network.asked += 1;
    return network.ask === 'hub' ? fetch(input, init) : answerOf(network.ask);
  };
  const config = { ...hubRig.test.shop.config, hubUrl: hubRig.test.hub.url };
  const { link } = await openHubLink(config, { fetch: fetchThrough });
  links.push(link);
  const service = new KioskService({ config, hub: link, modelId });
  const round = async () => expect(await watchHubRound(link, service)).toBe(true);
  return { link, network, round };
}

describe("the runtime's hub round", () => {
  it('learns the client after a first ask that got no answer, then asks no more', async () => {
    const { link, network, round } = await kiosk('lost');
    // The first round connects (the link asks then) and asks again: both lost.
    await round();
    expect(network.asked).toBe(2);
    expect(link.ownClientId).toBeNull();
    network.ask = 'hub';
    await round();
    expect(network.asked).toBe(3);
    expect(link.ownClientId).toBe(hubRig.test.shop.tillClientId);
    await round();
    await round();
    expect(network.asked).toBe(3);
  });

  it.each(['failing hub', 'too fast', 'proxy page'] as const)(
    'asks again at every round while the hub gives no readable answer, and learns it once it does: %s',
    async (ask) => {
      const { link, network, round } = await kiosk(ask);
      await round();
      await round();
      await round();
      // connect's ask, then one a round.
      expect(network.asked).toBe(4);
      expect(link.ownClientId).toBeNull();
      network.ask = 'hub';
      await round();
      expect(link.ownClientId).toBe(hubRig.test.shop.tillClientId);
    },
  );

  it('asks an older hub (404: no such route) once, not at every round', async () => {
    const { link, network, round } = await kiosk('older hub');
    await round();
    await round();
    await round();
    expect(network.asked).toBe(1);
    expect(link.ownClientId).toBeNull();
    // What reconcile hears: the hub cannot say (its fingerprint rule decides), not "no answer, wait".
    expect(await link.learnOwnClient()).toEqual({ ok: true, value: null });
    expect(network.asked).toBe(1);
  });

  it('asks again once the link connects again (the hub may be a newer one now)', async () => {
    const { link, network, round } = await kiosk('older hub');
    await round();
    expect(network.asked).toBe(1);
    network.ask = 'hub';
    expect(await link.connect()).toMatchObject({ ok: true });
    expect(network.asked).toBe(2);
    expect(link.ownClientId).toBe(hubRig.test.shop.tillClientId);
    await round();
    expect(network.asked).toBe(2);
  });
});
