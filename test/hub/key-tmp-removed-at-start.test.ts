// A key write killed after its temporary file was synced leaves a whole key in keys/<name>.<hex>.tmp; a
// hub start zeroes and removes it, and leaves the live keys, which still open the sealed gallery.
import {
  closeSync,
  copyFileSync,
  openSync,
  readFileSync,
  readSync,
  readdirSync,
  rmSync,
  utimesSync,
} from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { databaseFor, syntheticFace as face, testCalibrationFile } from './helpers.ts';
import { enrolTestPerson, sealedProbe, startIdentityHub } from './identity-helpers.ts';

describe('a hub start after an interrupted key write', () => {
  it('zeroes and removes the stale temporary key file; the gallery still opens', async () => {
    const { t, hubKey, enroller } = await startIdentityHub();
    const alice = face();
    await enrolTestPerson(t, hubKey, {
      enroller,
      accountId: 'alice',
      sealedTemplate: () => sealedProbe(t, hubKey, face(alice)),
    });
    const dir = t.dir;
    await t.hub.close();
    const keys = join(dir, 'keys');
    const live = readdirSync(keys).sort();
    // What a re-key killed at temporary_synced leaves: the next key, whole, under a temporary name.
    const stale = join(keys, 'transform.key.next.0123456789abcdef.tmp');
    copyFileSync(join(keys, 'transform.key'), stale);
    const old = new Date(Date.now() - 120_000);
    utimesSync(stale, old, old);
    // An open descriptor (not a second name, which the clean-up must treat as a live key's) shows what the
    // stale file's bytes became.
    const size = readFileSync(stale).length;
    const witness = openSync(stale, 'r');
    const { startHub } = await import('../../src/hub/hub.ts');
    const databaseUrl = await databaseFor(dir);
    const again = await startHub({
      dataDir: dir,
      clock: t.clock,
      sweeper: false,
      calibrationFile: testCalibrationFile(),
      ...(databaseUrl === undefined ? {} : { databaseUrl }),
    });
    try {
      expect(readdirSync(keys).sort()).toEqual(live);
      const bytes = Buffer.alloc(size, 0xff);
      expect(readSync(witness, bytes, 0, size, 0)).toBe(size);
      expect(bytes).toEqual(Buffer.alloc(size));
      expect(again.identity?.gallery.personCount).toBe(1);
    } finally {
      closeSync(witness);
      await again.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
