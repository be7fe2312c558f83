// The audit chain in PostgreSQL: one head row (seq, hash) locked first by every write transaction, so
// instances append in one total order and every read-then-write of the ledger runs in that order too.
import type pg from 'pg';
import { assert } from '../../../shared/assert.ts';
import { nextAuditRow } from '../../audit/chain.ts';
import { pinUnlockKindsSql, type AuditAppend, type AuditWriter } from '../port.ts';
import type { AuditRecord } from '../records.ts';
import {
  bytesLiteral,
  integerLiteral,
  one,
  preparedWrite,
  rows,
  type Queryable,
} from './queries.ts';
import { auditFromRow, type AuditRow } from '../sqlite/rows.ts';
import type { PgDeferredWrites, PgSavepointHooks } from './savepoints.ts';

/** An audit row (queries.ts preparedWrite: prepared once on the writer's connection). */
const insertAuditRow = preparedWrite(
  'w_audit',
  'INSERT INTO audit_log (seq, at, kind, subject, actor, data, hash) VALUES ($1, $2, $3, $4, $5, $6, $7)',
);

export class PgAuditWrites implements AuditWriter {
  /** The chain's tail, read under the head row's lock at BEGIN; restored when a savepoint rolls back. */
  private auditTail: { seq: number; hash: Uint8Array } = { seq: 0, hash: new Uint8Array(32) };
  readonly savepointHooks: PgSavepointHooks = {
    reset: () => undefined,
    checkpoint: () => {
      const tail = this.auditTail;
      return () => {
        this.auditTail = tail;
      };
    },
  };

  constructor(
    private readonly db: Queryable,
    private readonly auditKey: Uint8Array,
    private readonly deferred: PgDeferredWrites,
    /** How long BEGIN waits for the head's lock (and any lock of the transaction) before it fails. */
    private readonly lockTimeoutMs: number,
  ) {}

  /**
   * BEGIN and take the chain head's row lock in one round trip, with `then` (statements with their
   * values as literals) after them: from here this instance is the only writer. A simple
   * (unparameterised) query may carry several statements. Answers the results of `then`.
   */
  readonly beginAndLockHead = async (then: string[]): Promise<pg.QueryResult[]> => {
    const results = (await this.db.query(
      [
        // Pinned, whatever the database's or role's default_transaction_isolation says: the head's
        // lock orders the writers, and each statement must see what the one before it committed.
        'BEGIN ISOLATION LEVEL READ COMMITTED',
        // Another instance stalled while holding the head (or anything else holding it) refuses this
        // batch after lockTimeoutMs (55P03, answered 503) instead of stopping every write here.
        `SET LOCAL lock_timeout = ${integerLiteral(this.lockTimeoutMs)}`,
        'SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE',
        ...then,
      ].join('; '),
    )) as unknown as pg.QueryResult[];
    const head = (results[2]?.rows as Array<{ seq: number; hash: Buffer }> | undefined)?.[0];
    assert(head !== undefined, 'the audit head row exists (migration 1)');
    this.auditTail = { seq: head.seq, hash: new Uint8Array(head.hash) };
    return results.slice(3);
  };

  /**
   * The statement that writes the chain's new head, with its values as literals so it can travel in
   * one simple query with the commit (see PgTransaction.commit).
   */
  readonly headUpdate = (): string => {
    const { seq, hash } = this.auditTail;
    return `UPDATE audit_head SET seq = ${integerLiteral(seq)}, hash = ${bytesLiteral(hash)} WHERE id = 1`;
  };

  /**
   * Read under the chain head's lock (taken at BEGIN: every instance's earlier unlock is committed or
   * waits behind this transaction). The transaction's connection sends the deferred writes before any
   * statement, so this transaction's own earlier rows are counted too, once.
   */
  async pinUnlockAttemptsSince(personId: string, sinceMs: number): Promise<number> {
    const row = await one<{ n: string }>(
      this.db,
      'pinUnlockAttempts',
      `SELECT COUNT(*) AS n FROM audit_log WHERE kind IN (${pinUnlockKindsSql}) AND subject = $1 AND at > $2`,
      [personId, sinceMs],
    );
    return Number(row?.n ?? 0);
  }

  /** Deferred (PgDeferredWrites): sent with the job's next statement or at its end. */
  async appendAudit(entry: AuditAppend): Promise<void> {
    const { row, hash } = nextAuditRow(this.auditKey, this.auditTail, entry);
    this.deferred.defer(
      insertAuditRow([row.seq, row.at, row.kind, row.subject, row.actor, row.data, hash]),
      { kind: 'unread' },
    );
    this.auditTail = { seq: row.seq, hash };
  }
}

/** Audit rows after `afterSeq`, in order; shared by the store and the offline verifier. */
export async function readPgAuditRows(
  db: Queryable,
  afterSeq: number,
  limit: number,
): Promise<AuditRecord[]> {
  const found = await rows<AuditRow>(
    db,
    'auditRows',
    'SELECT * FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2',
    [afterSeq, limit],
  );
  return found.map(auditFromRow);
}
