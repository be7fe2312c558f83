// Bounds a caller could otherwise push the ledger past: the refunds one hold takes, and the money the
// hub holds in all (every balance is a safe integer only while the issued total stays bounded).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { amountMinorMax, holdRefundsMax, issuedMinorMax } from '../../src/shared/limits.ts';
import { account, balances, client, holdBody, startTestHub, type TestHub } from './helpers.ts';

let t: TestHub;
beforeEach(async () => {
  t = await startTestHub();
});
afterEach(async () => t.stop());

describe('refunds per hold', () => {
  it(`at most ${holdRefundsMax}: the next is 422 too_many_refunds and moves nothing`, async () => {
    await account(t, 'alice', 'person', 10_000);
    await account(t, 'shop', 'merchant');
    const shopToken = await client(t, 'merchant', 'shop');
    const placed = await t.call('POST', '/v1/holds', {
      body: holdBody('alice', 'shop', 1_000, { template: { name: 'purchase' } }),
    });
    expect(placed.body).toMatchObject({ status: 'settled', settled: 1_000 });
    const holdId = placed.body.id as string;
    const refundOneYen = () =>
      t.call('POST', `/v1/holds/${holdId}/refunds`, { token: shopToken, body: { amount: 1 } });
    for (let i = 0; i < holdRefundsMax; i++) expect((await refundOneYen()).status).toBe(200);
    const before = [await balances(t, 'alice'), await balances(t, 'shop')];
    const refused = await refundOneYen();
    expect(refused).toMatchObject({ status: 422, body: { error: { code: 'too_many_refunds' } } });
    expect([await balances(t, 'alice'), await balances(t, 'shop')]).toEqual(before);
    const hold = await t.call('GET', `/v1/holds/${holdId}`);
    expect(hold.body).toMatchObject({ refunded: holdRefundsMax });
    expect(hold.body.refunds).toHaveLength(holdRefundsMax);
  });
});

/** Deposits `count` times the largest amount into `id`, `parallel` requests at a time (the hub batches them). */
async function depositLargest(id: string, count: number, parallel = 250): Promise<void> {
  for (let done = 0; done < count; done += parallel) {
    const n = Math.min(parallel, count - done);
    const answers = await Promise.all(
      Array.from({ length: n }, () =>
        t.call('POST', `/v1/accounts/${id}/deposits`, { body: { amount: amountMinorMax } }),
      ),
    );
    for (const answer of answers) expect(answer.status).toBe(201);
  }
}

describe('money issued in all', () => {
  it('a deposit past the issued bound is 422 balance_max_exceeded, not a 500, on any account', async () => {
    await account(t, 'rich', 'merchant');
    await account(t, 'other', 'merchant');
    const deposits = Math.floor(issuedMinorMax / amountMinorMax);
    // The bound sits below Number.MAX_SAFE_INTEGER by more than one deposit: the old code took these
    // and answered 500 ("money must be a safe integer") a few deposits later.
    expect(deposits * amountMinorMax + amountMinorMax).toBeLessThan(Number.MAX_SAFE_INTEGER);
    await depositLargest('rich', deposits);
    for (const id of ['rich', 'other']) {
      const over = await t.call('POST', `/v1/accounts/${id}/deposits`, {
        body: { amount: amountMinorMax },
      });
      expect(over).toMatchObject({
        status: 422,
        body: { error: { code: 'balance_max_exceeded' } },
      });
    }
    expect(await balances(t, 'rich')).toEqual({
      balance: deposits * amountMinorMax,
      held: 0,
      available: deposits * amountMinorMax,
    });
    // What was issued still moves: a hold of the largest amount is placed and settled.
    const placed = await t.call('POST', '/v1/holds', {
      body: holdBody('rich', 'other', amountMinorMax, { template: { name: 'purchase' } }),
    });
    expect(placed.body).toMatchObject({ status: 'settled', settled: amountMinorMax });
    // 9,000 deposits over HTTP: about 10 s on SQLite and 30 s on PostgreSQL on a busy two-core machine.
  }, 240_000);
});
