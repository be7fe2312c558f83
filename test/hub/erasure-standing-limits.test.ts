// Erasure takes the person's standing consent with it: a standing limit their account granted a payee
// by face + PIN is revoked in the erasure's transaction (audited, reason person_erased), so the payee
// places no more holds on that account without an authorization. Holds placed before stay and settle,
// release and refund as before: erasure never loses money.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  holdBody,
  openRawDb,
  type TestHub,
  syntheticFace as face,
  testFaceModelId,
} from './helpers.ts';
import { enrolTestPerson, sealedPin, sealedProbe, startIdentityHub } from './identity-helpers.ts';

const day = 86_400;
let t: TestHub;
let enroller: { id: string; token: string };
let till: string;
let hubKey: Uint8Array;

beforeEach(async () => {
  ({ t, enroller, till, hubKey } = await startIdentityHub({ shopBalance: 50_000 }));
});

afterEach(async () => t.stop());

describe('erasure and standing limits', () => {
  it("revokes the erased person's standing limits; holds placed under them still settle and refund", async () => {
    const alice = face();
    const sealedTemplate = () => sealedProbe(t, hubKey, face(alice));
    const personId = (
      await enrolTestPerson(t, hubKey, { enroller, accountId: 'alice', sealedTemplate })
    ).id;

    // The person's consent by face + PIN, minted by the shop's till, then the limit.
    const found = await t.call('POST', '/v1/identify', {
      token: till,
      body: {
        modelId: testFaceModelId,
        sealedProbe: sealedProbe(t, hubKey, face(alice)),
        liveness: { passed: true, score: 0.97 },
        payee: 'shop',
        amount: 3_000,
        purpose: 'standing_limit',
      },
    });
    expect(found.body).toMatchObject({ pinRequired: true });
    t.clock.advance(1_000);
    const consent = await t.call('POST', '/v1/verify-pin', {
      token: till,
      body: {
        personId,
        sealedPin: sealedPin(t, hubKey, '4821', `verify:${personId}`),
        payee: 'shop',
        amount: 3_000,
        standingLimit: { periodSeconds: 30 * day, expiresInSeconds: 365 * day },
      },
    });
    expect(consent.status).toBe(200);
    const limit = await t.call('POST', '/v1/standing-limits', {
      token: till,
      body: {
        payer: 'alice',
        payee: 'shop',
        amountPerPeriod: 3_000,
        periodSeconds: 30 * day,
        expiresInSeconds: 365 * day,
        authorization: consent.body.authorization,
      },
    });
    expect(limit.status).toBe(201);
    const toSettle = await t.call('POST', '/v1/holds', {
      token: till,
      body: holdBody('alice', 'shop', 1_000),
    });
    expect(toSettle.status).toBe(201);
    const toRelease = await t.call('POST', '/v1/holds', {
      token: till,
      body: holdBody('alice', 'shop', 500),
    });
    expect(toRelease.status).toBe(201);

    const erased = await t.call('DELETE', `/v1/persons/${personId}`, { token: enroller.token });
    expect(erased.status).toBe(204);

    // No more holds on the limit, this period or the next.
    const after = await t.call('POST', '/v1/holds', {
      token: till,
      body: holdBody('alice', 'shop', 100),
    });
    expect(after).toMatchObject({
      status: 403,
      body: { error: { code: 'authorization_required' } },
    });
    const listed = await t.call('GET', '/v1/standing-limits?payer=alice');
    expect(listed.body.items).toMatchObject([{ id: limit.body.id }]);
    expect(listed.body.items[0].revokedAt).not.toBeNull();

    const db = await openRawDb(t.dir);
    let audited: { kind: string; actor: string; data: string }[];
    try {
      audited = await db.all<{ kind: string; actor: string; data: string }>(
        "SELECT kind, actor, data FROM audit_log WHERE subject = ? AND kind LIKE 'standing_limit.%' ORDER BY seq",
        limit.body.id as string,
      );
    } finally {
      await db.close();
    }
    expect(audited.map((row) => row.kind)).toEqual([
      'standing_limit.created',
      'standing_limit.revoked',
    ]);
    expect(audited[1]?.actor).toBe(enroller.id);
    expect(JSON.parse(audited[1]?.data ?? '{}')).toMatchObject({ reason: 'person_erased' });

    // The holds placed before the erasure go on: settle, refund, release.
    const settled = await t.call('POST', `/v1/holds/${toSettle.body.id}/settle`, {
      token: till,
      body: { amount: 1_000 },
    });
    expect(settled.status).toBe(200);
    const refunded = await t.call('POST', `/v1/holds/${toSettle.body.id}/refunds`, {
      token: till,
      body: { amount: 400 },
    });
    expect(refunded.status).toBe(200);
    const released = await t.call('POST', `/v1/holds/${toRelease.body.id}/release`, {
      token: till,
      body: {},
    });
    expect(released.status).toBe(200);
    const account = await t.call('GET', '/v1/accounts/alice');
    expect(account.body).toMatchObject({ balance: 100_000 - 1_000 + 400, held: 0 });

    // A period later: still no hold on the revoked limit.
    t.clock.advance(31 * day * 1000);
    const nextPeriod = await t.call('POST', '/v1/holds', {
      token: till,
      body: holdBody('alice', 'shop', 100),
    });
    expect(nextPeriod).toMatchObject({
      status: 403,
      body: { error: { code: 'authorization_required' } },
    });
  });
});
