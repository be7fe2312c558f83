// Two hub instances sharing keys/ and the PostgreSQL database: B hears A's re-key at its COMMIT, while the
// new key is still in transform.key.next (A renames it only after the commit, and leaves it to a start
// while another instance holds the re-key lock). B must take the committed key from the next key file,
// and identify under it, not mark itself stale and refuse identity (503) until restarted.
//
// Found in review: B read only transform.key when following a re-key; a read before A's rename found the
// old key there.
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { transformKeyId } from '../../src/biometrics/protect/cancelable-transform.ts';
import { transformKeyPaths } from '../../src/hub/identity/rekey.ts';
import { rekeyLockKey } from '../../src/hub/storage/postgres/identity-store.ts';
import { startTestHub, testCalibrationFile, type TestHub } from './helpers.ts';
import { useRunningHubs } from './postgres-hubs.ts';
import { hubWithCarol, identifyCarolUnder, transformKeyIn, untilWaiting } from './rekey-carol.ts';

const running = useRunningHubs();

describe("an instance hearing another's re-key before that one renames its next key file", () => {
  it('takes the committed key from transform.key.next and identifies under it', async () => {
    const calibrationFile = testCalibrationFile();
    const { a, databaseUrl, till, hubKey, carol, carolPerson, oldKey } = await hubWithCarol(
      running,
      calibrationFile,
    );
    const oldKeyId = transformKeyId(oldKey);
    // B on the same data directory (keys/ shared) and database: closing it is its whole stop.
    const b: TestHub = await startTestHub({
      calibrationFile,
      dataDir: a.dir,
      ...(databaseUrl === undefined ? {} : { databaseUrl }),
    });
    running.push({ ...b, stop: () => b.hub.close() });
    const tables = new pg.Client({ connectionString: databaseUrl });
    const other = new pg.Client({ connectionString: databaseUrl });
    await tables.connect();
    await other.connect();
    try {
      const { current, next } = transformKeyPaths(join(a.dir, 'keys'));
      // A's re-key holds the re-key lock and waits on the templates (held by `tables`), its next key
      // file made; another instance's session then queues for the re-key lock, and gets it at A's
      // commit, before A's rename can: the rename's tries run out and the key stays in the next file.
      await tables.query('BEGIN');
      await tables.query('LOCK TABLE templates IN EXCLUSIVE MODE');
      const rekeyed = a.call('POST', '/v1/admin/rekey', { body: {} });
      await untilWaiting(tables, `relation = 'templates'::regclass`);
      const otherLocked = other.query('SELECT pg_advisory_lock($1)', [rekeyLockKey]);
      await untilWaiting(tables, `locktype = 'advisory' AND objid = $1`, [rekeyLockKey]);
      await tables.query('ROLLBACK');
      await otherLocked;
      const answer = await rekeyed;
      expect(answer.status).toBe(200);
      const newKeyId = answer.body.transformKeyId as string;
      const newKey = await transformKeyIn(next);
      expect(transformKeyId(newKey)).toBe(newKeyId);

      // B heard the re-key at A's commit: it identifies Carol under the new key.
      const identifyOnB = () => identifyCarolUnder(b, { till, hubKey, carol, key: newKey });
      // Until B has heard the re-key (the feed's delivery), it refuses the new-key probe.
      let identified = await identifyOnB();
      const deadline = performance.now() + 10_000;
      while (identified.status !== 200 && performance.now() < deadline) {
        await sleep(100);
        identified = await identifyOnB();
      }
      expect(identified.status).toBe(200);
      expect(identified.body.match?.personId).toBe(carolPerson.id);
      // The key B took was in the next key file only: transform.key still holds the old one.
      expect(transformKeyId(await transformKeyIn(current))).toBe(oldKeyId);
      expect(transformKeyId(await transformKeyIn(next))).toBe(newKeyId);
    } finally {
      await other.end();
      await tables.end();
    }
  });
});
