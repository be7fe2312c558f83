// The PostgreSQL adapter of the storage port, for several hub instances on one database. Every write
// transaction first locks the audit chain's head row, so writers of all instances run in one order.
import type pg from 'pg';
import { assert } from '../../../shared/assert.ts';
import { yen, type Yen } from '../../../shared/money.ts';
import { writeBatchJobsMax } from '../../../shared/limits.ts';
import { linkAuditRow } from '../../audit/chain.ts';
import type {
  AuditAppend,
  HoldListFilter,
  HubStore,
  IdentityReader,
  KioskReader,
  StoreReader,
  StoreTx,
  TemplateChange,
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
import type {
  PaymentAuthorizationRecord,
  PersonRecord,
  ReplayNonceRecord,
  TemplateRecord,
} from '../identity-records.ts';
import type { KioskRecord } from '../kiosk-records.ts';
import { standingLimitFromRow, type StandingLimitRow } from '../sqlite/standing-limit-rows.ts';
import {
  authorizationFromRow,
  authorizationToParams,
  personFromRow,
  personToParams,
  templateFromRow,
  type AuthorizationRow,
  type PersonRow,
  type TemplateRow,
} from '../sqlite/identity-rows.ts';
import { kioskFromRow, kioskToParams, type KioskRow } from '../sqlite/kiosk-rows.ts';
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
} from '../sqlite/rows.ts';
import { migratePg } from './migrations.ts';
import { checkLedgerConsistency, type ConsistencyReport, type ReadQuery } from '../consistency.ts';
import { openPool } from './pool.ts';
import { TemplateFeed, templateChannel } from './template-feed.ts';

type Queryable = Pick<pg.Pool, 'query'> | Pick<pg.PoolClient, 'query'>;

/** Runs a named (prepared once per connection) statement and returns its rows. */
async function rows<R extends pg.QueryResultRow>(
  db: Queryable,
  name: string,
  text: string,
  values: unknown[],
): Promise<R[]> {
  const result = await db.query<R>({ name, text, values });
  return result.rows;
}

async function one<R extends pg.QueryResultRow>(
  db: Queryable,
  name: string,
  text: string,
  values: unknown[],
): Promise<R | undefined> {
  return (await rows<R>(db, name, text, values))[0];
}

/** Rows changed by a named statement. */
async function changes(db: Queryable, name: string, text: string, values: unknown[]) {
  const result = await db.query({ name, text, values });
  return result.rowCount ?? 0;
}

const maxSeq = Number.MAX_SAFE_INTEGER;

/** Reads over the pool (committed state) or over the writer's connection inside a transaction. */
class PgReads implements StoreReader, IdentityReader, KioskReader {
  constructor(protected readonly db: Queryable) {}

  async getPerson(id: string): Promise<PersonRecord | undefined> {
    const row = await one<PersonRow>(this.db, 'person', 'SELECT * FROM persons WHERE id = $1', [
      id,
    ]);
    return row === undefined ? undefined : personFromRow(row);
  }
  async findPersonByAccount(accountId: string): Promise<PersonRecord | undefined> {
    const row = await one<PersonRow>(
      this.db,
      'personByAccount',
      'SELECT * FROM persons WHERE account_id = $1',
      [accountId],
    );
    return row === undefined ? undefined : personFromRow(row);
  }
  async findPersonByDocument(numberHash: string): Promise<PersonRecord | undefined> {
    const row = await one<PersonRow>(
      this.db,
      'personByDocument',
      'SELECT * FROM persons WHERE id_document_number_hash = $1',
      [numberHash],
    );
    return row === undefined ? undefined : personFromRow(row);
  }
  async findPersonByMemberNumber(memberNumber: string): Promise<PersonRecord | undefined> {
    const row = await one<PersonRow>(
      this.db,
      'personByMemberNumber',
      'SELECT * FROM persons WHERE member_number = $1',
      [memberNumber],
    );
    return row === undefined ? undefined : personFromRow(row);
  }
  async getAccountEnrollmentClient(accountId: string): Promise<string | null> {
    const row = await one<{ enrollment_client_id: string | null }>(
      this.db,
      'accountEnrollmentClient',
      'SELECT enrollment_client_id FROM accounts WHERE id = $1',
      [accountId],
    );
    return row?.enrollment_client_id ?? null;
  }
  async listTemplates(afterId: string, limit: number): Promise<TemplateRecord[]> {
    const found = await rows<TemplateRow>(
      this.db,
      'templates',
      // COLLATE "C": the same byte order as SQLite's, so paging by id visits every row once.
      'SELECT * FROM templates WHERE id > $1 COLLATE "C" ORDER BY id COLLATE "C" LIMIT $2',
      [afterId, limit],
    );
    return found.map(templateFromRow);
  }
  async getTemplate(id: string): Promise<TemplateRecord | undefined> {
    const row = await one<TemplateRow>(
      this.db,
      'template',
      'SELECT * FROM templates WHERE id = $1',
      [id],
    );
    return row === undefined ? undefined : templateFromRow(row);
  }
  async countTemplates(personId: string): Promise<number> {
    const row = await one<{ n: number }>(
      this.db,
      'countTemplates',
      'SELECT COUNT(*)::bigint AS n FROM templates WHERE person_id = $1',
      [personId],
    );
    return row?.n ?? 0;
  }
  async getKiosk(id: string): Promise<KioskRecord | undefined> {
    const row = await one<KioskRow>(this.db, 'kiosk', 'SELECT * FROM kiosks WHERE id = $1', [id]);
    return row === undefined ? undefined : kioskFromRow(row);
  }
  async findKioskByPublicKey(key: Uint8Array): Promise<KioskRecord | undefined> {
    const row = await one<KioskRow>(
      this.db,
      'kioskByKey',
      'SELECT * FROM kiosks WHERE signing_public_key = $1 OR box_public_key = $1',
      [Buffer.from(key)],
    );
    return row === undefined ? undefined : kioskFromRow(row);
  }
  async countKiosksOfClient(clientId: string): Promise<number> {
    const row = await one<{ n: number }>(
      this.db,
      'countKiosks',
      'SELECT COUNT(*)::bigint AS n FROM kiosks WHERE client_id = $1',
      [clientId],
    );
    return row?.n ?? 0;
  }
  async findClientByTokenHash(tokenHash: Uint8Array): Promise<ClientRecord | undefined> {
    const row = await one<ClientRow>(
      this.db,
      'clientByToken',
      'SELECT * FROM clients WHERE token_hash = $1',
      [Buffer.from(tokenHash)],
    );
    return row === undefined ? undefined : clientFromRow(row);
  }
  async getClient(id: string): Promise<ClientRecord | undefined> {
    const row = await one<ClientRow>(this.db, 'client', 'SELECT * FROM clients WHERE id = $1', [
      id,
    ]);
    return row === undefined ? undefined : clientFromRow(row);
  }
  async getAccount(id: string): Promise<AccountRecord | undefined> {
    const row = await one<AccountRow>(this.db, 'account', 'SELECT * FROM accounts WHERE id = $1', [
      id,
    ]);
    return row === undefined ? undefined : accountFromRow(row);
  }
  async getHold(id: string): Promise<HoldRecord | undefined> {
    const row = await one<HoldRow>(this.db, 'hold', 'SELECT * FROM holds WHERE id = $1', [id]);
    return row === undefined ? undefined : holdFromRow(row);
  }
  async listHolds(filter: HoldListFilter): Promise<{ holds: HoldRecord[]; seqs: number[] }> {
    const values: unknown[] = [filter.beforeSeq ?? maxSeq];
    const where: string[] = ['seq < $1'];
    const add = (clause: (n: string) => string, value: unknown) => {
      values.push(value);
      where.push(clause(`$${values.length}`));
    };
    if (filter.payer !== undefined) add((n) => `payer = ${n}`, filter.payer);
    if (filter.payee !== undefined) add((n) => `payee = ${n}`, filter.payee);
    if (filter.status !== undefined) add((n) => `status = ${n}`, filter.status);
    if (filter.party !== undefined) add((n) => `(payer = ${n} OR payee = ${n})`, filter.party);
    values.push(filter.limit);
    const sql = `SELECT * FROM holds WHERE ${where.join(' AND ')} ORDER BY seq DESC LIMIT $${values.length}`;
    const found = (await this.db.query<HoldRow>(sql, values)).rows;
    return { holds: found.map(holdFromRow), seqs: found.map((row) => row.seq) };
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
    if (scope.holdId !== undefined) {
      found = await rows(
        this.db,
        'dueHold',
        "SELECT id FROM holds WHERE id = $1 AND status = 'active' AND due_at <= $2",
        [scope.holdId, at],
      );
    } else if (scope.accountId !== undefined) {
      found = await rows(
        this.db,
        'dueAccount',
        `SELECT id FROM holds WHERE status = 'active' AND due_at <= $1 AND (payer = $2 OR payee = $2)
         ORDER BY due_at LIMIT $3`,
        [at, scope.accountId, limit],
      );
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

/** Named parameters of a row mapper, in the order of `columns`, for a positional INSERT. */
function insertStatement(table: string, columns: string[]): string {
  const placeholders = columns.map((_, i) => `$${i + 1}`).join(', ');
  return `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${placeholders})`;
}
function valuesOf(params: Record<string, unknown>, keys: string[]): unknown[] {
  return keys.map((key) => {
    assert(key in params, `parameter ${key} is given`);
    return params[key];
  });
}

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
  'settlements',
  'refunds',
  'events',
  'created_at',
  'updated_at',
  'version',
  'closed_by',
];
const personColumns = [
  'id',
  'display_name',
  'date_of_birth',
  'account_id',
  'id_document_type',
  'id_document_number_hash',
  'id_document_verified_by',
  'guardian_person_id',
  'require_pin',
  'pin_verifier',
  'pin_failures',
  'member_number',
  'created_by',
  'created_at',
];
const kioskColumns = [
  'id',
  'name',
  'client_id',
  'signing_public_key',
  'box_public_key',
  'created_by',
  'created_at',
  'revoked_at',
  'revoked_by',
];
const authorizationColumns: Array<[column: string, param: string]> = [
  ['token_hash', 'tokenHash'],
  ['person_id', 'personId'],
  ['account_id', 'accountId'],
  ['payee', 'payee'],
  ['max_amount', 'maxAmount'],
  ['expires_at', 'expiresAt'],
  ['used_at', 'usedAt'],
  ['created_by', 'createdBy'],
  ['created_at', 'createdAt'],
  ['purpose', 'purpose'],
  ['standing_period_seconds', 'standingPeriodSeconds'],
  ['standing_expires_in_seconds', 'standingExpiresInSeconds'],
];

class PgTx extends PgReads implements StoreTx {
  private savepointDepth = 0;
  /** The audit chain's tail, read with the head row's lock at BEGIN; restored when a savepoint rolls back. */
  private auditTail: { seq: number; hash: Uint8Array } = { seq: 0, hash: new Uint8Array(32) };
  /** Nonces admitted in this transaction: recorded again when a savepoint rolls their rows back. */
  private admittedNonces: ReplayNonceRecord[] = [];
  /** Template changes of this transaction, announced to every instance when it commits. */
  private changes: TemplateChange[] = [];

  constructor(
    protected override readonly db: pg.PoolClient,
    private readonly auditKey: Uint8Array,
  ) {
    super(db);
  }

  /** BEGIN and take the chain head's row lock: from here this instance is the only writer. */
  async begin(): Promise<void> {
    this.admittedNonces = [];
    this.changes = [];
    this.savepointDepth = 0;
    await this.db.query('BEGIN');
    const head = await one<{ seq: number; hash: Buffer }>(
      this.db,
      'lockHead',
      'SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE',
      [],
    );
    assert(head !== undefined, 'the audit head row exists (migration 1)');
    this.auditTail = { seq: head.seq, hash: new Uint8Array(head.hash) };
  }

  /** Writes the chain's new head, announces template changes, and commits. */
  async commit(): Promise<void> {
    await changes(this.db, 'setHead', 'UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1', [
      this.auditTail.seq,
      Buffer.from(this.auditTail.hash),
    ]);
    // NOTIFY inside the transaction is delivered at COMMIT, and only if it commits.
    for (const change of this.changes) {
      await this.db.query('SELECT pg_notify($1, $2)', [templateChannel, JSON.stringify(change)]);
    }
    await this.db.query('COMMIT');
  }

  async isMemberNumberIssued(memberNumber: string): Promise<boolean> {
    const row = await one(
      this.db,
      'memberNumberIssued',
      'SELECT 1 AS n FROM member_numbers WHERE member_number = $1',
      [memberNumber],
    );
    return row !== undefined;
  }
  async insertPerson(person: PersonRecord): Promise<void> {
    await changes(
      this.db,
      'issueMemberNumber',
      'INSERT INTO member_numbers (member_number, issued_at) VALUES ($1, $2)',
      [person.memberNumber, person.createdAt],
    );
    await changes(
      this.db,
      'insertPerson',
      insertStatement('persons', personColumns),
      valuesOf(personToParams(person), personColumns),
    );
  }
  async setPinFailures(personId: string, failures: number): Promise<void> {
    const changed = await changes(
      this.db,
      'setPinFailures',
      'UPDATE persons SET pin_failures = $1 WHERE id = $2',
      [failures, personId],
    );
    assert(changed === 1, 'person exists');
  }
  async deletePerson(personId: string): Promise<string[]> {
    const ids = (
      await rows<{ id: string }>(
        this.db,
        'templateIdsOf',
        'SELECT id FROM templates WHERE person_id = $1',
        [personId],
      )
    ).map((row) => row.id);
    await changes(this.db, 'deleteTemplatesOf', 'DELETE FROM templates WHERE person_id = $1', [
      personId,
    ]);
    await changes(
      this.db,
      'deleteAuthorizationsOf',
      'DELETE FROM payment_authorizations WHERE person_id = $1',
      [personId],
    );
    await changes(
      this.db,
      'clearGuardian',
      'UPDATE persons SET guardian_person_id = NULL WHERE guardian_person_id = $1',
      [personId],
    );
    const deleted = await changes(this.db, 'deletePerson', 'DELETE FROM persons WHERE id = $1', [
      personId,
    ]);
    assert(deleted === 1, 'person exists');
    if (ids.length > 0) this.changes.push({ kind: 'removed', templateIds: ids });
    return ids;
  }
  async insertTemplate(template: TemplateRecord): Promise<void> {
    await changes(
      this.db,
      'insertTemplate',
      `INSERT INTO templates (id, person_id, model_id, transform_key_id, sealed, created_at)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [
        template.id,
        template.personId,
        template.modelId,
        template.transformKeyId,
        Buffer.from(template.sealed),
        template.createdAt,
      ],
    );
    this.changes.push({ kind: 'added', templateIds: [template.id] });
  }
  async replaceTemplateSeal(id: string, sealed: Uint8Array, transformKeyId: string): Promise<void> {
    const changed = await changes(
      this.db,
      'replaceTemplateSeal',
      'UPDATE templates SET sealed = $1, transform_key_id = $2 WHERE id = $3',
      [Buffer.from(sealed), transformKeyId, id],
    );
    assert(changed === 1, `template ${id} exists`);
    if (!this.changes.some((c) => c.kind === 'rekeyed')) {
      this.changes.push({ kind: 'rekeyed', transformKeyId });
    }
  }
  async insertAuthorization(a: PaymentAuthorizationRecord): Promise<void> {
    const params = authorizationToParams(a);
    await changes(
      this.db,
      'insertAuthorization',
      insertStatement(
        'payment_authorizations',
        authorizationColumns.map(([column]) => column),
      ),
      valuesOf(
        params,
        authorizationColumns.map(([, param]) => param),
      ),
    );
  }
  async getAuthorization(tokenHash: Uint8Array): Promise<PaymentAuthorizationRecord | undefined> {
    const row = await one<AuthorizationRow>(
      this.db,
      'getAuthorization',
      'SELECT * FROM payment_authorizations WHERE token_hash = $1',
      [Buffer.from(tokenHash)],
    );
    return row === undefined ? undefined : authorizationFromRow(row);
  }
  async markAuthorizationUsed(tokenHash: Uint8Array, at: number): Promise<void> {
    const changed = await changes(
      this.db,
      'markAuthorizationUsed',
      'UPDATE payment_authorizations SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL',
      [at, Buffer.from(tokenHash)],
    );
    assert(changed === 1, 'an authorization is used once');
  }
  async admitNonce(nonce: ReplayNonceRecord): Promise<'admitted' | 'replayed'> {
    assert(nonce.expiresAt > nonce.seenAt, 'a nonce is kept for a positive window');
    await changes(this.db, 'pruneNonces', 'DELETE FROM replay_nonces WHERE expires_at <= $1', [
      nonce.seenAt,
    ]);
    if (!(await this.insertNonce(nonce))) return 'replayed';
    this.admittedNonces.push(nonce);
    return 'admitted';
  }
  private async insertNonce(n: ReplayNonceRecord): Promise<boolean> {
    const inserted = await changes(
      this.db,
      'insertNonce',
      `INSERT INTO replay_nonces (purpose, nonce, seen_at, expires_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (purpose, nonce) DO NOTHING`,
      [n.purpose, Buffer.from(n.nonce), n.seenAt, n.expiresAt],
    );
    return inserted === 1;
  }
  async insertKiosk(kiosk: KioskRecord): Promise<void> {
    await changes(
      this.db,
      'insertKiosk',
      insertStatement('kiosks', kioskColumns),
      valuesOf(kioskToParams(kiosk), kioskColumns),
    );
  }
  async revokeKiosk(id: string, at: number, by: string): Promise<void> {
    const changed = await changes(
      this.db,
      'revokeKiosk',
      'UPDATE kiosks SET revoked_at = $1, revoked_by = $2 WHERE id = $3 AND revoked_at IS NULL',
      [at, by, id],
    );
    assert(changed === 1, `kiosk ${id} exists and is active`);
  }
  async revokeClient(id: string, at: number, by: string): Promise<void> {
    const changed = await changes(
      this.db,
      'revokeClient',
      'UPDATE clients SET revoked_at = $1, revoked_by = $2 WHERE id = $3 AND revoked_at IS NULL',
      [at, by, id],
    );
    assert(changed === 1, `client ${id} exists and is active`);
  }
  async replaceClientToken(id: string, tokenHash: Uint8Array): Promise<void> {
    const changed = await changes(
      this.db,
      'replaceClientToken',
      'UPDATE clients SET token_hash = $1 WHERE id = $2 AND revoked_at IS NULL',
      [Buffer.from(tokenHash), id],
    );
    assert(changed === 1, `client ${id} exists and is active`);
  }
  async setAccountEnrollmentClient(accountId: string, clientId: string): Promise<void> {
    const changed = await changes(
      this.db,
      'setAccountEnrollmentClient',
      "UPDATE accounts SET enrollment_client_id = $1 WHERE id = $2 AND kind = 'person'",
      [clientId, accountId],
    );
    assert(changed === 1, `person account ${accountId} exists`);
  }
  async insertClient(client: ClientRecord): Promise<void> {
    await changes(
      this.db,
      'insertClient',
      `INSERT INTO clients (id, name, role, merchant_id, event_types, token_hash, created_at, revoked_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [
        client.id,
        client.name,
        client.role,
        client.merchantId,
        JSON.stringify(client.eventTypes),
        Buffer.from(client.tokenHash),
        client.createdAt,
        client.revokedAt,
      ],
    );
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
  async insertHold(hold: HoldRecord): Promise<void> {
    assert(hold.version === 1, 'a new hold starts at version 1');
    await changes(
      this.db,
      'insertHold',
      insertStatement('holds', holdColumns),
      valuesOf(holdToParams(hold), holdColumns),
    );
  }
  async updateHold(hold: HoldRecord): Promise<void> {
    const p = holdToParams(hold);
    const changed = await changes(
      this.db,
      'updateHold',
      `UPDATE holds SET status = $2, amount = $3, settled = $4, refunded = $5, expires_at = $6,
         scheduled = $7, due_at = $8, authorized_max = $9, settlements = $10, refunds = $11,
         events = $12, updated_at = $13, version = $14, closed_by = $15
       WHERE id = $1 AND version = $14 - 1`,
      valuesOf(p, [
        'id',
        'status',
        'amount',
        'settled',
        'refunded',
        'expires_at',
        'scheduled',
        'due_at',
        'authorized_max',
        'settlements',
        'refunds',
        'events',
        'updated_at',
        'version',
        'closed_by',
      ]),
    );
    assert(changed === 1, `hold ${hold.id}: stale version ${hold.version - 1}`);
  }
  async addHeld(accountId: string, delta: Yen): Promise<void> {
    const changed = await changes(
      this.db,
      'addHeld',
      'UPDATE accounts SET held = held + $1 WHERE id = $2',
      [delta, accountId],
    );
    assert(changed === 1, `account ${accountId} missing`);
  }
  private async addBalance(accountId: string, delta: number): Promise<number | undefined> {
    const row = await one<{ balance: number }>(
      this.db,
      'addBalance',
      'UPDATE accounts SET balance = balance + $1 WHERE id = $2 RETURNING balance',
      [delta, accountId],
    );
    return row?.balance;
  }
  async transfer(t: TransferRecord): Promise<void> {
    assert(t.amount > 0, 'a transfer moves a positive amount');
    assert(t.from !== t.to, 'a transfer needs two accounts');
    const fromBalance = await this.addBalance(t.from, -t.amount);
    const toBalance = await this.addBalance(t.to, t.amount);
    assert(
      fromBalance !== undefined && toBalance !== undefined,
      'transfer between unknown accounts',
    );
    const insert = (
      id: string,
      account: string,
      counterparty: string,
      amount: number,
      after: number,
    ) =>
      changes(
        this.db,
        'insertEntry',
        `INSERT INTO entries (id, transfer_id, account_id, counterparty_id, kind, amount, balance_after,
           hold_id, at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
        [id, t.id, account, counterparty, t.kind, amount, after, t.holdId, t.at],
      );
    await insert(`${t.id}.d`, t.from, t.to, -t.amount, fromBalance);
    await insert(`${t.id}.c`, t.to, t.from, t.amount, toBalance);
  }
  async payerCommittedSince(payer: string, since: number, payee?: string): Promise<Yen> {
    const committed = "SUM(CASE WHEN status = 'active' THEN amount ELSE settled END)::bigint";
    const row =
      payee === undefined
        ? await one<{ total: number | null }>(
            this.db,
            'committedSince',
            `SELECT ${committed} AS total FROM holds WHERE payer = $1 AND created_at > $2`,
            [payer, since],
          )
        : await one<{ total: number | null }>(
            this.db,
            'committedSinceToPayee',
            `SELECT ${committed} AS total FROM holds WHERE payer = $1 AND payee = $2 AND created_at > $3`,
            [payer, payee, since],
          );
    return yen(row?.total ?? 0);
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
  async getStoredResponse(clientId: string, key: string): Promise<StoredResponse | undefined> {
    const row = await one<{
      request_hash: Buffer;
      status: number;
      body: string;
      created_at: number;
    }>(
      this.db,
      'getResponse',
      'SELECT request_hash, status, body, created_at FROM idempotency WHERE client_id = $1 AND key = $2',
      [clientId, key],
    );
    if (row === undefined) return undefined;
    return {
      requestHash: new Uint8Array(row.request_hash),
      status: row.status,
      body: row.body,
      createdAt: row.created_at,
    };
  }
  async putStoredResponse(clientId: string, key: string, r: StoredResponse): Promise<void> {
    await changes(
      this.db,
      'putResponse',
      `INSERT INTO idempotency (client_id, key, request_hash, status, body, created_at)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [clientId, key, Buffer.from(r.requestHash), r.status, r.body, r.createdAt],
    );
  }
  async appendAudit(entry: AuditAppend): Promise<void> {
    const row = {
      seq: this.auditTail.seq + 1,
      at: entry.at,
      kind: entry.kind,
      subject: entry.subject,
      actor: entry.actor,
      data: JSON.stringify(entry.data),
    };
    const hash = linkAuditRow(this.auditKey, this.auditTail.hash, row);
    await changes(
      this.db,
      'insertAudit',
      'INSERT INTO audit_log (seq, at, kind, subject, actor, data, hash) VALUES ($1, $2, $3, $4, $5, $6, $7)',
      [row.seq, row.at, row.kind, row.subject, row.actor, row.data, Buffer.from(hash)],
    );
    this.auditTail = { seq: row.seq, hash };
  }
  async nested<T>(fn: () => Promise<T>): Promise<T> {
    const name = `n${this.savepointDepth++}`;
    const tailBefore = this.auditTail;
    const noncesBefore = this.admittedNonces.length;
    const changesBefore = this.changes.length;
    await this.db.query(`SAVEPOINT ${name}`);
    try {
      const value = await fn();
      await this.db.query(`RELEASE SAVEPOINT ${name}`);
      return value;
    } catch (error) {
      await this.db.query(`ROLLBACK TO SAVEPOINT ${name}`);
      await this.db.query(`RELEASE SAVEPOINT ${name}`);
      this.auditTail = tailBefore;
      this.changes.length = changesBefore;
      // A refused request has still spent its nonce: nothing else of it stays.
      const admitted = this.admittedNonces.slice(noncesBefore);
      this.admittedNonces.length = noncesBefore;
      for (const nonce of admitted) {
        assert(await this.insertNonce(nonce), 'a nonce this transaction admitted is free again');
        this.admittedNonces.push(nonce);
      }
      throw error;
    } finally {
      this.savepointDepth--;
    }
  }
}

interface QueuedJob {
  job: (tx: StoreTx) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

export interface PgStoreOptions {
  databaseUrl: string;
  auditKey: Uint8Array;
  /** Group concurrent write jobs of this instance into one transaction and one commit. */
  groupCommit?: boolean;
}

/** Session advisory lock keys (one namespace per purpose). */
const exclusiveLockKeys: Record<string, number> = { sweeper: 0x46_50_53_57 }; // 'FPSW'

export class PgHubStore implements HubStore {
  readonly reader: StoreReader & IdentityReader & KioskReader;
  private readonly queue: QueuedJob[] = [];
  private draining = false;
  private closed = false;

  /** The writer's connection and its transaction; dropped when a batch fails on them, taken anew after. */
  private writer: { client: pg.PoolClient; tx: PgTx } | undefined;

  private constructor(
    private readonly pool: pg.Pool,
    private readonly auditKey: Uint8Array,
    private readonly feed: TemplateFeed,
    private readonly groupCommit: boolean,
  ) {
    this.reader = new PgReads(pool);
  }

  /** Connects, migrates (or refuses a newer schema) and starts listening for template changes. */
  static async open(options: PgStoreOptions): Promise<PgHubStore> {
    const pool = openPool(options.databaseUrl);
    try {
      const client = await pool.connect();
      try {
        await migratePg(client);
      } finally {
        client.release();
      }
      const feed = await TemplateFeed.start(options.databaseUrl);
      return new PgHubStore(pool, options.auditKey, feed, options.groupCommit ?? true);
    } catch (error) {
      await pool.end();
      throw error;
    }
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
    let writer = this.writer;
    try {
      if (writer === undefined) {
        const client = await this.pool.connect();
        writer = { client, tx: new PgTx(client, this.auditKey) };
        this.writer = writer;
      }
      const tx = writer.tx;
      await tx.begin();
      for (const item of batch) {
        try {
          outcomes.push({ ok: true, value: await tx.nested(() => item.job(tx)) });
        } catch (error) {
          outcomes.push({ ok: false, error });
        }
      }
      await tx.commit();
      return outcomes;
    } catch (error) {
      // The connection failed or COMMIT was refused: nothing of the batch is known to be stored. The
      // connection is dropped (it may be broken mid-transaction) and the next batch takes a new one.
      writer?.client.release(error instanceof Error ? error : new Error(String(error)));
      this.writer = undefined;
      return batch.map(() => ({ ok: false, error }));
    }
  }

  /** Runs `fn` only if no other instance is running the job of that name; answers undefined if one is. */
  async runExclusive<T>(name: 'sweeper', fn: () => Promise<T>): Promise<T | undefined> {
    const key = exclusiveLockKeys[name];
    assert(key !== undefined, `exclusive job ${name} has a lock key`);
    const client = await this.pool.connect();
    try {
      const got = await one<{ locked: boolean }>(
        client,
        'tryLock',
        'SELECT pg_try_advisory_lock($1) AS locked',
        [key],
      );
      if (got?.locked !== true) return undefined;
      try {
        return await fn();
      } finally {
        await client.query('SELECT pg_advisory_unlock($1)', [key]);
      }
    } finally {
      client.release();
    }
  }

  async checkConsistency(): Promise<ConsistencyReport> {
    return checkLedgerConsistency(pgReadQuery(this.pool));
  }

  onTemplateChange(listener: (change: TemplateChange) => void): () => void {
    return this.feed.subscribe(listener);
  }

  async deleteStoredResponsesBefore(at: number): Promise<number> {
    return changes(this.pool, 'deleteResponses', 'DELETE FROM idempotency WHERE created_at < $1', [
      at,
    ]);
  }

  async auditRows(afterSeq: number, limit: number): Promise<AuditRecord[]> {
    return readPgAuditRows(this.pool, afterSeq, limit);
  }

  async close(): Promise<void> {
    this.closed = true;
    while (this.draining) await new Promise((resolve) => setTimeout(resolve, 5));
    await this.feed.stop();
    this.writer?.client.release();
    this.writer = undefined;
    await this.pool.end();
  }
}

/** Audit rows after `afterSeq`, in order; shared by the store and the offline verifier. */
export async function readPgAuditRows(
  db: Queryable,
  afterSeq: number,
  limit: number,
): Promise<AuditRecord[]> {
  const found = await rows<Omit<AuditRecord, 'hash'> & { hash: Buffer }>(
    db,
    'auditRows',
    'SELECT * FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2',
    [afterSeq, limit],
  );
  return found.map((row) => ({ ...row, hash: new Uint8Array(row.hash) }));
}

/** Read-only statements on a PostgreSQL pool, for the consistency check. */
export function pgReadQuery(db: Queryable): ReadQuery {
  return async <R>(sql: string) => (await db.query(sql)).rows as R[];
}
