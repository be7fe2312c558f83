// Verifies the audit chain from the first row: every MAC must link to the previous one,
// sequence numbers must have no gaps. Reports the first row that does not check out.
import { timingSafeEqual } from 'node:crypto';
import type { AuditRecord } from '../storage/records.ts';
import { genesisHash, linkAuditRow } from './chain.ts';

export type AuditVerdict =
  { ok: true; rows: number } | { ok: false; rows: number; firstBadSeq: number; reason: string };

export async function verifyAuditChain(
  key: Uint8Array,
  readRows: (afterSeq: number, limit: number) => Promise<AuditRecord[]>,
): Promise<AuditVerdict> {
  let previous: Uint8Array = genesisHash;
  let expectedSeq = 1;
  for (;;) {
    const rows = await readRows(expectedSeq - 1, 1000);
    if (rows.length === 0) return { ok: true, rows: expectedSeq - 1 };
    for (const row of rows) {
      if (row.seq !== expectedSeq) {
        return {
          ok: false,
          rows: expectedSeq - 1,
          firstBadSeq: expectedSeq,
          reason: `row ${expectedSeq} is missing`,
        };
      }
      const hash = linkAuditRow(key, previous, row);
      if (row.hash.length !== hash.length || !timingSafeEqual(row.hash, hash)) {
        return {
          ok: false,
          rows: expectedSeq - 1,
          firstBadSeq: row.seq,
          reason: 'MAC does not match the row and its predecessor',
        };
      }
      previous = hash;
      expectedSeq++;
    }
  }
}
