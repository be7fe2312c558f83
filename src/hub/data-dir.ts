// The hub's data directory: the SQLite file and the keys, created private (0700 / 0600).
// Keys live in files beside the database, never inside it, and a readable-by-others key is refused.
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { auditKeyBytes } from './audit/chain.ts';

export interface DataDir {
  root: string;
  databaseFile: string;
  auditKey: Uint8Array;
}

export function keyFile(root: string, name: string): string {
  return join(root, 'keys', name);
}

/** Reads a key file, creating it with fresh random bytes on first use. */
export function loadOrCreateKey(path: string, bytes: number): Uint8Array {
  if (!existsSync(path)) {
    writeFileSync(path, randomBytes(bytes), { mode: 0o600, flag: 'wx' });
  }
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

export function openDataDir(root: string, options: { create: boolean }): DataDir {
  if (!existsSync(root)) {
    if (!options.create) throw new Error(`data directory ${root} does not exist`);
    mkdirSync(root, { recursive: true, mode: 0o700 });
  }
  const keys = join(root, 'keys');
  if (!existsSync(keys)) {
    if (!options.create) throw new Error(`data directory ${root} has no keys/`);
    mkdirSync(keys, { mode: 0o700 });
  }
  chmodSync(keys, 0o700);
  return {
    root,
    databaseFile: join(root, 'hub.sqlite'),
    auditKey: loadOrCreateKey(keyFile(root, 'audit.key'), auditKeyBytes),
  };
}
