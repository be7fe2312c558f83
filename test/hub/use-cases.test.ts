// One test per hold use case of DESIGN.md, over real HTTP with a frozen clock: the money each step
// moves is asserted on both accounts, so a wrong rule shows up as a wrong balance.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { account, balances, client, holdBody, startTestHub, type TestHub } from './helpers.ts';

let t: TestHub;
beforeEach(async () => {
  t = await startTestHub();
  await account(t, 'alice', 'person', 100_000);
  await account(t, 'shop', 'merchant');
});
afterEach(async () => t.stop());

const minutes = (n: number) => n * 60_000;

describe('hold use cases', () => {
  it('shop purchase: hold and settle at once', async () => {
    const placed = await t.call('POST', '/v1/holds', {
      body: holdBody('alice', 'shop', 1_280, { template: { name: 'purchase' } }),
    });
    expect(placed.status).toBe(201);
    expect(placed.body).toMatchObject({
      status: 'settled',
      amount: 1_280,
      settled: 1_280,
      remaining: 0,
    });
    expect(await balances(t, 'alice')).toEqual({ balance: 98_720, held: 0, available: 98_720 });
    expect(await balances(t, 'shop')).toEqual({ balance: 1_280, held: 0, available: 1_280 });
  });

  it('taxi: hold an upper bound, settle the metered amount, release the rest', async () => {
    const taxi = await client(t, 'merchant', 'shop');
    const placed = await t.call('POST', '/v1/holds', {
      body: holdBody('alice', 'shop', 8_000, { template: { name: 'metered' } }),
    });
    expect(await balances(t, 'alice')).toEqual({
      balance: 100_000,
      held: 8_000,
      available: 92_000,
    });
    const over = await t.call('POST', `/v1/holds/${placed.body.id}/events`, {
      token: taxi,
      body: { type: 'service.completed', data: { amount: 8_001 } },
    });
    expect(over.status).toBe(422);
    expect(over.body.error.code).toBe('exceeds_remaining');
    const done = await t.call('POST', `/v1/holds/${placed.body.id}/events`, {
      token: taxi,
      body: { type: 'service.completed', data: { amount: 5_430 } },
    });
    expect(done.body).toMatchObject({ status: 'settled', settled: 5_430, remaining: 0 });
    expect(await balances(t, 'alice')).toEqual({ balance: 94_570, held: 0, available: 94_570 });
    expect(await balances(t, 'shop')).toEqual({ balance: 5_430, held: 0, available: 5_430 });
  });

  it('restaurant: guest arrives, the cancellation fee is released', async () => {
    const restaurant = await client(t, 'merchant', 'shop');
    const deadline = new Date(t.clock.now() + minutes(120)).toISOString();
    const placed = await t.call('POST', '/v1/holds', {
      body: holdBody('alice', 'shop', 3_000, { template: { name: 'no_show_fee', deadline } }),
    });
    expect(placed.body.expiresAt).toBe(deadline);
    const arrived = await t.call('POST', `/v1/holds/${placed.body.id}/events`, {
      token: restaurant,
      body: { type: 'guest.arrived' },
    });
    expect(arrived.body).toMatchObject({ status: 'released', settled: 0 });
    expect(await balances(t, 'alice')).toEqual({ balance: 100_000, held: 0, available: 100_000 });
  });

  it('restaurant: no-show past the deadline settles the fee, exactly at the deadline', async () => {
    const deadline = new Date(t.clock.now() + minutes(120)).toISOString();
    const placed = await t.call('POST', '/v1/holds', {
      body: holdBody('alice', 'shop', 3_000, { template: { name: 'no_show_fee', deadline } }),
    });
    t.clock.advance(minutes(120) - 1);
    expect((await t.call('GET', `/v1/holds/${placed.body.id}`)).body.status).toBe('active');
    t.clock.advance(1);
    const after = await t.call('GET', `/v1/holds/${placed.body.id}`);
    expect(after.body).toMatchObject({ status: 'settled', settled: 3_000 });
    expect(after.body.settlements[0].at).toBe(deadline);
    expect(await balances(t, 'shop')).toEqual({ balance: 3_000, held: 0, available: 3_000 });
    const late = await t.call('POST', `/v1/holds/${placed.body.id}/release`, { body: {} });
    expect(late.status).toBe(409);
    expect(late.body.error.code).toBe('hold_expired');
  });

  it('car sale: appraisal held on the buyer, vehicle delivered settles to the seller', async () => {
    const buyerApp = await client(t, 'merchant', 'alice');
    const placed = await t.call('POST', '/v1/holds', {
      body: holdBody('alice', 'shop', 90_000, { template: { name: 'delivery' } }),
    });
    const delivered = await t.call('POST', `/v1/holds/${placed.body.id}/events`, {
      token: buyerApp,
      body: { type: 'goods.delivered' },
    });
    expect(delivered.body).toMatchObject({ status: 'settled', settled: 90_000 });
    expect(await balances(t, 'shop')).toEqual({ balance: 90_000, held: 0, available: 90_000 });
  });

  it('person-to-person sale: goods received and the return window passes -> settled', async () => {
    const buyerApp = await client(t, 'merchant', 'alice');
    const placed = await t.call('POST', '/v1/holds', {
      body: holdBody('alice', 'shop', 4_500, {
        template: { name: 'escrow', returnWindowSeconds: 7 * 86_400 },
        expiresInSeconds: 86_400,
      }),
    });
    t.clock.advance(minutes(30));
    const received = await t.call('POST', `/v1/holds/${placed.body.id}/events`, {
      token: buyerApp,
      body: { type: 'goods.received' },
    });
    expect(received.body.status).toBe('active');
    expect(received.body.scheduled).toMatchObject({ action: 'settle', on: 'goods.received' });
    t.clock.advance(7 * 86_400_000 - 1);
    expect((await balances(t, 'alice')).held).toBe(4_500);
    t.clock.advance(1);
    expect(await t.hub.sweep()).toBe(1);
    expect((await t.call('GET', `/v1/holds/${placed.body.id}`)).body).toMatchObject({
      status: 'settled',
      settled: 4_500,
    });
    expect(await balances(t, 'shop')).toEqual({ balance: 4_500, held: 0, available: 4_500 });
  });

  it('person-to-person sale: goods returned within the window -> released', async () => {
    const buyerApp = await client(t, 'merchant', 'alice');
    const placed = await t.call('POST', '/v1/holds', {
      body: holdBody('alice', 'shop', 4_500, {
        template: { name: 'escrow', returnWindowSeconds: 600 },
      }),
    });
    await t.call('POST', `/v1/holds/${placed.body.id}/events`, {
      token: buyerApp,
      body: { type: 'goods.received' },
    });
    t.clock.advance(599_000);
    const returned = await t.call('POST', `/v1/holds/${placed.body.id}/events`, {
      token: buyerApp,
      body: { type: 'goods.returned' },
    });
    expect(returned.body).toMatchObject({ status: 'released', settled: 0 });
    expect(await balances(t, 'alice')).toEqual({ balance: 100_000, held: 0, available: 100_000 });
  });

  it('clinic visit: cap held at check-in, consultation.completed settles the real fee', async () => {
    const clinicSystem = await client(t, 'event_source', 'shop', ['consultation.completed']);
    const placed = await t.call('POST', '/v1/holds', {
      body: holdBody('alice', 'shop', 20_000, { template: { name: 'clinic_visit' } }),
    });
    const done = await t.call('POST', `/v1/holds/${placed.body.id}/events`, {
      token: clinicSystem,
      body: { type: 'consultation.completed', data: { amount: 3_210 } },
    });
    expect(done.body).toMatchObject({ status: 'settled', settled: 3_210 });
    expect(await balances(t, 'alice')).toEqual({ balance: 96_790, held: 0, available: 96_790 });
  });

  it('deposit: verified use releases, misuse settles the damage', async () => {
    const office = await client(t, 'merchant', 'shop');
    const a = await t.call('POST', '/v1/holds', {
      body: holdBody('alice', 'shop', 10_000, { template: { name: 'deposit' } }),
    });
    const b = await t.call('POST', '/v1/holds', {
      body: holdBody('alice', 'shop', 10_000, { template: { name: 'deposit' } }),
    });
    expect(
      (
        await t.call('POST', `/v1/holds/${a.body.id}/events`, {
          token: office,
          body: { type: 'usage.verified' },
        })
      ).body.status,
    ).toBe('released');
    const misuse = await t.call('POST', `/v1/holds/${b.body.id}/events`, {
      token: office,
      body: { type: 'misuse.confirmed', data: { amount: 2_500 } },
    });
    expect(misuse.body).toMatchObject({ status: 'settled', settled: 2_500 });
    expect(await balances(t, 'alice')).toEqual({ balance: 97_500, held: 0, available: 97_500 });
  });

  it('IoT consumables: a standing limit lets the supplier place holds up to N per period, settled on delivery', async () => {
    const supplier = await client(t, 'merchant', 'shop');
    const device = await client(t, 'event_source', 'shop', ['goods.delivered']);
    const withoutLimit = await t.call('POST', '/v1/holds', {
      token: supplier,
      body: holdBody('alice', 'shop', 1_500, { template: { name: 'delivery' } }),
    });
    expect(withoutLimit.body.error.code).toBe('authorization_required');
    // The household's consent, recorded by admin: a person grants one herself only by face + PIN at the
    // supplier's till, and an app acting for her account cannot (consent.test.ts covers both).
    const limit = await t.call('POST', '/v1/standing-limits', {
      body: {
        payer: 'alice',
        payee: 'shop',
        amountPerPeriod: 3_000,
        periodSeconds: 30 * 86_400,
        expiresInSeconds: 365 * 86_400,
      },
    });
    expect(limit.status).toBe(201);
    const first = await t.call('POST', '/v1/holds', {
      token: supplier,
      body: holdBody('alice', 'shop', 1_500, { template: { name: 'delivery' } }),
    });
    const second = await t.call('POST', '/v1/holds', {
      token: supplier,
      body: holdBody('alice', 'shop', 1_500, { template: { name: 'delivery' } }),
    });
    expect([first.status, second.status]).toEqual([201, 201]);
    const third = await t.call('POST', '/v1/holds', {
      token: supplier,
      body: holdBody('alice', 'shop', 1, { template: { name: 'delivery' } }),
    });
    expect(third.body.error.code).toBe('limit_exceeded');
    const delivered = await t.call('POST', `/v1/holds/${first.body.id}/events`, {
      token: device,
      body: { type: 'goods.delivered' },
    });
    expect(delivered.body).toMatchObject({ status: 'settled', settled: 1_500 });
    t.clock.advance(30 * 86_400_000);
    const nextPeriod = await t.call('POST', '/v1/holds', {
      token: supplier,
      body: holdBody('alice', 'shop', 1_500, { template: { name: 'delivery' } }),
    });
    expect(nextPeriod.status).toBe(201);
  });
});
