// The payer's consent over HTTP (issue 9, findings 1, 2 and 7): who may grant a standing limit (admin,
// a merchant payer's own back office, a person only by face + PIN), revoking and replacing limits, and
// raising a hold only with the payer's consent.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  account,
  client,
  holdBody,
  openRawDb,
  type TestHub,
  syntheticFace as face,
  testFaceModelId,
} from './helpers.ts';
import { enrolTestPerson, sealedPin, sealedProbe, startIdentityHub } from './identity-helpers.ts';

const modelId = testFaceModelId;
const day = 86_400;
let t: TestHub;
let enroller: { id: string; token: string };
let till: string;
let hubKey: Uint8Array;

const probe = (template: Float32Array) => sealedProbe(t, hubKey, template);
const pin = (value: string, purpose: string) => sealedPin(t, hubKey, value, purpose);

/** An adult enrolled with face and PIN 4821 on a person account holding 100,000. */
async function enrol(accountId: string, template: Float32Array): Promise<string> {
  const sealedTemplate = () => probe(face(template));
  return (await enrolTestPerson(t, hubKey, { enroller, accountId, sealedTemplate })).id;
}

function identify(template: Float32Array, amount: number, extra: Record<string, unknown> = {}) {
  return t.call('POST', '/v1/identify', {
    token: till,
    body: {
      modelId,
      sealedProbe: probe(face(template)),
      liveness: { passed: true, score: 0.97 },
      payee: 'shop',
      amount,
      ...extra,
    },
  });
}

const limitBody = (payer: string, payee: string, extra: Record<string, unknown> = {}) => ({
  payer,
  payee,
  amountPerPeriod: 3_000,
  periodSeconds: 30 * day,
  expiresInSeconds: 365 * day,
  ...extra,
});

/** The person's face + PIN consent to `terms` for the shop, minted by the shop's till. */
async function standingConsent(
  template: Float32Array,
  personId: string,
  terms: { amount: number; periodSeconds: number; expiresInSeconds: number },
) {
  const found = await identify(template, terms.amount, { purpose: 'standing_limit' });
  expect(found.body).toMatchObject({ pinRequired: true });
  expect(found.body.authorization).toBeUndefined();
  t.clock.advance(1_000);
  return t.call('POST', '/v1/verify-pin', {
    token: till,
    body: {
      personId,
      sealedPin: pin('4821', `verify:${personId}`),
      payee: 'shop',
      amount: terms.amount,
      standingLimit: {
        periodSeconds: terms.periodSeconds,
        expiresInSeconds: terms.expiresInSeconds,
      },
    },
  });
}

beforeEach(async () => {
  // A measured face-only point: an adult's face alone may authorize a payment (never a standing limit).
  ({ t, enroller, till, hubKey } = await startIdentityHub({
    faceOnlyFmr: 1e-9,
    shopBalance: 50_000,
  }));
  await account(t, 'supplier', 'merchant');
});

afterEach(async () => t.stop());

describe('granting a standing limit (finding 1)', () => {
  it("an event source cannot grant a standing limit on its merchant's account", async () => {
    const device = await client(t, 'event_source', 'shop', ['goods.delivered']);
    const supplierTill = await client(t, 'merchant', 'supplier');
    const granted = await t.call('POST', '/v1/standing-limits', {
      token: device,
      body: limitBody('shop', 'supplier'),
    });
    expect(granted).toMatchObject({ status: 403, body: { error: { code: 'forbidden' } } });
    const hold = await t.call('POST', '/v1/holds', {
      token: supplierTill,
      body: holdBody('shop', 'supplier', 1_000),
    });
    expect(hold).toMatchObject({
      status: 403,
      body: { error: { code: 'authorization_required' } },
    });
  });

  it("a merchant payer's own back office grants one; an enrollment client cannot", async () => {
    const office = await client(t, 'merchant', 'shop');
    const enrolling = await t.call('POST', '/v1/standing-limits', {
      token: enroller.token,
      body: limitBody('shop', 'supplier'),
    });
    expect(enrolling.status).toBe(403);
    const granted = await t.call('POST', '/v1/standing-limits', {
      token: office,
      body: limitBody('shop', 'supplier'),
    });
    expect(granted.status).toBe(201);
  });

  it("a person's own app cannot grant a standing limit without the person's face + PIN", async () => {
    await account(t, 'alice', 'person', 10_000);
    const aliceApp = await client(t, 'merchant', 'alice');
    const granted = await t.call('POST', '/v1/standing-limits', {
      token: aliceApp,
      body: limitBody('alice', 'shop'),
    });
    expect(granted).toMatchObject({
      status: 403,
      body: { error: { code: 'authorization_required' } },
    });
    const hold = await t.call('POST', '/v1/holds', {
      token: till,
      body: holdBody('alice', 'shop', 1_000),
    });
    expect(hold.body.error.code).toBe('authorization_required');
  });

  it('a child cannot consent to a standing limit, even by face + PIN (the guardian decides)', async () => {
    const kid = face();
    const { id } = await enrolTestPerson(t, hubKey, {
      enroller,
      accountId: 'kid',
      dateOfBirth: '2015-01-01',
      sealedTemplate: () => probe(face(kid)),
    });
    const consent = await standingConsent(kid, id, {
      amount: 1_000,
      periodSeconds: 30 * day,
      expiresInSeconds: 365 * day,
    });
    expect(consent).toMatchObject({ status: 403, body: { error: { code: 'forbidden' } } });
    expect((await t.call('GET', '/v1/standing-limits?payer=kid')).body.items).toEqual([]);
  });

  it('face + PIN consent grants one standing limit within its terms, once, and pays no hold', async () => {
    const alice = face();
    const id = await enrol('alice', alice);
    const terms = { amount: 3_000, periodSeconds: 30 * day, expiresInSeconds: 365 * day };
    const consent = await standingConsent(alice, id, terms);
    expect(consent.status).toBe(200);
    const authorization = consent.body.authorization as string;

    const asPayment = await t.call('POST', '/v1/holds', {
      token: till,
      body: holdBody('alice', 'shop', 1_000, { authorization }),
    });
    expect(asPayment.body.error.code).toBe('authorization_invalid');
    for (const beyond of [
      { amountPerPeriod: 3_001 },
      { periodSeconds: 29 * day },
      { expiresInSeconds: 366 * day },
    ]) {
      const over = await t.call('POST', '/v1/standing-limits', {
        token: till,
        body: limitBody('alice', 'shop', { ...beyond, authorization }),
      });
      expect(over.body.error.code, JSON.stringify(beyond)).toBe('authorization_invalid');
    }
    const granted = await t.call('POST', '/v1/standing-limits', {
      token: till,
      body: limitBody('alice', 'shop', { amountPerPeriod: 2_500, authorization }),
    });
    expect(granted.status).toBe(201);
    const again = await t.call('POST', '/v1/standing-limits', {
      token: till,
      body: limitBody('alice', 'shop', { authorization }),
    });
    expect(again.body.error.code).toBe('authorization_invalid');
    const hold = await t.call('POST', '/v1/holds', {
      token: till,
      body: holdBody('alice', 'shop', 2_500),
    });
    expect(hold.status).toBe(201);
  });

  it("a payment authorization (face alone) or a PIN-only one is not a standing limit's consent", async () => {
    const alice = face();
    await enrol('alice', alice);
    const paid = await identify(alice, 3_000);
    expect(paid.body.pinRequired).toBe(false);
    const granted = await t.call('POST', '/v1/standing-limits', {
      token: till,
      body: limitBody('alice', 'shop', { authorization: paid.body.authorization }),
    });
    expect(granted.body.error.code).toBe('authorization_invalid');
    const id = paid.body.match.personId as string;
    const { memberNumber } = (await t.call('GET', `/v1/persons/${id}`, { token: enroller.token }))
      .body;
    const pinOnly = await t.call('POST', '/v1/pin-authorizations', {
      token: till,
      body: {
        memberNumber,
        sealedPin: pin('4821', `member:${memberNumber as string}`),
        payee: 'shop',
        amount: 3_000,
      },
    });
    expect(pinOnly.status).toBe(200);
    const byPinOnly = await t.call('POST', '/v1/standing-limits', {
      token: till,
      body: limitBody('alice', 'shop', { authorization: pinOnly.body.authorization }),
    });
    expect(byPinOnly.body.error.code).toBe('authorization_invalid');
    // The face identified for a payment does not open a standing-limit PIN check.
    await identify(alice, 40_000);
    t.clock.advance(1_000);
    const mixed = await t.call('POST', '/v1/verify-pin', {
      token: till,
      body: {
        personId: id,
        sealedPin: pin('4821', `verify:${id}`),
        payee: 'shop',
        amount: 3_000,
        standingLimit: { periodSeconds: 30 * day, expiresInSeconds: 365 * day },
      },
    });
    expect(mixed.body.error.code).toBe('identification_required');
  });
});

describe('revoking and replacing standing limits (finding 2)', () => {
  it('the payer revokes a limit at once: holds placed after are refused; revocation is audited once', async () => {
    const office = await client(t, 'merchant', 'shop');
    const supplierTill = await client(t, 'merchant', 'supplier');
    const limit = await t.call('POST', '/v1/standing-limits', {
      token: office,
      body: limitBody('shop', 'supplier'),
    });
    expect(limit.status).toBe(201);
    const before = await t.call('POST', '/v1/holds', {
      token: supplierTill,
      body: holdBody('shop', 'supplier', 1_000),
    });
    expect(before.status).toBe(201);
    for (const stranger of [supplierTill, await client(t, 'event_source', 'shop', ['x.y'])]) {
      const refused = await t.call('DELETE', `/v1/standing-limits/${limit.body.id}`, {
        token: stranger,
      });
      expect([403, 404]).toContain(refused.status);
    }
    const revoked = await t.call('DELETE', `/v1/standing-limits/${limit.body.id}`, {
      token: office,
    });
    expect(revoked.status).toBe(204);
    const after = await t.call('POST', '/v1/holds', {
      token: supplierTill,
      body: holdBody('shop', 'supplier', 1_000),
    });
    expect(after).toMatchObject({
      status: 403,
      body: { error: { code: 'authorization_required' } },
    });
    t.clock.advance(1_000);
    expect(
      (await t.call('DELETE', `/v1/standing-limits/${limit.body.id}`, { token: office })).status,
    ).toBe(204);

    const listed = await t.call('GET', '/v1/standing-limits?payer=shop', { token: office });
    expect(listed.status).toBe(200);
    expect(listed.body).toMatchObject({
      items: [{ id: limit.body.id, revokedAt: new Date(t.clock.now() - 1_000).toISOString() }],
      nextCursor: null,
    });
    expect(
      (await t.call('GET', '/v1/standing-limits?payer=shop', { token: supplierTill })).status,
    ).toBe(403);

    const db = await openRawDb(t.dir);
    let audited: { kind: string }[];
    try {
      audited = await db.all<{ kind: string }>(
        "SELECT kind FROM audit_log WHERE subject = ? AND kind LIKE 'standing_limit.%' ORDER BY seq",
        limit.body.id as string,
      );
    } finally {
      await db.close();
    }
    expect(audited.map((a) => a.kind)).toEqual([
      'standing_limit.created',
      'standing_limit.revoked',
    ]);
  });

  it('a newer limit for the same pair replaces the older one, which does not come back', async () => {
    const office = await client(t, 'merchant', 'shop');
    const supplierTill = await client(t, 'merchant', 'supplier');
    const older = await t.call('POST', '/v1/standing-limits', {
      token: office,
      body: limitBody('shop', 'supplier', { amountPerPeriod: 10_000 }),
    });
    const newer = await t.call('POST', '/v1/standing-limits', {
      token: office,
      body: limitBody('shop', 'supplier', { amountPerPeriod: 1_000, expiresInSeconds: 3_600 }),
    });
    expect([older.status, newer.status]).toEqual([201, 201]);
    const over = await t.call('POST', '/v1/holds', {
      token: supplierTill,
      body: holdBody('shop', 'supplier', 5_000),
    });
    expect(over.body.error.code).toBe('limit_exceeded');
    t.clock.advance(2 * 3_600_000);
    const afterNewerExpired = await t.call('POST', '/v1/holds', {
      token: supplierTill,
      body: holdBody('shop', 'supplier', 5_000),
    });
    expect(afterNewerExpired.body.error.code).toBe('authorization_required');
    const listed = await t.call('GET', '/v1/standing-limits?payer=shop&limit=1');
    expect(listed.body.items.map((l: { id: string }) => l.id)).toEqual([newer.body.id]);
    const rest = await t.call(
      'GET',
      `/v1/standing-limits?payer=shop&limit=1&cursor=${listed.body.nextCursor as string}`,
    );
    expect(rest.body.items).toMatchObject([{ id: older.body.id, revokedAt: expect.any(String) }]);
    expect(rest.body.nextCursor).toBeNull();
  });

  it('a standing limit row cannot be rewritten or deleted through SQL, only revoked once', async () => {
    const limit = await t.call('POST', '/v1/standing-limits', {
      body: limitBody('shop', 'supplier'),
    });
    const db = await openRawDb(t.dir);
    try {
      await expect(db.run('UPDATE standing_limits SET amount_per_period = 1')).rejects.toThrow(
        /immutable/,
      );
      await expect(db.run('DELETE FROM standing_limits')).rejects.toThrow(/immutable/);
      expect(
        await db.run(
          "UPDATE standing_limits SET revoked_at = 1, revoked_by = 'x' WHERE id = ?",
          limit.body.id,
        ),
      ).toBe(1);
      await expect(
        db.run("UPDATE standing_limits SET revoked_at = 2, revoked_by = 'y'"),
      ).rejects.toThrow(/immutable/);
    } finally {
      await db.close();
    }
  });
});

describe('raising a hold needs the payer’s consent (finding 7)', () => {
  it('a merchant cannot raise an admin-placed hold without a standing limit or a fresh authorization', async () => {
    const alice = face();
    await enrol('alice', alice);
    const placed = await t.call('POST', '/v1/holds', { body: holdBody('alice', 'shop', 1_000) });
    expect(placed.status).toBe(201);
    const raise = (amount: number, extra: Record<string, unknown> = {}) =>
      t.call('POST', `/v1/holds/${placed.body.id}/increase`, {
        token: till,
        body: { amount, ...extra },
      });
    expect(await raise(90_000)).toMatchObject({
      status: 403,
      body: { error: { code: 'authorization_required' } },
    });

    const paid = await identify(alice, 2_000);
    const authorization = paid.body.authorization as string;
    expect((await raise(2_001, { authorization })).body.error.code).toBe('authorization_invalid');
    const raised = await raise(2_000, { authorization });
    expect(raised).toMatchObject({ status: 200, body: { amount: 2_000 } });
    expect((await raise(2_000 + 1, { authorization })).body.error.code).toBe(
      'authorization_invalid',
    );
    const byAdmin = await t.call('POST', `/v1/holds/${placed.body.id}/increase`, {
      body: { amount: 3_000 },
    });
    expect(byAdmin.status).toBe(200);
  });

  it("a merchant payer's standing limit covers a raise within its period, not beyond", async () => {
    const supplierTill = await client(t, 'merchant', 'supplier');
    const placed = await t.call('POST', '/v1/holds', { body: holdBody('shop', 'supplier', 1_000) });
    const raise = (amount: number) =>
      t.call('POST', `/v1/holds/${placed.body.id}/increase`, {
        token: supplierTill,
        body: { amount },
      });
    expect((await raise(90_000)).body.error.code).toBe('authorization_required');
    await t.call('POST', '/v1/standing-limits', { body: limitBody('shop', 'supplier') });
    expect((await raise(3_000)).status).toBe(200);
    expect((await raise(3_001)).body.error.code).toBe('limit_exceeded');
  });

  it('a raise of a hold placed in an earlier period counts in the period it is made', async () => {
    // Before: only holds placed within the period counted, so raises of an older hold were never
    // counted and the payee could take the whole limit again with every raise.
    const supplierTill = await client(t, 'merchant', 'supplier');
    await t.call('POST', '/v1/standing-limits', {
      body: limitBody('shop', 'supplier', { periodSeconds: day }),
    });
    const placed = await t.call('POST', '/v1/holds', {
      token: supplierTill,
      body: holdBody('shop', 'supplier', 1_000, { expiresInSeconds: 30 * day }),
    });
    expect(placed.status).toBe(201);
    const raise = (amount: number) =>
      t.call('POST', `/v1/holds/${placed.body.id}/increase`, {
        token: supplierTill,
        body: { amount },
      });
    t.clock.advance((day + 1) * 1000);
    expect((await raise(4_000)).status).toBe(200);
    expect(await raise(4_001)).toMatchObject({
      status: 422,
      body: { error: { code: 'limit_exceeded' } },
    });
    expect(await raise(7_000)).toMatchObject({ status: 422 });
    t.clock.advance((day + 1) * 1000);
    expect(await raise(7_000)).toMatchObject({ status: 200, body: { amount: 7_000 } });
  });

  it("a raise of an older hold counts toward the payer account's daily limit", async () => {
    await account(t, 'buyer', 'merchant', 50_000, { limits: { dailyMax: 5_000 } });
    const placed = await t.call('POST', '/v1/holds', {
      body: holdBody('buyer', 'supplier', 5_000, { expiresInSeconds: 30 * day }),
    });
    expect(placed.status).toBe(201);
    const raise = (amount: number) =>
      t.call('POST', `/v1/holds/${placed.body.id}/increase`, { body: { amount } });
    t.clock.advance((day + 1) * 1000);
    expect((await raise(10_000)).status).toBe(200);
    expect(await raise(10_001)).toMatchObject({
      status: 422,
      body: { error: { code: 'limit_exceeded' } },
    });
    const fresh = await t.call('POST', '/v1/holds', { body: holdBody('buyer', 'supplier', 1) });
    expect(fresh.body.error.code).toBe('limit_exceeded');
  });
});
