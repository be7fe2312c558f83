// The SQLite adapter of the storage port: WAL, foreign keys, durable commits, one writer connection
// that groups concurrent jobs into one transaction (group commit) and a reader that sees only commits.
import Database from 'better-sqlite3';
import { chmodSync, existsSync } from 'node:fs';
import { assert } from '../../../shared/assert.ts';
import { yen, type Yen } from '../../../shared/money.ts';
import { writeBatchJobsMax } from '../../../shared/limits.ts';
import { genesisHash, linkAuditRow } from '../../audit/chain.ts';
import type {
  AuditAppend,
  HoldListFilter,
  HubStore,
  IdentityReader,
  KioskReader,
  StoreReader,
  StoreTx,
} from '../port.ts';
import type {
  AccountRecord,
  AuditRecord,
  ClientRecord,
  EntryRecord,
  HoldRecord,
  StandingLimitRecord,
  StoredResponse,
  TransferRecord,
} from '../records.ts';
import { migrate } from './migrations.ts';
import { checkLedgerConsistency, type ConsistencyReport, type ReadQuery } from '../consistency.ts';
import type {
  PaymentAuthorizationRecord,
  PersonRecord,
  ReplayNonceRecord,
  TemplateRecord,
} from '../identity-records.ts';
import {
  standingLimitFromRow,
  standingLimitReads,
  standingLimitWrites,
  type StandingLimitRow,
} from './standing-limit-rows.ts';
import {
  authorizationFromRow,
  authorizationToParams,
  personFromRow,
  personToParams,
  templateFromRow,
  type AuthorizationRow,
  type PersonRow,
  type TemplateRow,
} from './identity-rows.ts';
import type { KioskRecord } from '../kiosk-records.ts';
import { kioskFromRow, kioskToParams, type KioskRow } from './kiosk-rows.ts';
import {
  accountFromRow,
  clientFromRow,
  entryFromRow,
  holdFromRow,
  holdToParams,
  type AccountRow,
  type ClientRow,
  type EntryRow,
  type HoldRow,
} from './rows.ts';

export interface SqliteStoreOptions {
  file: string;
  auditKey: Uint8Array;
  /** FULL: every commit is fsynced (durable); NORMAL: WAL default, may lose the last commits on power loss. */
  synchronous?: 'FULL' | 'NORMAL';
  /** Group concurrent write jobs into one transaction and one fsync. */
  groupCommit?: boolean;
}

function openConnection(file: string, options: { readonly: boolean; synchronous: string }) {
  const db = new Database(file, { readonly: options.readonly, fileMustExist: options.readonly });
  db.pragma('busy_timeout = 5000');
  if (!options.readonly) {
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${options.synchronous}`);
    // Deleted content is zeroed in every page a write touches anyway (FAST); erasing a person
    // switches to ON for that transaction so nothing of their templates stays in free pages either.
    db.pragma('secure_delete = FAST');
    db.pragma('cache_size = -65536');
    db.pragma('temp_store = MEMORY');
    // Checkpoint every ~40 MB of WAL: hot pages rewritten between checkpoints are copied back once.
    db.pragma('wal_autocheckpoint = 10000');
  }
  db.pragma('foreign_keys = ON');
  return db;
}

/**
 * Runs `open` with umask 077, so the database file is created 0600 (SQLite creates -wal and -shm with
 * the database file's mode); process-wide, but nothing else runs during these synchronous calls.
 */
function withPrivateUmask<T>(open: () => T): T {
  const previous = process.umask(0o077);
  try {
    return open();
  } finally {
    process.umask(previous);
  }
}

/** The database holds personal data: its files are 0600 even when an older hub left them readable. */
function makeDatabaseFilesPrivate(file: string): void {
  for (const path of [file, `${file}-wal`, `${file}-shm`]) {
    if (existsSync(path)) chmodSync(path, 0o600);
  }
}

/** Reads over one connection; used by the reader (committed state) and inside write transactions. */
class SqliteReads implements StoreReader, IdentityReader, KioskReader {
  protected readonly q;
  private readonly limitReads;
  constructor(protected readonly db: Database.Database) {
    this.limitReads = standingLimitReads(db);
    this.q = {
      clientByToken: db.prepare<[Buffer], ClientRow>('SELECT * FROM clients WHERE token_hash = ?'),
      client: db.prepare<[string], ClientRow>('SELECT * FROM clients WHERE id = ?'),
      accountEnrollmentClient: db.prepare<[string], { enrollment_client_id: string | null }>(
        'SELECT enrollment_client_id FROM accounts WHERE id = ?',
      ),
      account: db.prepare<[string], AccountRow>('SELECT * FROM accounts WHERE id = ?'),
      hold: db.prepare<[string], HoldRow>('SELECT * FROM holds WHERE id = ?'),
      entries: db.prepare<[string, number, number], EntryRow>(
        'SELECT * FROM entries WHERE account_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?',
      ),
      person: db.prepare<[string], PersonRow>('SELECT * FROM persons WHERE id = ?'),
      personByAccount: db.prepare<[string], PersonRow>(
        'SELECT * FROM persons WHERE account_id = ?',
      ),
      personByDocument: db.prepare<[string], PersonRow>(
        'SELECT * FROM persons WHERE id_document_number_hash = ?',
      ),
      personByMemberNumber: db.prepare<[string], PersonRow>(
        'SELECT * FROM persons WHERE member_number = ?',
      ),
      templates: db.prepare<[string, number], TemplateRow>(
        'SELECT * FROM templates WHERE id > ? ORDER BY id LIMIT ?',
      ),
      template: db.prepare<[string], TemplateRow>('SELECT * FROM templates WHERE id = ?'),
      countTemplates: db.prepare<[string], { n: number }>(
        'SELECT COUNT(*) AS n FROM templates WHERE person_id = ?',
      ),
      kiosk: db.prepare<[string], KioskRow>('SELECT * FROM kiosks WHERE id = ?'),
      kioskByKey: db.prepare<[Buffer, Buffer], KioskRow>(
        'SELECT * FROM kiosks WHERE signing_public_key = ? OR box_public_key = ?',
      ),
      countKiosks: db.prepare<[string], { n: number }>(
        'SELECT COUNT(*) AS n FROM kiosks WHERE client_id = ?',
      ),
      dueAll: db.prepare<[number, number], { id: string }>(
        "SELECT id FROM holds INDEXED BY holds_due WHERE status = 'active' AND due_at <= ? ORDER BY due_at LIMIT ?",
      ),
      dueHold: db.prepare<[string, number], { id: string }>(
        "SELECT id FROM holds WHERE id = ? AND status = 'active' AND due_at <= ?",
      ),
      dueAccount: db.prepare<[number, string, string, number], { id: string }>(
        // The due index stays small (active holds only, by deadline); the planner would otherwise
        // walk every hold the account ever had through the payer index.
        `SELECT id FROM holds INDEXED BY holds_due
         WHERE status = 'active' AND due_at <= ? AND (payer = ? OR payee = ?)
         ORDER BY due_at LIMIT ?`,
      ),
    };
  }

  async getPerson(id: string): Promise<PersonRecord | undefined> {
    const row = this.q.person.get(id);
    return row === undefined ? undefined : personFromRow(row);
  }
  async findPersonByAccount(accountId: string): Promise<PersonRecord | undefined> {
    const row = this.q.personByAccount.get(accountId);
    return row === undefined ? undefined : personFromRow(row);
  }
  async findPersonByDocument(numberHash: string): Promise<PersonRecord | undefined> {
    const row = this.q.personByDocument.get(numberHash);
    return row === undefined ? undefined : personFromRow(row);
  }
  async findPersonByMemberNumber(memberNumber: string): Promise<PersonRecord | undefined> {
    const row = this.q.personByMemberNumber.get(memberNumber);
    return row === undefined ? undefined : personFromRow(row);
  }
  async listTemplates(afterId: string, limit: number): Promise<TemplateRecord[]> {
    return this.q.templates.all(afterId, limit).map(templateFromRow);
  }
  async getTemplate(id: string): Promise<TemplateRecord | undefined> {
    const row = this.q.template.get(id);
    return row === undefined ? undefined : templateFromRow(row);
  }
  async countTemplates(personId: string): Promise<number> {
    return this.q.countTemplates.get(personId)?.n ?? 0;
  }
  async getKiosk(id: string): Promise<KioskRecord | undefined> {
    const row = this.q.kiosk.get(id);
    return row === undefined ? undefined : kioskFromRow(row);
  }
  async findKioskByPublicKey(key: Uint8Array): Promise<KioskRecord | undefined> {
    const row = this.q.kioskByKey.get(Buffer.from(key), Buffer.from(key));
    return row === undefined ? undefined : kioskFromRow(row);
  }
  async countKiosksOfClient(clientId: string): Promise<number> {
    return this.q.countKiosks.get(clientId)?.n ?? 0;
  }
  async findClientByTokenHash(tokenHash: Uint8Array): Promise<ClientRecord | undefined> {
    const row = this.q.clientByToken.get(Buffer.from(tokenHash));
    return row === undefined ? undefined : clientFromRow(row);
  }
  async getClient(id: string): Promise<ClientRecord | undefined> {
    const row = this.q.client.get(id);
    return row === undefined ? undefined : clientFromRow(row);
  }
  async getAccountEnrollmentClient(accountId: string): Promise<string | null> {
    return this.q.accountEnrollmentClient.get(accountId)?.enrollment_client_id ?? null;
  }
  async getAccount(id: string): Promise<AccountRecord | undefined> {
    const row = this.q.account.get(id);
    return row === undefined ? undefined : accountFromRow(row);
  }
  async getHold(id: string): Promise<HoldRecord | undefined> {
    const row = this.q.hold.get(id);
    return row === undefined ? undefined : holdFromRow(row);
  }
  async listHolds(filter: HoldListFilter): Promise<{ holds: HoldRecord[]; seqs: number[] }> {
    const where: string[] = ['seq < @beforeSeq'];
    if (filter.payer !== undefined) where.push('payer = @payer');
    if (filter.payee !== undefined) where.push('payee = @payee');
    if (filter.status !== undefined) where.push('status = @status');
    if (filter.party !== undefined) where.push('(payer = @party OR payee = @party)');
    const sql = `SELECT * FROM holds WHERE ${where.join(' AND ')} ORDER BY seq DESC LIMIT @limit`;
    const rows = this.db.prepare<Record<string, unknown>, HoldRow>(sql).all({
      beforeSeq: filter.beforeSeq ?? Number.MAX_SAFE_INTEGER,
      payer: filter.payer,
      payee: filter.payee,
      status: filter.status,
      party: filter.party,
      limit: filter.limit,
    });
    return { holds: rows.map(holdFromRow), seqs: rows.map((row) => row.seq) };
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
    return this.q.entries
      .all(accountId, beforeSeq ?? Number.MAX_SAFE_INTEGER, limit)
      .map(entryFromRow);
  }
  async dueHoldIds(at: number, scope: { holdId?: string; accountId?: string }, limit: number) {
    if (scope.holdId !== undefined) return this.q.dueHold.all(scope.holdId, at).map((r) => r.id);
    if (scope.accountId !== undefined) {
      return this.q.dueAccount.all(at, scope.accountId, scope.accountId, limit).map((r) => r.id);
    }
    return this.q.dueAll.all(at, limit).map((r) => r.id);
  }
}

class SqliteTx extends SqliteReads implements StoreTx {
  private savepointDepth = 0;
  private readonly savepoints: Array<
    | { begin: Database.Statement; release: Database.Statement; rollback: Database.Statement }
    | undefined
  > = [];
  /** The audit chain's tail as this transaction sees it; restored when a savepoint rolls back. */
  private auditTail: { seq: number; hash: Uint8Array } | undefined;
  /** Nonces admitted in this transaction: recorded again when a savepoint rolls their rows back. */
  private admittedNonces: ReplayNonceRecord[] = [];
  private readonly w;
  private readonly limitWrites;
  constructor(
    db: Database.Database,
    private readonly auditKey: Uint8Array,
  ) {
    super(db);
    this.limitWrites = standingLimitWrites(db);
    this.w = {
      insertClient: db.prepare(
        `INSERT INTO clients (id, name, role, merchant_id, event_types, token_hash, created_at,
           revoked_at)
         VALUES (@id, @name, @role, @merchantId, @eventTypes, @tokenHash, @createdAt, @revokedAt)`,
      ),
      revokeClient: db.prepare<[number, string, string]>(
        'UPDATE clients SET revoked_at = ?, revoked_by = ? WHERE id = ? AND revoked_at IS NULL',
      ),
      replaceClientToken: db.prepare<[Buffer, string]>(
        'UPDATE clients SET token_hash = ? WHERE id = ? AND revoked_at IS NULL',
      ),
      setAccountEnrollmentClient: db.prepare<[string, string]>(
        "UPDATE accounts SET enrollment_client_id = ? WHERE id = ? AND kind = 'person'",
      ),
      insertAccount: db.prepare(
        `INSERT INTO accounts (id, kind, name, currency, balance, held, limits, blocked_categories, created_at)
         VALUES (@id, @kind, @name, @currency, @balance, @held, @limits, @blockedCategories, @createdAt)`,
      ),
      insertHold: db.prepare(
        `INSERT INTO holds (id, status, payer, payee, amount, settled, refunded, reference, category, template,
           on_expiry, rules, expires_at, scheduled, due_at, authorized_max, settlements, refunds, events,
           created_at, updated_at, version, closed_by)
         VALUES (@id, @status, @payer, @payee, @amount, @settled, @refunded, @reference, @category, @template,
           @on_expiry, @rules, @expires_at, @scheduled, @due_at, @authorized_max, @settlements, @refunds, @events,
           @created_at, @updated_at, @version, @closed_by)`,
      ),
      updateHold: db.prepare(
        `UPDATE holds SET status = @status, amount = @amount, settled = @settled, refunded = @refunded,
           expires_at = @expires_at, scheduled = @scheduled, due_at = @due_at, authorized_max = @authorized_max,
           settlements = @settlements, refunds = @refunds, events = @events, updated_at = @updated_at,
           version = @version, closed_by = @closed_by
         WHERE id = @id AND version = @version - 1`,
      ),
      addHeld: db.prepare<[number, string]>('UPDATE accounts SET held = held + ? WHERE id = ?'),
      addBalance: db.prepare<[number, string], { balance: number }>(
        'UPDATE accounts SET balance = balance + ? WHERE id = ? RETURNING balance',
      ),
      insertEntry: db.prepare(
        `INSERT INTO entries (id, transfer_id, account_id, counterparty_id, kind, amount, balance_after, hold_id, at)
         VALUES (@id, @transferId, @accountId, @counterpartyId, @kind, @amount, @balanceAfter, @holdId, @at)`,
      ),
      committedSince: db.prepare<[string, number], { total: number | null }>(
        `SELECT SUM(CASE WHEN status = 'active' THEN amount ELSE settled END) AS total
         FROM holds WHERE payer = ? AND created_at > ?`,
      ),
      committedSinceToPayee: db.prepare<[string, string, number], { total: number | null }>(
        `SELECT SUM(CASE WHEN status = 'active' THEN amount ELSE settled END) AS total
         FROM holds WHERE payer = ? AND payee = ? AND created_at > ?`,
      ),
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
      memberNumberIssued: db.prepare<[string], { n: number }>(
        'SELECT 1 AS n FROM member_numbers WHERE member_number = ?',
      ),
      issueMemberNumber: db.prepare<[string, number]>(
        'INSERT INTO member_numbers (member_number, issued_at) VALUES (?, ?)',
      ),
      insertPerson: db.prepare(
        `INSERT INTO persons (id, display_name, date_of_birth, account_id, id_document_type,
           id_document_number_hash, id_document_verified_by, guardian_person_id, require_pin, pin_verifier,
           pin_failures, member_number, created_by, created_at)
         VALUES (@id, @display_name, @date_of_birth, @account_id, @id_document_type, @id_document_number_hash,
           @id_document_verified_by, @guardian_person_id, @require_pin, @pin_verifier, @pin_failures,
           @member_number, @created_by, @created_at)`,
      ),
      setPinFailures: db.prepare<[number, string]>(
        'UPDATE persons SET pin_failures = ? WHERE id = ?',
      ),
      templateIdsOf: db.prepare<[string], { id: string }>(
        'SELECT id FROM templates WHERE person_id = ?',
      ),
      deleteTemplatesOf: db.prepare<[string]>('DELETE FROM templates WHERE person_id = ?'),
      deleteAuthorizationsOf: db.prepare<[string]>(
        'DELETE FROM payment_authorizations WHERE person_id = ?',
      ),
      clearGuardian: db.prepare<[string]>(
        'UPDATE persons SET guardian_person_id = NULL WHERE guardian_person_id = ?',
      ),
      deletePerson: db.prepare<[string]>('DELETE FROM persons WHERE id = ?'),
      insertTemplate: db.prepare(
        `INSERT INTO templates (id, person_id, model_id, transform_key_id, sealed, created_at)
         VALUES (@id, @personId, @modelId, @transformKeyId, @sealed, @createdAt)`,
      ),
      replaceTemplateSeal: db.prepare<[Buffer, string, string]>(
        'UPDATE templates SET sealed = ?, transform_key_id = ? WHERE id = ?',
      ),
      insertAuthorization: db.prepare(
        `INSERT INTO payment_authorizations (token_hash, person_id, account_id, payee, max_amount, expires_at,
           used_at, created_by, created_at, purpose, standing_period_seconds, standing_expires_in_seconds)
         VALUES (@tokenHash, @personId, @accountId, @payee, @maxAmount, @expiresAt, @usedAt, @createdBy,
           @createdAt, @purpose, @standingPeriodSeconds, @standingExpiresInSeconds)`,
      ),
      getAuthorization: db.prepare<[Buffer], AuthorizationRow>(
        'SELECT * FROM payment_authorizations WHERE token_hash = ?',
      ),
      markAuthorizationUsed: db.prepare<[number, Buffer]>(
        'UPDATE payment_authorizations SET used_at = ? WHERE token_hash = ? AND used_at IS NULL',
      ),
      pruneNonces: db.prepare<[number]>('DELETE FROM replay_nonces WHERE expires_at <= ?'),
      insertNonce: db.prepare<[string, Buffer, number, number]>(
        `INSERT INTO replay_nonces (purpose, nonce, seen_at, expires_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (purpose, nonce) DO NOTHING`,
      ),
      insertKiosk: db.prepare(
        `INSERT INTO kiosks (id, name, client_id, signing_public_key, box_public_key, created_by,
           created_at, revoked_at, revoked_by)
         VALUES (@id, @name, @client_id, @signing_public_key, @box_public_key, @created_by,
           @created_at, @revoked_at, @revoked_by)`,
      ),
      revokeKiosk: db.prepare<[number, string, string]>(
        'UPDATE kiosks SET revoked_at = ?, revoked_by = ? WHERE id = ? AND revoked_at IS NULL',
      ),
      getResponse: db.prepare<
        [string, string],
        { request_hash: Buffer; status: number; body: string; created_at: number }
      >(
        'SELECT request_hash, status, body, created_at FROM idempotency WHERE client_id = ? AND key = ?',
      ),
      putResponse: db.prepare(
        `INSERT INTO idempotency (client_id, key, request_hash, status, body, created_at)
         VALUES (?, ?, ?, ?, ?, ?)`,
      ),
      lastAudit: db.prepare<[], { seq: number; hash: Buffer }>(
        'SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1',
      ),
      insertAudit: db.prepare(
        'INSERT INTO audit_log (seq, at, kind, subject, actor, data, hash) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
    };
  }

  async isMemberNumberIssued(memberNumber: string): Promise<boolean> {
    return this.w.memberNumberIssued.get(memberNumber) !== undefined;
  }
  async insertPerson(person: PersonRecord): Promise<void> {
    this.w.issueMemberNumber.run(person.memberNumber, person.createdAt);
    this.w.insertPerson.run(personToParams(person));
  }
  async setPinFailures(personId: string, failures: number): Promise<void> {
    assert(this.w.setPinFailures.run(failures, personId).changes === 1, 'person exists');
  }
  async deletePerson(personId: string): Promise<string[]> {
    this.db.pragma('secure_delete = ON');
    try {
      return this.deletePersonRows(personId);
    } finally {
      this.db.pragma('secure_delete = FAST');
    }
  }
  private deletePersonRows(personId: string): string[] {
    const ids = this.w.templateIdsOf.all(personId).map((row) => row.id);
    this.w.deleteTemplatesOf.run(personId);
    this.w.deleteAuthorizationsOf.run(personId);
    this.w.clearGuardian.run(personId);
    assert(this.w.deletePerson.run(personId).changes === 1, 'person exists');
    return ids;
  }
  async insertTemplate(template: TemplateRecord): Promise<void> {
    this.w.insertTemplate.run({ ...template, sealed: Buffer.from(template.sealed) });
  }
  async replaceTemplateSeal(id: string, sealed: Uint8Array, transformKeyId: string): Promise<void> {
    const result = this.w.replaceTemplateSeal.run(Buffer.from(sealed), transformKeyId, id);
    assert(result.changes === 1, `template ${id} exists`);
  }
  async insertAuthorization(a: PaymentAuthorizationRecord): Promise<void> {
    this.w.insertAuthorization.run(authorizationToParams(a));
  }
  async getAuthorization(tokenHash: Uint8Array): Promise<PaymentAuthorizationRecord | undefined> {
    const row = this.w.getAuthorization.get(Buffer.from(tokenHash));
    return row === undefined ? undefined : authorizationFromRow(row);
  }
  async markAuthorizationUsed(tokenHash: Uint8Array, at: number): Promise<void> {
    const result = this.w.markAuthorizationUsed.run(at, Buffer.from(tokenHash));
    assert(result.changes === 1, 'an authorization is used once');
  }
  async admitNonce(nonce: ReplayNonceRecord): Promise<'admitted' | 'replayed'> {
    assert(nonce.expiresAt > nonce.seenAt, 'a nonce is kept for a positive window');
    this.w.pruneNonces.run(nonce.seenAt);
    if (!this.insertNonce(nonce)) return 'replayed';
    this.admittedNonces.push(nonce);
    return 'admitted';
  }
  private insertNonce(n: ReplayNonceRecord): boolean {
    const inserted = this.w.insertNonce.run(n.purpose, Buffer.from(n.nonce), n.seenAt, n.expiresAt);
    return inserted.changes === 1;
  }
  async insertKiosk(kiosk: KioskRecord): Promise<void> {
    this.w.insertKiosk.run(kioskToParams(kiosk));
  }
  async revokeKiosk(id: string, at: number, by: string): Promise<void> {
    assert(this.w.revokeKiosk.run(at, by, id).changes === 1, `kiosk ${id} exists and is active`);
  }
  async revokeClient(id: string, at: number, by: string): Promise<void> {
    assert(this.w.revokeClient.run(at, by, id).changes === 1, `client ${id} exists and is active`);
  }
  async replaceClientToken(id: string, tokenHash: Uint8Array): Promise<void> {
    const changed = this.w.replaceClientToken.run(Buffer.from(tokenHash), id).changes;
    assert(changed === 1, `client ${id} exists and is active`);
  }
  async setAccountEnrollmentClient(accountId: string, clientId: string): Promise<void> {
    const changed = this.w.setAccountEnrollmentClient.run(clientId, accountId).changes;
    assert(changed === 1, `person account ${accountId} exists`);
  }
  async insertClient(client: ClientRecord): Promise<void> {
    this.w.insertClient.run({
      ...client,
      eventTypes: JSON.stringify(client.eventTypes),
      tokenHash: Buffer.from(client.tokenHash),
    });
  }
  async insertAccount(account: AccountRecord): Promise<void> {
    this.w.insertAccount.run({
      ...account,
      limits: JSON.stringify(account.limits),
      blockedCategories: JSON.stringify(account.blockedCategories),
    });
  }
  async insertHold(hold: HoldRecord): Promise<void> {
    assert(hold.version === 1, 'a new hold starts at version 1');
    this.w.insertHold.run(holdToParams(hold));
  }
  async updateHold(hold: HoldRecord): Promise<void> {
    const result = this.w.updateHold.run(holdToParams(hold));
    assert(result.changes === 1, `hold ${hold.id}: stale version ${hold.version - 1}`);
  }
  async addHeld(accountId: string, delta: Yen): Promise<void> {
    const result = this.w.addHeld.run(delta, accountId);
    assert(result.changes === 1, `account ${accountId} missing`);
  }
  async transfer(t: TransferRecord): Promise<void> {
    assert(t.amount > 0, 'a transfer moves a positive amount');
    assert(t.from !== t.to, 'a transfer needs two accounts');
    const fromBalance = this.w.addBalance.get(-t.amount, t.from);
    const toBalance = this.w.addBalance.get(t.amount, t.to);
    assert(
      fromBalance !== undefined && toBalance !== undefined,
      'transfer between unknown accounts',
    );
    const common = { transferId: t.id, kind: t.kind, holdId: t.holdId, at: t.at };
    this.w.insertEntry.run({
      ...common,
      id: `${t.id}.d`,
      accountId: t.from,
      counterpartyId: t.to,
      amount: -t.amount,
      balanceAfter: fromBalance.balance,
    });
    this.w.insertEntry.run({
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
        ? this.w.committedSince.get(payer, since)
        : this.w.committedSinceToPayee.get(payer, payee, since);
    return yen(row?.total ?? 0);
  }
  async insertStandingLimit(limit: StandingLimitRecord): Promise<void> {
    this.w.insertStandingLimit.run({ ...limit });
  }
  async findStandingLimit(
    payer: string,
    payee: string,
    at: number,
  ): Promise<StandingLimitRecord | undefined> {
    const row = this.w.findStandingLimit.get(payer, payee, at);
    return row === undefined ? undefined : standingLimitFromRow(row);
  }
  async unrevokedStandingLimitIds(payer: string, payee: string): Promise<string[]> {
    return this.limitWrites.unrevokedIdsOfPair(payer, payee);
  }
  async revokeStandingLimit(id: string, at: number, by: string): Promise<void> {
    this.limitWrites.revoke(id, at, by);
  }
  async getStoredResponse(clientId: string, key: string): Promise<StoredResponse | undefined> {
    const row = this.w.getResponse.get(clientId, key);
    if (row === undefined) return undefined;
    return {
      requestHash: new Uint8Array(row.request_hash),
      status: row.status,
      body: row.body,
      createdAt: row.created_at,
    };
  }
  async putStoredResponse(clientId: string, key: string, r: StoredResponse): Promise<void> {
    this.w.putResponse.run(
      clientId,
      key,
      Buffer.from(r.requestHash),
      r.status,
      r.body,
      r.createdAt,
    );
  }
  async appendAudit(entry: AuditAppend): Promise<void> {
    if (this.auditTail === undefined) {
      const last = this.w.lastAudit.get();
      this.auditTail = {
        seq: last?.seq ?? 0,
        hash: last === undefined ? genesisHash : new Uint8Array(last.hash),
      };
    }
    const row = {
      seq: this.auditTail.seq + 1,
      at: entry.at,
      kind: entry.kind,
      subject: entry.subject,
      actor: entry.actor,
      data: JSON.stringify(entry.data),
    };
    const hash = linkAuditRow(this.auditKey, this.auditTail.hash, row);
    this.w.insertAudit.run(
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
  async nested<T>(fn: () => Promise<T>): Promise<T> {
    const depth = this.savepointDepth++;
    const savepoint = this.savepoint(depth);
    const tailBefore = this.auditTail;
    const noncesBefore = this.admittedNonces.length;
    savepoint.begin.run();
    try {
      const value = await fn();
      savepoint.release.run();
      return value;
    } catch (error) {
      savepoint.rollback.run();
      savepoint.release.run();
      this.auditTail = tailBefore;
      // A refused request has still spent its nonce: nothing else of it stays.
      for (const nonce of this.admittedNonces.slice(noncesBefore)) {
        assert(this.insertNonce(nonce), 'a nonce this transaction admitted is free again');
      }
      throw error;
    } finally {
      this.savepointDepth--;
    }
  }

  /** Forgets what this object cached about the database (call at every BEGIN and after a ROLLBACK). */
  resetCaches(): void {
    this.auditTail = undefined;
    this.admittedNonces = [];
  }

  private savepoint(depth: number) {
    let statements = this.savepoints[depth];
    if (statements === undefined) {
      statements = {
        begin: this.db.prepare(`SAVEPOINT n${depth}`),
        release: this.db.prepare(`RELEASE n${depth}`),
        rollback: this.db.prepare(`ROLLBACK TO n${depth}`),
      };
      this.savepoints[depth] = statements;
    }
    return statements;
  }
}

interface QueuedJob {
  job: (tx: StoreTx) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

export class SqliteHubStore implements HubStore {
  readonly reader: StoreReader & IdentityReader & KioskReader;
  private readonly writeDb: Database.Database;
  private readonly readDb: Database.Database;
  private readonly tx: SqliteTx;
  private readonly beginStatement: Database.Statement;
  private readonly commitStatement: Database.Statement;
  private readonly groupCommit: boolean;
  private readonly queue: QueuedJob[] = [];
  private draining = false;
  private closed = false;

  constructor(options: SqliteStoreOptions) {
    const synchronous = options.synchronous ?? 'FULL';
    this.writeDb = withPrivateUmask(() =>
      openConnection(options.file, { readonly: false, synchronous }),
    );
    migrate(this.writeDb);
    this.readDb = withPrivateUmask(() =>
      openConnection(options.file, { readonly: true, synchronous }),
    );
    makeDatabaseFilesPrivate(options.file);
    this.reader = new SqliteReads(this.readDb);
    this.tx = new SqliteTx(this.writeDb, options.auditKey);
    this.beginStatement = this.writeDb.prepare('BEGIN IMMEDIATE');
    this.commitStatement = this.writeDb.prepare('COMMIT');
    this.groupCommit = options.groupCommit ?? true;
  }

  write<T>(job: (tx: StoreTx) => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new Error('store is closed'));
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ job, resolve: resolve as (value: unknown) => void, reject });
      if (!this.draining) {
        this.draining = true;
        // Let the requests already read from sockets queue up before the batch starts.
        setImmediate(() => void this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.groupCommit ? writeBatchJobsMax : 1);
      const outcomes = await this.runBatch(batch);
      batch.forEach((item, i) => {
        const outcome = outcomes[i];
        assert(outcome !== undefined, 'every job has an outcome');
        if (outcome.ok) item.resolve(outcome.value);
        else item.reject(outcome.error);
      });
    }
    this.draining = false;
  }

  /** One transaction for the batch; each job under its own savepoint so one refusal undoes only itself. */
  private async runBatch(batch: QueuedJob[]): Promise<Outcome[]> {
    const outcomes: Outcome[] = [];
    this.tx.resetCaches();
    this.beginStatement.run();
    for (const item of batch) {
      try {
        outcomes.push({ ok: true, value: await this.tx.nested(() => item.job(this.tx)) });
      } catch (error) {
        outcomes.push({ ok: false, error });
      }
    }
    try {
      this.commitStatement.run();
    } catch (error) {
      if (this.writeDb.inTransaction) this.writeDb.exec('ROLLBACK');
      this.tx.resetCaches();
      return batch.map(() => ({ ok: false, error }));
    }
    return outcomes;
  }

  async deleteStoredResponsesBefore(at: number): Promise<number> {
    return this.write(
      async () =>
        this.writeDb.prepare('DELETE FROM idempotency WHERE created_at < ?').run(at).changes,
    );
  }

  async auditRows(afterSeq: number, limit: number): Promise<AuditRecord[]> {
    return readAuditRows(this.readDb, afterSeq, limit);
  }

  async checkConsistency(): Promise<ConsistencyReport> {
    return checkLedgerConsistency(sqliteReadQuery(this.readDb));
  }

  /** One process owns a SQLite database: nobody else can be running the job. */
  async runExclusive<T>(_name: 'sweeper', fn: () => Promise<T>): Promise<T | undefined> {
    return fn();
  }

  /** One process owns a SQLite database: no other instance changes its templates. */
  onTemplateChange(): () => void {
    return () => undefined;
  }

  async close(): Promise<void> {
    this.closed = true;
    while (this.draining) await new Promise((resolve) => setTimeout(resolve, 5));
    this.readDb.close();
    this.writeDb.close();
  }
}

/** Audit rows after `afterSeq`, in order; shared by the store and the offline verifier. */
export function readAuditRows(
  db: Database.Database,
  afterSeq: number,
  limit: number,
): AuditRecord[] {
  return db
    .prepare<[number, number], Omit<AuditRecord, 'hash'> & { hash: Buffer }>(
      'SELECT * FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?',
    )
    .all(afterSeq, limit)
    .map((row) => ({ ...row, hash: new Uint8Array(row.hash) }));
}

/** Read-only statements on a SQLite connection, for the consistency check. */
export function sqliteReadQuery(db: Database.Database): ReadQuery {
  return async <R>(sql: string) => db.prepare<[], R>(sql).all();
}
