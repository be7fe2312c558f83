// SQLite at FULL answers a write only once its commit's fsync is done (wal-sync.ts, off the event loop):
// a WAL that cannot be synced fails the write and every later one, rather than answer what may be lost.
import { afterEach, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { SqliteHubStore } from '../../src/hub/storage/sqlite/sqlite-store.ts';
import type { StoreTx } from '../../src/hub/storage/port.ts';
import { tempDir } from './helpers.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function openFullStore(): { file: string; store: SqliteHubStore } {
  const dir = tempDir('facepay-wal-sync-');
  dirs.push(dir);
  const file = join(dir, 'hub.sqlite');
  return {
    file,
    store: new SqliteHubStore({ file, auditKey: randomBytes(32), synchronous: 'FULL' }),
  };
}

const appendMark = (n: number) => (tx: StoreTx) =>
  tx.appendAudit({ at: n, kind: 'test.mark', subject: `mark-${n}`, actor: 'test', data: {} });

async function marks(store: SqliteHubStore): Promise<string[]> {
  const rows = await store.auditRows(0, 1_000);
  return rows.filter((row) => row.kind === 'test.mark').map((row) => row.subject);
}

describe('SQLite durable commits (synchronous FULL)', () => {
  it('answers writes that arrive together, and reads see every answered write', async () => {
    const { store } = openFullStore();
    try {
      await Promise.all([1, 2, 3].map((n) => store.write(appendMark(n))));
      await store.write(appendMark(4));
      expect(await marks(store)).toEqual(['mark-1', 'mark-2', 'mark-3', 'mark-4']);
      expect(store.writeStats().jobs).toBe(4);
    } finally {
      await store.close();
    }
  });

  it('refuses the write whose WAL it cannot sync, and every write after it', async () => {
    const { file, store } = openFullStore();
    try {
      await store.write(appendMark(1));
      // SQLite keeps writing to its open descriptor; the hub can no longer sync the WAL by its name.
      rmSync(`${file}-wal`);
      await expect(store.write(appendMark(2))).rejects.toThrow(/ENOENT/);
      await expect(store.write(appendMark(3))).rejects.toThrow(/ENOENT/);
    } finally {
      await store.close();
    }
  });
});
