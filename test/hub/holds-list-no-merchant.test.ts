// GET /v1/holds by a client that acts for no account (an enrollment client): party to no hold, it is
// answered an empty page, the same way on every adapter (PostgreSQL answered 500 before).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { account, client, holdBody, startTestHub, type TestHub } from './helpers.ts';

let t: TestHub;
beforeAll(async () => {
  t = await startTestHub();
  await account(t, 'alice', 'person', 10_000);
  await account(t, 'shop', 'merchant');
  const placed = await t.call('POST', '/v1/holds', { body: holdBody('alice', 'shop', 1_000) });
  expect(placed.status).toBe(201);
});
afterAll(async () => t.stop());

describe('GET /v1/holds by a client acting for no account', () => {
  it('an enrollment client without merchantId is answered 200 with an empty page, filters or not', async () => {
    const enroller = await client(t, 'enrollment');
    for (const path of [
      '/v1/holds',
      '/v1/holds?limit=1',
      '/v1/holds?status=active',
      '/v1/holds?payer=alice',
      '/v1/holds?payer=alice&idempotencyKey=some-key',
    ]) {
      const listed = await t.call('GET', path, { token: enroller });
      expect(listed.status, `${path}: ${JSON.stringify(listed.body)}`).toBe(200);
      expect(listed.body.items, path).toEqual([]);
      expect(listed.body.nextCursor, path).toBeNull();
    }
    // The hold is there: admin and the shop's client see it.
    const shop = await client(t, 'merchant', 'shop');
    for (const token of [undefined, shop]) {
      const listed = await t.call('GET', '/v1/holds', token === undefined ? {} : { token });
      expect(listed.status).toBe(200);
      expect(listed.body.items).toHaveLength(1);
    }
  });
});
