// A re-key renames or removes transform.key.next only under the re-key lock and only while that file
// holds its own key: another instance's start may have promoted it, and a newer re-key made its own.
//
// Found in review: re-key A committed, a start promoted A's key, re-key C made a new next file, and A's
// rename then moved C's key over transform.key: every stored face was under a key no file held.
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createKeyFile, readKeyFile } from '../../src/biometrics/protect/key-files.node.ts';
import { transformKeyId } from '../../src/biometrics/protect/cancelable-transform.ts';
import { sodium } from '../../src/biometrics/protect/sodium.ts';
import {
  commitNextTransformKey,
  discardNextTransformKey,
  transformKeyPaths,
  type RekeyLock,
} from '../../src/hub/identity/rekey.ts';
import { rekeyLockKey } from '../../src/hub/storage/postgres/identity-store.ts';
import type { HubStore } from '../../src/hub/storage/port.ts';
import { databaseFor, forgetDatabase, openTestStore, storeKind, tempDir } from './helpers.ts';

let dir: string;
let keysDir: string;
let store: HubStore;
let lock: RekeyLock;

beforeEach(async () => {
  await sodium.ready;
  dir = tempDir('facepay-rekey-files-');
  keysDir = join(dir, 'keys');
  mkdirSync(keysDir);
  store = await openTestStore(dir, randomBytes(32));
  lock = (fn) => store.runExclusive('rekey', fn);
});
afterEach(async () => {
  await store.close();
  await forgetDatabase(dir);
  rmSync(dir, { recursive: true, force: true });
});

/** Writes a new transform key file at `path`; answers its key id. */
async function keyFile(path: string): Promise<string> {
  const key = sodium.randombytes_buf(32);
  const created = await createKeyFile({ path, kind: 'transform', key });
  if (!created.ok) throw new Error(created.error.message);
  const id = transformKeyId(key);
  sodium.memzero(key);
  return id;
}

async function idOf(path: string): Promise<string | undefined> {
  if (!existsSync(path)) return undefined;
  const read = await readKeyFile({ path, kind: 'transform' });
  if (!read.ok) throw new Error(read.error.message);
  return transformKeyId(read.value);
}

describe("a re-key's key files after its transaction", () => {
  it("the commit leaves another re-key's next key file alone once its own key is current", async () => {
    const { current, next } = transformKeyPaths(keysDir);
    const a = await keyFile(current); // A's key, promoted by a start that read A's committed re-key
    const c = await keyFile(next); // C's re-key, started on another instance since
    await commitNextTransformKey(keysDir, a, lock);
    expect(await idOf(current)).toBe(a);
    expect(await idOf(next)).toBe(c);
  });

  it("the discard of a failed re-key leaves another re-key's next key file alone", async () => {
    const { current, next } = transformKeyPaths(keysDir);
    const a = await keyFile(current);
    const c = await keyFile(next);
    await discardNextTransformKey(keysDir, a, lock);
    expect(await idOf(current)).toBe(a);
    expect(await idOf(next)).toBe(c);
  });

  it('the commit renames its own next key file', async () => {
    const { current, next } = transformKeyPaths(keysDir);
    await keyFile(current);
    const a = await keyFile(next);
    await commitNextTransformKey(keysDir, a, lock);
    expect(await idOf(current)).toBe(a);
    expect(existsSync(next)).toBe(false);
  });

  it.runIf(storeKind === 'postgres')(
    'while another instance holds the re-key lock (a start settling), the files are left to it',
    async () => {
      const { current, next } = transformKeyPaths(keysDir);
      const old = await keyFile(current);
      const a = await keyFile(next);
      const other = new pg.Client({ connectionString: await databaseFor(dir) });
      await other.connect();
      try {
        await other.query('SELECT pg_advisory_lock($1)', [rekeyLockKey]);
        await commitNextTransformKey(keysDir, a, lock);
        expect(await idOf(current)).toBe(old);
        expect(await idOf(next)).toBe(a);
        await discardNextTransformKey(keysDir, a, lock);
        expect(await idOf(next)).toBe(a);
      } finally {
        await other.end();
      }
    },
  );
});
