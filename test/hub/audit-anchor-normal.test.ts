// The audit anchor at synchronous NORMAL (a hub CLI flag): commits are not fsynced, so a row the anchor
// named could still be lost on power loss, leaving a log that ends before the anchor's row (a
// permanent false tamper alarm). The anchor must name only rows an fsync of the WAL has made durable.
import { afterEach, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { account, holdBody, openRawDb, startTestHub, storeKind } from './helpers.ts';
import { openDataDir } from '../../src/hub/data-dir.ts';
import { auditAnchorName, readAuditAnchor } from '../../src/hub/audit/anchor.ts';
import type { SqliteHubStore } from '../../src/hub/storage/sqlite/sqlite-store.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe.runIf(storeKind === 'sqlite')('the audit anchor at synchronous NORMAL', () => {
  it('names only rows read before an fsync of the WAL that completed', async () => {
    const t = await startTestHub({ synchronous: 'NORMAL' });
    dirs.push(t.dir);
    const store = t.hub.store as SqliteHubStore;
    try {
      await account(t, 'alice', 'person', 5_000);
      await account(t, 'shop', 'merchant');
      for (let i = 0; i < 3; i++) {
        const hold = await t.call('POST', '/v1/holds', { body: holdBody('alice', 'shop', 100) });
        expect(hold.status).toBe(201);
      }
    } finally {
      // close() anchors the log's last row.
      await t.hub.close();
    }
    const raw = await openRawDb(t.dir);
    const tail = await raw.get<{ seq: number }>('SELECT MAX(seq) AS seq FROM audit_log');
    await raw.close();
    const dir = await openDataDir(t.dir, { create: false });
    const anchor = readAuditAnchor(join(t.dir, 'keys', auditAnchorName), dir.auditKey);
    const stats = store.auditAnchorStats();
    console.log(`anchor at NORMAL: ${JSON.stringify(stats)}, anchored seq ${anchor?.seq}`);
    expect(tail?.seq).toBeGreaterThan(5);
    expect(anchor?.seq).toBe(tail?.seq);
    // Every anchor written waited for the WAL's fsync first, and named no row read after it.
    expect(stats.writes).toBeGreaterThanOrEqual(1);
    expect(stats.walSyncs).toBeGreaterThanOrEqual(stats.writes);
    expect(anchor?.seq).toBeLessThanOrEqual(stats.syncedSeq);
  });

  it('at FULL the anchor needs no fsync of its own (every answered commit is durable)', async () => {
    const t = await startTestHub({ synchronous: 'FULL' });
    dirs.push(t.dir);
    const store = t.hub.store as SqliteHubStore;
    try {
      await account(t, 'alice', 'person', 5_000);
    } finally {
      await t.hub.close();
    }
    const stats = store.auditAnchorStats();
    expect(stats.writes).toBeGreaterThanOrEqual(1);
    expect(stats.walSyncs).toBe(0);
  });
});
