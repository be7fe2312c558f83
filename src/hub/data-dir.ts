// The hub's data directory: the SQLite file and the keys, created private (0700 / 0600).
// Keys live in files beside the database, never inside it, and a readable-by-others key is refused.
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import {
  createSecretFile,
  ensureKeyDirectory,
  removeStaleTemporaryKeyFiles,
} from '../biometrics/protect/key-files.node.ts';
import { auditKeyBytes } from './audit/chain.ts';

export interface DataDir {
  root: string;
  databaseFile: string;
  auditKey: Uint8Array;
}

export function keyFile(root: string, name: string): string {
  return join(root, 'keys', name);
}

/**
 * Reads a key file, creating it with fresh random bytes on first use, durably as key files are written
 * (createSecretFile): a crash or power cut leaves no key or the whole key under its name.
 */
export async function loadOrCreateKey(path: string, bytes: number): Promise<Uint8Array> {
  if (!existsSync(path)) await createSecretFile(path, randomBytes(bytes));
  const mode = statSync(path).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    throw new Error(
      `key file ${path} is readable by others (mode ${mode.toString(8)}); chmod 600 it`,
    );
  }
  const key = new Uint8Array(readFileSync(path));
  if (key.length !== bytes)
    throw new Error(`key file ${path} has ${key.length} bytes, expected ${bytes}`);
  return key;
}

/** A data directory the hub will not use, with what the operator can do about it. */
export class DataDirError extends Error {
  override name = 'DataDirError';
}

const groupOrOtherBits = 0o077;

/**
 * The directory exists, is ours and is private. An empty one someone made for the hub (mkdir under umask
 * 022) is made 0700: nothing in it was exposed. One already holding files is refused instead: they may
 * have been read, and they may not be the hub's alone, so the operator checks and chmods it.
 */
function requirePrivateRoot(root: string, create: boolean): void {
  if (!existsSync(root)) {
    if (!create) throw new DataDirError(`data directory ${root} does not exist`);
    mkdirSync(root, { recursive: true, mode: 0o700 });
  }
  const stats = statSync(root);
  if (!stats.isDirectory()) throw new DataDirError(`data directory ${root} is not a directory`);
  const uid = process.getuid?.();
  if (uid !== undefined && stats.uid !== uid) {
    throw new DataDirError(
      `data directory ${root} belongs to another user; run the hub as its owner`,
    );
  }
  if ((stats.mode & groupOrOtherBits) === 0) return;
  if (readdirSync(root).length === 0) {
    chmodSync(root, 0o700);
    return;
  }
  throw new DataDirError(
    `data directory ${root} is readable by group or others (mode ${(stats.mode & 0o777).toString(8)}) ` +
      'and already holds files; it keeps names, dates of birth, document hashes and PIN verifiers. ' +
      `Check who could read them, then chmod 700 ${root}`,
  );
}

/** A key write older than this is not under way in any instance: its temporary file is a crash's. */
const staleKeyWriteMs = 60_000;

async function removeStaleKeyWrites(keys: string): Promise<void> {
  for (const path of await removeStaleTemporaryKeyFiles(keys, staleKeyWriteMs)) {
    process.stderr.write(
      `data directory: ${path}, left by an interrupted key write, zeroed and removed\n`,
    );
  }
}

export async function openDataDir(root: string, options: { create: boolean }): Promise<DataDir> {
  requirePrivateRoot(root, options.create);
  const keys = join(root, 'keys');
  if (!existsSync(keys)) {
    if (!options.create) throw new Error(`data directory ${root} has no keys/`);
    const made = await ensureKeyDirectory(keys);
    if (!made.ok) throw new DataDirError(made.error.message);
  }
  chmodSync(keys, 0o700);
  if (options.create) await removeStaleKeyWrites(keys);
  return {
    root,
    databaseFile: join(root, 'hub.sqlite'),
    auditKey: await loadOrCreateKey(keyFile(root, 'audit.key'), auditKeyBytes),
  };
}
