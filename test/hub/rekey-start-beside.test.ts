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
import { transformKeyId } from '../../src/biometrics/protect/cancelable-transform.ts';
import { startTestHub, testCalibrationFile } from './helpers.ts';
import { useRunningHubs } from './postgres-hubs.ts';
import { currentTransformKey, hubWithCarol, untilWaiting } from './rekey-carol.ts';

const running = useRunningHubs();

describe('an instance starting beside a running re-key', () => {
  it('leaves its next key file alone: the re-key answers 200 and its key is transform.key', async () => {
    const calibrationFile = testCalibrationFile();
    const { a, databaseUrl } = await hubWithCarol(running, calibrationFile);
    const raw = new pg.Client({ connectionString: databaseUrl });
    await raw.connect();
    try {
      // A's re-key waits on the templates (held by the raw session) with its transaction open.
      await raw.query('BEGIN');
      await raw.query('LOCK TABLE templates IN EXCLUSIVE MODE');
      const rekeyed = a.call('POST', '/v1/admin/rekey', { body: {} });
      await untilWaiting(raw, `relation = 'templates'::regclass`);

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
      expect(transformKeyId(await currentTransformKey(a.dir))).toBe(answer.body.transformKeyId);
      expect(readdirSync(join(a.dir, 'keys')).filter((name) => name.includes('.next'))).toEqual([]);
    } finally {
      await raw.end();
    }
  });
});
