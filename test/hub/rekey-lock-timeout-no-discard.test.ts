// A re-key whose transaction cannot take the re-key lock (another instance's start holds it past the
// lock timeout) made no next key file: it is refused with nothing to discard, so it neither waits for
// the lock again to remove a file nor tells the operator that a failed re-key's file stays. Once the
// lock is free, a re-key commits (PostgreSQL: the lock is shared by the instances on the database).
//
// Found in review: the discard ran after every re-key that stored nothing, so this one kept trying the
// held lock for a second and logged "the failed re-key's next key file stays" about a file never made.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { rekeyLockKey } from '../../src/hub/storage/postgres/identity-store.ts';
import { databaseFor, startTestHub, testCalibrationFile } from './helpers.ts';
import { useRunningHubs } from './postgres-hubs.ts';

const running = useRunningHubs();
afterEach(() => {
  vi.restoreAllMocks();
});

describe('a re-key refused for the re-key lock held past the lock timeout', () => {
  it('discards no file and says none stays; a re-key once the lock is free commits', async () => {
    // The identity hub with a short lock timeout, and a raw session standing for a starting instance.
    const a = await startTestHub({
      calibrationFile: testCalibrationFile(),
      postgresTimeouts: { lockMs: 300 },
    });
    running.push(a);
    const raw = new pg.Client({ connectionString: await databaseFor(a.dir) });
    await raw.connect();
    try {
      await raw.query('SELECT pg_advisory_lock($1)', [rekeyLockKey]);
      // Told what the hub writes on stderr; every line still goes through.
      const told = vi.spyOn(process.stderr, 'write');
      const refused = await a.call('POST', '/v1/admin/rekey', { body: {} });
      expect(refused.status).toBe(503);
      const lines = told.mock.calls.map(([chunk]) => String(chunk));
      expect(lines.filter((line) => line.includes('next key file'))).toEqual([]);
      expect(readdirSync(join(a.dir, 'keys')).filter((name) => name.includes('.next'))).toEqual([]);

      await raw.query('SELECT pg_advisory_unlock($1)', [rekeyLockKey]);
      const rekeyed = await a.call('POST', '/v1/admin/rekey', { body: {} });
      expect(rekeyed.status).toBe(200);
    } finally {
      await raw.end();
    }
  });
});
