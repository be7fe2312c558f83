// A re-key makes its next key file only once its transaction holds the re-key lock: an instance that
// starts while the re-key waits for that lock settles the key files under the same lock (finishInterruptedRekey)
// and finds no next key file to set aside, so the re-key then commits (200), its key is transform.key, and
// the stored face still opens under it (PostgreSQL: instances share keys/ and the database).
//
// Found in review: the file was made before the lock; a start in that instant set it aside and the
// re-key was refused 409 rekey_unfinished (cleanly, but for nothing).
//
// Since the file is made under the lock, another instance's re-key queued beside this one takes the lock
// as soon as this transaction ends (to be refused: this re-key's file is there); the commit's rename
// then tries the lock again for a while rather than leave the committed key in the next key file.
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { transformKeyId } from '../../src/biometrics/protect/cancelable-transform.ts';
import { sodium } from '../../src/biometrics/protect/sodium.ts';
import { createKeyFile } from '../../src/biometrics/protect/key-files.node.ts';
import {
  commitNextTransformKey,
  finishInterruptedRekey,
  transformKeyPaths,
  type RekeyLock,
} from '../../src/hub/identity/rekey.ts';
import { rekeyLockKey } from '../../src/hub/storage/postgres/identity-store.ts';
import {
  databaseFor,
  forgetDatabase,
  openTestStore,
  tempDir,
  testCalibrationFile,
} from './helpers.ts';
import { useRunningHubs } from './postgres-hubs.ts';
import {
  currentTransformKey,
  hubWithCarol,
  identifyCarolUnder,
  untilWaiting,
} from './rekey-carol.ts';

const running = useRunningHubs();

describe('a re-key waiting for the re-key lock that a starting instance holds', () => {
  it('has made no next key file yet, so the start sets nothing aside and the re-key commits', async () => {
    const { a, databaseUrl, till, hubKey, carol } = await hubWithCarol(
      running,
      testCalibrationFile(),
    );
    const keysDir = join(a.dir, 'keys');
    const raw = new pg.Client({ connectionString: databaseUrl });
    await raw.connect();
    try {
      // The starting instance holds the re-key lock (its runExclusive('rekey')); A's re-key waits on it.
      await raw.query('SELECT pg_advisory_lock($1)', [rekeyLockKey]);
      const rekeyed = a.call('POST', '/v1/admin/rekey', { body: {} });
      await untilWaiting(raw, `locktype = 'advisory' AND objid = $1`, [rekeyLockKey]);
      // What the start does under that lock: nothing committed names a next key, so a next key file
      // there would be set aside.
      await finishInterruptedRekey(keysDir, a.hub.store.reader);
      await raw.query('SELECT pg_advisory_unlock($1)', [rekeyLockKey]);

      const answer = await rekeyed;
      expect(answer.status).toBe(200);
      expect(answer.body.templates).toBe(2); // Carol's two
      const newKey = await currentTransformKey(a.dir);
      expect(transformKeyId(newKey)).toBe(answer.body.transformKeyId);
      expect(readdirSync(keysDir).filter((name) => name.includes('.next'))).toEqual([]);
      // Carol's face, protected under the key the file now holds, is identified.
      const identified = await identifyCarolUnder(a, { till, hubKey, carol, key: newKey });
      expect(identified.status).toBe(200);
    } finally {
      await raw.end();
    }
  });
});

describe("a re-key's commit while another instance holds the re-key lock a moment", () => {
  it('renames its next key file once the lock is free, not leaving it for a restart', async () => {
    await sodium.ready;
    const dir = tempDir('facepay-rekey-lock-');
    const keysDir = join(dir, 'keys');
    mkdirSync(keysDir);
    const store = await openTestStore(dir, randomBytes(32));
    const other = new pg.Client({ connectionString: await databaseFor(dir) });
    await other.connect();
    try {
      const { current, next } = transformKeyPaths(keysDir);
      const keys = [sodium.randombytes_buf(32), sodium.randombytes_buf(32)];
      for (const [path, key] of [
        [current, keys[0]],
        [next, keys[1]],
      ] as const) {
        const created = await createKeyFile({ path, kind: 'transform', key: key! });
        if (!created.ok) throw new Error(created.error.message);
      }
      // The other instance (a re-key refused right after this one's commit) holds the lock at the
      // commit's first try, and lets it go then.
      await other.query('SELECT pg_advisory_lock($1)', [rekeyLockKey]);
      let tries = 0;
      const lock: RekeyLock = async (fn) => {
        tries++;
        const ran = await store.runExclusive('rekey', fn);
        if (ran === undefined) await other.query('SELECT pg_advisory_unlock($1)', [rekeyLockKey]);
        return ran;
      };
      await commitNextTransformKey(keysDir, transformKeyId(keys[1]!), lock);
      expect(tries).toBe(2);
      expect(transformKeyId(await currentTransformKey(dir))).toBe(transformKeyId(keys[1]!));
      expect(readdirSync(keysDir).filter((name) => name.includes('.next'))).toEqual([]);
    } finally {
      await other.end();
      await store.close();
      await forgetDatabase(dir);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
