import { chmod, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sodium } from '../../../src/biometrics/protect/sodium.ts';
import {
  createKeyFile,
  hubKeyFileNames,
  loadHubKeys,
  readKeyFile,
} from '../../../src/biometrics/protect/key-files.node.ts';

let root: string;
let dir: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'facepay-keys-'));
  dir = join(root, 'keys');
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

function codeOf(result: { ok: boolean; error?: { code: string } }): string | undefined {
  return result.ok ? undefined : result.error?.code;
}

describe('key files', () => {
  it('creates the hub keys 0600 in a 0700 directory and loads the same keys again', async () => {
    const created = await loadHubKeys({ dir, create: true });
    expect(created.ok).toBe(true);
    if (!created.ok) return;
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    const names = (await readdir(dir)).sort();
    expect(names).toEqual(Object.values(hubKeyFileNames).sort());
    for (const name of names) expect((await stat(join(dir, name))).mode & 0o777).toBe(0o600);
    const loaded = await loadHubKeys({ dir, create: false });
    expect(loaded.ok && loaded.value).toEqual(created.value);
    const { hubBox, dataKey, transformKey, pinPepper } = created.value;
    expect(sodium.to_hex(sodium.crypto_scalarmult_base(hubBox.privateKey))).toBe(
      sodium.to_hex(hubBox.publicKey),
    );
    const distinct = new Set(
      [dataKey, transformKey, pinPepper, hubBox.privateKey].map(sodium.to_hex),
    );
    expect(distinct.size).toBe(4);
  });

  it('works with a sealed box: the loaded pair opens what was sealed to its public key', async () => {
    const keys = await loadHubKeys({ dir, create: true });
    if (!keys.ok) throw new Error(keys.error.message);
    const sealed = sodium.crypto_box_seal('hello', keys.value.hubBox.publicKey);
    const opened = sodium.crypto_box_seal_open(
      sealed,
      keys.value.hubBox.publicKey,
      keys.value.hubBox.privateKey,
    );
    expect(sodium.to_string(opened)).toBe('hello');
  });

  it('refuses key files that others can read', async () => {
    expect((await loadHubKeys({ dir, create: true })).ok).toBe(true);
    const path = join(dir, hubKeyFileNames.data);
    for (const mode of [0o644, 0o640, 0o604, 0o660]) {
      await chmod(path, mode);
      expect(codeOf(await readKeyFile({ path, kind: 'data' }))).toBe('key_file_insecure');
      expect(codeOf(await loadHubKeys({ dir, create: true }))).toBe('key_file_insecure');
    }
    await chmod(path, 0o400);
    expect((await readKeyFile({ path, kind: 'data' })).ok).toBe(true);
  });

  it('refuses a key directory that others can enter', async () => {
    expect((await loadHubKeys({ dir, create: true })).ok).toBe(true);
    await chmod(dir, 0o755);
    expect(codeOf(await loadHubKeys({ dir, create: false }))).toBe('key_dir_insecure');
    await chmod(dir, 0o710);
    expect(codeOf(await loadHubKeys({ dir, create: false }))).toBe('key_dir_insecure');
  });

  it('reports missing keys unless asked to create them', async () => {
    expect(codeOf(await loadHubKeys({ dir, create: false }))).toBe('key_file_missing');
  });

  it('refuses a symbolic link, a key of another kind and a malformed file', async () => {
    expect((await loadHubKeys({ dir, create: true })).ok).toBe(true);
    const dataPath = join(dir, hubKeyFileNames.data);
    const link = join(dir, 'link.key');
    await symlink(dataPath, link);
    expect(codeOf(await readKeyFile({ path: link, kind: 'data' }))).toBe('key_file_insecure');
    expect(codeOf(await readKeyFile({ path: dataPath, kind: 'transform' }))).toBe(
      'key_file_malformed',
    );
    const bad = join(dir, 'bad.key');
    for (const text of [
      'facepay-key v1 data AAAA\n',
      'not a key file',
      `facepay-key v1 data ${sodium.to_base64(new Uint8Array(33))}\n`,
      'x'.repeat(5000),
    ]) {
      await rm(bad, { force: true });
      await writeFile(bad, text, { mode: 0o600 });
      expect(codeOf(await readKeyFile({ path: bad, kind: 'data' }))).toBe('key_file_malformed');
    }
  });

  it('never overwrites an existing key file and leaves no temporary file', async () => {
    expect((await loadHubKeys({ dir, create: true })).ok).toBe(true);
    const path = join(dir, hubKeyFileNames.transform);
    const before = await readFile(path, 'utf8');
    const again = await createKeyFile({ path, kind: 'transform', key: sodium.randombytes_buf(32) });
    expect(codeOf(again)).toBe('key_file_exists');
    expect(await readFile(path, 'utf8')).toBe(before);
    expect((await readdir(dir)).some((name) => name.endsWith('.tmp'))).toBe(false);
  });
});
