// Strings that are SQL to a careless adapter (quotes, backslashes, comment and parameter markers, a
// statement of their own) are stored and read back byte for byte, and change nothing else: PostgreSQL
// sends a job's writes as one simple query with its values inlined as literals (queries.ts literal()).
// References, account and client names, and idempotency keys carry them.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { account, holdBody, startTestHub, type TestHub } from './helpers.ts';

const nasty = [
  "O'Brien's tab",
  "'); DELETE FROM holds; --",
  "back\\slash \\' and \\x00-ish",
  '$1 $2 $$ dollar $tag$ quoted $tag$',
  '-- not a comment /* nor this */',
  "日本語の参照、引用符「'」",
];

let t: TestHub;
beforeEach(async () => {
  t = await startTestHub();
  await account(t, 'payer', 'person', 100_000);
  await account(t, 'shop', 'merchant');
});
afterEach(async () => {
  await t.stop();
});

describe('SQL-looking strings', () => {
  it('are stored and read back exactly (references, names, stored answers) and harm nothing', async () => {
    const ids: string[] = [];
    for (const reference of nasty) {
      const placed = await t.call('POST', '/v1/holds', {
        body: holdBody('payer', 'shop', 100, { reference, template: { name: 'metered' } }),
      });
      expect(placed.status, JSON.stringify(placed.body)).toBe(201);
      expect(placed.body.reference).toBe(reference);
      ids.push(placed.body.id as string);
    }
    // An event's data and a settlement travel through the same inlined writes.
    const settled = await t.call('POST', `/v1/holds/${ids[1]}/events`, {
      body: { type: 'service.completed', data: { amount: 40 } },
    });
    expect(settled.status, JSON.stringify(settled.body)).toBe(200);
    expect(settled.body.settled).toBe(40);
    // Names: an account's and a client's.
    for (const [index, name] of nasty.entries()) {
      const created = await t.call('POST', '/v1/accounts', {
        body: { id: `named-${index}`, kind: 'merchant', name, currency: 'JPY' },
      });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      expect((await t.call('GET', `/v1/accounts/named-${index}`)).body.name).toBe(name);
      const client = await t.call('POST', '/v1/clients', { body: { name, role: 'admin' } });
      expect(client.status, JSON.stringify(client.body)).toBe(201);
      expect((await t.call('GET', `/v1/clients/${client.body.id}`)).body.name).toBe(name);
    }
    // Replayed under the same key: the stored answer comes back unchanged.
    const key = "key-with-'quote'-and-\\backslash";
    const body = holdBody('payer', 'shop', 7, { reference: nasty[0] });
    const first = { ...(await t.call('POST', '/v1/holds', { key, body })), request: body };
    const replay = await t.call('POST', '/v1/holds', {
      key,
      body: { ...first.request },
    });
    expect(first.status).toBe(201);
    expect(replay.status).toBe(201);
    expect(replay.body).toEqual(first.body);
    for (const [index, id] of ids.entries()) {
      const read = await t.call('GET', `/v1/holds/${id}`);
      expect(read.body.reference).toBe(nasty[index]);
    }
    const listed = await t.call('GET', '/v1/holds?payer=payer&limit=50');
    expect(listed.body.items).toHaveLength(nasty.length + 1);
    expect((await t.call('GET', '/v1/accounts/payer')).body.balance).toBe(100_000 - 40);
  });
});
