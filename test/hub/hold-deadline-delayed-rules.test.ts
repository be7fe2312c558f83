// Delayed rules (README's `delaySeconds`) and the hold's expiresAt.
//
// Found in review:
// - A payee could keep a short hold alive for up to a year: a rule `{"on":"ping","action":"release",
//   "delaySeconds":31536000,"from":["payee"]}` on a 60 s hold, the shop's ping moved expiresAt to a year
//   on, and 200 days later the shop settled the payer's 5,000. A delayed rule may run past expiresAt only
//   when the payer's own client (or admin) sent the event (the buyer's goods.received): from the payee it
//   is refused (422 delay_past_expiry) and the hold expires when it was placed to.
// - An escrow's return window was cut short near the one-year cap: goods.received 60 s before the year
//   mark scheduled the settle at the year mark, and a goods.returned 61 s later was 409 hold_expired with
//   the seller paid. A return window that does not fit in the hold's year is refused at goods.received,
//   so the buyer keeps the right to return until the hold expires (escrow's expiry releases).
// - A delayed settle of a fixed amount closed the hold even without `final`, where the immediate form
//   leaves it open with the rest held: the delayed form now does as the immediate one.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { holdLifetimeSecondsMax } from '../../src/shared/limits.ts';
import { account, balances, client, holdBody, startTestHub, type TestHub } from './helpers.ts';

let t: TestHub;
let shopTill: string;
let aliceApp: string;
beforeEach(async () => {
  t = await startTestHub();
  await account(t, 'alice', 'person', 100_000);
  await account(t, 'shop', 'merchant');
  shopTill = await client(t, 'merchant', 'shop');
  aliceApp = await client(t, 'merchant', 'alice');
});
afterEach(async () => t.stop());

const second = 1_000;
const day = 86_400 * second;

async function place(amount: number, extra: Record<string, unknown>) {
  const placed = await t.call('POST', '/v1/holds', {
    body: holdBody('alice', 'shop', amount, extra),
  });
  expect(placed.status).toBe(201);
  return placed.body;
}

function send(id: string, token: string, type: string) {
  return t.call('POST', `/v1/holds/${id}/events`, { token, body: { type } });
}

describe("a payee's delayed rule that would run after the hold expires", () => {
  it('is refused delay_past_expiry; the hold expires when placed to and the shop settles nothing', async () => {
    const hold = await place(5_000, {
      expiresInSeconds: 60,
      rules: [{ on: 'ping', action: 'release', delaySeconds: 31_536_000, from: ['payee'] }],
    });
    const ping = await send(hold.id, shopTill, 'ping');
    expect(ping.status).toBe(422);
    expect(ping.body.error.code).toBe('delay_past_expiry');
    const after = (await t.call('GET', `/v1/holds/${hold.id}`)).body;
    expect(after).toMatchObject({
      status: 'active',
      expiresAt: hold.expiresAt,
      scheduled: null,
      events: [],
    });

    t.clock.advance(200 * day);
    const settle = await t.call('POST', `/v1/holds/${hold.id}/settle`, {
      token: shopTill,
      body: { amount: 5_000 },
    });
    expect(settle.status).toBe(409);
    expect(settle.body.error.code).toBe('hold_expired');
    expect((await t.call('GET', `/v1/holds/${hold.id}`)).body).toMatchObject({
      status: 'expired',
      settled: 0,
      expiresAt: hold.expiresAt,
    });
    expect(await balances(t, 'alice')).toEqual({ balance: 100_000, held: 0, available: 100_000 });
    expect((await balances(t, 'shop')).balance).toBe(0);
  });

  it('a delay that ends by expiresAt is scheduled as before and runs at its time', async () => {
    const hold = await place(5_000, {
      expiresInSeconds: 60,
      onExpiry: 'settle',
      rules: [{ on: 'ping', action: 'release', delaySeconds: 60, from: ['payee'] }],
    });
    const ping = await send(hold.id, shopTill, 'ping');
    expect(ping.status).toBe(200);
    expect(ping.body).toMatchObject({ status: 'active', expiresAt: hold.expiresAt });
    expect(ping.body.scheduled).toMatchObject({ action: 'release', at: hold.expiresAt });
    t.clock.advance(60 * second);
    // The scheduled release runs at the deadline, before the hold's own onExpiry (settle) would.
    expect((await t.call('GET', `/v1/holds/${hold.id}`)).body).toMatchObject({
      status: 'released',
      settled: 0,
    });
    expect((await balances(t, 'alice')).held).toBe(0);
  });

  it("the payer's own event may keep its money held past expiresAt (escrow's goods.received)", async () => {
    const hold = await place(4_500, {
      expiresInSeconds: 3_600,
      template: { name: 'escrow', returnWindowSeconds: 7 * 86_400 },
    });
    const received = await send(hold.id, aliceApp, 'goods.received');
    expect(received.status).toBe(200);
    const windowEnd = new Date(Date.parse(hold.createdAt) + 7 * day).toISOString();
    expect(received.body).toMatchObject({ status: 'active', expiresAt: windowEnd });
  });
});

describe('an escrow whose return window would end past the hold’s one-year lifetime', () => {
  async function yearLongEscrow() {
    return place(4_500, {
      expiresInSeconds: holdLifetimeSecondsMax,
      template: { name: 'escrow', returnWindowSeconds: 7 * 86_400 },
    });
  }

  it('refuses goods.received (delay_past_expiry); the buyer can still return the goods', async () => {
    const hold = await yearLongEscrow();
    t.clock.advance(holdLifetimeSecondsMax * second - 60 * second);
    const received = await send(hold.id, aliceApp, 'goods.received');
    expect(received.status).toBe(422);
    expect(received.body.error.code).toBe('delay_past_expiry');
    expect((await t.call('GET', `/v1/holds/${hold.id}`)).body).toMatchObject({
      status: 'active',
      scheduled: null,
      expiresAt: hold.expiresAt,
    });

    t.clock.advance(59 * second);
    const returned = await send(hold.id, aliceApp, 'goods.returned');
    expect(returned.status).toBe(200);
    expect(returned.body).toMatchObject({ status: 'released', settled: 0 });
    expect(await balances(t, 'alice')).toEqual({ balance: 100_000, held: 0, available: 100_000 });
    expect((await balances(t, 'shop')).balance).toBe(0);
  });

  it('a window that fits exactly is scheduled in full, the buyer able to return to its last millisecond', async () => {
    const hold = await yearLongEscrow();
    t.clock.advance(holdLifetimeSecondsMax * second - 7 * day);
    const received = await send(hold.id, aliceApp, 'goods.received');
    expect(received.status).toBe(200);
    expect(received.body.scheduled).toMatchObject({ action: 'settle', at: hold.expiresAt });
    t.clock.advance(7 * day - 1);
    expect((await send(hold.id, aliceApp, 'goods.returned')).status).toBe(200);
  });
});

describe('a delayed settle of a fixed amount without final', () => {
  const rules = [
    { on: 'part', action: 'settle', amount: 1_000, from: ['payee'] },
    { on: 'ship', action: 'settle', amount: 1_000, delaySeconds: 10, from: ['payee'] },
    { on: 'last', action: 'settle', amount: 1_000, final: true, delaySeconds: 10, from: ['payee'] },
  ];

  it('leaves the hold active with the rest held, as the immediate form does', async () => {
    const hold = await place(5_000, { expiresInSeconds: 3_600, rules });
    const part = await send(hold.id, shopTill, 'part');
    expect(part.body).toMatchObject({ status: 'active', settled: 1_000, remaining: 4_000 });
    const ship = await send(hold.id, shopTill, 'ship');
    expect(ship.status).toBe(200);
    t.clock.advance(10 * second);
    expect(await t.hub.sweep()).toBe(1);
    const after = (await t.call('GET', `/v1/holds/${hold.id}`)).body;
    expect(after).toMatchObject({
      status: 'active',
      settled: 2_000,
      remaining: 3_000,
      scheduled: null,
      expiresAt: hold.expiresAt,
    });
    expect(await balances(t, 'alice')).toEqual({ balance: 98_000, held: 3_000, available: 95_000 });
    expect((await balances(t, 'shop')).balance).toBe(2_000);

    // Open, it takes another delayed settle; one with final closes it and releases the rest.
    expect((await send(hold.id, shopTill, 'last')).status).toBe(200);
    t.clock.advance(10 * second);
    expect((await t.call('GET', `/v1/holds/${hold.id}`)).body).toMatchObject({
      status: 'settled',
      settled: 3_000,
      remaining: 0,
    });
    expect(await balances(t, 'alice')).toEqual({ balance: 97_000, held: 0, available: 97_000 });
  });

  it('then expires at expiresAt as any open hold, in the same read when both passed', async () => {
    const hold = await place(5_000, { expiresInSeconds: 60, rules });
    t.clock.advance(50 * second);
    expect((await send(hold.id, shopTill, 'ship')).status).toBe(200);
    t.clock.advance(3_600 * second);
    const after = (await t.call('GET', `/v1/holds/${hold.id}`)).body;
    expect(after).toMatchObject({ status: 'settled', settled: 1_000, remaining: 0 });
    expect(after.settlements.map((s: { at: string }) => s.at)).toEqual([
      new Date(Date.parse(hold.createdAt) + 60 * second).toISOString(),
    ]);
    expect(after.updatedAt).toBe(hold.expiresAt);
    expect(await balances(t, 'alice')).toEqual({ balance: 99_000, held: 0, available: 99_000 });
  });
});
