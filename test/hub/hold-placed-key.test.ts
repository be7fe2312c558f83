// GET /v1/holds?payer=P&idempotencyKey=K (extension): a client finds the hold it placed under a key for as
// long as the hold exists, after the stored answers are pruned; no other client finds it with the same key.
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { idempotencyRetentionSeconds } from '../../src/shared/limits.ts';
import {
  account,
  client,
  dataDirAtVersion,
  holdBody,
  openRawDb,
  startTestHub,
  storeKind,
  type TestHub,
} from './helpers.ts';

let t: TestHub;
let tillToken: string;
let secondTillToken: string;
let otherShopToken: string;
beforeEach(async () => {
  t = await startTestHub();
  await seed(t);
});
afterEach(async () => t.stop());

async function seed(hub: TestHub): Promise<void> {
  await account(hub, 'alice', 'person', 50_000);
  await account(hub, 'shop', 'merchant');
  await account(hub, 'other-shop', 'merchant');
  // alice's standing consent lets shop's tills place holds without a face payment's authorization.
  const limit = await hub.call('POST', '/v1/standing-limits', {
    body: {
      payer: 'alice',
      payee: 'shop',
      amountPerPeriod: 30_000,
      periodSeconds: 30 * 86_400,
      expiresInSeconds: 365 * 86_400,
    },
  });
  expect(limit.status).toBe(201);
  tillToken = await client(hub, 'merchant', 'shop');
  secondTillToken = await client(hub, 'merchant', 'shop');
  otherShopToken = await client(hub, 'merchant', 'other-shop');
}

/** Places a hold on alice for shop under `key` as `token` (admin when null); answers its id. */
async function placeUnder(key: string, token: string | null = null): Promise<string> {
  const placed = await t.call('POST', '/v1/holds', {
    body: holdBody('alice', 'shop', 700),
    key,
    ...(token === null ? {} : { token }),
  });
  expect(placed.status).toBe(201);
  return placed.body.id as string;
}

async function idsByKey(key: string, token?: string): Promise<string[]> {
  const found = await t.call(
    'GET',
    `/v1/holds?payer=alice&idempotencyKey=${encodeURIComponent(key)}`,
    {
      ...(token === undefined ? {} : { token }),
    },
  );
  expect(found.status).toBe(200);
  return (found.body.items as Array<{ id: string }>).map((hold) => hold.id);
}

/** The hub's clock two days on, and its hourly pruning of stored answers run. */
async function pruneStoredAnswers(): Promise<void> {
  t.clock.advance(49 * 3_600_000);
  const pruned = await t.hub.store.deleteStoredResponsesBefore(
    t.clock.now() - idempotencyRetentionSeconds * 1000,
  );
  expect(pruned).toBeGreaterThan(0);
}

describe('a hold found by the Idempotency-Key that placed it', () => {
  it('is found by its placing client after the stored answers are pruned', async () => {
    const key = `kiosk-till-1-${randomUUID()}`;
    const mine = await placeUnder(key, tillToken);
    await placeUnder(`kiosk-till-1-${randomUUID()}`, tillToken);
    await pruneStoredAnswers();
    // The stored answer is gone: the same request again is a new request now.
    const stored = await t.hub.store.reader.listHolds({ beforeSeq: undefined, limit: 10 });
    expect(stored.holds).toHaveLength(2);
    expect(await idsByKey(key, tillToken)).toEqual([mine]);
    // With the caller's other filters (its hour-long hold has expired since): the same one, or none.
    const filtered = await t.call(
      'GET',
      `/v1/holds?payer=alice&payee=shop&status=expired&idempotencyKey=${encodeURIComponent(key)}`,
      { token: tillToken },
    );
    expect(filtered.body.items.map((hold: { id: string }) => hold.id)).toEqual([mine]);
    const settledOnly = await t.call(
      'GET',
      `/v1/holds?payer=alice&status=settled&idempotencyKey=${encodeURIComponent(key)}`,
      { token: tillToken },
    );
    expect(settledOnly).toMatchObject({ status: 200, body: { items: [] } });
  });

  it('is not found by another client with the same key: another till of the shop, another shop, admin', async () => {
    const key = `kiosk-till-1-${randomUUID()}`;
    await placeUnder(key, tillToken);
    expect(await idsByKey(key, secondTillToken)).toEqual([]);
    expect(await idsByKey(key, otherShopToken)).toEqual([]);
    expect(await idsByKey(key)).toEqual([]);
    // The other till's own hold under the same key is its own, and only its own.
    const theirs = await placeUnder(key, secondTillToken);
    expect(await idsByKey(key, secondTillToken)).toEqual([theirs]);
    expect(await idsByKey(key, tillToken)).not.toContain(theirs);
  });

  it('finds nothing under a key that placed nothing, and refuses an empty or over-long key', async () => {
    await placeUnder(`kiosk-till-1-${randomUUID()}`, tillToken);
    expect(await idsByKey(`kiosk-till-1-${randomUUID()}`, tillToken)).toEqual([]);
    // A refused request stores its answer under the key but places no hold.
    const refused = await t.call('POST', '/v1/holds', {
      body: holdBody('alice', 'shop', 10_000_000),
      key: 'refused-key',
      token: tillToken,
    });
    expect(refused.status).toBe(422);
    expect(await idsByKey('refused-key', tillToken)).toEqual([]);
    expect(
      (await t.call('GET', '/v1/holds?payer=alice&idempotencyKey=', { token: tillToken })).status,
    ).toBe(400);
    const long = 'k'.repeat(256);
    expect(
      (await t.call('GET', `/v1/holds?payer=alice&idempotencyKey=${long}`, { token: tillToken }))
        .status,
    ).toBe(400);
  });

  it("is asked within one payer's holds: a key without the payer is refused, another payer's finds none", async () => {
    const key = `kiosk-till-1-${randomUUID()}`;
    await placeUnder(key, tillToken);
    const keyOnly = await t.call('GET', `/v1/holds?idempotencyKey=${key}`, { token: tillToken });
    expect(keyOnly).toMatchObject({ status: 400, body: { error: { code: 'invalid_request' } } });
    expect(keyOnly.body.error.message).toMatch(/payer/);
    const otherPayer = await t.call('GET', `/v1/holds?payer=shop&idempotencyKey=${key}`, {
      token: tillToken,
    });
    expect(otherPayer).toMatchObject({ status: 200, body: { items: [] } });
  });

  it('says since when holds keep their key, with a lookup by key only', async () => {
    const key = `kiosk-till-1-${randomUUID()}`;
    await placeUnder(key, tillToken);
    const found = await t.call('GET', `/v1/holds?payer=alice&idempotencyKey=${key}`, {
      token: tillToken,
    });
    // The database's clock when the hub's schema began keeping keys: at or before this hub's start.
    const since = Date.parse(found.body.placedKeysSince as string);
    expect(since).toBeLessThanOrEqual(Date.now());
    expect(since).toBeGreaterThan(Date.now() - 10 * 60_000);
    const plain = await t.call('GET', '/v1/holds?payer=alice', { token: tillToken });
    expect(plain.body).not.toHaveProperty('placedKeysSince');
  });

  it('SQL cannot rewrite the key that placed a hold, nor since when keys are kept', async () => {
    const id = await placeUnder(`k-${randomUUID()}`, tillToken);
    const db = await openRawDb(t.dir);
    try {
      // A next transition on record, so the row could move on and only the key's own trigger objects.
      await db.run(
        `INSERT INTO hold_transitions (hold_id, version, kind, status, amount, settled, refunded,
           expires_at, scheduled, authorized_max, closed_by, at)
         SELECT hold_id, version + 1, 'test', status, amount, settled, refunded, expires_at, scheduled,
           authorized_max, closed_by, at
         FROM hold_transitions WHERE hold_id = ? ORDER BY version DESC LIMIT 1`,
        id,
      );
      const rewrite = 'UPDATE holds SET placed_key_hash = ?, version = version + 1 WHERE id = ?';
      await expect(db.run(rewrite, Buffer.alloc(32), id)).rejects.toThrow(/never changes/);
      await expect(db.run('UPDATE placed_keys_since SET at = 0')).rejects.toThrow(/written once/);
    } finally {
      await db.close();
    }
  });

  it('publishes the filter in the OpenAPI document', async () => {
    const doc = await t.call('GET', '/v1/openapi.json');
    const parameters = doc.body.paths['/v1/holds'].get.parameters as Array<{ name: string }>;
    expect(parameters.map((p) => p.name)).toContain('idempotencyKey');
  });
});

// SQLite's own migrations from older files (v16: before holds kept their key).
describe.runIf(storeKind === 'sqlite')('the placed-key migration', () => {
  it('a hold written before it has no key and is found by none; holds placed after are', async () => {
    await t.stop();
    const { dir, db } = dataDirAtVersion(16);
    db.prepare(
      "INSERT INTO accounts (id, kind, name, currency, balance, held, limits, blocked_categories, created_at) VALUES ('old-payer', 'person', 'Old', 'JPY', 1000, 500, '{}', '[]', 0), ('old-shop', 'merchant', 'Shop', 'JPY', 0, 0, '{}', '[]', 0)",
    ).run();
    db.prepare(
      `INSERT INTO holds (id, status, payer, payee, amount, settled, refunded, reference, on_expiry,
         rules, expires_at, due_at, created_at, updated_at, version)
       VALUES ('hold_old', 'active', 'old-payer', 'old-shop', 500, 0, 0, 'till-old', 'release', '[]',
         9999999999999, 9999999999999, 0, 0, 1)`,
    ).run();
    db.close();
    const migratedAfter = Date.now();
    t = await startTestHub({ dataDir: dir });
    await seed(t);
    const migrated = await t.call('GET', '/v1/holds?reference=till-old');
    expect(migrated.body.items.map((hold: { id: string }) => hold.id)).toEqual(['hold_old']);
    const raw = new Database(join(dir, 'hub.sqlite'), { readonly: true });
    const row = raw.prepare("SELECT placed_key_hash FROM holds WHERE id = 'hold_old'").get();
    raw.close();
    expect(row).toEqual({ placed_key_hash: null });
    const key = `kiosk-till-1-${randomUUID()}`;
    const placed = await placeUnder(key, tillToken);
    expect(await idsByKey(key, tillToken)).toEqual([placed]);
    // An empty page proves "never placed" only for requests sent after the migration.
    const page = await t.call('GET', `/v1/holds?payer=old-payer&idempotencyKey=${key}`);
    expect(page.body.items).toEqual([]);
    expect(Date.parse(page.body.placedKeysSince as string)).toBeGreaterThanOrEqual(migratedAfter);
  });
});
