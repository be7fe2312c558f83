// A re-key whose commit answer is lost and whose transaction did not commit, after this instance followed
// another instance's re-key while it held the re-key lock: it keeps the key its rows are under, never a
// zeroed one (PostgreSQL: instances share the database).
//
// Found in review: the fallback adopted the key held when the lock was had; the followed re-key zeroed
// that key just after, so the hub took an all-zero transform key (with no face enrolled, the gallery
// reload under it succeeds).
//
// Real parts: two hubs on one database, the first reaching it through a TCP relay that cuts its re-key's
// COMMIT on the hub's side and never hands it to the server (which rolls the transaction back).
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { transformKeyId } from '../../src/biometrics/protect/cancelable-transform.ts';
import { sodium } from '../../src/biometrics/protect/sodium.ts';
import { rekeyLockKey } from '../../src/hub/storage/postgres/identity-store.ts';
import { CommitCuttingRelay } from './commit-cutting-relay.ts';
import {
  databaseFor,
  openRawDb,
  startTestHub,
  tempDir,
  testCalibrationFile,
  type TestHub,
} from './helpers.ts';
import { copyKeys, cutTemplateFeeds } from './two-instances.ts';

/** The identity service's key state (private: read here to see which buffer it holds). */
interface HeldKey {
  transformKey: Uint8Array;
  keyId: string;
}

async function until(what: string, done: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; !(await done()); i++) {
    if (i === 500) throw new Error(`not within 10 s: ${what}`);
    await sleep(20);
  }
}

describe("a re-key that followed another instance's re-key under its lock, its COMMIT lost and not done", () => {
  it('keeps the followed key, not the zeroed one it held when it had the lock', async () => {
    await sodium.ready;
    const dir = tempDir('facepay-rekey-follow-');
    const databaseUrl = await databaseFor(dir);
    if (databaseUrl === undefined) throw new Error('the postgres project runs this file');
    const direct = new URL(databaseUrl);
    const relay = await CommitCuttingRelay.start(
      { host: direct.hostname, port: Number(direct.port || 5432) },
      'pg_advisory_xact_lock',
    );
    const running: TestHub[] = [];
    try {
      const a = await startTestHub({
        dataDir: dir,
        databaseUrl: relay.urlThrough(databaseUrl),
        calibrationFile: testCalibrationFile(),
      });
      running.push(a);
      const b = await startTestHub({
        dataDir: copyKeys(dir),
        databaseUrl,
        calibrationFile: testCalibrationFile(),
      });
      running.push(b);
      const identity = a.hub.identity;
      if (identity === undefined) throw new Error('no identity on A');
      const held = identity as unknown as HeldKey;
      const oldKey = held.transformKey;

      // B re-keys. No row moved, so nothing is announced: A still holds its key until its feed
      // resynchronises. The operator copies B's key to A meanwhile.
      const onB = await b.call('POST', '/v1/admin/rekey', { body: {} });
      expect(onB.status).toBe(200);
      const bKeyId = onB.body.transformKeyId as string;
      expect(held.transformKey).toBe(oldKey);
      copyFileSync(join(b.dir, 'keys', 'transform.key'), join(dir, 'keys', 'transform.key'));

      // A's re-key holds the lock; there A's feed comes back and A follows B's re-key (its old key zeroed).
      identity.dangerousTestOnlyAfterRekeyLock(async () => {
        await cutTemplateFeeds(a);
        await until('A follows B’s re-key', () => held.keyId === bKeyId);
      });
      relay.arm();
      const onA = await a.call('POST', '/v1/admin/rekey', { body: {} });
      expect(relay.heldOnce).toBe(true);
      expect(onA.status).toBe(503);
      expect(oldKey).toEqual(new Uint8Array(oldKey.length));

      // The COMMIT never reaches the server: once its session is gone, the rows are still under B's key.
      relay.dropCommit();
      const raw = await openRawDb(dir);
      try {
        await until('A’s re-key session gone', async () => {
          const locks = await raw.all(
            `SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND objid = ?`,
            rekeyLockKey,
          );
          return locks.length === 0;
        });
      } finally {
        await raw.close();
      }
      expect(await b.hub.store.reader.latestRekeyedKeyId()).toBe(bKeyId);

      // A holds B's key, whole.
      expect(held.keyId).toBe(bKeyId);
      expect(transformKeyId(held.transformKey)).toBe(bKeyId);
      expect(held.transformKey).not.toEqual(new Uint8Array(held.transformKey.length));
    } finally {
      for (const t of running.reverse()) await t.stop();
      await relay.close();
    }
  });
});
