// Key files for template protection: created 0600 in a 0700 directory, refused when anyone else can read
// them, and never stored in the database (a database copy must not carry the keys that open it).
import { constants } from 'node:fs';
import type { Stats } from 'node:fs';
import { link, lstat, mkdir, open, readdir, rename, rm, unlink } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { assert } from '../../shared/assert.ts';
import { keyFileBytesMax, templateKeyBytes } from '../../shared/limits.ts';
import { fail, ok } from './result.ts';
import type { Result } from './result.ts';
import { sodium } from './sodium.ts';
import { assertTestRun } from './test-only.ts';

export type HubKeyKind = 'data' | 'transform' | 'pin-pepper' | 'hub-box-secret';
/** A kiosk's own keys (kiosk-identity.node.ts): 32-byte seeds like every other key file. */
export type KeyKind = HubKeyKind | 'kiosk-signing-seed' | 'kiosk-box-secret';

export type KeyFileErrorCode =
  | 'key_dir_insecure'
  | 'key_file_insecure'
  | 'key_file_missing'
  | 'key_file_exists'
  | 'key_file_malformed';

export interface HubKeys {
  /** XChaCha20-Poly1305 key that seals templates at rest. */
  readonly dataKey: Uint8Array;
  /** Seed of the cancelable transform; the kiosks of this deployment hold the same one. */
  readonly transformKey: Uint8Array;
  /** Secret mixed into every PIN before Argon2id. */
  readonly pinPepper: Uint8Array;
  /** X25519 key pair that kiosks seal probes and PINs to. */
  readonly hubBox: { readonly publicKey: Uint8Array; readonly privateKey: Uint8Array };
}

export const hubKeyFileNames: Readonly<Record<HubKeyKind, string>> = {
  data: 'data.key',
  transform: 'transform.key',
  'pin-pepper': 'pin-pepper.key',
  'hub-box-secret': 'hub-box.key',
};

const header = 'facepay-key v1';
const groupOrOtherBits = 0o077;

/** Creates the directory 0700 if missing; refuses an existing one that others can enter or read. */
export async function ensureKeyDirectory(dir: string): Promise<Result<void, KeyFileErrorCode>> {
  const created = await mkdir(dir, { recursive: true, mode: 0o700 });
  // A directory made here lasts a power cut as the keys in it do: each new name synced in its parent.
  if (created !== undefined) {
    const above = dirname(resolve(created));
    for (let made = resolve(dir); made !== above && made !== dirname(made); made = dirname(made)) {
      await syncDirectory(dirname(made));
    }
  }
  const stats = await lstat(dir);
  if (!stats.isDirectory() || stats.isSymbolicLink()) {
    return fail('key_dir_insecure', `${dir} is not a plain directory`);
  }
  if ((stats.mode & groupOrOtherBits) !== 0 || !ownedByUs(stats.uid)) {
    return fail('key_dir_insecure', `${dir} must be mode 0700 and owned by this user`);
  }
  return ok(undefined);
}

/** The steps of a key file's write or move, in order, that a test may pause at (a process killed there). */
export type KeyFileStep =
  'temporary_synced' | 'linked' | 'renamed' | 'removed' | 'directory_synced';
let testStepHook: ((step: KeyFileStep, path: string) => Promise<void>) | undefined;

/** A test's hook awaited after each step of a key file's write or move (undefined: none). */
export function dangerousTestOnlyKeyFileSteps(
  hook: ((step: KeyFileStep, path: string) => Promise<void>) | undefined,
): void {
  assertTestRun('dangerousTestOnlyKeyFileSteps');
  testStepHook = hook;
}

async function stepDone(step: KeyFileStep, path: string): Promise<void> {
  if (testStepHook !== undefined) await testStepHook(step, path);
}

/**
 * Flushes a directory's entries (a new name, a rename, a removal) to disk: without it a power cut after
 * the write may lose the name though the file's bytes were synced. Node: fsync a read-only handle.
 */
export async function syncDirectory(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  } catch (error) {
    // A parent this user may write but not read (mode 0300): its entry cannot be synced from here.
    if (isErrno(error, 'EACCES') || isErrno(error, 'EISDIR')) {
      warnDirectoryNotSynced(dir, error);
      return;
    }
    throw error;
  }
  try {
    directorySyncFault?.(dir);
    await handle.sync();
  } catch (error) {
    // Filesystems that refuse fsync on a directory (9p, WSL, older CIFS: EINVAL, ENOTSUP, EBADF) are
    // used as PostgreSQL and SQLite use them: without the directory's sync, told once.
    if (!directoryFsyncUnsupported.some((code) => isErrno(error, code))) throw error;
    warnDirectoryNotSynced(dir, error);
  } finally {
    await handle.close();
  }
}

const directoryFsyncUnsupported = ['EINVAL', 'ENOTSUP', 'EOPNOTSUPP', 'EBADF'];
let directoryNotSyncedTold = false;

function warnDirectoryNotSynced(dir: string, error: unknown): void {
  if (directoryNotSyncedTold) return;
  directoryNotSyncedTold = true;
  const code = (error as NodeJS.ErrnoException).code ?? String(error);
  process.stderr.write(
    `key files: ${dir} cannot be synced (${code}); key files are written without directory syncs ` +
      '(a power cut may lose a new or renamed key file name)\n',
  );
}

let directorySyncFault: ((dir: string) => void) | undefined;

/** A test's fault point just before a directory's fsync (it may throw as the fsync would). */
export function dangerousTestOnlyDirectorySyncFault(
  hook: ((dir: string) => void) | undefined,
): void {
  assertTestRun('dangerousTestOnlyDirectorySyncFault');
  directorySyncFault = hook;
}

/**
 * Writes a new key file, never over an existing one: written 0600 under a temporary name, synced, then
 * hard-linked into place (fails if the name exists) and the directory synced, so neither a crash nor a
 * power cut leaves half a key under the key's name, nor loses the name once this returns; a write that
 * fails removes the temporary file.
 */
export async function createKeyFile(options: {
  path: string;
  kind: KeyKind;
  key: Uint8Array;
}): Promise<Result<void, KeyFileErrorCode>> {
  const { path, kind, key } = options;
  assert(key.length === templateKeyBytes, `keys are ${templateKeyBytes} bytes`);
  const text = Buffer.from(`${header} ${kind} ${sodium.to_base64(key)}\n`, 'utf8');
  if (!(await createSecretFile(path, text))) {
    return fail('key_file_exists', `${path} already exists`);
  }
  return ok(undefined);
}

/** The suffix of a secret file's temporary name while it is written (see removeStaleTemporaryKeyFiles). */
const temporarySuffix = '.tmp';

/**
 * Writes `bytes` as a new 0600 file the way createKeyFile writes a key (temporary file synced, linked
 * into place, directory synced), for secrets in another format (the hub's raw audit key). False when the
 * name exists already. `bytes` is zeroed once written, whether or not the write succeeded.
 */
export async function createSecretFile(path: string, bytes: Buffer): Promise<boolean> {
  const temporary = `${path}.${sodium.to_hex(sodium.randombytes_buf(8))}${temporarySuffix}`;
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL;
  let handle;
  try {
    handle = await open(temporary, flags, 0o600);
  } catch (error) {
    bytes.fill(0);
    throw error;
  }
  try {
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
      bytes.fill(0);
    }
  } catch (error) {
    // A failed write (disk full, a file-size limit) must not leave part of a key on disk.
    await unlink(temporary).catch(() => undefined);
    throw error;
  }
  try {
    await stepDone('temporary_synced', path);
    await link(temporary, path);
    await stepDone('linked', path);
  } catch (error) {
    if (isErrno(error, 'EEXIST')) return false;
    throw error;
  } finally {
    await unlink(temporary);
  }
  // One sync for the new name and the temporary name's removal.
  await syncDirectory(dirname(path));
  await stepDone('directory_synced', path);
  return true;
}

/**
 * Zeroes and removes the temporary files a crashed write left in a key directory (a whole key, synced,
 * under `<name>.<hex>.tmp`, or an audit anchor's `.tmp`): the key's bytes must not outlive the crash.
 * Only regular files ending in .tmp last changed over `olderThanMs` ago, so a write another instance has
 * under way (milliseconds) keeps its file; never a key's own name. A temporary that is also the key's
 * own name (a write killed after its link) loses only its .tmp name: its bytes are the live key's.
 */
export async function removeStaleTemporaryKeyFiles(
  dir: string,
  olderThanMs: number,
  now = Date.now(),
): Promise<string[]> {
  const removed: string[] = [];
  for (const name of await readdir(dir)) {
    if (!name.endsWith(temporarySuffix)) continue;
    const path = join(dir, name);
    const stats = await lstat(path).catch(() => undefined);
    if (stats === undefined || !stats.isFile() || now - stats.mtimeMs < olderThanMs) continue;
    await zeroFile(path, stats.size);
    await rm(path, { force: true });
    removed.push(path);
  }
  if (removed.length > 0) await syncDirectory(dir);
  return removed;
}

async function zeroFile(path: string, size: number): Promise<void> {
  let handle;
  try {
    handle = await open(path, constants.O_WRONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return;
    throw error;
  }
  try {
    // A write killed between its link and the temporary name's unlink leaves the temporary as a second
    // name of the key itself: zeroing it would zero the live key. Only a file with no other name is zeroed.
    if ((await handle.stat()).nlink !== 1) return;
    await handle.write(Buffer.alloc(size), 0, size, 0);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Renames a key file (a next key promoted, a failed one set aside) and syncs the directory: the rename is
 * atomic, so a crash leaves the old or the new name, and once this returns a power cut keeps the new.
 * Both names must be in one directory (one directory sync covers both).
 */
export async function renameKeyFile(options: { from: string; to: string }): Promise<void> {
  const { from, to } = options;
  assert(dirname(from) === dirname(to), 'a key file is renamed within its directory');
  await rename(from, to);
  await stepDone('renamed', to);
  await syncDirectory(dirname(to));
  await stepDone('directory_synced', to);
}

/** Removes a key file if it is there and syncs the directory, so the removal outlives a power cut. */
export async function removeKeyFile(path: string): Promise<void> {
  await rm(path, { force: true });
  await stepDone('removed', path);
  await syncDirectory(dirname(path));
  await stepDone('directory_synced', path);
}

/**
 * Reads a key file, refusing a link, a file others can access, another user's file or a wrong kind. One
 * open (no link followed, no wait on a FIFO), checked and read through that handle: a rename of the name
 * meanwhile (another instance promoting its next key) reads whole the file that was opened.
 */
export async function readKeyFile(options: {
  path: string;
  kind: KeyKind;
}): Promise<Result<Uint8Array, KeyFileErrorCode>> {
  const { path, kind } = options;
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return fail('key_file_missing', `${path} does not exist`);
    if (isErrno(error, 'ELOOP')) return fail('key_file_insecure', `${path} is not a regular file`);
    throw error;
  }
  try {
    const stats: Stats = await handle.stat();
    if (!stats.isFile()) return fail('key_file_insecure', `${path} is not a regular file`);
    if ((stats.mode & groupOrOtherBits) !== 0 || !ownedByUs(stats.uid)) {
      return fail('key_file_insecure', `${path} must be mode 0600 and owned by this user`);
    }
    if (stats.size > keyFileBytesMax) return fail('key_file_malformed', `${path} is too large`);
    const raw = await handle.readFile();
    const parsed = parseKeyFile(raw.toString('utf8'), kind);
    raw.fill(0);
    if (parsed === null) return fail('key_file_malformed', `${path} is not a ${kind} key file`);
    return ok(parsed);
  } finally {
    await handle.close();
  }
}

/** The hub's keys from `dir`, creating any that are missing when `create` is set. */
export async function loadHubKeys(options: {
  dir: string;
  create: boolean;
}): Promise<Result<HubKeys, KeyFileErrorCode>> {
  const { dir, create } = options;
  const directory = await ensureKeyDirectory(dir);
  if (!directory.ok) return directory;
  const keys: Partial<Record<HubKeyKind, Uint8Array>> = {};
  for (const kind of Object.keys(hubKeyFileNames) as HubKeyKind[]) {
    const path = join(dir, hubKeyFileNames[kind]);
    let loaded = await readKeyFile({ path, kind });
    if (!loaded.ok && loaded.error.code === 'key_file_missing' && create) {
      const created = await createKeyFile({ path, kind, key: sodium.randombytes_buf(32) });
      if (!created.ok) return created;
      loaded = await readKeyFile({ path, kind });
    }
    if (!loaded.ok) return loaded;
    keys[kind] = loaded.value;
  }
  const { data, transform, 'pin-pepper': pinPepper, 'hub-box-secret': boxSecret } = keys;
  assert(data && transform && pinPepper && boxSecret, 'every hub key loaded');
  const publicKey = sodium.crypto_scalarmult_base(boxSecret);
  return ok({
    dataKey: data,
    transformKey: transform,
    pinPepper,
    hubBox: { publicKey, privateKey: boxSecret },
  });
}

function parseKeyFile(text: string, kind: KeyKind): Uint8Array | null {
  const match = /^facepay-key v1 ([a-z-]+) ([A-Za-z0-9+/_=-]+)\n?$/.exec(text);
  if (match === null || match[1] !== kind || match[2] === undefined) return null;
  let key: Uint8Array;
  try {
    key = sodium.from_base64(match[2]);
  } catch {
    return null;
  }
  return key.length === templateKeyBytes ? key : null;
}

function ownedByUs(uid: number): boolean {
  return typeof process.getuid !== 'function' || process.getuid() === uid;
}

function isErrno(error: unknown, code: string): boolean {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === code;
}
