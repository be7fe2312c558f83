// The ledger's PostgreSQL half: accounts, holds and their history, entries and standing limits. A
// hold's changes are inserted rows (transitions, settlements, refunds, events); only its projection moves.
import { assert } from '../../../shared/assert.ts';
import { committedReportedMax } from '../../../shared/limits.ts';
import { yen, type Yen } from '../../../shared/money.ts';
import type { HoldListFilter, LedgerReader, LedgerWriter } from '../port.ts';
import type {
  AccountRecord,
  EntryRecord,
  HoldRecord,
  MoneyMark,
  StandingLimitRecord,
  TransferRecord,
} from '../records.ts';
import { holdHistoryAdded, type HoldHistoryAdded } from '../hold-history.ts';
import { standingLimitFromRow, type StandingLimitRow } from '../sqlite/standing-limit-rows.ts';
import {
  accountFromRow,
  entryFromRow,
  holdFromRow,
  holdToParams,
  type AccountRow,
  type EntryRow,
  type HoldRow,
} from '../sqlite/rows.ts';
import {
  changes,
  insertStatement,
  maxSeq,
  one,
  preparedWrite,
  rows,
  valuesOf,
  type Queryable,
  type Statement,
} from './queries.ts';
import type { PgDeferredWrites } from './savepoints.ts';
import type { WriteEffect } from './batch-reads.ts';

/** A hold with its history lists gathered as JSON arrays (the shape holdFromRow reads), in order. */
export const holdSelect = `h.*,
  COALESCE((SELECT json_agg(json_build_object('id', s.id, 'amount', s.amount, 'at', s.at) ORDER BY s.seq)
     FROM hold_settlements s WHERE s.hold_id = h.id)::text, '[]') AS settlements,
  COALESCE((SELECT json_agg(json_build_object('id', r.id, 'amount', r.amount, 'at', r.at) ORDER BY r.seq)
     FROM hold_refunds r WHERE r.hold_id = h.id)::text, '[]') AS refunds,
  COALESCE((SELECT json_agg(json_build_object('type', e.type, 'at', e.at, 'data', e.data::json)
       ORDER BY e.seq)
     FROM hold_events e WHERE e.hold_id = h.id)::text, '[]') AS events`;

const holdColumns = [
  'id',
  'status',
  'payer',
  'payee',
  'amount',
  'settled',
  'refunded',
  'reference',
  'category',
  'template',
  'on_expiry',
  'rules',
  'expires_at',
  'scheduled',
  'due_at',
  'authorized_max',
  'created_at',
  'updated_at',
  'version',
  'closed_by',
];

/** A new hold's columns: its terms and state, and the key that placed it (never changed after). */
const holdInsertColumns = [...holdColumns, 'placed_key_hash'];

/** The columns updateHold changes, in its statement's order ($1 is the id, $11 the new version). */
const holdUpdateColumns = [
  'id',
  'status',
  'amount',
  'settled',
  'refunded',
  'expires_at',
  'scheduled',
  'due_at',
  'authorized_max',
  'updated_at',
  'version',
  'closed_by',
];

/** The ledger's deferred writes (queries.ts preparedWrite: prepared once, EXECUTEd with literals). */
const writes = {
  insertHold: preparedWrite('w_hold', insertStatement('holds', holdInsertColumns)),
  updateHold: preparedWrite(
    'w_hold_update',
    `UPDATE holds SET status = $2, amount = $3, settled = $4, refunded = $5, expires_at = $6,
       scheduled = $7, due_at = $8, authorized_max = $9, updated_at = $10, version = $11,
       closed_by = $12
     WHERE id = $1 AND version = $11 - 1`,
  ),
  hold_settlements: preparedWrite(
    'w_settlement',
    'INSERT INTO hold_settlements (id, hold_id, amount, at) VALUES ($1, $2, $3, $4)',
  ),
  hold_refunds: preparedWrite(
    'w_refund',
    'INSERT INTO hold_refunds (id, hold_id, amount, at) VALUES ($1, $2, $3, $4)',
  ),
  holdEvent: preparedWrite(
    'w_hold_event',
    'INSERT INTO hold_events (hold_id, type, at, data) VALUES ($1, $2, $3, $4)',
  ),
  transition: preparedWrite(
    'w_transition',
    `INSERT INTO hold_transitions (hold_id, version, kind, status, amount, settled, refunded,
       expires_at, scheduled, authorized_max, closed_by, at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
  ),
  addHeld: preparedWrite('w_add_held', 'UPDATE accounts SET held = held + $1 WHERE id = $2'),
  // Both balances and both entries in one statement: the debit's entry first, each with its account's
  // balance after the move.
  transfer: preparedWrite(
    'w_transfer',
    `WITH debit AS (
       UPDATE accounts SET balance = balance - $3 WHERE id = $4 RETURNING balance),
     credit AS (
       UPDATE accounts SET balance = balance + $3 WHERE id = $5 RETURNING balance)
     INSERT INTO entries (id, transfer_id, account_id, counterparty_id, kind, amount, balance_after,
       hold_id, at)
     SELECT e.id, $1, e.account, e.counterparty, $2, e.amount, e.after, $6, $7 FROM (
       SELECT 1 AS ord, $1 || '.d' AS id, $4 AS account, $5 AS counterparty, -$3 AS amount,
         debit.balance AS after FROM debit
       UNION ALL
       SELECT 2, $1 || '.c', $5, $4, $3, credit.balance FROM credit) e
     ORDER BY e.ord`,
  ),
};

/** getHold's statement (a transaction may read it ahead: PgTransaction). */
export function holdStatement(id: string): Statement {
  return { name: 'hold', text: `SELECT ${holdSelect} FROM holds h WHERE h.id = $1`, values: [id] };
}

/** getAccounts' statement, one named statement per count of ids (read ahead too). */
export function accountsStatement(ids: readonly string[]): Statement {
  const placeholders = ids.map((_, i) => `$${i + 1}`).join(', ');
  return {
    name: `accounts${ids.length}`,
    text: `SELECT * FROM accounts WHERE id IN (${placeholders})`,
    values: [...ids],
  };
}

/** getAccount's statement (a batch may answer it from what it read ahead: BatchReads). */
export function accountStatement(id: string): Statement {
  return { name: 'account', text: 'SELECT * FROM accounts WHERE id = $1', values: [id] };
}

/** dueHoldIds of one hold (answered from a hold read ahead too). */
export function dueHoldStatement(holdId: string, at: number): Statement {
  return {
    name: 'dueHold',
    text: "SELECT id FROM holds WHERE id = $1 AND status = 'active' AND due_at <= $2",
    values: [holdId, at],
  };
}

/** dueHoldIds of one account (answered 'none' from the account's earliest deadline read ahead). */
export function dueAccountStatement(at: number, accountId: string, limit: number): Statement {
  return {
    name: 'dueAccount',
    text: `SELECT id FROM holds WHERE status = 'active' AND due_at <= $1 AND (payer = $2 OR payee = $2)
         ORDER BY due_at LIMIT $3`,
    values: [at, accountId, limit],
  };
}

/**
 * What the payer committed after $1 in the holds `where` picks (as SQLite's committedSinceSql): each
 * hold changed since then counts what it commits now beyond what it held at $1 (its newest transition
 * then, none for a hold placed after), so a raise of an older hold counts in the period it was made.
 * Clamped at `cap` (committedReportedMax) before it leaves the database: SUM of bigint is numeric, which
 * never overflows, and no sum past the safe-integer range reaches JavaScript.
 */
function committedSinceSql(where: string, cap: string): string {
  return `SELECT LEAST(COALESCE(SUM(GREATEST(0, CASE WHEN h.status = 'active' THEN h.amount ELSE h.settled END
      - COALESCE((SELECT t.amount FROM hold_transitions t WHERE t.hold_id = h.id AND t.at <= $1
          ORDER BY t.version DESC LIMIT 1), 0))), 0), ${cap})::bigint AS total
    FROM holds h WHERE ${where} AND h.updated_at > $1`;
}

/** What writing `hold`'s row changes of what a batch read ahead (BatchReads). */
function holdEffect(
  hold: HoldRecord,
  params: Record<string, unknown>,
): Extract<WriteEffect, { kind: 'hold' }> {
  const dueAt = params['due_at'];
  assert(typeof dueAt === 'number', 'a hold has a deadline');
  return {
    kind: 'hold',
    id: hold.id,
    payer: hold.payer,
    payee: hold.payee,
    status: hold.status,
    dueAt,
  };
}

export class PgLedgerReads implements LedgerReader {
  constructor(protected readonly db: Queryable) {}

  async getAccount(id: string): Promise<AccountRecord | undefined> {
    const { name, text, values } = accountStatement(id);
    const row = await one<AccountRow>(this.db, name, text, values);
    return row === undefined ? undefined : accountFromRow(row);
  }
  async getAccounts(ids: readonly string[]): Promise<Array<AccountRecord | undefined>> {
    const { name, text, values } = accountsStatement(ids);
    const found = await rows<AccountRow>(this.db, name, text, values);
    const byId = new Map(found.map((row) => [row.id, accountFromRow(row)]));
    return ids.map((id) => byId.get(id));
  }
  async getHold(id: string): Promise<HoldRecord | undefined> {
    const { name, text, values } = holdStatement(id);
    const row = await one<HoldRow>(this.db, name, text, values);
    return row === undefined ? undefined : holdFromRow(row);
  }
  async listHolds(filter: HoldListFilter): Promise<{ holds: HoldRecord[]; seqs: number[] }> {
    const values: unknown[] = [filter.beforeSeq ?? maxSeq];
    const where: string[] = ['h.seq < $1'];
    const add = (clause: (n: string) => string, value: unknown) => {
      values.push(value);
      where.push(clause(`$${values.length}`));
    };
    if (filter.payer !== undefined) add((n) => `h.payer = ${n}`, filter.payer);
    if (filter.payee !== undefined) add((n) => `h.payee = ${n}`, filter.payee);
    if (filter.status !== undefined) add((n) => `h.status = ${n}`, filter.status);
    if (filter.reference !== undefined) add((n) => `h.reference = ${n}`, filter.reference);
    if (filter.placedKeyHash !== undefined) {
      add((n) => `h.placed_key_hash = ${n}`, Buffer.from(filter.placedKeyHash));
    }
    if (filter.party !== undefined) add((n) => `(h.payer = ${n} OR h.payee = ${n})`, filter.party);
    values.push(filter.limit);
    const sql = `SELECT ${holdSelect} FROM holds h WHERE ${where.join(' AND ')} ORDER BY h.seq DESC LIMIT $${values.length}`;
    const found = (await this.db.query<HoldRow>(sql, values)).rows;
    return { holds: found.map(holdFromRow), seqs: found.map((row) => row.seq) };
  }
  async placedKeysSince(): Promise<number> {
    const row = await one<{ at: string }>(
      this.db,
      'placedKeysSince',
      'SELECT at FROM placed_keys_since WHERE id = 1',
      [],
    );
    const at = Number(row?.at);
    assert(Number.isSafeInteger(at), 'migration 7 recorded its time');
    return at;
  }
  async getStandingLimit(id: string): Promise<StandingLimitRecord | undefined> {
    const row = await one<StandingLimitRow>(
      this.db,
      'standingLimit',
      'SELECT * FROM standing_limits WHERE id = $1',
      [id],
    );
    return row === undefined ? undefined : standingLimitFromRow(row);
  }
  async listStandingLimits(payer: string, beforeSeq: number | undefined, limit: number) {
    const found = await rows<StandingLimitRow>(
      this.db,
      'standingLimitsOfPayer',
      'SELECT * FROM standing_limits WHERE payer = $1 AND seq < $2 ORDER BY seq DESC LIMIT $3',
      [payer, beforeSeq ?? maxSeq, limit],
    );
    return { limits: found.map(standingLimitFromRow), seqs: found.map((r) => r.seq) };
  }
  async listEntries(
    accountId: string,
    beforeSeq: number | undefined,
    limit: number,
  ): Promise<EntryRecord[]> {
    const found = await rows<EntryRow>(
      this.db,
      'entries',
      'SELECT * FROM entries WHERE account_id = $1 AND seq < $2 ORDER BY seq DESC LIMIT $3',
      [accountId, beforeSeq ?? maxSeq, limit],
    );
    return found.map(entryFromRow);
  }
  async dueHoldIds(at: number, scope: { holdId?: string; accountId?: string }, limit: number) {
    let found: Array<{ id: string }>;
    if (scope.holdId !== undefined || scope.accountId !== undefined) {
      const { name, text, values } =
        scope.holdId !== undefined
          ? dueHoldStatement(scope.holdId, at)
          : dueAccountStatement(at, scope.accountId ?? '', limit);
      found = await rows(this.db, name, text, values);
    } else {
      found = await rows(
        this.db,
        'dueAll',
        "SELECT id FROM holds WHERE status = 'active' AND due_at <= $1 ORDER BY due_at LIMIT $2",
        [at, limit],
      );
    }
    return found.map((r) => r.id);
  }
}

/**
 * The ledger's writes in a transaction. A hold's and its payer's writes are deferred (PgDeferredWrites):
 * a place or a settle sends its inserts and updates in one round trip with the job's end.
 */
export class PgLedgerWrites extends PgLedgerReads implements LedgerWriter {
  constructor(
    db: Queryable,
    private readonly deferred: PgDeferredWrites,
  ) {
    super(db);
  }

  async insertAccount(account: AccountRecord): Promise<void> {
    await changes(
      this.db,
      'insertAccount',
      `INSERT INTO accounts (id, kind, name, currency, balance, held, limits, blocked_categories, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [
        account.id,
        account.kind,
        account.name,
        account.currency,
        account.balance,
        account.held,
        JSON.stringify(account.limits),
        JSON.stringify(account.blockedCategories),
        account.createdAt,
      ],
    );
  }
  async setAccountRules(
    accountId: string,
    rules: Pick<AccountRecord, 'limits' | 'blockedCategories'>,
  ): Promise<void> {
    const changed = await changes(
      this.db,
      'setAccountRules',
      "UPDATE accounts SET limits = $1, blocked_categories = $2 WHERE id = $3 AND kind = 'person'",
      [JSON.stringify(rules.limits), JSON.stringify(rules.blockedCategories), accountId],
    );
    assert(changed === 1, `person account ${accountId} exists`);
  }
  async insertHold(hold: HoldRecord, placedKeyHash: Uint8Array | null): Promise<void> {
    assert(hold.version === 1, 'a new hold starts at version 1');
    const added = holdHistoryAdded(undefined, hold);
    const params = holdToParams(hold);
    const inserted = { ...params, placed_key_hash: placedKeyHash };
    this.deferred.defer(
      writes.insertHold(valuesOf(inserted, holdInsertColumns)),
      holdEffect(hold, params),
    );
    await this.insertHoldHistory(hold, added, 'hold.placed', params);
  }
  async updateHold(before: HoldRecord, after: HoldRecord, kind: string): Promise<void> {
    const added = holdHistoryAdded(before, after);
    const params = holdToParams(after);
    // The transition row first: the projection's trigger accepts only a state a transition records.
    await this.insertHoldHistory(after, added, kind, params);
    const stale = `hold ${after.id}: stale version ${after.version - 1}`;
    const update = writes.updateHold(valuesOf(params, holdUpdateColumns));
    this.deferred.defer(
      update,
      { ...holdEffect(after, params), expectedVersion: before.version },
      (changed) => assert(changed === 1, stale),
    );
  }
  private async insertMoneyMark(
    table: 'hold_settlements' | 'hold_refunds',
    holdId: string,
    mark: MoneyMark,
  ): Promise<void> {
    this.deferred.defer(writes[table]([mark.id, holdId, mark.amount, mark.at]), {
      kind: 'holdHistory',
      holdId,
    });
  }
  private async insertHoldHistory(
    hold: HoldRecord,
    added: HoldHistoryAdded,
    kind: string,
    params: Record<string, unknown>,
  ): Promise<void> {
    for (const s of added.settlements) await this.insertMoneyMark('hold_settlements', hold.id, s);
    for (const r of added.refunds) await this.insertMoneyMark('hold_refunds', hold.id, r);
    for (const e of added.events) {
      this.deferred.defer(writes.holdEvent([hold.id, e.type, e.at, JSON.stringify(e.data)]), {
        kind: 'holdEvent',
        holdId: hold.id,
      });
    }
    this.deferred.defer(
      writes.transition([
        hold.id,
        hold.version,
        kind,
        params['status'],
        params['amount'],
        params['settled'],
        params['refunded'],
        params['expires_at'],
        params['scheduled'],
        params['authorized_max'],
        params['closed_by'],
        params['updated_at'],
      ]),
      { kind: 'holdHistory', holdId: hold.id },
    );
  }
  async addHeld(accountId: string, delta: Yen): Promise<void> {
    this.deferred.defer(
      writes.addHeld([delta, accountId]),
      { kind: 'held', accountId, delta },
      (changed) => assert(changed === 1, `account ${accountId} missing`),
    );
  }
  async transfer(t: TransferRecord): Promise<void> {
    assert(t.amount > 0, 'a transfer moves a positive amount');
    assert(t.from !== t.to, 'a transfer needs two accounts');
    const statement = writes.transfer([t.id, t.kind, t.amount, t.from, t.to, t.holdId, t.at]);
    this.deferred.defer(
      statement,
      { kind: 'transfer', from: t.from, to: t.to, amount: t.amount },
      (inserted) => assert(inserted === 2, 'transfer between unknown accounts'),
    );
  }
  async payerCommittedSince(payer: string, since: number, payee?: string): Promise<Yen> {
    const row =
      payee === undefined
        ? await one<{ total: number }>(
            this.db,
            'committedSince',
            committedSinceSql('h.payer = $2', '$3'),
            [since, payer, committedReportedMax],
          )
        : await one<{ total: number }>(
            this.db,
            'committedSinceToPayee',
            committedSinceSql('h.payer = $2 AND h.payee = $3', '$4'),
            [since, payer, payee, committedReportedMax],
          );
    assert(
      row !== undefined && row.total <= committedReportedMax,
      'a committed sum within its cap',
    );
    return yen(row.total);
  }
  async insertStandingLimit(limit: StandingLimitRecord): Promise<void> {
    await changes(
      this.db,
      'insertStandingLimit',
      `INSERT INTO standing_limits (id, payer, payee, amount_per_period, period_seconds, expires_at,
         created_by, created_at, revoked_at, revoked_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [
        limit.id,
        limit.payer,
        limit.payee,
        limit.amountPerPeriod,
        limit.periodSeconds,
        limit.expiresAt,
        limit.createdBy,
        limit.createdAt,
        limit.revokedAt,
        limit.revokedBy,
      ],
    );
  }
  async findStandingLimit(
    payer: string,
    payee: string,
    at: number,
  ): Promise<StandingLimitRecord | undefined> {
    const row = await one<StandingLimitRow>(
      this.db,
      'findStandingLimit',
      `SELECT * FROM standing_limits
       WHERE payer = $1 AND payee = $2 AND expires_at > $3 AND revoked_at IS NULL
       ORDER BY created_at DESC, seq DESC LIMIT 1`,
      [payer, payee, at],
    );
    return row === undefined ? undefined : standingLimitFromRow(row);
  }
  async unrevokedStandingLimitIds(payer: string, payee: string): Promise<string[]> {
    const found = await rows<{ id: string }>(
      this.db,
      'unrevokedOfPair',
      'SELECT id FROM standing_limits WHERE payer = $1 AND payee = $2 AND revoked_at IS NULL',
      [payer, payee],
    );
    return found.map((r) => r.id);
  }
  async revokeStandingLimit(id: string, at: number, by: string): Promise<void> {
    const changed = await changes(
      this.db,
      'revokeStandingLimit',
      `UPDATE standing_limits SET revoked_at = $1, revoked_by = $2
       WHERE id = $3 AND revoked_at IS NULL`,
      [at, by, id],
    );
    assert(changed === 1, 'an unrevoked standing limit is revoked once');
  }
}
