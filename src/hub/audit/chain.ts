// The audit log's hash chain: each row's MAC covers the previous row's MAC and the row itself,
// keyed by a secret kept outside the database, so rewriting history is detectable even by a DB admin.
import { createHmac } from 'node:crypto';
import { assert } from '../../shared/assert.ts';

export const auditKeyBytes = 32;
export const genesisHash = new Uint8Array(32);

export interface AuditRowContent {
  seq: number;
  at: number;
  kind: string;
  subject: string;
  actor: string;
  data: string;
}

export function linkAuditRow(
  key: Uint8Array,
  previous: Uint8Array,
  row: AuditRowContent,
): Uint8Array {
  assert(key.length === auditKeyBytes, 'audit key must be 32 bytes');
  assert(previous.length === 32, 'previous audit hash must be 32 bytes');
  // Length-prefixed fields: no two different rows serialise to the same bytes. One buffer and one
  // update: an update per field and length (thirteen calls into the native HMAC) cost more than the MAC.
  const fields = [String(row.seq), String(row.at), row.kind, row.subject, row.actor, row.data];
  let size = previous.length;
  for (const field of fields) size += 4 + Buffer.byteLength(field, 'utf8');
  const message = Buffer.allocUnsafe(size);
  message.set(previous, 0);
  let at = previous.length;
  for (const field of fields) {
    const length = message.write(field, at + 4, 'utf8');
    message.writeUInt32BE(length, at);
    at += 4 + length;
  }
  assert(at === size, 'every byte of the audit message written');
  return new Uint8Array(createHmac('sha256', key).update(message).digest());
}

/** The row an append makes after `tail`, and its MAC: what every storage adapter inserts. */
export function nextAuditRow(
  key: Uint8Array,
  tail: { seq: number; hash: Uint8Array },
  entry: {
    at: number;
    kind: string;
    subject: string;
    actor: string;
    data: Record<string, unknown>;
  },
): { row: AuditRowContent; hash: Uint8Array } {
  const row = {
    seq: tail.seq + 1,
    at: entry.at,
    kind: entry.kind,
    subject: entry.subject,
    actor: entry.actor,
    data: JSON.stringify(entry.data),
  };
  return { row, hash: linkAuditRow(key, tail.hash, row) };
}
