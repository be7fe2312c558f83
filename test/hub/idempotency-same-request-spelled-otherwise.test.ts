// A request asked again under its Idempotency-Key must get the stored answer however the client (or a
// proxy on the way) spells the same request: a path segment percent-encoded or not (`shop:1` and
// `shop%3A1` name one account), a release sent with no body or with `{}` (the route reads both as `{}`).
//
// Found in review: the key's request hash took the path as sent and the body as parsed, so the deposit
// asked again as `shop%3A1`, and a release asked again with `{}`, were refused idempotency_key_reused, as
// if the key had been used for another request: a client told so about a deposit that did happen may
// take it for failed and send it under a new key (money entered twice).
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { account, adminToken, balances, holdBody, startTestHub, type TestHub } from './helpers.ts';

let t: TestHub;
beforeEach(async () => {
  t = await startTestHub();
});
afterEach(async () => t.stop());

/** POST `path` as admin under `key`, the body exactly as given (none when undefined). */
async function post(path: string, key: string, body?: string) {
  const response = await fetch(`${t.hub.url}${path}`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${adminToken}`,
      'idempotency-key': key,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body }),
  });
  return { status: response.status, replayed: response.headers.get('idempotent-replayed') };
}

describe('a request asked again under its key, spelled otherwise', () => {
  it('a deposit to shop:1 asked again as shop%3A1 (or %3a) is answered from the first, the money entered once', async () => {
    await account(t, 'shop:1', 'merchant');
    const key = randomUUID();
    const body = JSON.stringify({ amount: 5_000 });
    expect((await post('/v1/accounts/shop:1/deposits', key, body)).status).toBe(201);
    for (const spelled of ['shop%3A1', 'shop%3a1']) {
      const again = await post(`/v1/accounts/${spelled}/deposits`, key, body);
      expect(again).toEqual({ status: 201, replayed: 'true' });
    }
    expect((await balances(t, 'shop:1')).balance).toBe(5_000);
  });

  it('a release sent with no body, asked again with {}, is answered from the first', async () => {
    await account(t, 'alice', 'person', 10_000);
    await account(t, 'shop', 'merchant');
    const placed = await t.call('POST', '/v1/holds', { body: holdBody('alice', 'shop', 1_000) });
    expect(placed.status).toBe(201);
    const key = randomUUID();
    const first = await post(`/v1/holds/${placed.body.id}/release`, key);
    expect(first.status).toBe(200);
    expect(await post(`/v1/holds/${placed.body.id}/release`, key, '{}')).toEqual({
      status: 200,
      replayed: 'true',
    });
    expect(await balances(t, 'alice')).toEqual({ balance: 10_000, held: 0, available: 10_000 });
  });
});
