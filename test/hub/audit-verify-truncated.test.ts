// audit:verify on a log whose last rows, or all rows, were deleted: what is left still chains, so the
// verifier must compare it with a head recorded elsewhere (PostgreSQL: audit_head, read in the same
// snapshot; SQLite: the anchor the hub writes in keys/; either: the tail an operator kept).
import { describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { account, databaseFor, holdBody, openRawDb, startTestHub } from './helpers.ts';
import { runScript } from './process.ts';

describe('audit:verify on a log with its last rows deleted', () => {
  it('fails when rows after 3, then all rows, are deleted; prints the tail to keep', async () => {
    const t = await startTestHub();
    const databaseUrl = await databaseFor(t.dir);
    await account(t, 'alice', 'person', 5_000);
    await account(t, 'shop', 'merchant');
    for (let i = 0; i < 3; i++)
      await t.call('POST', '/v1/holds', {
        body: holdBody('alice', 'shop', 100, { template: { name: 'purchase' } }),
      });
    await t.hub.close();
    const verify = (...extra: string[]) =>
      runScript('src/hub/audit-verify-cli.ts', [
        '--data',
        t.dir,
        ...(databaseUrl === undefined ? [] : ['--database-url', databaseUrl]),
        ...extra,
      ]);
    try {
      const clean = verify();
      expect(clean.stdout).toMatch(/audit chain valid: \d+ rows/);
      expect(clean.status).toBe(0);
      const tail = /audit tail: (\d+:[0-9a-f]{64})/.exec(clean.stdout)?.[1];
      expect(tail).toBeDefined();
      const rows = Number(tail?.split(':')[0]);
      expect(rows).toBeGreaterThan(5);
      expect(verify('--expect-head', tail ?? '').status).toBe(0);

      const deleteRows = async (where: string) => {
        if (databaseUrl === undefined) {
          const db = new Database(join(t.dir, 'hub.sqlite'));
          db.exec('DROP TRIGGER IF EXISTS audit_log_no_delete');
          db.exec(`DELETE FROM audit_log ${where}`);
          db.close();
        } else {
          const raw = await openRawDb(t.dir);
          await raw.run('DROP TRIGGER IF EXISTS audit_log_no_delete ON audit_log');
          await raw.run(`DELETE FROM audit_log ${where}`);
          await raw.close();
        }
      };
      const recorded = databaseUrl === undefined ? 'anchor in keys/' : 'audit_head';

      await deleteRows('WHERE seq > 3');
      const truncated = verify();
      expect(truncated.stdout).toContain(
        `audit chain BROKEN at row 4: the log ends at row 3, before row ${rows} that the ${recorded} records`,
      );
      expect(truncated.stdout).toContain('audit tail: 3:');
      expect(truncated.status).toBe(1);

      await deleteRows('');
      const emptied = verify();
      expect(emptied.stdout).toContain(`audit chain BROKEN at row 1: the log ends at row 0`);
      expect(emptied.status).toBe(1);

      // The operator's kept tail alone tells as much (were the recorded head rewritten too).
      const kept = verify('--expect-head', tail ?? '');
      expect(kept.status).toBe(1);
    } finally {
      rmSync(t.dir, { recursive: true, force: true });
    }
  });

  it('a hub started on a log whose tail was deleted keeps the anchor where it was (SQLite)', async () => {
    const t = await startTestHub();
    if ((await databaseFor(t.dir)) !== undefined) {
      await t.stop();
      return;
    }
    await account(t, 'alice', 'person', 5_000);
    await account(t, 'shop', 'merchant');
    for (let i = 0; i < 3; i++)
      await t.call('POST', '/v1/holds', {
        body: holdBody('alice', 'shop', 100, { template: { name: 'purchase' } }),
      });
    await t.hub.close();
    try {
      const db = new Database(join(t.dir, 'hub.sqlite'));
      db.exec('DROP TRIGGER audit_log_no_delete');
      db.exec('DELETE FROM audit_log WHERE seq > 3');
      db.close();
      // The next run appends rows past the anchored seq again: the anchor must not follow them.
      const again = await startTestHub({ dataDir: t.dir });
      for (let i = 0; i < 12; i++)
        await again.call('POST', '/v1/holds', {
          body: holdBody('alice', 'shop', 10, { template: { name: 'purchase' } }),
        });
      await again.hub.close();
      const verified = runScript('src/hub/audit-verify-cli.ts', ['--data', t.dir]);
      expect(verified.stdout).toMatch(
        /audit chain BROKEN at row \d+: row \d+ is not the one the anchor/,
      );
      expect(verified.status).toBe(1);
    } finally {
      rmSync(t.dir, { recursive: true, force: true });
    }
  });
});
