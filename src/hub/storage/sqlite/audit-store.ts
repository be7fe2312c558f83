// The audit chain in SQLite: rows appended with the HMAC of the previous row. One writer connection
// appends, so the tail read at a transaction's first append stays the tail until its commit.
import type Database from 'better-sqlite3';
import { genesisHash, nextAuditRow } from '../../audit/chain.ts';
import { pinUnlockKindsSql, type AuditAppend, type AuditWriter } from '../port.ts';
import type { AuditRecord } from '../records.ts';
import { auditFromRow, type AuditRow } from './rows.ts';
import type { SavepointHooks } from './savepoints.ts';

export class SqliteAuditWrites implements AuditWriter {
  private readonly auditW;
  /** The chain's tail as this transaction sees it; restored when a savepoint rolls back. */
  private auditTail: { seq: number; hash: Uint8Array } | undefined;
  readonly savepointHooks: SavepointHooks = {
    reset: () => {
      this.auditTail = undefined;
    },
    checkpoint: () => {
      const tail = this.auditTail;
      return () => {
        this.auditTail = tail;
      };
    },
  };

  constructor(
    db: Database.Database,
    private readonly auditKey: Uint8Array,
  ) {
    this.auditW = {
      lastAudit: db.prepare<[], { seq: number; hash: Buffer }>(
        'SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1',
      ),
      insertAudit: db.prepare(
        'INSERT INTO audit_log (seq, at, kind, subject, actor, data, hash) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      // The kinds as literals, exactly as the partial index audit_log_pin_unlocks names them.
      pinUnlocks: db.prepare<[string, number], { n: number }>(
        `SELECT COUNT(*) AS n FROM audit_log WHERE kind IN (${pinUnlockKindsSql}) AND subject = ? AND at > ?`,
      ),
    };
  }

  /** The writer connection sees its own transaction's rows: committed and own in one count. */
  async pinUnlockAttemptsSince(personId: string, sinceMs: number): Promise<number> {
    return this.auditW.pinUnlocks.get(personId, sinceMs)?.n ?? 0;
  }

  async appendAudit(entry: AuditAppend): Promise<void> {
    if (this.auditTail === undefined) {
      const last = this.auditW.lastAudit.get();
      this.auditTail = {
        seq: last?.seq ?? 0,
        hash: last === undefined ? genesisHash : new Uint8Array(last.hash),
      };
    }
    const { row, hash } = nextAuditRow(this.auditKey, this.auditTail, entry);
    this.auditW.insertAudit.run(
      row.seq,
      row.at,
      row.kind,
      row.subject,
      row.actor,
      row.data,
      Buffer.from(hash),
    );
    this.auditTail = { seq: row.seq, hash };
  }
}

/** Audit rows after `afterSeq`, in order; shared by the store and the offline verifier. */
export function readAuditRows(
  db: Database.Database,
  afterSeq: number,
  limit: number,
): AuditRecord[] {
  return db
    .prepare<[number, number], AuditRow>(
      'SELECT * FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?',
    )
    .all(afterSeq, limit)
    .map(auditFromRow);
}
