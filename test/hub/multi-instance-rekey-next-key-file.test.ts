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
import { readKeyFile } from '../../src/biometrics/protect/key-files.node.ts';
import {
  CancelableTransform,
  transformKeyId,
} from '../../src/biometrics/protect/cancelable-transform.ts';
import { sodium } from '../../src/biometrics/protect/sodium.ts';
import { transformKeyPaths } from '../../src/hub/identity/rekey.ts';
import { rekeyLockKey } from '../../src/hub/storage/postgres/identity-store.ts';
import {
  account,
  client,
  clientWithId,
  databaseFor,
  startTestHub,
  syntheticFace,
  testCalibrationFile,
  testFaceModelId,
  type TestHub,
} from './helpers.ts';
import { enrolTestPerson, fetchHubKey, sealedProbe } from './identity-helpers.ts';
import { useRunningHubs } from './postgres-hubs.ts';

const running = useRunningHubs();

async function keyIn(path: string): Promise<Uint8Array> {
  const read = await readKeyFile({ path, kind: 'transform' });
  if (!read.ok) throw new Error(read.error.message);
  return read.value;
}

/** Polls pg_locks (on `raw`) until some session waits for a lock `condition` names. */
async function untilWaiting(raw: pg.Client, condition: string, params: unknown[] = []) {
  for (;;) {
    const waiting = await raw.query(
      `SELECT 1 FROM pg_locks WHERE NOT granted AND ${condition}`,
      params,
    );
    if (waiting.rowCount !== null && waiting.rowCount > 0) return;
    await sleep(20);
  }
}

describe("an instance hearing another's re-key before that one renames its next key file", () => {
  it('takes the committed key from transform.key.next and identifies under it', async () => {
    await sodium.ready;
    const calibrationFile = testCalibrationFile();
    // A long lock timeout: A's re-key waits on the raw session's table lock until the test lets it go.
    const a = await startTestHub({ calibrationFile, postgresTimeouts: { lockMs: 60_000 } });
    running.push(a);
    const databaseUrl = await databaseFor(a.dir);
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
      await account(a, 'shop', 'merchant');
      const enroller = await clientWithId(a, 'enrollment');
      const till = await client(a, 'merchant', 'shop');
      const hubKey = await fetchHubKey(a, till);
      const { current, next } = transformKeyPaths(join(a.dir, 'keys'));
      const oldKey = await keyIn(current);
      const oldKeyId = transformKeyId(oldKey);
      const protectOld = CancelableTransform.fromKey({ key: oldKey, dimension: 128 });
      const carol = syntheticFace();
      const carolPerson = await enrolTestPerson(a, hubKey, {
        enroller,
        accountId: 'carol',
        sealedTemplate: () =>
          sealedProbe(a, hubKey, protectOld.apply(syntheticFace(carol)), oldKeyId),
      });
      protectOld.dispose();

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
      const newKey = await keyIn(next);
      expect(transformKeyId(newKey)).toBe(newKeyId);

      // B heard the re-key at A's commit: it identifies Carol under the new key.
      const protectNew = CancelableTransform.fromKey({ key: newKey, dimension: 128 });
      const identifyOnB = () =>
        b.call('POST', '/v1/identify', {
          token: till,
          body: {
            modelId: testFaceModelId,
            sealedProbe: sealedProbe(b, hubKey, protectNew.apply(syntheticFace(carol)), newKeyId),
            liveness: { passed: true, score: 0.97 },
            payee: 'shop',
            amount: 500,
          },
        });
      // Until B has heard the re-key (the feed's delivery), it refuses the new-key probe.
      let identified = await identifyOnB();
      const deadline = performance.now() + 10_000;
      while (identified.status !== 200 && performance.now() < deadline) {
        await sleep(100);
        identified = await identifyOnB();
      }
      protectNew.dispose();
      expect(identified.status).toBe(200);
      expect(identified.body.match?.personId).toBe(carolPerson.id);
      // The key B took was in the next key file only: transform.key still holds the old one.
      expect(transformKeyId(await keyIn(current))).toBe(oldKeyId);
      expect(transformKeyId(await keyIn(next))).toBe(newKeyId);
    } finally {
      await other.end();
      await tables.end();
    }
  });
});
