// What a payer committed in a period can sum past Number.MAX_SAFE_INTEGER (holds of 10^12 yen cycled
// through refunds); the daily and standing limit checks must still refuse cleanly, never answer 500.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { amountMinorMax } from '../../src/shared/limits.ts';
import { account, client, holdBody, openRawDb, startTestHub, type TestHub } from './helpers.ts';

let t: TestHub;
beforeEach(async () => {
  t = await startTestHub();
});
afterEach(async () => t.stop());

/** Copies made of one real hold: with it they sum past the safe-integer range. */
const copies = Math.ceil(Number.MAX_SAFE_INTEGER / amountMinorMax);

/**
 * A settled and fully refunded hold of the largest amount placed by `payer` at shop, then `copies` rows
 * like it for `payers`, written straight into the database: placing 9,000 holds and refunds over HTTP
 * would take minutes, and the sum the limit checks read is over these rows only.
 */
async function committedPastSafeRange(payers: string[]): Promise<void> {
  const shop = await client(t, 'merchant', 'shop');
  const placed = await t.call('POST', '/v1/holds', {
    body: holdBody('alice', 'shop', amountMinorMax, { template: { name: 'purchase' } }),
  });
  expect(placed.body).toMatchObject({ status: 'settled', settled: amountMinorMax });
  const refunded = await t.call('POST', `/v1/holds/${placed.body.id}/refunds`, {
    token: shop,
    body: { amount: amountMinorMax },
  });
  expect(refunded.status).toBe(200);
  const db = await openRawDb(t.dir);
  try {
    for (const payer of payers) {
      const inserted = await db.run(
        `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
         INSERT INTO holds (id, status, payer, payee, amount, settled, refunded, reference, category,
           template, on_expiry, rules, expires_at, scheduled, due_at, authorized_max, created_at,
           updated_at, version, closed_by)
         SELECT h.id || '-' || ? || '-' || n.i, h.status, ?, h.payee, h.amount, h.settled, h.refunded,
           h.reference, h.category, h.template, h.on_expiry, h.rules, h.expires_at, h.scheduled,
           h.due_at, h.authorized_max, h.created_at, h.updated_at, h.version, h.closed_by
         FROM holds h, n WHERE h.id = ?`,
        copies,
        payer,
        payer,
        placed.body.id,
      );
      expect(inserted).toBe(copies);
    }
  } finally {
    await db.close();
  }
}

describe("a payer's committed sum past the safe-integer range", () => {
  beforeEach(async () => {
    expect((copies + 1) * amountMinorMax).toBeGreaterThan(Number.MAX_SAFE_INTEGER);
    await account(t, 'alice', 'person', amountMinorMax, { limits: { dailyMax: amountMinorMax } });
    await account(t, 'bob', 'person', amountMinorMax);
    await account(t, 'shop', 'merchant');
    await committedPastSafeRange(['alice', 'bob']);
  });

  it('is over the daily limit: 422 limit_exceeded, not 500', async () => {
    const daily = await t.call('POST', '/v1/holds', { body: holdBody('alice', 'shop', 1) });
    expect(daily).toMatchObject({ status: 422, body: { error: { code: 'limit_exceeded' } } });
  });

  it('is over a standing limit: 422 limit_exceeded, not 500', async () => {
    const limit = await t.call('POST', '/v1/standing-limits', {
      body: {
        payer: 'bob',
        payee: 'shop',
        amountPerPeriod: amountMinorMax,
        periodSeconds: 86_400,
        expiresInSeconds: 86_400,
      },
    });
    expect(limit.status).toBe(201);
    const supplier = await client(t, 'merchant', 'shop');
    const standing = await t.call('POST', '/v1/holds', {
      token: supplier,
      body: holdBody('bob', 'shop', 1, { template: { name: 'delivery' } }),
    });
    expect(standing).toMatchObject({ status: 422, body: { error: { code: 'limit_exceeded' } } });
  });
});
