// A kiosk's sealed payment PIN is bound, inside the seal, to the payee and amount it was typed for.
// Before, a member-number PIN was sealed only for `member:<memberNumber>`: someone on the kiosk-hub path
// holding another merchant client could take the shop kiosk's sealed PIN (payee `shop`, 500 yen), send it
// first from their own till for `other-shop`, 2,000 yen, and get an authorization paying `other-shop`
// (the PIN fallback needs no face). The kiosk's own HubLink seals the PIN here, as a till does.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sodium } from '../../src/biometrics/protect/sodium.ts';
import { HubLink } from '../../src/main/hub-link.ts';
import {
  account,
  clientWithId,
  openRawDb,
  startTestHub,
  testCalibrationFile,
  type TestHub,
} from './helpers.ts';
import { enrolTestPerson, fetchHubKey, testPin } from './identity-helpers.ts';
import { registerTestKiosk, type TestKiosk } from './kiosk-helpers.ts';

let t: TestHub;
let shopTill: { id: string; token: string };
let attackerTill: { id: string; token: string };
let k1: TestKiosk;
let memberNumber: string;
let link: HubLink | undefined;

beforeEach(async () => {
  await sodium.ready;
  t = await startTestHub({ calibrationFile: testCalibrationFile() });
  await account(t, 'shop', 'merchant');
  await account(t, 'other-shop', 'merchant');
  shopTill = await clientWithId(t, 'merchant', 'shop');
  attackerTill = await clientWithId(t, 'merchant', 'other-shop');
  const enroller = await clientWithId(t, 'enrollment');
  const hubKey = await fetchHubKey(t);
  k1 = await registerTestKiosk(t, shopTill.id);
  // The PIN fallback needs no face: a person with a PIN and a member number is enough.
  ({ memberNumber } = await enrolTestPerson(t, hubKey, { enroller, accountId: 'alice' }));
});

afterEach(async () => {
  link?.dispose();
  link = undefined;
  await t.stop();
});

/** The shop kiosk's HubLink; `intercept` sees (and may drop) each request's body on its way. */
function shopKioskLink(intercept: (path: string, body: unknown) => boolean): HubLink {
  return new HubLink({
    hubUrl: t.hub.url,
    hubToken: shopTill.token,
    kioskId: k1.id,
    identity: k1.identity,
    now: () => t.clock.now(),
    elapsed: () => t.clock.now(),
    fetch: async (input, init) => {
      const url = new URL(String(input instanceof Request ? input.url : input));
      const body: unknown = typeof init?.body === 'string' ? JSON.parse(init.body) : undefined;
      if (!intercept(url.pathname, body)) throw new TypeError('fetch failed: dropped on the way');
      return fetch(input, init);
    },
  });
}

async function authorizationsFor(payee: string): Promise<number> {
  const db = await openRawDb(t.dir);
  try {
    const row = await db.get<{ n: number | string }>(
      `SELECT COUNT(*) AS n FROM payment_authorizations WHERE payee = '${payee}'`,
    );
    return Number(row?.n);
  } finally {
    await db.close();
  }
}

describe("a kiosk's sealed payment PIN is bound to its payee and amount", () => {
  it('another till cannot present a captured member-number PIN for its own payee', async () => {
    let captured: { sealedPin: string } | undefined;
    link = shopKioskLink((path, body) => {
      if (path !== '/v1/pin-authorizations') return true;
      captured = body as { sealedPin: string };
      return false; // the attacker holds the request back and sends the PIN first
    });
    expect((await link.connect()).ok).toBe(true);
    const lost = await link.pinAuthorization({
      memberNumber,
      pin: testPin,
      payee: 'shop',
      amount: 500,
    });
    expect(lost.ok).toBe(false);
    expect(captured).toBeDefined();

    const moved = await t.call('POST', '/v1/pin-authorizations', {
      token: attackerTill.token,
      body: { memberNumber, sealedPin: captured?.sealedPin, payee: 'other-shop', amount: 2_000 },
    });
    expect(moved.body.authorization).toBeUndefined();
    expect(moved.status).toBe(400);
    expect(moved.body.error.code).toBe('probe_invalid');
    expect(await authorizationsFor('other-shop')).toBe(0);

    // Nor at the right payee for more than the shopper typed the PIN for.
    const moreThanTyped = await t.call('POST', '/v1/pin-authorizations', {
      token: shopTill.token,
      body: { memberNumber, sealedPin: captured?.sealedPin, payee: 'shop', amount: 2_000 },
    });
    expect(moreThanTyped.body.authorization).toBeUndefined();
    expect(moreThanTyped.body.error.code).toBe('probe_invalid');

    // The kiosk's own PIN for its own payment still authorizes it.
    link.dispose();
    link = shopKioskLink(() => true);
    expect((await link.connect()).ok).toBe(true);
    const paid = await link.pinAuthorization({
      memberNumber,
      pin: testPin,
      payee: 'shop',
      amount: 500,
    });
    expect(paid.ok).toBe(true);
    expect(await authorizationsFor('shop')).toBe(1);
  });
});
