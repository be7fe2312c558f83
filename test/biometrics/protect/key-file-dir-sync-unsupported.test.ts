// Key files sync their directory after a new name or a rename. Some filesystems refuse fsync on a
// directory (EINVAL on 9p, WSL, older CIFS): that must not make every key creation and re-key fail; the
// key files are then written as PostgreSQL and SQLite write theirs there, without the directory's sync.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createKeyFile,
  dangerousTestOnlyDirectorySyncFault,
  ensureKeyDirectory,
  readKeyFile,
  renameKeyFile,
  syncDirectory,
} from '../../../src/biometrics/protect/key-files.node.ts';
import { sodium } from '../../../src/biometrics/protect/sodium.ts';

let root: string;
beforeEach(async () => {
  await sodium.ready;
  root = await mkdtemp(join(tmpdir(), 'facepay-dir-sync-'));
});
afterEach(async () => {
  dangerousTestOnlyDirectorySyncFault(undefined);
  await rm(root, { recursive: true, force: true });
});

function errno(code: string): Error {
  return Object.assign(new Error(`${code}: fsync`), { code });
}

describe('a directory whose fsync is refused', () => {
  it.runIf(process.platform === 'linux')(
    'a real EINVAL (fsync of /proc) is not an error',
    async () => {
      await expect(syncDirectory('/proc')).resolves.toBeUndefined();
    },
  );

  it('EINVAL: key directory, creation and rename still succeed', async () => {
    const synced: string[] = [];
    dangerousTestOnlyDirectorySyncFault((dir) => {
      synced.push(dir);
      throw errno('EINVAL');
    });
    const dir = join(root, 'data', 'keys');
    const made = await ensureKeyDirectory(dir);
    expect(made.ok).toBe(true);
    const key = sodium.randombytes_buf(32);
    const path = join(dir, 'transform.key.next');
    expect((await createKeyFile({ path, kind: 'transform', key })).ok).toBe(true);
    await renameKeyFile({ from: path, to: join(dir, 'transform.key') });
    const read = await readKeyFile({ path: join(dir, 'transform.key'), kind: 'transform' });
    expect(read.ok && sodium.to_hex(read.value)).toBe(sodium.to_hex(key));
    expect(await readdir(dir)).toEqual(['transform.key']);
    // The syncs were asked for (and refused): the parents of the new directories, then the key's twice.
    expect(synced).toEqual([join(root, 'data'), root, dir, dir]);
  });

  it('ENOTSUP and EBADF are taken the same way; another error (EIO) still fails', async () => {
    for (const code of ['ENOTSUP', 'EBADF']) {
      dangerousTestOnlyDirectorySyncFault(() => {
        throw errno(code);
      });
      await expect(syncDirectory(root)).resolves.toBeUndefined();
    }
    dangerousTestOnlyDirectorySyncFault(() => {
      throw errno('EIO');
    });
    const path = join(root, 'data.key');
    await expect(
      createKeyFile({ path, kind: 'data', key: sodium.randombytes_buf(32) }),
    ).rejects.toThrow(/EIO/);
  });
});
