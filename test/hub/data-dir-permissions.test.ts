// The data directory holds names, dates of birth, document hashes and PIN verifiers: the database and
// its -wal and -shm files are 0600 whatever the umask, an empty directory someone made for the hub is
// tightened to 0700, and one already holding files that group or others can read stops the hub.
import { afterEach, describe, expect, it } from 'vitest';
import { chmodSync, existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startHub } from '../../src/hub/hub.ts';
import { runScript } from './process.ts';
import { startTestHub, tempDir } from './helpers.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const mode = (path: string) => statSync(path).mode & 0o777;

/** A directory made the way `mkdir` makes one under the usual umask 022. */
function openDirectory(): string {
  const parent = tempDir('facepay-perm-');
  dirs.push(parent);
  const dir = join(parent, 'hub-data');
  mkdirSync(dir);
  chmodSync(dir, 0o755);
  return dir;
}

const databaseFiles = (dir: string) =>
  ['hub.sqlite', 'hub.sqlite-wal', 'hub.sqlite-shm'].map((name) => join(dir, name));

describe('the data directory and the database files are private', () => {
  it('an empty pre-existing 0755 directory is made 0700; hub.sqlite, -wal and -shm are 0600', async () => {
    const dir = openDirectory();
    const previous = process.umask(0o022);
    try {
      const t = await startTestHub({ dataDir: dir });
      try {
        // A write, so the WAL file holds something while the hub runs.
        expect((await t.call('GET', '/v1/accounts/nobody')).status).toBe(404);
        for (const file of databaseFiles(dir)) {
          expect(existsSync(file), file).toBe(true);
          expect(mode(file), file).toBe(0o600);
        }
        expect(mode(dir)).toBe(0o700);
      } finally {
        await t.hub.close();
      }
    } finally {
      process.umask(previous);
    }
  });

  it('database files an older hub left readable are made 0600 at start', async () => {
    const dir = tempDir('facepay-perm-');
    dirs.push(dir);
    const first = await startTestHub({ dataDir: dir });
    await first.hub.close();
    chmodSync(join(dir, 'hub.sqlite'), 0o644);
    const again = await startTestHub({ dataDir: dir });
    try {
      for (const file of databaseFiles(dir)) expect(mode(file), file).toBe(0o600);
    } finally {
      await again.hub.close();
    }
  });

  it('refuses to start in a group- or world-readable directory that already holds files', async () => {
    for (const bits of [0o755, 0o750, 0o705]) {
      const dir = openDirectory();
      writeFileSync(join(dir, 'notes.txt'), 'someone else was here');
      chmodSync(dir, bits);
      await expect(startHub({ dataDir: dir, port: 0, calibrationFile: null })).rejects.toThrow(
        new RegExp(`readable by group or others \\(mode ${bits.toString(8)}\\).*chmod 700`),
      );
      expect(mode(dir)).toBe(bits);
      expect(existsSync(join(dir, 'hub.sqlite'))).toBe(false);
    }
  });

  it('the hub command says why it will not start, without a stack trace', () => {
    const dir = openDirectory();
    writeFileSync(join(dir, 'hub.sqlite'), '');
    const started = runScript('src/hub/cli.ts', ['--port', '0', '--data', dir]);
    expect(started.status).toBe(1);
    expect(started.stdout).not.toContain('hub listening');
    expect(started.stderr).toContain(`data directory ${dir} is readable by group or others`);
    expect(started.stderr).toContain(`chmod 700 ${dir}`);
    expect(started.stderr).not.toMatch(/\n\s+at /);
  });
});
