// A re-key at synchronous NORMAL (a hub CLI flag): its commit is answered before the WAL's fsync, and the
// route then renames transform.key.next over transform.key. A power cut between the two would bring back
// the templates under the old key while no file holds it; the WAL must be synced before the rename.
import { rmSync } from 'node:fs';
import { basename } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { dangerousTestOnlyKeyFileSteps } from '../../src/biometrics/protect/key-files.node.ts';
import { dangerousTestOnlyAfterDurableSync } from '../../src/hub/storage/sqlite/sqlite-store.ts';
import { startTestHub, storeKind, testCalibrationFile } from './helpers.ts';

const dirs: string[] = [];
afterEach(() => {
  dangerousTestOnlyKeyFileSteps(undefined);
  dangerousTestOnlyAfterDurableSync(undefined);
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe.runIf(storeKind === 'sqlite')('a re-key at synchronous NORMAL', () => {
  it('syncs the WAL before transform.key.next is renamed over transform.key', async () => {
    const t = await startTestHub({
      synchronous: 'NORMAL',
      calibrationFile: testCalibrationFile(),
    });
    dirs.push(t.dir);
    const events: string[] = [];
    try {
      dangerousTestOnlyAfterDurableSync(() => events.push('wal_synced'));
      dangerousTestOnlyKeyFileSteps(async (step, path) => {
        events.push(`${step} ${basename(path)}`);
      });
      const rekeyed = await t.call('POST', '/v1/admin/rekey', { body: {} });
      expect(rekeyed.status).toBe(200);
    } finally {
      dangerousTestOnlyKeyFileSteps(undefined);
      dangerousTestOnlyAfterDurableSync(undefined);
      await t.hub.close();
    }
    const renamed = events.indexOf('renamed transform.key');
    expect(events).toContain('linked transform.key.next');
    expect(renamed).toBeGreaterThan(events.indexOf('linked transform.key.next'));
    // The fsync of the WAL came after the commit (the next key file is made in the transaction) and
    // before the rename.
    const synced = events.lastIndexOf('wal_synced', renamed);
    expect(synced).toBeGreaterThan(events.indexOf('linked transform.key.next'));
  });
});
