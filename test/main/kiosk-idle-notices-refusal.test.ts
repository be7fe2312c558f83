// An idle kiosk learns by itself, within a bounded number of hub rounds, that the hub no longer accepts its
// till's token: its shopper's screen says it takes no payments before anyone tries to pay.
//
// A real hub; the admin revokes or rotates the till's client while the kiosk runs idle (no payment, nothing
// to reconcile), and the runtime's hub round (watchHubRound) runs as it does every ~10 s in the kiosk.
import { describe, expect, it } from 'vitest';
import type { KioskConfig } from '../../src/main/kiosk-config.ts';
import { openHubLink, watchHubRound } from '../../src/main/kiosk-runtime.ts';
import { KioskService } from '../../src/main/kiosk-service.ts';
import { hubForRounds } from './hub-round-fixture.ts';
import { modelId } from './kiosk-test-hub.ts';
import { provisionedAgain } from './shop-fixture.ts';
import { credentialsCheckedEveryRounds } from '../../src/shared/limits.ts';

const hubRig = hubForRounds('facepay-idle-refusal-');
const links = hubRig.links;

const pathOf = (input: Parameters<typeof fetch>[0]) =>
  new URL(String(input instanceof Request ? input.url : input)).pathname;

/** How the kiosk's network treats GET /v1/clients/me: reaches the hub, or answers as an older hub or a failing one. */
type OwnClientRoute = 'hub' | 'older hub' | 'failing hub';

/** A kiosk of the shop with `config`, counting the requests it sends by path. */
async function idleKiosk(config: KioskConfig, route: OwnClientRoute = 'hub') {
  const asked = new Map<string, number>();
  const network: typeof fetch = async (input, init) => {
    const pathname = pathOf(input);
    asked.set(pathname, (asked.get(pathname) ?? 0) + 1);
    if (pathname !== '/v1/clients/me' || route === 'hub') return fetch(input, init);
    return route === 'older hub'
      ? Response.json(
          { message: 'Route GET:/v1/clients/me not found', error: 'Not Found', statusCode: 404 },
          { status: 404 },
        )
      : Response.json({ error: { code: 'internal', message: 'internal error' } }, { status: 503 });
  };
  const { link } = await openHubLink(
    { ...config, hubUrl: hubRig.test.hub.url },
    { fetch: network },
  );
  links.push(link);
  const service = new KioskService({ config, hub: link, modelId });
  const round = () => watchHubRound(link, service);
  return { service, round, asked: (pathname: string) => asked.get(pathname) ?? 0 };
}

/** Runs `rounds` hub rounds; answers what each said (ready or not). */
async function rounds(kiosk: { round: () => Promise<boolean> }, count: number) {
  const said: boolean[] = [];
  for (let i = 0; i < count; i += 1) said.push(await kiosk.round());
  return said;
}

describe('an idle kiosk', () => {
  it(`notices within ${credentialsCheckedEveryRounds} rounds that the admin revoked its till's token, and says it takes no payments`, async () => {
    const till = await provisionedAgain(hubRig.test, 'till-idle-revoked');
    const kiosk = await idleKiosk(till);
    expect(await kiosk.round()).toBe(true);
    await hubRig.test.admin.revokeClient((await hubRig.test.admin.getKiosk(till.kioskId)).clientId);
    const said = await rounds(kiosk, credentialsCheckedEveryRounds);
    expect(said.at(-1)).toBe(false);
    expect(kiosk.service.status()).toMatchObject({
      hub: 'unreachable',
      credentialsRefused: { status: 401, code: 'unauthorized' },
    });
  });

  it(`notices a token rotated away within ${credentialsCheckedEveryRounds} rounds, and only by a cheap call every ${credentialsCheckedEveryRounds} rounds while accepted`, async () => {
    const till = await provisionedAgain(hubRig.test, 'till-idle-rotated');
    const kiosk = await idleKiosk(till);
    expect(await kiosk.round()).toBe(true);
    // Connect asked which client this kiosk is; accepted rounds ask once every N rounds, no more.
    expect(kiosk.asked('/v1/clients/me')).toBe(1);
    expect(await rounds(kiosk, 2 * credentialsCheckedEveryRounds)).not.toContain(false);
    expect(kiosk.asked('/v1/clients/me')).toBe(3);
    await hubRig.test.admin.rotateClientToken(
      (await hubRig.test.admin.getKiosk(till.kioskId)).clientId,
    );
    const said = await rounds(kiosk, credentialsCheckedEveryRounds);
    expect(said.at(-1)).toBe(false);
    expect(kiosk.service.status().credentialsRefused).toEqual({
      status: 401,
      code: 'unauthorized',
    });
  });

  it(`notices the revocation within ${credentialsCheckedEveryRounds} rounds at an older hub without GET /v1/clients/me, which it still asks once per connection`, async () => {
    const till = await provisionedAgain(hubRig.test, 'till-idle-older-hub');
    const kiosk = await idleKiosk(till, 'older hub');
    expect(await kiosk.round()).toBe(true);
    expect(await rounds(kiosk, credentialsCheckedEveryRounds)).not.toContain(false);
    await hubRig.test.admin.revokeClient((await hubRig.test.admin.getKiosk(till.kioskId)).clientId);
    const said = await rounds(kiosk, credentialsCheckedEveryRounds);
    expect(said.at(-1)).toBe(false);
    expect(kiosk.service.status().credentialsRefused).toEqual({
      status: 401,
      code: 'unauthorized',
    });
    // Asked at the first connect only: the refused rounds' connects never got as far as asking.
    expect(kiosk.asked('/v1/clients/me')).toBe(1);
  });

  it('stays ready when the check gets no readable answer (a 503): a hub that fails once is not a refusal', async () => {
    const kiosk = await idleKiosk(hubRig.test.shop.config, 'failing hub');
    expect(await rounds(kiosk, 2 * credentialsCheckedEveryRounds)).not.toContain(false);
    expect(kiosk.service.status()).toMatchObject({ hub: 'reachable', credentialsRefused: null });
  });
});
