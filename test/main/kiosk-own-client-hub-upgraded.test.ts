// An older hub (no GET /v1/clients/me) upgraded in place while the kiosk runs: the kiosk must learn which hub
// client it is from the upgraded hub, as it did before it remembered the older hub's 404 (dd067ca).
//
// Found in review (helper-65): HubLink forgets the 404 only when it connects again, and a ready link never
// connects again after the hub was away for a round (kiosk-runtime's round connects only while not ready).
// Fixed: a health ask that finds the hub away drops that memory (HubLink.healthy).
// Why it matters: each hold request records this run's client id (PendingHold.sentByClient); left null,
// a lost request of this kiosk whose token is rotated later is sent to staff instead of being settled.
import { describe, expect, it } from 'vitest';
import { openHubLink, watchHubRound } from '../../src/main/kiosk-runtime.ts';
import { KioskService } from '../../src/main/kiosk-service.ts';
import { hubForRounds } from './hub-round-fixture.ts';
import { modelId } from './kiosk-test-hub.ts';

const hubRig = hubForRounds('facepay-own-client-upgraded-');
const links = hubRig.links;

/** The hub as the kiosk's network shows it: an older one, away (restarting), or the upgraded one. */
type HubSeen = 'older hub' | 'away' | 'upgraded hub';

const isOwnClientAsk = (input: Parameters<typeof fetch>[0], init?: RequestInit) =>
  (init?.method ?? 'GET') === 'GET' &&
  new URL(String(input instanceof Request ? input.url : input)).pathname === '/v1/clients/me';

/** The shop's kiosk as the runtime starts it; `network.hub` says which hub its requests reach. */
async function kiosk() {
  const network = { hub: 'older hub' as HubSeen, asked: 0 };
  const fetchThrough: typeof fetch = async (input, init) => {
    if (network.hub === 'away') throw new TypeError('connect ECONNREFUSED');
    if (!isOwnClientAsk(input, init)) return fetch(input, init);
    network.asked += 1;
    if (network.hub === 'upgraded hub') return fetch(input, init);
    // An older hub's Fastify 404 for a route it does not have.
    return Response.json(
      { message: 'Route GET:/v1/clients/me not found', error: 'Not Found', statusCode: 404 },
      { status: 404 },
    );
  };
  const config = { ...hubRig.test.shop.config, hubUrl: hubRig.test.hub.url };
  const { link } = await openHubLink(config, { fetch: fetchThrough });
  links.push(link);
  const service = new KioskService({ config, hub: link, modelId });
  return { link, network, round: () => watchHubRound(link, service) };
}

describe('an older hub upgraded in place while the kiosk runs', () => {
  it('learns which client it is from the upgraded hub once the hub is back', async () => {
    const { link, network, round } = await kiosk();
    expect(await round()).toBe(true);
    expect(network.asked).toBe(1);
    expect(link.ownClientId).toBeNull();
    // The hub is stopped for its upgrade: a round finds it away.
    network.hub = 'away';
    expect(await round()).toBe(false);
    // Back, with GET /v1/clients/me. Rounds at 10 s: a minute of them.
    network.hub = 'upgraded hub';
    for (let n = 0; n < 6; n += 1) expect(await round()).toBe(true);
    expect(link.ownClientId).toBe(hubRig.test.shop.tillClientId);
  }, 60_000);
});
