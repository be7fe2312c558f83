// A hub instance that starts while another instance's re-key is running, both sharing keys/ and the
// PostgreSQL database: the start must leave that re-key's next key file alone, and the re-key commits
// and makes it the key.
//
// Found in review: the start saw no re-key in the audit log yet (not committed) and set the file aside;
// the re-key then committed, its rename failed (500), and the database named a key no file held.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { readKeyFile } from '../../src/biometrics/protect/key-files.node.ts';
import {
  CancelableTransform,
  transformKeyId,
} from '../../src/biometrics/protect/cancelable-transform.ts';
import { sodium } from '../../src/biometrics/protect/sodium.ts';
import { transformKeyPaths } from '../../src/hub/identity/rekey.ts';
import {
  account,
  client,
  clientWithId,
  databaseFor,
  startTestHub,
  syntheticFace,
  testCalibrationFile,
} from './helpers.ts';
import { enrolTestPerson, fetchHubKey, sealedProbe } from './identity-helpers.ts';
import { useRunningHubs } from './postgres-hubs.ts';

const running = useRunningHubs();

async function currentKey(dir: string): Promise<Uint8Array> {
  const read = await readKeyFile({
    path: transformKeyPaths(join(dir, 'keys')).current,
    kind: 'transform',
  });
  if (!read.ok) throw new Error(read.error.message);
  return read.value;
}

describe('an instance starting beside a running re-key', () => {
  it('leaves its next key file alone: the re-key answers 200 and its key is transform.key', async () => {
    await sodium.ready;
    const calibrationFile = testCalibrationFile();
    // A long lock timeout: A's re-key waits on the raw session's lock until the test lets it go.
    const a = await startTestHub({ calibrationFile, postgresTimeouts: { lockMs: 60_000 } });
    running.push(a);
    const databaseUrl = await databaseFor(a.dir);
    const raw = new pg.Client({ connectionString: databaseUrl });
    await raw.connect();
    try {
      await account(a, 'shop', 'merchant');
      const enroller = await clientWithId(a, 'enrollment');
      const till = await client(a, 'merchant', 'shop');
      const hubKey = await fetchHubKey(a, till);
      const carol = syntheticFace();
      const oldKey = await currentKey(a.dir);
      const protect = CancelableTransform.fromKey({ key: oldKey, dimension: 128 });
      await enrolTestPerson(a, hubKey, {
        enroller,
        accountId: 'carol',
        sealedTemplate: () =>
          sealedProbe(a, hubKey, protect.apply(syntheticFace(carol)), transformKeyId(oldKey)),
      });
      protect.dispose();

      // A's re-key waits on the templates (held by the raw session) with its transaction open.
      await raw.query('BEGIN');
      await raw.query('LOCK TABLE templates IN EXCLUSIVE MODE');
      const rekeyed = a.call('POST', '/v1/admin/rekey', { body: {} });
      for (;;) {
        const waiting = await raw.query(
          `SELECT 1 FROM pg_locks WHERE NOT granted AND relation = 'templates'::regclass`,
        );
        if (waiting.rowCount !== null && waiting.rowCount > 0) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }

      // B starts on the same data directory (keys/ shared) and database meanwhile.
      const b = await startTestHub({
        calibrationFile,
        dataDir: a.dir,
        ...(databaseUrl === undefined ? {} : { databaseUrl }),
      });
      // B shares A's directory and database: closing it is its whole stop (A's removes them).
      running.push({ ...b, stop: () => b.hub.close() });

      await raw.query('ROLLBACK');
      const answer = await rekeyed;
      expect(answer.status).toBe(200);
      expect(transformKeyId(await currentKey(a.dir))).toBe(answer.body.transformKeyId);
      expect(readdirSync(join(a.dir, 'keys')).filter((name) => name.includes('.next'))).toEqual([]);
    } finally {
      await raw.end();
    }
  });
});
