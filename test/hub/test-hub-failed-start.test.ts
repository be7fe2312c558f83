// startTestHub, when the hub fails to start, removes what it made for that start: its temp data dir
// and (PostgreSQL) the database made for it, before the start's error goes on to the test.
//
// Found in review: both stayed until the end of the run (the database until afterAll's drop), or for
// good (the temp dir), once per failing start.
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { databasesHeld, scratchDir, startTestHub } from './helpers.ts';

/** A calibration file the hub cannot read: it fails after its store is open and migrated. */
function brokenCalibration(): string {
  const file = join(scratchDir('facepay-failed-start-'), 'calibration.json');
  writeFileSync(file, 'not a calibration');
  return file;
}

const tmpdirBefore = process.env['TMPDIR'];
afterEach(() => {
  if (tmpdirBefore === undefined) delete process.env['TMPDIR'];
  else process.env['TMPDIR'] = tmpdirBefore;
});

describe('a test hub that fails to start', () => {
  it('leaves no temp dir and no database of its own', async () => {
    const calibrationFile = brokenCalibration();
    // The temp dir startTestHub makes lands here (os.tmpdir() reads TMPDIR at each call).
    const tmp = scratchDir('facepay-failed-start-tmp-');
    const databases = databasesHeld();
    process.env['TMPDIR'] = tmp;
    await expect(startTestHub({ calibrationFile })).rejects.toThrow();
    expect(readdirSync(tmp)).toEqual([]);
    expect(databasesHeld()).toBe(databases);
  });

  it("keeps the caller's data dir, and drops the database made for it", async () => {
    const calibrationFile = brokenCalibration();
    const dataDir = scratchDir('facepay-failed-start-data-');
    const databases = databasesHeld();
    await expect(startTestHub({ calibrationFile, dataDir })).rejects.toThrow();
    expect(existsSync(dataDir)).toBe(true);
    expect(databasesHeld()).toBe(databases);
    // The dir starts a hub afterwards as any other (a database made anew on PostgreSQL).
    const t = await startTestHub({ dataDir });
    expect((await t.call('GET', '/v1/accounts/none')).status).toBe(404);
    await t.stop();
  });
});
