// Standing limits in SQLite: row mapping and statements. Rows are never rewritten or deleted (SQL
// triggers refuse it); revoking sets revoked_at once, so the history of the payer's consent stays.
import type Database from 'better-sqlite3';
import { assert } from '../../../shared/assert.ts';
import { yen } from '../../../shared/money.ts';
import type { StandingLimitRecord } from '../records.ts';

export interface StandingLimitRow {
  seq: number;
  id: string;
  payer: string;
  payee: string;
  amount_per_period: number;
  period_seconds: number;
  expires_at: number;
  created_by: string;
  created_at: number;
  revoked_at: number | null;
  revoked_by: string | null;
}

export function standingLimitFromRow(row: StandingLimitRow): StandingLimitRecord {
  assert((row.revoked_at === null) === (row.revoked_by === null), 'revoked at and by together');
  return {
    id: row.id,
    payer: row.payer,
    payee: row.payee,
    amountPerPeriod: yen(row.amount_per_period),
    periodSeconds: row.period_seconds,
    expiresAt: row.expires_at,
    createdBy: row.created_by,
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
    revokedBy: row.revoked_by,
  };
}

// rowid is the table's insertion order: the list's cursor and its newest-first order.
const columns = 'rowid AS seq, *';

/** Reads: safe on the reader connection and inside a write transaction. */
export function standingLimitReads(db: Database.Database) {
  const byId = db.prepare<[string], StandingLimitRow>(
    `SELECT ${columns} FROM standing_limits WHERE id = ?`,
  );
  const byPayer = db.prepare<[string, number, number], StandingLimitRow>(
    `SELECT ${columns} FROM standing_limits WHERE payer = ? AND rowid < ? ORDER BY rowid DESC LIMIT ?`,
  );
  return {
    get(id: string): StandingLimitRecord | undefined {
      const row = byId.get(id);
      return row === undefined ? undefined : standingLimitFromRow(row);
    },
    listByPayer(
      payer: string,
      beforeSeq: number | undefined,
      limit: number,
    ): { limits: StandingLimitRecord[]; seqs: number[] } {
      const rows = byPayer.all(payer, beforeSeq ?? Number.MAX_SAFE_INTEGER, limit);
      return { limits: rows.map(standingLimitFromRow), seqs: rows.map((r) => r.seq) };
    },
  };
}

/** Writes, on the writer connection only. */
export function standingLimitWrites(db: Database.Database) {
  const unrevokedOfPair = db.prepare<[string, string], { id: string }>(
    'SELECT id FROM standing_limits WHERE payer = ? AND payee = ? AND revoked_at IS NULL',
  );
  const revoke = db.prepare<[number, string, string]>(
    'UPDATE standing_limits SET revoked_at = ?, revoked_by = ? WHERE id = ? AND revoked_at IS NULL',
  );
  return {
    unrevokedIdsOfPair(payer: string, payee: string): string[] {
      return unrevokedOfPair.all(payer, payee).map((r) => r.id);
    },
    revoke(id: string, at: number, by: string): void {
      assert(revoke.run(at, by, id).changes === 1, 'an unrevoked standing limit is revoked once');
    },
  };
}
