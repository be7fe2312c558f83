// The audit log's head kept outside a SQLite database: the chain's MACs stop anyone without the audit
// key from rewriting a row, but not from deleting the last rows (or all of them): what is left still
// chains. The hub writes the head it has seen committed (seq, hash, and a MAC under a key derived from
// the audit key) into its keys folder, and `audit:verify` fails when the log ends before that row or
// holds another one there. Written now and then and at shutdown, never per write (an fsync each).
import { readFileSync } from 'node:fs';
import { open, rename } from 'node:fs/promises';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { dirname } from 'node:path';

export interface AuditHead {
  readonly seq: number;
  readonly hash: Uint8Array;
}

/** The anchor's file name in the keys folder. */
export const auditAnchorName = 'audit-anchor';

function anchorMac(key: Uint8Array, head: AuditHead): Buffer {
  // Its own label: an anchor's MAC is never a chain row's MAC and the other way round.
  return createHmac('sha256', key)
    .update(`facepay audit anchor v1\0${head.seq}\0`)
    .update(head.hash)
    .digest();
}

/**
 * Writes the anchor durably: a temporary file synced, renamed over the old one, the folder synced. On
 * the thread pool: its two fsyncs take 8-30 ms here (ext4 on a shared VM), not to be spent on the
 * event loop.
 */
export async function writeAuditAnchor(
  path: string,
  key: Uint8Array,
  head: AuditHead,
): Promise<void> {
  const text = `${JSON.stringify({
    seq: head.seq,
    hash: Buffer.from(head.hash).toString('hex'),
    mac: anchorMac(key, head).toString('hex'),
  })}\n`;
  const temporary = `${path}.tmp`;
  const file = await open(temporary, 'w', 0o600);
  try {
    await file.writeFile(text);
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(temporary, path);
  const folder = await open(dirname(path), 'r');
  try {
    await folder.sync();
  } finally {
    await folder.close();
  }
}

export class AuditAnchorError extends Error {
  override name = 'AuditAnchorError';
}

/** The anchor, or undefined when there is none; throws when it is there but does not check out. */
export function readAuditAnchor(path: string, key: Uint8Array): AuditHead | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') return undefined;
    throw error;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new AuditAnchorError(`${path} is not an audit anchor`);
  }
  const { seq, hash, mac } = (parsed ?? {}) as { seq?: unknown; hash?: unknown; mac?: unknown };
  if (
    !Number.isSafeInteger(seq) ||
    (seq as number) < 0 ||
    typeof hash !== 'string' ||
    !/^[0-9a-f]{64}$/.test(hash) ||
    typeof mac !== 'string' ||
    !/^[0-9a-f]{64}$/.test(mac)
  )
    throw new AuditAnchorError(`${path} is not an audit anchor`);
  const head = { seq: seq as number, hash: new Uint8Array(Buffer.from(hash, 'hex')) };
  if (!timingSafeEqual(anchorMac(key, head), Buffer.from(mac, 'hex')))
    throw new AuditAnchorError(
      `${path}: its MAC does not match (written with another audit key, or edited)`,
    );
  return head;
}
