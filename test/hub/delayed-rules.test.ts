// Delayed rules (the escrow template's return window, README's `delaySeconds`) at their edges.
//
// A settle scheduled on a hold whose payee settled it in 50 parts (holdSettlementsMax) before the buyer's
// goods.received: when the return window ends, it cannot be a 51st. The hold must still close at its
// deadline, as a hold at the cap does at expiry (its rest released to the payer), and the sweep must go on
// to every other due hold. Found in review: the scheduled settle skipped the cap that an immediate settle
// checks, so at the deadline T.settle's assertion threw: the hold stayed active with its money held for
// good, and every expiry that came to it (the sweep's batch of all due holds, GET /v1/holds, the payer's
// and payee's next requests) answered 500 and rolled back, so no hold anywhere expired.
//
// A second event that would schedule a delayed rule while one is scheduled (the buyer's app sends
// goods.received again under a new key): the hold is still active and its money held, so the answer must
// not say it is closed (API.md's `409 hold_closed`): a payer app would record the hold as over.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { holdSettlementsMax } from '../../src/shared/limits.ts';
import { account, balances, client, holdBody, startTestHub, type TestHub } from './helpers.ts';

let t: TestHub;
beforeEach(async () => {
  t = await startTestHub();
  await account(t, 'alice', 'person', 100_000);
  await account(t, 'bob', 'person', 10_000);
  await account(t, 'shop', 'merchant');
});
afterEach(async () => t.stop());

/**
 * Alice's escrow of 4,500 to the shop (a 600 s return window, a day to live), and `goodsReceived`, her
 * app's goods.received event that schedules the settle.
 */
async function alicesEscrow() {
  const buyerApp = await client(t, 'merchant', 'alice');
  const placed = await t.call('POST', '/v1/holds', {
    body: holdBody('alice', 'shop', 4_500, {
      template: { name: 'escrow', returnWindowSeconds: 600 },
      expiresInSeconds: 86_400,
    }),
  });
  expect(placed.status).toBe(201);
  const id = placed.body.id as string;
  const goodsReceived = () =>
    t.call('POST', `/v1/holds/${id}/events`, { token: buyerApp, body: { type: 'goods.received' } });
  return { id, goodsReceived };
}

describe('a settle scheduled on a hold that has its most settlements', () => {
  it('closes the hold at its deadline (the rest released), and the sweep expires the other due holds', async () => {
    const { id, goodsReceived } = await alicesEscrow();
    for (let i = 0; i < holdSettlementsMax; i += 1) {
      const part = await t.call('POST', `/v1/holds/${id}/settle`, { body: { amount: 1 } });
      expect(part.status).toBe(200);
    }
    const received = await goodsReceived();
    expect(received.status).toBe(200);
    expect(received.body.scheduled).toMatchObject({ action: 'settle' });
    // Bob's hold, due in a minute: the same sweep must expire it.
    const other = await t.call('POST', '/v1/holds', {
      body: holdBody('bob', 'shop', 1_000, { expiresInSeconds: 60 }),
    });
    expect(other.status).toBe(201);

    t.clock.advance(601_000);
    expect(await t.hub.sweep()).toBe(2);
    const closed = await t.call('GET', `/v1/holds/${id}`);
    expect(closed.status).toBe(200);
    expect(closed.body).toMatchObject({ settled: holdSettlementsMax, remaining: 0 });
    expect(closed.body.status).not.toBe('active');
    expect(await balances(t, 'alice')).toEqual({
      balance: 100_000 - holdSettlementsMax,
      held: 0,
      available: 100_000 - holdSettlementsMax,
    });
    expect((await t.call('GET', `/v1/holds/${other.body.id}`)).body.status).not.toBe('active');
    expect((await balances(t, 'bob')).held).toBe(0);
    expect((await t.call('GET', '/v1/holds?payer=alice')).status).toBe(200);
  });
});

describe('a delayed rule asked again while one is scheduled', () => {
  it('is refused action_scheduled (409), the hold still active with its schedule and money as they were', async () => {
    const { id, goodsReceived } = await alicesEscrow();
    const first = await goodsReceived();
    expect(first.status).toBe(200);
    t.clock.advance(60_000);
    const again = await goodsReceived();
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('action_scheduled');
    const hold = (await t.call('GET', `/v1/holds/${id}`)).body;
    expect(hold).toMatchObject({ status: 'active', scheduled: first.body.scheduled });
    expect((await balances(t, 'alice')).held).toBe(4_500);
  });
});
