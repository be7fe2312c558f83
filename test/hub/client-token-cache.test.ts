// SQLite answers bearer tokens from memory (client-token-cache.ts): what it answers must always be the
// committed state, so a revocation or rotation counts from the moment its commit returns, even when the
// token was looked up (and cached) while that transaction was still open.
import { afterEach, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { SqliteHubStore } from '../../src/hub/storage/sqlite/sqlite-store.ts';
import { ClientTokenCache } from '../../src/hub/storage/sqlite/client-token-cache.ts';
import type { ClientRecord } from '../../src/hub/storage/records.ts';
import { clientTokenCacheMax } from '../../src/shared/limits.ts';
import { tempDir } from './helpers.ts';

const dirs: string[] = [];
const stores: SqliteHubStore[] = [];
afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function openStore(): SqliteHubStore {
  const dir = tempDir('facepay-token-cache-');
  dirs.push(dir);
  const store = new SqliteHubStore({ file: join(dir, 'hub.sqlite'), auditKey: randomBytes(32) });
  stores.push(store);
  return store;
}

function till(id: string): ClientRecord {
  return {
    id,
    name: id,
    role: 'admin',
    merchantId: null,
    eventTypes: [],
    tokenHash: new Uint8Array(randomBytes(32)),
    createdAt: 1,
    revokedAt: null,
  };
}

const nextMacrotask = () => new Promise((resolve) => setTimeout(resolve, 5));

describe('bearer tokens answered from memory on SQLite', () => {
  it('a token looked up while its revocation is uncommitted is refused once that commits', async () => {
    const store = openStore();
    const client = till('cli_a');
    await store.write((tx) => tx.insertClient(client));
    expect((await store.reader.findClientByTokenHash(client.tokenHash))?.revokedAt).toBeNull();

    let revokedInTransaction!: () => void;
    const revokedYet = new Promise<void>((resolve) => (revokedInTransaction = resolve));
    const revocation = store.write(async (tx) => {
      await tx.revokeClient(client.id, 2, 'cli_admin');
      revokedInTransaction();
      // The transaction stays open across a macrotask: requests are served meanwhile.
      await nextMacrotask();
    });
    await revokedYet;
    // Not committed yet: the committed state still has the client active (and the cache keeps that).
    expect((await store.reader.findClientByTokenHash(client.tokenHash))?.revokedAt).toBeNull();
    await revocation;
    expect((await store.reader.findClientByTokenHash(client.tokenHash))?.revokedAt).toBe(2);
  });

  it("a rotated token's old hash is unknown and its new one found as soon as the commit returns", async () => {
    const store = openStore();
    const client = till('cli_b');
    await store.write((tx) => tx.insertClient(client));
    expect((await store.reader.findClientByTokenHash(client.tokenHash))?.id).toBe('cli_b');
    const newHash = new Uint8Array(randomBytes(32));
    await store.write((tx) => tx.replaceClientToken(client.id, newHash));
    expect(await store.reader.findClientByTokenHash(client.tokenHash)).toBeUndefined();
    expect((await store.reader.findClientByTokenHash(newHash))?.id).toBe('cli_b');
  });

  it('a revocation whose job failed (rolled back) leaves the token working', async () => {
    const store = openStore();
    const client = till('cli_c');
    await store.write((tx) => tx.insertClient(client));
    expect((await store.reader.findClientByTokenHash(client.tokenHash))?.revokedAt).toBeNull();
    await expect(
      store.write(async (tx) => {
        await tx.revokeClient(client.id, 2, 'cli_admin');
        throw new Error('refused after the revoke');
      }),
    ).rejects.toThrow('refused after the revoke');
    expect((await store.reader.findClientByTokenHash(client.tokenHash))?.revokedAt).toBeNull();
  });

  it('reads a known token once, an unknown one every time, and shares a frozen record', () => {
    const cache = new ClientTokenCache();
    const known = till('cli_d');
    const reads: string[] = [];
    const read = (hash: Uint8Array) => {
      reads.push(Buffer.from(hash).toString('hex'));
      return Buffer.from(hash).equals(Buffer.from(known.tokenHash)) ? known : undefined;
    };
    const first = cache.find(known.tokenHash, read);
    expect(cache.find(known.tokenHash, read)).toBe(first);
    expect(reads).toHaveLength(1);
    expect(Object.isFrozen(first)).toBe(true);
    expect(() => first?.eventTypes.push('hold.settled')).toThrow(TypeError);

    const unknown = new Uint8Array(randomBytes(32));
    expect(cache.find(unknown, read)).toBeUndefined();
    expect(cache.find(unknown, read)).toBeUndefined();
    expect(reads).toHaveLength(3);

    // A change in the open transaction empties the cache only when it ends.
    cache.clientChanged();
    cache.find(known.tokenHash, read);
    expect(reads).toHaveLength(3);
    cache.transactionEnded();
    cache.find(known.tokenHash, read);
    expect(reads).toHaveLength(4);
  });

  it(`holds at most ${clientTokenCacheMax} clients, then starts over`, () => {
    const cache = new ClientTokenCache();
    const clients = Array.from({ length: clientTokenCacheMax + 1 }, (_, i) => till(`cli_${i}`));
    const byHex = new Map(clients.map((c) => [Buffer.from(c.tokenHash).toString('hex'), c]));
    let reads = 0;
    const read = (hash: Uint8Array) => {
      reads++;
      return byHex.get(Buffer.from(hash).toString('hex'));
    };
    const byHash = (c: ClientRecord) => cache.find(c.tokenHash, read);
    for (const c of clients.slice(0, clientTokenCacheMax)) byHash(c);
    byHash(clients[0]!);
    expect(reads).toBe(clientTokenCacheMax);
    byHash(clients[clientTokenCacheMax]!); // full: starts over with this one
    byHash(clients[0]!);
    expect(reads).toBe(clientTokenCacheMax + 2);
  });
});
