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
  const mac = createHmac('sha256', key);
  mac.update(previous);
  // Length-prefixed fields: no two different rows serialise to the same bytes.
  for (const field of [
    String(row.seq),
    String(row.at),
    row.kind,
    row.subject,
    row.actor,
    row.data,
  ]) {
    const bytes = Buffer.from(field, 'utf8');
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    mac.update(length);
    mac.update(bytes);
  }
  return new Uint8Array(mac.digest());
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
