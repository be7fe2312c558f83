// Identity in PostgreSQL: persons, sealed templates, member numbers, single-use payment authorizations
// and replay nonces; template changes are announced to every instance (NOTIFY) when the transaction commits.
import { assert } from '../../../shared/assert.ts';
import {
  personErasedAuditKind,
  pinFailureKindsSql,
  personErasedKindSql,
  rekeyedKindSql,
  templateChangeKindsSql,
  templatesAddedAuditKind,
  type TemplateChangesSince,
  type IdentityReader,
  type IdentityWriter,
  type MovedEnrollments,
  type TemplateChange,
} from '../port.ts';
import type {
  GuardianConsentRecord,
  IdentificationRecord,
  PaymentAuthorizationRecord,
  PersonRecord,
  ReplayNonceRecord,
  TemplateRecord,
} from '../identity-records.ts';
import { erasedPersonAnswer } from '../records.ts';
import {
  guardianConsentColumns,
  guardianConsentFromRow,
  guardianConsentToParams,
  type GuardianConsentRow,
  identificationFromRow,
  identificationToParams,
  type IdentificationRow,
  authorizationFromRow,
  authorizationToParams,
  personFromRow,
  personToParams,
  templateFromRow,
  type AuthorizationRow,
  type PersonRow,
  type TemplateRow,
} from '../sqlite/identity-rows.ts';
import { changes, insertStatement, one, rows, valuesOf, type Queryable } from './queries.ts';
import type { PgSavepointHooks } from './savepoints.ts';

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
  'consent_version',
  'consent_language',
  'consent_at',
  'created_by',
  'created_at',
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

export class PgIdentityReads implements IdentityReader {
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
  async listWardIds(guardianPersonId: string): Promise<string[]> {
    const found = await rows<{ id: string }>(
      this.db,
      'wardIds',
      'SELECT id FROM persons WHERE guardian_person_id = $1 ORDER BY id',
      [guardianPersonId],
    );
    return found.map((row) => row.id);
  }
  async listUnspentGuardianConsents(guardianPersonId: string): Promise<GuardianConsentRecord[]> {
    const found = await rows<GuardianConsentRow>(
      this.db,
      'unspentGuardianConsents',
      `SELECT * FROM guardian_consents WHERE guardian_person_id = $1 AND used_at IS NULL
       ORDER BY created_at, token_hash`,
      [guardianPersonId],
    );
    return found.map(guardianConsentFromRow);
  }
  async personErasedBy(personId: string): Promise<{ actor: string; seq: number } | undefined> {
    const row = await one<{ actor: string; seq: string }>(
      this.db,
      'erasedBy',
      // The kind as a literal, exactly as the partial index audit_log_person_erasures names it.
      `SELECT actor, seq FROM audit_log WHERE subject = $1 AND kind = ${personErasedKindSql} ORDER BY seq DESC LIMIT 1`,
      [personId],
    );
    return row === undefined ? undefined : { actor: row.actor, seq: Number(row.seq) };
  }
  async getIdentification(clientId: string): Promise<IdentificationRecord | undefined> {
    const row = await one<IdentificationRow>(
      this.db,
      'identification',
      'SELECT * FROM identifications WHERE client_id = $1',
      [clientId],
    );
    return row === undefined ? undefined : identificationFromRow(row);
  }
  async getGuardianConsent(tokenHash: Uint8Array): Promise<GuardianConsentRecord | undefined> {
    const row = await one<GuardianConsentRow>(
      this.db,
      'getGuardianConsent',
      'SELECT * FROM guardian_consents WHERE token_hash = $1',
      [Buffer.from(tokenHash)],
    );
    return row === undefined ? undefined : guardianConsentFromRow(row);
  }
  async getUnknownMemberFailures(memberNumber: string): Promise<number> {
    const row = await one<{ failures: number }>(
      this.db,
      'unknownFailures',
      'SELECT failures FROM unknown_member_failures WHERE member_number = $1',
      [memberNumber],
    );
    return row?.failures ?? 0;
  }
  async pinFailuresByClientSince(clientId: string, sinceMs: number): Promise<number> {
    const row = await one<{ n: string }>(
      this.db,
      'pinFailuresByClient',
      `SELECT COUNT(*) AS n FROM audit_log WHERE kind IN (${pinFailureKindsSql}) AND actor = $1 AND at > $2`,
      [clientId, sinceMs],
    );
    return Number(row?.n ?? 0);
  }
  async latestRekeyedKeyId(): Promise<string | undefined> {
    const row = await one<{ subject: string }>(
      this.db,
      'latestRekey',
      // The kind as a literal, exactly as the partial index audit_log_rekeys names it.
      `SELECT subject FROM audit_log WHERE kind = ${rekeyedKindSql} ORDER BY seq DESC LIMIT 1`,
      [],
    );
    return row?.subject;
  }
  async templateChangesSince(afterSeq: number): Promise<TemplateChangesSince> {
    // The head row's seq is the committed chain's end (a transaction writes it only with its COMMIT):
    // rows up to it are committed, never a rolled-back transaction's seq that another commit reuses.
    const found = await rows<{ head: string; kind: string | null; subject: string | null }>(
      this.db,
      'templateChangesSince',
      `SELECT h.seq AS head, l.kind, l.subject FROM audit_head h
       LEFT JOIN audit_log l ON l.seq > $1 AND l.seq <= h.seq AND l.kind IN (${templateChangeKindsSql})
       WHERE h.id = 1 ORDER BY l.seq`,
      [afterSeq],
    );
    const head = found[0];
    assert(head !== undefined, 'the audit head row exists (migration 1)');
    const changed: TemplateChangesSince = {
      throughSeq: Number(head.head),
      addedPersonIds: [],
      erasedPersonIds: [],
      rekeyedTo: undefined,
    };
    for (const row of found) {
      if (row.kind === null || row.subject === null) continue;
      if (row.kind === templatesAddedAuditKind) changed.addedPersonIds.push(row.subject);
      else if (row.kind === personErasedAuditKind) changed.erasedPersonIds.push(row.subject);
      else changed.rekeyedTo = row.subject;
    }
    return changed;
  }
  async listTemplatesOfPersons(personIds: readonly string[]): Promise<TemplateRecord[]> {
    if (personIds.length === 0) return [];
    const found = await rows<TemplateRow>(
      this.db,
      'templatesOfPersons',
      'SELECT * FROM templates WHERE person_id = ANY($1::text[]) ORDER BY id COLLATE "C"',
      [[...new Set(personIds)]],
    );
    return found.map(templateFromRow);
  }
}

/** The advisory lock of a re-key's transaction and of a start settling its next key file ('FPRK'). */
export const rekeyLockKey = 0x46_50_52_4b;

export class PgIdentityWrites extends PgIdentityReads implements IdentityWriter {
  /** Nonces admitted in this transaction: recorded again when a savepoint rolls their rows back. */
  private admittedNonces: ReplayNonceRecord[] = [];
  /** Template changes of this transaction, announced to every instance when it commits. */
  private changes: TemplateChange[] = [];
  readonly savepointHooks: PgSavepointHooks = {
    reset: () => {
      this.admittedNonces = [];
      this.changes = [];
    },
    checkpoint: () => {
      const noncesBefore = this.admittedNonces.length;
      const changesBefore = this.changes.length;
      return async () => {
        this.changes.length = changesBefore;
        // A refused request has still spent its nonce: nothing else of it stays.
        for (const nonce of this.admittedNonces.slice(noncesBefore)) {
          assert(await this.insertNonce(nonce), 'a nonce this transaction admitted is free again');
        }
      };
    },
  };

  /** The template changes this transaction made so far (announced at its commit). */
  readonly templateChanges = (): readonly TemplateChange[] => this.changes;

  async holdRekeyLock(): Promise<void> {
    await this.db.query('SELECT pg_advisory_xact_lock($1)', [rekeyLockKey]);
    // The key file moves once the re-key is answered: its commit must be on disk then, whatever the
    // server's synchronous_commit (off would answer before the WAL is flushed).
    await this.db.query('SET LOCAL synchronous_commit = on');
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
      'clearUnknownFailures',
      'DELETE FROM unknown_member_failures WHERE member_number = $1',
      [person.memberNumber],
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
      'deleteGuardianConsentsOf',
      'DELETE FROM guardian_consents WHERE guardian_person_id = $1',
      [personId],
    );
    await changes(
      this.db,
      'clearGuardian',
      'UPDATE persons SET guardian_person_id = NULL WHERE guardian_person_id = $1',
      [personId],
    );
    await changes(
      this.db,
      'eraseStoredAnswersOf',
      'UPDATE idempotency SET body = $1 WHERE person_id = $2',
      [erasedPersonAnswer(personId), personId],
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
  async insertGuardianConsent(consent: GuardianConsentRecord): Promise<void> {
    await changes(
      this.db,
      'insertGuardianConsent',
      insertStatement('guardian_consents', [...guardianConsentColumns]),
      valuesOf(guardianConsentToParams(consent), [...guardianConsentColumns]),
    );
  }
  async markGuardianConsentUsed(tokenHash: Uint8Array, at: number): Promise<void> {
    const changed = await changes(
      this.db,
      'markGuardianConsentUsed',
      'UPDATE guardian_consents SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL',
      [at, Buffer.from(tokenHash)],
    );
    assert(changed === 1, 'a guardian consent is used once');
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
  async setAccountEnrollmentClient(accountId: string, clientId: string): Promise<void> {
    const changed = await changes(
      this.db,
      'setAccountEnrollmentClient',
      "UPDATE accounts SET enrollment_client_id = $1 WHERE id = $2 AND kind = 'person'",
      [clientId, accountId],
    );
    assert(changed === 1, `person account ${accountId} exists`);
  }
  async moveEnrollments(from: string, to: string): Promise<MovedEnrollments> {
    const persons = await rows<{ id: string }>(
      this.db,
      'movePersons',
      'UPDATE persons SET created_by = $1 WHERE created_by = $2 RETURNING id',
      [to, from],
    );
    const accounts = await rows<{ id: string }>(
      this.db,
      'moveAccounts',
      "UPDATE accounts SET enrollment_client_id = $1 WHERE enrollment_client_id = $2 AND kind = 'person' RETURNING id",
      [to, from],
    );
    // Sorted here, not by ORDER BY (an UPDATE has none): the same order as SQLite's, byte order.
    const ids = (moved: Array<{ id: string }>) => moved.map((row) => row.id).sort();
    return { personIds: ids(persons), accountIds: ids(accounts) };
  }
  async putIdentification(identification: IdentificationRecord): Promise<void> {
    const p = identificationToParams(identification);
    await changes(
      this.db,
      'putIdentification',
      `INSERT INTO identifications (client_id, payee, amount, person_ids, at, purpose)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (client_id) DO UPDATE SET payee = excluded.payee, amount = excluded.amount,
         person_ids = excluded.person_ids, at = excluded.at, purpose = excluded.purpose`,
      valuesOf(p, ['client_id', 'payee', 'amount', 'person_ids', 'at', 'purpose']),
    );
  }
  async deleteIdentification(clientId: string): Promise<void> {
    await changes(
      this.db,
      'deleteIdentification',
      'DELETE FROM identifications WHERE client_id = $1',
      [clientId],
    );
  }
  async setUnknownMemberFailures(
    memberNumber: string,
    failures: number,
    at: number,
    keptMax: number,
  ): Promise<void> {
    await changes(
      this.db,
      'setUnknownFailures',
      `INSERT INTO unknown_member_failures (member_number, failures, updated_at) VALUES ($1, $2, $3)
       ON CONFLICT (member_number) DO UPDATE SET failures = excluded.failures,
         updated_at = excluded.updated_at`,
      [memberNumber, failures, at],
    );
    const kept = await one<{ n: number }>(
      this.db,
      'countUnknownFailures',
      'SELECT COUNT(*)::bigint AS n FROM unknown_member_failures',
      [],
    );
    const excess = (kept?.n ?? 0) - keptMax;
    if (excess > 0) {
      await changes(
        this.db,
        'forgetOldestUnknownFailures',
        `DELETE FROM unknown_member_failures WHERE member_number IN (
           SELECT member_number FROM unknown_member_failures ORDER BY updated_at LIMIT $1)`,
        [excess],
      );
    }
  }
}
