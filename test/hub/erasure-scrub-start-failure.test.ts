// The SQLite hub's start runs a truncating checkpoint (the erasure scrub) before it answers. A failure
// there (a full disk, an I/O error) must not refuse the start, or a full disk becomes a crash loop: the
// scrub counts as held off (pending, the mark written, tried again). A start that fails for another
// reason closes the connections it opened.
import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readlinkSync, realpathSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { migrations } from '../../src/hub/storage/sqlite/migrations.ts';
import {
  dangerousTestOnlyStartScrubFault,
  SqliteHubStore,
} from '../../src/hub/storage/sqlite/sqlite-store.ts';
import { tempDir } from './helpers.ts';

const dirs: string[] = [];
const stores: SqliteHubStore[] = [];
afterEach(async () => {
  dangerousTestOnlyStartScrubFault(undefined);
  for (const store of stores.splice(0)) await store.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** This process's open descriptors on `file` or its WAL. */
function descriptorsOn(file: string): string[] {
  const open: string[] = [];
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const target = readlinkSync(join('/proc/self/fd', fd));
      if (target === file || target === `${file}-wal`) open.push(target);
    } catch {
      // Closed between the listing and the read (the listing's own descriptor).
    }
  }
  return open;
}

describe('the SQLite start scrub', () => {
  it('a failed checkpoint at start is held off, not fatal, and is tried again', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const file = join(dir, 'hub.sqlite');
    let faults = 0;
    dangerousTestOnlyStartScrubFault(() => {
      faults++;
      throw Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
    });
    const store = new SqliteHubStore({
      file,
      auditKey: randomBytes(32),
      // Not sooner: a retry during the mark's write (two fsyncs) would remove the mark once written.
      erasureScrubRetryMs: 1000,
    });
    stores.push(store);
    dangerousTestOnlyStartScrubFault(undefined);
    expect(faults).toBe(1);
    // No erasure is known scrubbed, and the next start is told so by the mark (written durably, off
    // the constructor: startHub awaits it before its first answer).
    expect(store.erasureScrub.pending(1)).toBe(true);
    await store.scrubMarkSettled();
    expect(existsSync(`${file}-erasure-scrub`)).toBe(true);
    // The retry (every second) runs the checkpoint once the fault is gone.
    for (let i = 0; i < 250 && store.erasureScrub.pending(1); i++) await sleep(20);
    expect(store.erasureScrub.pending(1)).toBe(false);
    expect(existsSync(`${file}-erasure-scrub`)).toBe(false);
  });

  it.runIf(process.platform === 'linux')('a start that fails closes its connections', () => {
    const dir = tempDir();
    dirs.push(dir);
    // /proc names the real path (a symlinked TMPDIR).
    const file = join(realpathSync(dir), 'hub.sqlite');
    const db = new Database(file);
    db.pragma(`user_version = ${migrations.length + 1}`);
    expect(descriptorsOn(file)).toEqual([file]);
    db.close();
    expect(descriptorsOn(file)).toEqual([]);
    expect(() => new SqliteHubStore({ file, auditKey: randomBytes(32) })).toThrow(/newer/);
    expect(descriptorsOn(file)).toEqual([]);
  });
});
