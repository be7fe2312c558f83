// An idle kiosk learns by itself, within a bounded number of hub rounds, that the admin revoked its kiosk
// registration (not its till's token): its screens say it takes no payments before a shopper tries.
//
// Before, only a signed call (connect, an identify) saw a revoked kiosk, so the first shopper after the
// revocation found out at the face step. Now the idle check reads GET /v1/kiosks/:id, unsigned and unaudited.
import { describe, expect, it } from 'vitest';
import type { KioskConfig } from '../../src/main/kiosk-config.ts';
import { openHubLink, watchHubRound } from '../../src/main/kiosk-runtime.ts';
import { KioskService } from '../../src/main/kiosk-service.ts';
import { credentialsCheckedEveryRounds } from '../../src/shared/limits.ts';
import { hubForRounds } from './hub-round-fixture.ts';
import { modelId } from './kiosk-test-hub.ts';
import { provisionedAgain } from './shop-fixture.ts';

const hubRig = hubForRounds('facepay-idle-revoked-kiosk-');

const pathOf = (input: Parameters<typeof fetch>[0]) =>
  new URL(String(input instanceof Request ? input.url : input)).pathname;

/** A kiosk with `config`; `olderHub`: its network answers GET /v1/kiosks/:id as a hub without the route. */
async function idleKiosk(config: KioskConfig, olderHub = false) {
  const network: typeof fetch = async (input, init) => {
    if (olderHub && pathOf(input) === `/v1/kiosks/${config.kioskId}`) {
      return Response.json(
        { error: { code: 'not_found', message: `no route GET ${pathOf(input)}` } },
        { status: 404 },
      );
    }
    return fetch(input, init);
  };
  const { link } = await openHubLink(
    { ...config, hubUrl: hubRig.test.hub.url },
    { fetch: network },
  );
  hubRig.links.push(link);
  const service = new KioskService({ config, hub: link, modelId });
  return { service, round: () => watchHubRound(link, service) };
}

async function rounds(kiosk: { round: () => Promise<boolean> }, count: number) {
  const said: boolean[] = [];
  for (let i = 0; i < count; i += 1) said.push(await kiosk.round());
  return said;
}

describe('an idle kiosk whose registration the admin revoked', () => {
  it(`notices within ${credentialsCheckedEveryRounds} rounds and says it takes no payments`, async () => {
    const till = await provisionedAgain(hubRig.test, 'till-kiosk-revoked');
    const kiosk = await idleKiosk(till);
    expect(await rounds(kiosk, credentialsCheckedEveryRounds)).not.toContain(false);
    await hubRig.test.admin.revokeKiosk(till.kioskId);
    const said = await rounds(kiosk, credentialsCheckedEveryRounds);
    expect(said.at(-1)).toBe(false);
    expect(kiosk.service.status()).toMatchObject({
      hub: 'unreachable',
      credentialsRefused: { status: 403, code: 'kiosk_revoked' },
    });
    // The till is refused too, with the reason, rather than a payment opened that cannot be paid.
    const fromTill = kiosk.service.requestFromTill({ amount: 300, reference: 'after-revoke' });
    expect(fromTill).toMatchObject({ ok: false, code: 'not_taking_payments' });
    // The next rounds' connect hears the same from the hub itself.
    expect(await kiosk.round()).toBe(false);
    expect(kiosk.service.status().credentialsRefused).toEqual({
      status: 403,
      code: 'kiosk_revoked',
    });
  });

  it('stays ready at an older hub without the route (its 404 is no refusal)', async () => {
    const kiosk = await idleKiosk(hubRig.test.shop.config, true);
    expect(await rounds(kiosk, 2 * credentialsCheckedEveryRounds)).not.toContain(false);
    expect(kiosk.service.status()).toMatchObject({ hub: 'reachable', credentialsRefused: null });
  });

  it('stays ready while its registration stands', async () => {
    const till = await provisionedAgain(hubRig.test, 'till-kiosk-standing');
    const kiosk = await idleKiosk(till);
    expect(await rounds(kiosk, 2 * credentialsCheckedEveryRounds)).not.toContain(false);
    expect(kiosk.service.status()).toMatchObject({ hub: 'reachable', credentialsRefused: null });
  });
});
