// Verifies the audit chain from the first row: every MAC must link to the previous one,
// sequence numbers must have no gaps. Reports the first row that does not check out. A chain whose
// last rows (or all rows) were deleted still links: the heads recorded elsewhere (PostgreSQL's
// audit_head, the hub's anchor file beside a SQLite database, one the operator kept) must be in it.
import { timingSafeEqual } from 'node:crypto';
import type { AuditRecord } from '../storage/records.ts';
import type { AuditHead } from './anchor.ts';
import { genesisHash, linkAuditRow } from './chain.ts';

/** A head the log must hold: `exact`, it must be the last row (read in the same snapshot). */
export interface ExpectedHead extends AuditHead {
  /** Where it was recorded, for the report: "audit_head", "anchor", "--expect-head". */
  readonly source: string;
  readonly exact: boolean;
}

/** The log's last row (seq 0 and the genesis hash when empty), hex, for an operator to keep. */
export interface ChainTail {
  readonly seq: number;
  readonly hash: string;
}

export type AuditVerdict =
  | { ok: true; rows: number; tail: ChainTail }
  | { ok: false; rows: number; firstBadSeq: number; reason: string; tail?: ChainTail };

function sameHash(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

export async function verifyAuditChain(
  key: Uint8Array,
  readRows: (afterSeq: number, limit: number) => Promise<AuditRecord[]>,
  heads: readonly ExpectedHead[] = [],
): Promise<AuditVerdict> {
  let previous: Uint8Array = genesisHash;
  let expectedSeq = 1;
  // The hash the chain has at each seq a head names (0: genesis).
  const found = new Map<number, Uint8Array>();
  if (heads.some((head) => head.seq === 0)) found.set(0, genesisHash);
  const wanted = new Set(heads.map((head) => head.seq));
  for (;;) {
    const rows = await readRows(expectedSeq - 1, 1000);
    if (rows.length === 0) break;
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
      if (!sameHash(row.hash, hash)) {
        return {
          ok: false,
          rows: expectedSeq - 1,
          firstBadSeq: row.seq,
          reason: 'MAC does not match the row and its predecessor',
        };
      }
      if (wanted.has(row.seq)) found.set(row.seq, hash);
      previous = hash;
      expectedSeq++;
    }
  }
  const last = expectedSeq - 1;
  const tail = { seq: last, hash: Buffer.from(previous).toString('hex') };
  for (const head of heads) {
    const at = found.get(head.seq);
    if (at === undefined)
      return {
        ok: false,
        rows: last,
        firstBadSeq: last + 1,
        reason: `the log ends at row ${last}, before row ${head.seq} that the ${head.source} records (rows deleted)`,
        tail,
      };
    if (!sameHash(at, head.hash))
      return {
        ok: false,
        rows: last,
        firstBadSeq: head.seq,
        reason: `row ${head.seq} is not the one the ${head.source} records`,
        tail,
      };
    if (head.exact && head.seq !== last)
      return {
        ok: false,
        rows: last,
        firstBadSeq: head.seq + 1,
        reason: `the log goes on past row ${head.seq}, the last one the ${head.source} records`,
        tail,
      };
  }
  return { ok: true, rows: last, tail };
}
