// Every endpoint and every error code of API.md over a real port: the contract as a client sees it,
// including roles, scopes, idempotent replays, paging, expiry exactness and OpenAPI.
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { account, balances, client, holdBody, startTestHub, type TestHub } from './helpers.ts';

let t: TestHub;
let shopToken: string;
let otherShopToken: string;
beforeEach(async () => {
  t = await startTestHub();
  await account(t, 'alice', 'person', 50_000);
  await account(t, 'biz', 'merchant', 50_000);
  await account(t, 'shop', 'merchant');
  await account(t, 'other-shop', 'merchant');
  shopToken = await client(t, 'merchant', 'shop');
  otherShopToken = await client(t, 'merchant', 'other-shop');
});
afterEach(async () => t.stop());

async function placeAsAdmin(amount: number, extra: Record<string, unknown> = {}) {
  const placed = await t.call('POST', '/v1/holds', {
    body: holdBody('alice', 'shop', amount, extra),
  });
  expect(placed.status).toBe(201);
  return placed.body as { id: string };
}

describe('health, auth, openapi', () => {
  it('health needs no token', async () => {
    const health = await t.call('GET', '/v1/health', { token: null });
    expect(health).toMatchObject({ status: 200, body: { status: 'ok' } });
  });
  it('401 without or with an unknown token', async () => {
    expect((await t.call('GET', '/v1/accounts/alice', { token: null })).body.error.code).toBe(
      'unauthorized',
    );
    const unknown = await t.call('GET', '/v1/accounts/alice', { token: 'fpk_nope' });
    expect(unknown.status).toBe(401);
  });
  it('publishes OpenAPI generated from the request schemas', async () => {
    const doc = await t.call('GET', '/v1/openapi.json');
    expect(doc.body.openapi).toBe('3.1.0');
    const place = doc.body.paths['/v1/holds'].post;
    const schema = place.requestBody.content['application/json'].schema;
    expect(schema.required).toEqual(
      expect.arrayContaining([
        'payer',
        'payee',
        'amount',
        'currency',
        'reference',
        'expiresInSeconds',
      ]),
    );
    expect(schema.additionalProperties).toBe(false);
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining(['/v1/holds/{id}/settle', '/v1/accounts/{id}/entries']),
    );
  });
});

describe('clients and roles', () => {
  it('only admin creates clients; the token works once created and is never shown again', async () => {
    const denied = await t.call('POST', '/v1/clients', {
      token: shopToken,
      body: { name: 'x', role: 'admin' },
    });
    expect(denied).toMatchObject({ status: 403, body: { error: { code: 'forbidden' } } });
    const created = await t.call('POST', '/v1/clients', {
      body: { name: 'till 2', role: 'merchant', merchantId: 'shop' },
    });
    expect(created.status).toBe(201);
    expect(created.body.token).toMatch(/^fpk_/);
    expect((await t.call('GET', '/v1/accounts/shop', { token: created.body.token })).status).toBe(
      200,
    );
  });
  it('refuses a merchant without merchantId, an event source without eventTypes, an unknown merchantId', async () => {
    for (const body of [
      { name: 'm', role: 'merchant' },
      { name: 'e', role: 'event_source', merchantId: 'shop' },
      { name: 'm', role: 'merchant', merchantId: 'nobody' },
    ]) {
      const refused = await t.call('POST', '/v1/clients', { body });
      expect(refused.status).toBe(400);
      expect(refused.body.error.code).toBe('invalid_request');
    }
  });
});

describe('accounts', () => {
  it('balance, held, available and entries newest first with a cursor', async () => {
    await placeAsAdmin(1_000);
    expect(await balances(t, 'alice')).toEqual({ balance: 50_000, held: 1_000, available: 49_000 });
    for (let i = 0; i < 3; i++)
      await t.call('POST', '/v1/accounts/alice/deposits', { body: { amount: 10 + i } });
    const first = await t.call('GET', '/v1/accounts/alice/entries?limit=2');
    expect(first.body.items.map((e: { amount: number }) => e.amount)).toEqual([12, 11]);
    const second = await t.call(
      'GET',
      `/v1/accounts/alice/entries?limit=2&cursor=${first.body.nextCursor}`,
    );
    expect(second.body.items.map((e: { amount: number }) => e.amount)).toEqual([10, 50_000]);
    expect(second.body.nextCursor).toBeNull();
  });
  it('409 on a duplicate id, 404 for another merchant, 403 deposits by non-admin', async () => {
    const duplicate = await t.call('POST', '/v1/accounts', {
      body: { id: 'alice', kind: 'person', name: 'A', currency: 'JPY' },
    });
    expect(duplicate.body.error.code).toBe('account_exists');
    expect((await t.call('GET', '/v1/accounts/alice', { token: shopToken })).status).toBe(404);
    expect((await t.call('GET', '/v1/accounts/alice/entries', { token: shopToken })).status).toBe(
      404,
    );
    const deposit = await t.call('POST', '/v1/accounts/shop/deposits', {
      token: shopToken,
      body: { amount: 5 },
    });
    expect(deposit.status).toBe(403);
    expect((await t.call('GET', '/v1/accounts/nobody')).status).toBe(404);
  });
});

describe('holds', () => {
  it('partial settlements, then final releases the rest; refunds up to what was settled', async () => {
    const hold = await placeAsAdmin(10_000);
    const s1 = await t.call('POST', `/v1/holds/${hold.id}/settle`, {
      token: shopToken,
      body: { amount: 2_000 },
    });
    expect(s1.body).toMatchObject({ status: 'active', settled: 2_000, remaining: 8_000 });
    const s2 = await t.call('POST', `/v1/holds/${hold.id}/settle`, {
      token: shopToken,
      body: { amount: 3_000, final: true },
    });
    expect(s2.body).toMatchObject({ status: 'settled', settled: 5_000, remaining: 0 });
    expect(s2.body.settlements).toHaveLength(2);
    expect(await balances(t, 'alice')).toEqual({ balance: 45_000, held: 0, available: 45_000 });
    const refund = await t.call('POST', `/v1/holds/${hold.id}/refunds`, {
      token: shopToken,
      body: { amount: 1_500 },
    });
    expect(refund.body).toMatchObject({ refunded: 1_500, status: 'settled' });
    const over = await t.call('POST', `/v1/holds/${hold.id}/refunds`, {
      token: shopToken,
      body: { amount: 3_501 },
    });
    expect(over).toMatchObject({ status: 422, body: { error: { code: 'exceeds_refundable' } } });
    expect(await balances(t, 'alice')).toEqual({ balance: 46_500, held: 0, available: 46_500 });
    const closed = await t.call('POST', `/v1/holds/${hold.id}/settle`, {
      token: shopToken,
      body: { amount: 1 },
    });
    expect(closed).toMatchObject({ status: 409, body: { error: { code: 'hold_closed' } } });
  });
  it('exceeds_remaining, increase upward only, release', async () => {
    const hold = await placeAsAdmin(1_000);
    const over = await t.call('POST', `/v1/holds/${hold.id}/settle`, {
      token: shopToken,
      body: { amount: 1_001 },
    });
    expect(over.body.error.code).toBe('exceeds_remaining');
    const up = await t.call('POST', `/v1/holds/${hold.id}/increase`, { body: { amount: 1_500 } });
    expect(up.body).toMatchObject({ amount: 1_500, remaining: 1_500 });
    const down = await t.call('POST', `/v1/holds/${hold.id}/increase`, { body: { amount: 1_400 } });
    expect(down).toMatchObject({ status: 422, body: { error: { code: 'not_an_increase' } } });
    const released = await t.call('POST', `/v1/holds/${hold.id}/release`, {
      token: shopToken,
      body: {},
    });
    expect(released.body).toMatchObject({ status: 'released', remaining: 0 });
    const again = await t.call('POST', `/v1/holds/${hold.id}/increase`, {
      body: { amount: 2_000 },
    });
    expect(again.body.error.code).toBe('hold_closed');
  });
  it('at most 50 settlements', async () => {
    const hold = await placeAsAdmin(100);
    for (let i = 0; i < 50; i++) {
      expect(
        (await t.call('POST', `/v1/holds/${hold.id}/settle`, { body: { amount: 1 } })).status,
      ).toBe(200);
    }
    const refused = await t.call('POST', `/v1/holds/${hold.id}/settle`, { body: { amount: 1 } });
    expect(refused).toMatchObject({
      status: 422,
      body: { error: { code: 'too_many_settlements' } },
    });
  });
  it('insufficient_funds, limit_exceeded, category_blocked', async () => {
    const poor = await t.call('POST', '/v1/holds', { body: holdBody('alice', 'shop', 50_001) });
    expect(poor).toMatchObject({ status: 422, body: { error: { code: 'insufficient_funds' } } });
    await account(t, 'kid', 'person', 10_000, {
      limits: { perPaymentMax: 1_000, dailyMax: 1_500 },
      blockedCategories: ['alcohol'],
    });
    expect(
      (await t.call('POST', '/v1/holds', { body: holdBody('kid', 'shop', 1_001) })).body.error.code,
    ).toBe('limit_exceeded');
    expect(
      (await t.call('POST', '/v1/holds', { body: holdBody('kid', 'shop', 1_000) })).status,
    ).toBe(201);
    expect(
      (await t.call('POST', '/v1/holds', { body: holdBody('kid', 'shop', 501) })).body.error.code,
    ).toBe('limit_exceeded');
    const beer = await t.call('POST', '/v1/holds', {
      body: holdBody('kid', 'shop', 300, { category: 'alcohol' }),
    });
    expect(beer).toMatchObject({ status: 422, body: { error: { code: 'category_blocked' } } });
    t.clock.advance(86_400_000);
    expect(
      (await t.call('POST', '/v1/holds', { body: holdBody('kid', 'shop', 1_000) })).status,
    ).toBe(201);
  });
  it("a merchant places holds only for itself and only with the payer's authorization", async () => {
    const forOther = await t.call('POST', '/v1/holds', {
      token: shopToken,
      body: holdBody('alice', 'other-shop', 100),
    });
    expect(forOther.status).toBe(403);
    const noAuth = await t.call('POST', '/v1/holds', {
      token: shopToken,
      body: holdBody('alice', 'shop', 100),
    });
    expect(noAuth).toMatchObject({
      status: 403,
      body: { error: { code: 'authorization_required' } },
    });
    const badAuth = await t.call('POST', '/v1/holds', {
      token: shopToken,
      body: holdBody('alice', 'shop', 100, { authorization: 'forged' }),
    });
    expect(badAuth).toMatchObject({
      status: 403,
      body: { error: { code: 'authorization_invalid' } },
    });
    const fromBusiness = await t.call('POST', '/v1/holds', {
      token: shopToken,
      body: holdBody('biz', 'shop', 100),
    });
    expect(fromBusiness.body.error.code).toBe('authorization_required');
    expect(await balances(t, 'alice')).toEqual({ balance: 50_000, held: 0, available: 50_000 });
  });
  it('another merchant learns nothing about a hold and cannot act on it', async () => {
    const hold = await placeAsAdmin(1_000);
    for (const [method, path, body] of [
      ['GET', `/v1/holds/${hold.id}`, undefined],
      ['POST', `/v1/holds/${hold.id}/settle`, { amount: 1 }],
      ['POST', `/v1/holds/${hold.id}/release`, {}],
      ['POST', `/v1/holds/${hold.id}/refunds`, { amount: 1 }],
      ['POST', `/v1/holds/${hold.id}/events`, { type: 'guest.arrived' }],
    ] as const) {
      const response = await t.call(method, path, {
        token: otherShopToken,
        ...(body === undefined ? {} : { body }),
      });
      expect([403, 404]).toContain(response.status);
    }
    expect((await t.call('GET', `/v1/holds/${hold.id}`)).body).toMatchObject({
      status: 'active',
      settled: 0,
    });
    const listed = await t.call('GET', '/v1/holds', { token: otherShopToken });
    expect(listed.body.items).toEqual([]);
    const listedByOwner = await t.call('GET', '/v1/holds', { token: shopToken });
    expect(listedByOwner.body.items.map((h: { id: string }) => h.id)).toEqual([hold.id]);
    expect((await t.call('GET', '/v1/holds/hold_missing')).status).toBe(404);
  });
  it('events: no_matching_rule, sender not in from, event source without the type', async () => {
    const hold = await placeAsAdmin(1_000, { template: { name: 'clinic_visit' } });
    const unknown = await t.call('POST', `/v1/holds/${hold.id}/events`, {
      token: shopToken,
      body: { type: 'goods.received' },
    });
    expect(unknown).toMatchObject({ status: 422, body: { error: { code: 'no_matching_rule' } } });
    const aliceApp = await client(t, 'merchant', 'alice');
    const payer = await t.call('POST', `/v1/holds/${hold.id}/events`, {
      token: aliceApp,
      body: { type: 'consultation.completed', data: { amount: 10 } },
    });
    expect(payer).toMatchObject({ status: 403, body: { error: { code: 'forbidden' } } });
    const wrongSource = await client(t, 'event_source', 'shop', ['guest.arrived']);
    const denied = await t.call('POST', `/v1/holds/${hold.id}/events`, {
      token: wrongSource,
      body: { type: 'consultation.completed', data: { amount: 10 } },
    });
    expect(denied.status).toBe(403);
    const noAmount = await t.call('POST', `/v1/holds/${hold.id}/events`, {
      token: shopToken,
      body: { type: 'consultation.completed' },
    });
    expect(noAmount.status).toBe(400);
    expect((await t.call('GET', `/v1/holds/${hold.id}`)).body).toMatchObject({
      status: 'active',
      events: [],
    });
  });
  it('custom rules: a client id and a role in from, integer amounts', async () => {
    const sensor = await client(t, 'event_source', 'shop', ['door.opened']);
    const rules = [
      { on: 'door.opened', action: 'settle', amount: 300, from: ['event_source'] },
      { on: 'expiry', action: 'settle', amount: 'remaining' },
    ];
    const hold = await placeAsAdmin(1_000, { rules });
    const opened = await t.call('POST', `/v1/holds/${hold.id}/events`, {
      token: sensor,
      body: { type: 'door.opened' },
    });
    expect(opened.body).toMatchObject({ status: 'active', settled: 300, onExpiry: 'settle' });
    t.clock.advance(3_600_000);
    const expired = await t.call('GET', `/v1/holds/${hold.id}`);
    expect(expired.body).toMatchObject({ status: 'settled', settled: 1_000 });
  });
  it('expiry is exact: past expiresAt no late settle succeeds, whether or not the sweeper ran', async () => {
    const hold = await placeAsAdmin(1_000, { expiresInSeconds: 60 });
    t.clock.advance(60_000);
    const late = await t.call('POST', `/v1/holds/${hold.id}/settle`, {
      token: shopToken,
      body: { amount: 1_000 },
    });
    expect(late).toMatchObject({ status: 409, body: { error: { code: 'hold_expired' } } });
    expect((await t.call('GET', `/v1/holds/${hold.id}`)).body).toMatchObject({
      status: 'expired',
      remaining: 0,
    });
    expect(await balances(t, 'alice')).toEqual({ balance: 50_000, held: 0, available: 50_000 });
  });
  it('money freed by an expired hold is available to the next hold before any sweep', async () => {
    await placeAsAdmin(50_000, { expiresInSeconds: 10 });
    t.clock.advance(10_000);
    const next = await t.call('POST', '/v1/holds', { body: holdBody('alice', 'shop', 50_000) });
    expect(next.status).toBe(201);
    expect(await balances(t, 'alice')).toEqual({ balance: 50_000, held: 50_000, available: 0 });
  });
  it('account reads expire due holds first, so available is exact', async () => {
    await placeAsAdmin(5_000, { expiresInSeconds: 10 });
    t.clock.advance(10_000);
    expect(await balances(t, 'alice')).toEqual({ balance: 50_000, held: 0, available: 50_000 });
  });
  it('lists by payer, payee and status with a cursor, newest first, each hold once', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) ids.push((await placeAsAdmin(10 + i)).id);
    await t.call('POST', `/v1/holds/${ids[0]}/release`, { body: {} });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { items: { id: string }[]; nextCursor: string | null } } = await t.call(
        'GET',
        `/v1/holds?payer=alice&status=active&limit=3${cursor === null ? '' : `&cursor=${cursor}`}`,
      );
      seen.push(...page.body.items.map((h) => h.id));
      cursor = page.body.nextCursor;
    } while (cursor !== null);
    expect(seen).toEqual(ids.slice(1).reverse());
    expect((await t.call('GET', '/v1/holds?limit=501')).status).toBe(400);
    expect((await t.call('GET', '/v1/holds?cursor=garbage')).status).toBe(400);
    expect((await t.call('GET', '/v1/holds?status=lost')).status).toBe(400);
  });
  it("lists by reference (extension): only holds placed under it, within the caller's own holds", async () => {
    const reference = `till-${randomUUID().slice(0, 8)}`;
    const mine = await placeAsAdmin(120, { reference });
    await placeAsAdmin(130);
    const byReference = await t.call('GET', `/v1/holds?payee=shop&reference=${reference}`);
    expect(byReference.status).toBe(200);
    expect(byReference.body.items.map((h: { id: string }) => h.id)).toEqual([mine.id]);
    // Another merchant asking for the same reference sees none of shop's holds.
    const other = await t.call('GET', `/v1/holds?reference=${reference}`, {
      token: otherShopToken,
    });
    expect(other).toMatchObject({ status: 200, body: { items: [] } });
    const own = await t.call('GET', `/v1/holds?reference=${reference}`, { token: shopToken });
    expect(own.body.items.map((h: { id: string }) => h.id)).toEqual([mine.id]);
    expect((await t.call('GET', `/v1/holds?reference=`)).status).toBe(400);
    expect((await t.call('GET', `/v1/holds?reference=${'r'.repeat(257)}`)).status).toBe(400);
  });
});

describe('idempotency', () => {
  it('same key and body replays the first response; another body is refused; no double money', async () => {
    const body = holdBody('alice', 'shop', 2_000, { template: { name: 'purchase' } });
    const first = await t.call('POST', '/v1/holds', { key: 'k-1', body });
    const again = await t.call('POST', '/v1/holds', { key: 'k-1', body });
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const reused = await t.call('POST', '/v1/holds', {
      key: 'k-1',
      body: { ...body, amount: 2_001 },
    });
    expect(reused).toMatchObject({
      status: 409,
      body: { error: { code: 'idempotency_key_reused' } },
    });
    expect(await balances(t, 'alice')).toEqual({ balance: 48_000, held: 0, available: 48_000 });
  });
  it('keys are per client, refusals are replayed too, and the key is required', async () => {
    const body = holdBody('alice', 'shop', 999_999);
    const refused = await t.call('POST', '/v1/holds', { key: 'k-2', body });
    expect(refused.body.error.code).toBe('insufficient_funds');
    await t.call('POST', '/v1/accounts/alice/deposits', { body: { amount: 1_000_000 } });
    const replayed = await t.call('POST', '/v1/holds', { key: 'k-2', body });
    expect(replayed.status).toBe(422);
    expect(replayed.headers.get('idempotent-replayed')).toBe('true');
    const hold = await placeAsAdmin(10);
    const bySelf = await t.call('POST', `/v1/holds/${hold.id}/settle`, {
      key: 'shared',
      body: { amount: 1 },
    });
    const byShop = await t.call('POST', `/v1/holds/${hold.id}/settle`, {
      key: 'shared',
      token: shopToken,
      body: { amount: 1 },
    });
    expect([bySelf.status, byShop.status]).toEqual([200, 200]);
    expect(byShop.body.settled).toBe(2);
    const missing = await t.call('POST', `/v1/holds/${hold.id}/settle`, {
      key: null,
      body: { amount: 1 },
    });
    expect(missing.status).toBe(400);
    const tooLong = await t.call('POST', `/v1/holds/${hold.id}/settle`, {
      key: 'x'.repeat(256),
      body: { amount: 1 },
    });
    expect(tooLong.status).toBe(400);
  });
});

describe('rate limiting', () => {
  it('answers 429 rate_limited past a client burst, per client, and recovers with time', async () => {
    await t.stop();
    t = await startTestHub({ requestsPerSecondPerClient: 5 });
    await account(t, 'shop', 'merchant');
    const shop = await client(t, 'merchant', 'shop');
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++)
      statuses.push((await t.call('GET', '/v1/accounts/shop', { token: shop })).status);
    expect(statuses.slice(0, 10).every((s) => s === 200)).toBe(true);
    expect(statuses.slice(10)).toEqual([429, 429]);
    const limited = await t.call('GET', '/v1/accounts/shop', { token: shop });
    expect(limited.body.error.code).toBe('rate_limited');
    expect((await t.call('GET', '/v1/accounts/shop')).status).toBe(200);
    t.clock.advance(1_000);
    expect((await t.call('GET', '/v1/accounts/shop', { token: shop })).status).toBe(200);
  });
});
