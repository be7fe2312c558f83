// The kiosk's small state files in its own folder beside the device keys (lost hold requests, PIN locks):
// each written whole, 0600, flushed and renamed, so a power cut leaves the old or the new file, never half.
import {
  closeSync,
  fsyncSync,
  lstatSync,
  openSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';

/**
 * The file's content, or null when there is none yet (a first start). A file that is there but cannot
 * be read or is not what `schema` says stops the start: what it kept (money owed, a lock) must not be
 * forgotten by a restart, and a person has to look at why it broke.
 */
export function readStateFile<T>(file: string, schema: z.ZodType<T>, what: string): T | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    // Node's message (EISDIR, EACCES) does not say which file: the person fixing it needs to know.
    throw new Error(`${file}: cannot read ${what}: ${(error as Error).message}`, { cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`${file}: not JSON; expected ${what}`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new Error(`${file}: not ${what}`);
  return parsed.data;
}

/**
 * Folders whose state files a closing kiosk gave up (KioskRuntime.close, before it releases the keys-folder
 * claim): a background round still running after close may not write there (another process may now own the
 * folder). Opened again by the next KioskService on them (reopenStateFolders).
 */
const closedFolders = new Set<string>();

/** From now on writeStateFile and writeFileDurably refuse (throw) for any file directly in `dirs`. */
export function closeStateFolders(dirs: Iterable<string>): void {
  for (const dir of dirs) closedFolders.add(path.resolve(dir));
}

/** Undoes closeStateFolders for `dirs` (a kiosk service starting on them again in this process). */
export function reopenStateFolders(dirs: Iterable<string>): void {
  for (const dir of dirs) closedFolders.delete(path.resolve(dir));
}

/**
 * Writes `value` to a temp file, flushes it, renames it over `file` and flushes the folder: once this
 * returns, a power cut keeps the new content (a PIN lock a restart would otherwise undo).
 */
export function writeStateFile(file: string, value: unknown): void {
  writeFileDurably(file, JSON.stringify(value));
}

/**
 * writeStateFile's steps for any content: temp file, flush, rename over `file`, flush the folder. A write
 * that fails or stops short (a full disk, a file-size limit) throws before the rename: `file` keeps its
 * old content, and the temp file is removed.
 */
export function writeFileDurably(file: string, content: string | Buffer): void {
  if (closedFolders.has(path.dirname(path.resolve(file)))) {
    throw new Error(`${file}: the kiosk closed this folder's state files; not written`);
  }
  const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  const temp = `${file}.tmp`;
  const fd = openSync(temp, 'w', 0o600);
  try {
    try {
      writeAll(fd, bytes, temp);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, file);
  } catch (error) {
    removeTemp(temp);
    throw error;
  }
  const dir = openSync(path.dirname(file), 'r');
  try {
    fsyncSync(dir);
  } finally {
    closeSync(dir);
  }
}

/**
 * write(2) may take fewer bytes than asked (a disk nearly full, a file-size limit: Node ignores SIGXFSZ),
 * and the next write then says why (ENOSPC, EFBIG); one that takes none says nothing, so it is refused.
 */
function writeAll(fd: number, bytes: Buffer, name: string): void {
  let written = 0;
  while (written < bytes.length) {
    const wrote = writeSync(fd, bytes, written, bytes.length - written);
    if (wrote <= 0)
      throw new Error(`${name}: a write took none of ${bytes.length - written} bytes`);
    written += wrote;
  }
}

/**
 * Removes a failed write's temp file, freeing its blocks. A link in its place holds none of the bytes
 * and is kept (the tests' /dev/full, standing for a disk that stays full).
 */
function removeTemp(temp: string): void {
  try {
    if (lstatSync(temp).isFile()) unlinkSync(temp);
  } catch {
    // Gone, or the folder cannot be changed: the next write truncates it, and the error thrown says why.
  }
}
