// The ledger's SQLite half: accounts, holds and their history, entries and standing limits. A hold's
// changes are inserted rows (transitions, settlements, refunds, events); only its projection is updated.
import type Database from 'better-sqlite3';
import { assert } from '../../../shared/assert.ts';
import { yen, type Yen } from '../../../shared/money.ts';
import { committedReportedMax, expirySweepBatchMax } from '../../../shared/limits.ts';
import type { HoldListFilter, LedgerReader, LedgerWriter } from '../port.ts';
import type {
  AccountRecord,
  EntryRecord,
  HoldRecord,
  StandingLimitRecord,
  TransferRecord,
} from '../records.ts';
import { holdHistoryAdded } from '../hold-history.ts';
import {
  standingLimitFromRow,
  standingLimitReads,
  standingLimitWrites,
  type StandingLimitRow,
} from './standing-limit-rows.ts';
import {
  accountFromRow,
  entryFromRow,
  holdFromColumns,
  holdFromRow,
  holdToParams,
  type AccountRow,
  type EntryRow,
  type HoldColumnsRow,
  type HoldRow,
} from './rows.ts';

/**
 * A hold with its history lists gathered as JSON arrays (the shape holdFromRow reads), in the order
 * they were inserted.
 */
const holdColumns = `h.*,
  (SELECT json_group_array(json_object('id', s.id, 'amount', s.amount, 'at', s.at) ORDER BY s.seq)
     FROM hold_settlements s WHERE s.hold_id = h.id) AS settlements,
  (SELECT json_group_array(json_object('id', r.id, 'amount', r.amount, 'at', r.at) ORDER BY r.seq)
     FROM hold_refunds r WHERE r.hold_id = h.id) AS refunds,
  (SELECT json_group_array(json_object('type', e.type, 'at', e.at, 'data', json(e.data)) ORDER BY e.seq)
     FROM hold_events e WHERE e.hold_id = h.id) AS events`;

export class SqliteLedgerReads implements LedgerReader {
  private readonly ledgerQ;
  private readonly limitReads;
  constructor(protected readonly db: Database.Database) {
    this.limitReads = standingLimitReads(db);
    this.ledgerQ = {
      account: db.prepare<[string], AccountRow>('SELECT * FROM accounts WHERE id = ?'),
      // One hold by id: its row, then each history list by the hold_id index (measured with
      // scripts/bench-hub/sqlite-statements.ts: 8 µs for the four against 15 for one SELECT gathering
      // the lists as JSON; lists of many holds still gather them, see holdColumns).
      hold: db.prepare<[string], HoldColumnsRow>('SELECT * FROM holds WHERE id = ?'),
      settlementsOf: db.prepare<[string], HoldRecord['settlements'][number]>(
        'SELECT id, amount, at FROM hold_settlements WHERE hold_id = ? ORDER BY seq',
      ),
      refundsOf: db.prepare<[string], HoldRecord['refunds'][number]>(
        'SELECT id, amount, at FROM hold_refunds WHERE hold_id = ? ORDER BY seq',
      ),
      eventsOf: db.prepare<[string], { type: string; at: number; data: string }>(
        'SELECT type, at, data FROM hold_events WHERE hold_id = ? ORDER BY seq',
      ),
      entries: db.prepare<[string, number, number], EntryRow>(
        'SELECT * FROM entries WHERE account_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?',
      ),
      dueHold: db.prepare<[string, number], { id: string }>(
        "SELECT id FROM holds WHERE id = ? AND status = 'active' AND due_at <= ?",
      ),
    };
  }

  /** The due-hold statements for one limit, prepared on first use (limits are the callers' constants). */
  private readonly dueByLimit = new Map<
    number,
    {
      all: Database.Statement<[number], { id: string }>;
      account: Database.Statement<[number, string, string], { id: string }>;
    }
  >();

  /**
   * The limit is written into the statement, not bound: a bound LIMIT made SQLite redo work on every
   * run (measured: 5-6 µs a run against 0.4 µs with a literal; this runs on every hold placed).
   */
  private dueStatements(limit: number) {
    assert(
      Number.isSafeInteger(limit) && limit >= 1 && limit <= expirySweepBatchMax,
      `due-hold limit ${limit} is 1..${expirySweepBatchMax}`,
    );
    let statements = this.dueByLimit.get(limit);
    if (statements === undefined) {
      statements = {
        all: this.db.prepare(
          `SELECT id FROM holds INDEXED BY holds_due WHERE status = 'active' AND due_at <= ?
           ORDER BY due_at LIMIT ${limit}`,
        ),
        account: this.db.prepare(
          // The due index stays small (active holds only, by deadline); the planner would otherwise
          // walk every hold the account ever had through the payer index.
          `SELECT id FROM holds INDEXED BY holds_due
           WHERE status = 'active' AND due_at <= ? AND (payer = ? OR payee = ?)
           ORDER BY due_at LIMIT ${limit}`,
        ),
      };
      this.dueByLimit.set(limit, statements);
    }
    return statements;
  }

  async getAccount(id: string): Promise<AccountRecord | undefined> {
    const row = this.ledgerQ.account.get(id);
    return row === undefined ? undefined : accountFromRow(row);
  }
  async getAccounts(ids: readonly string[]): Promise<Array<AccountRecord | undefined>> {
    return Promise.all(ids.map((id) => this.getAccount(id)));
  }
  async getHold(id: string): Promise<HoldRecord | undefined> {
    const row = this.ledgerQ.hold.get(id);
    if (row === undefined) return undefined;
    return holdFromColumns(row, {
      settlements: this.ledgerQ.settlementsOf.all(id),
      refunds: this.ledgerQ.refundsOf.all(id),
      events: this.ledgerQ.eventsOf.all(id).map((e) => ({
        type: e.type,
        at: e.at,
        data: JSON.parse(e.data) as HoldRecord['events'][number]['data'],
      })),
    });
  }
  async listHolds(filter: HoldListFilter): Promise<{ holds: HoldRecord[]; seqs: number[] }> {
    const where: string[] = ['h.seq < @beforeSeq'];
    if (filter.payer !== undefined) where.push('h.payer = @payer');
    if (filter.payee !== undefined) where.push('h.payee = @payee');
    if (filter.status !== undefined) where.push('h.status = @status');
    if (filter.reference !== undefined) where.push('h.reference = @reference');
    if (filter.placedKeyHash !== undefined) where.push('h.placed_key_hash = @placedKeyHash');
    if (filter.party !== undefined) where.push('(h.payer = @party OR h.payee = @party)');
    const sql = `SELECT ${holdColumns} FROM holds h WHERE ${where.join(' AND ')} ORDER BY h.seq DESC LIMIT @limit`;
    const rows = this.db.prepare<Record<string, unknown>, HoldRow>(sql).all({
      beforeSeq: filter.beforeSeq ?? Number.MAX_SAFE_INTEGER,
      payer: filter.payer,
      payee: filter.payee,
      status: filter.status,
      reference: filter.reference,
      placedKeyHash:
        filter.placedKeyHash === undefined ? undefined : Buffer.from(filter.placedKeyHash),
      party: filter.party,
      limit: filter.limit,
    });
    return { holds: rows.map(holdFromRow), seqs: rows.map((row) => row.seq) };
  }
  async placedKeysSince(): Promise<number> {
    const row = this.db
      .prepare<[], { at: number }>('SELECT at FROM placed_keys_since WHERE id = 1')
      .get();
    assert(row !== undefined && Number.isSafeInteger(row.at), 'migration 17 recorded its time');
    return row.at;
  }
  async getStandingLimit(id: string): Promise<StandingLimitRecord | undefined> {
    return this.limitReads.get(id);
  }
  async listStandingLimits(payer: string, beforeSeq: number | undefined, limit: number) {
    return this.limitReads.listByPayer(payer, beforeSeq, limit);
  }
  async listEntries(
    accountId: string,
    beforeSeq: number | undefined,
    limit: number,
  ): Promise<EntryRecord[]> {
    return this.ledgerQ.entries
      .all(accountId, beforeSeq ?? Number.MAX_SAFE_INTEGER, limit)
      .map(entryFromRow);
  }
  async dueHoldIds(at: number, scope: { holdId?: string; accountId?: string }, limit: number) {
    if (scope.holdId !== undefined)
      return this.ledgerQ.dueHold.all(scope.holdId, at).map((r) => r.id);
    if (scope.accountId !== undefined) {
      return this.dueStatements(limit)
        .account.all(at, scope.accountId, scope.accountId)
        .map((r) => r.id);
    }
    return this.dueStatements(limit)
      .all.all(at)
      .map((r) => r.id);
  }
}

/** The projection columns a transition sets, as named parameters of holdToParams. */
const transitionParams = `@id, @version, @kind, @status, @amount, @settled, @refunded, @expires_at,
  @scheduled, @authorized_max, @closed_by, @updated_at`;

/**
 * What the payer committed after @since in the holds `where` picks: each hold changed since then
 * counts what it commits now beyond what it held at @since (its newest transition then, none for a
 * hold placed after). Counting only holds placed after @since let raises of an older hold go uncounted.
 * Clamped at @cap (committedReportedMax): TOTAL sums in floating point, which never overflows (SUM of
 * integers stops with an error past 2^63) and is exact below the cap, as every term is a safe integer >= 0.
 */
function committedSinceSql(where: string): string {
  return `SELECT CAST(MIN(TOTAL(MAX(0, CASE WHEN h.status = 'active' THEN h.amount ELSE h.settled END
      - COALESCE((SELECT t.amount FROM hold_transitions t WHERE t.hold_id = h.id AND t.at <= @since
          ORDER BY t.version DESC LIMIT 1), 0))), @cap) AS INTEGER) AS total
    FROM holds h WHERE ${where} AND h.updated_at > @since`;
}

export class SqliteLedgerWrites extends SqliteLedgerReads implements LedgerWriter {
  private readonly ledgerW;
  private readonly limitWrites;
  constructor(db: Database.Database) {
    super(db);
    this.limitWrites = standingLimitWrites(db);
    this.ledgerW = {
      insertAccount: db.prepare(
        `INSERT INTO accounts (id, kind, name, currency, balance, held, limits, blocked_categories, created_at)
         VALUES (@id, @kind, @name, @currency, @balance, @held, @limits, @blockedCategories, @createdAt)`,
      ),
      insertHold: db.prepare(
        `INSERT INTO holds (id, status, payer, payee, amount, settled, refunded, reference, category, template,
           on_expiry, rules, expires_at, scheduled, due_at, authorized_max, created_at, updated_at, version,
           closed_by, placed_key_hash)
         VALUES (@id, @status, @payer, @payee, @amount, @settled, @refunded, @reference, @category, @template,
           @on_expiry, @rules, @expires_at, @scheduled, @due_at, @authorized_max, @created_at, @updated_at,
           @version, @closed_by, @placed_key_hash)`,
      ),
      insertTransition: db.prepare(
        `INSERT INTO hold_transitions (hold_id, version, kind, status, amount, settled, refunded, expires_at,
           scheduled, authorized_max, closed_by, at)
         VALUES (${transitionParams})`,
      ),
      insertSettlement: db.prepare<[string, string, number, number]>(
        'INSERT INTO hold_settlements (id, hold_id, amount, at) VALUES (?, ?, ?, ?)',
      ),
      insertRefund: db.prepare<[string, string, number, number]>(
        'INSERT INTO hold_refunds (id, hold_id, amount, at) VALUES (?, ?, ?, ?)',
      ),
      insertEvent: db.prepare<[string, string, number, string]>(
        'INSERT INTO hold_events (hold_id, type, at, data) VALUES (?, ?, ?, ?)',
      ),
      updateHold: db.prepare(
        `UPDATE holds SET status = @status, amount = @amount, settled = @settled, refunded = @refunded,
           expires_at = @expires_at, scheduled = @scheduled, due_at = @due_at, authorized_max = @authorized_max,
           updated_at = @updated_at, version = @version, closed_by = @closed_by
         WHERE id = @id AND version = @version - 1`,
      ),
      setAccountRules: db.prepare<[string, string, string]>(
        "UPDATE accounts SET limits = ?, blocked_categories = ? WHERE id = ? AND kind = 'person'",
      ),
      addHeld: db.prepare<[number, string]>('UPDATE accounts SET held = held + ? WHERE id = ?'),
      addBalance: db.prepare<[number, string], { balance: number }>(
        'UPDATE accounts SET balance = balance + ? WHERE id = ? RETURNING balance',
      ),
      insertEntry: db.prepare(
        `INSERT INTO entries (id, transfer_id, account_id, counterparty_id, kind, amount, balance_after, hold_id, at)
         VALUES (@id, @transferId, @accountId, @counterpartyId, @kind, @amount, @balanceAfter, @holdId, @at)`,
      ),
      committedSince: db.prepare<{ payer: string; since: number; cap: number }, { total: number }>(
        committedSinceSql('h.payer = @payer'),
      ),
      committedSinceToPayee: db.prepare<
        { payer: string; payee: string; since: number; cap: number },
        { total: number }
      >(committedSinceSql('h.payer = @payer AND h.payee = @payee')),
      insertStandingLimit: db.prepare(
        `INSERT INTO standing_limits (id, payer, payee, amount_per_period, period_seconds, expires_at, created_by,
           created_at, revoked_at, revoked_by)
         VALUES (@id, @payer, @payee, @amountPerPeriod, @periodSeconds, @expiresAt, @createdBy, @createdAt,
           @revokedAt, @revokedBy)`,
      ),
      findStandingLimit: db.prepare<[string, string, number], StandingLimitRow>(
        `SELECT rowid AS seq, * FROM standing_limits
         WHERE payer = ? AND payee = ? AND expires_at > ? AND revoked_at IS NULL
         ORDER BY created_at DESC LIMIT 1`,
      ),
    };
  }

  async insertAccount(account: AccountRecord): Promise<void> {
    this.ledgerW.insertAccount.run({
      ...account,
      limits: JSON.stringify(account.limits),
      blockedCategories: JSON.stringify(account.blockedCategories),
    });
  }
  async setAccountRules(
    accountId: string,
    rules: Pick<AccountRecord, 'limits' | 'blockedCategories'>,
  ): Promise<void> {
    const changed = this.ledgerW.setAccountRules.run(
      JSON.stringify(rules.limits),
      JSON.stringify(rules.blockedCategories),
      accountId,
    ).changes;
    assert(changed === 1, `person account ${accountId} exists`);
  }
  async insertHold(hold: HoldRecord, placedKeyHash: Uint8Array | null): Promise<void> {
    assert(hold.version === 1, 'a new hold starts at version 1');
    const added = holdHistoryAdded(undefined, hold);
    const params = holdToParams(hold);
    this.ledgerW.insertHold.run({
      ...params,
      placed_key_hash: placedKeyHash === null ? null : Buffer.from(placedKeyHash),
    });
    this.insertHistory(hold, added, 'hold.placed', params);
  }
  async updateHold(before: HoldRecord, after: HoldRecord, kind: string): Promise<void> {
    const added = holdHistoryAdded(before, after);
    const params = holdToParams(after);
    // The transition row first: the projection's trigger accepts only a state a transition records.
    this.insertHistory(after, added, kind, params);
    const result = this.ledgerW.updateHold.run(params);
    assert(result.changes === 1, `hold ${after.id}: stale version ${after.version - 1}`);
  }
  private insertHistory(
    hold: HoldRecord,
    added: ReturnType<typeof holdHistoryAdded>,
    kind: string,
    params: Record<string, unknown>,
  ): void {
    for (const s of added.settlements)
      this.ledgerW.insertSettlement.run(s.id, hold.id, s.amount, s.at);
    for (const r of added.refunds) this.ledgerW.insertRefund.run(r.id, hold.id, r.amount, r.at);
    for (const e of added.events) {
      this.ledgerW.insertEvent.run(hold.id, e.type, e.at, JSON.stringify(e.data));
    }
    this.ledgerW.insertTransition.run({ ...params, kind });
  }
  async addHeld(accountId: string, delta: Yen): Promise<void> {
    const result = this.ledgerW.addHeld.run(delta, accountId);
    assert(result.changes === 1, `account ${accountId} missing`);
  }
  async transfer(t: TransferRecord): Promise<void> {
    assert(t.amount > 0, 'a transfer moves a positive amount');
    assert(t.from !== t.to, 'a transfer needs two accounts');
    const fromBalance = this.ledgerW.addBalance.get(-t.amount, t.from);
    const toBalance = this.ledgerW.addBalance.get(t.amount, t.to);
    assert(
      fromBalance !== undefined && toBalance !== undefined,
      'transfer between unknown accounts',
    );
    const common = { transferId: t.id, kind: t.kind, holdId: t.holdId, at: t.at };
    this.ledgerW.insertEntry.run({
      ...common,
      id: `${t.id}.d`,
      accountId: t.from,
      counterpartyId: t.to,
      amount: -t.amount,
      balanceAfter: fromBalance.balance,
    });
    this.ledgerW.insertEntry.run({
      ...common,
      id: `${t.id}.c`,
      accountId: t.to,
      counterpartyId: t.from,
      amount: t.amount,
      balanceAfter: toBalance.balance,
    });
  }
  async payerCommittedSince(payer: string, since: number, payee?: string): Promise<Yen> {
    const row =
      payee === undefined
        ? this.ledgerW.committedSince.get({ payer, since, cap: committedReportedMax })
        : this.ledgerW.committedSinceToPayee.get({
            payer,
            payee,
            since,
            cap: committedReportedMax,
          });
    assert(
      row !== undefined && row.total <= committedReportedMax,
      'a committed sum within its cap',
    );
    return yen(row.total);
  }
  async insertStandingLimit(limit: StandingLimitRecord): Promise<void> {
    this.ledgerW.insertStandingLimit.run({ ...limit });
  }
  async findStandingLimit(
    payer: string,
    payee: string,
    at: number,
  ): Promise<StandingLimitRecord | undefined> {
    const row = this.ledgerW.findStandingLimit.get(payer, payee, at);
    return row === undefined ? undefined : standingLimitFromRow(row);
  }
  async unrevokedStandingLimitIds(payer: string, payee: string): Promise<string[]> {
    return this.limitWrites.unrevokedIdsOfPair(payer, payee);
  }
  async revokeStandingLimit(id: string, at: number, by: string): Promise<void> {
    this.limitWrites.revoke(id, at, by);
  }
}
