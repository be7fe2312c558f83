// Identity in SQLite: persons, sealed templates, member numbers, authorizations, replay nonces. Erasure
// zeroes the freed pages (secure_delete ON) and cuts the enrolment's stored answer down to the id.
import type Database from 'better-sqlite3';
import { assert } from '../../../shared/assert.ts';
import {
  pinFailureKindsSql,
  personErasedKindSql,
  rekeyedKindSql,
  type IdentityReader,
  type IdentityWriter,
  type MovedEnrollments,
} from '../port.ts';
import { erasedPersonAnswer } from '../records.ts';
import type {
  GuardianConsentRecord,
  IdentificationRecord,
  PaymentAuthorizationRecord,
  PersonRecord,
  ReplayNonceRecord,
  TemplateRecord,
} from '../identity-records.ts';
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
} from './identity-rows.ts';
import type { SavepointHooks } from './savepoints.ts';

export class SqliteIdentityReads implements IdentityReader {
  private readonly identityQ;
  constructor(protected readonly db: Database.Database) {
    this.identityQ = {
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
      accountEnrollmentClient: db.prepare<[string], { enrollment_client_id: string | null }>(
        'SELECT enrollment_client_id FROM accounts WHERE id = ?',
      ),
      templates: db.prepare<[string, number], TemplateRow>(
        'SELECT * FROM templates WHERE id > ? ORDER BY id LIMIT ?',
      ),
      template: db.prepare<[string], TemplateRow>('SELECT * FROM templates WHERE id = ?'),
      countTemplates: db.prepare<[string], { n: number }>(
        'SELECT COUNT(*) AS n FROM templates WHERE person_id = ?',
      ),
      wardIds: db.prepare<[string], { id: string }>(
        'SELECT id FROM persons WHERE guardian_person_id = ? ORDER BY id',
      ),
      unspentGuardianConsents: db.prepare<[string], GuardianConsentRow>(
        `SELECT * FROM guardian_consents WHERE guardian_person_id = ? AND used_at IS NULL
         ORDER BY created_at, token_hash`,
      ),
      // The kind as a literal, exactly as the partial index audit_log_person_erasures names it.
      erasedBy: db.prepare<[string], { actor: string; seq: number }>(
        `SELECT actor, seq FROM audit_log WHERE subject = ? AND kind = ${personErasedKindSql} ORDER BY seq DESC LIMIT 1`,
      ),
      // The kinds as literals, exactly as the partial index audit_log_pin_failures names them.
      pinFailuresByClient: db.prepare<[string, number], { n: number }>(
        `SELECT COUNT(*) AS n FROM audit_log WHERE kind IN (${pinFailureKindsSql}) AND actor = ? AND at > ?`,
      ),
      // The kind as a literal, exactly as the partial index audit_log_rekeys names it.
      latestRekey: db.prepare<[], { subject: string }>(
        `SELECT subject FROM audit_log WHERE kind = ${rekeyedKindSql} ORDER BY seq DESC LIMIT 1`,
      ),
      identification: db.prepare<[string], IdentificationRow>(
        'SELECT * FROM identifications WHERE client_id = ?',
      ),
      getGuardianConsent: db.prepare<[Buffer], GuardianConsentRow>(
        'SELECT * FROM guardian_consents WHERE token_hash = ?',
      ),
      unknownFailures: db.prepare<[string], { failures: number }>(
        'SELECT failures FROM unknown_member_failures WHERE member_number = ?',
      ),
    };
  }

  async getPerson(id: string): Promise<PersonRecord | undefined> {
    const row = this.identityQ.person.get(id);
    return row === undefined ? undefined : personFromRow(row);
  }
  async findPersonByAccount(accountId: string): Promise<PersonRecord | undefined> {
    const row = this.identityQ.personByAccount.get(accountId);
    return row === undefined ? undefined : personFromRow(row);
  }
  async findPersonByDocument(numberHash: string): Promise<PersonRecord | undefined> {
    const row = this.identityQ.personByDocument.get(numberHash);
    return row === undefined ? undefined : personFromRow(row);
  }
  async findPersonByMemberNumber(memberNumber: string): Promise<PersonRecord | undefined> {
    const row = this.identityQ.personByMemberNumber.get(memberNumber);
    return row === undefined ? undefined : personFromRow(row);
  }
  async getAccountEnrollmentClient(accountId: string): Promise<string | null> {
    return this.identityQ.accountEnrollmentClient.get(accountId)?.enrollment_client_id ?? null;
  }
  async listTemplates(afterId: string, limit: number): Promise<TemplateRecord[]> {
    return this.identityQ.templates.all(afterId, limit).map(templateFromRow);
  }
  async getTemplate(id: string): Promise<TemplateRecord | undefined> {
    const row = this.identityQ.template.get(id);
    return row === undefined ? undefined : templateFromRow(row);
  }
  async countTemplates(personId: string): Promise<number> {
    return this.identityQ.countTemplates.get(personId)?.n ?? 0;
  }
  async listWardIds(guardianPersonId: string): Promise<string[]> {
    return this.identityQ.wardIds.all(guardianPersonId).map((row) => row.id);
  }
  async listUnspentGuardianConsents(guardianPersonId: string): Promise<GuardianConsentRecord[]> {
    return this.identityQ.unspentGuardianConsents.all(guardianPersonId).map(guardianConsentFromRow);
  }
  async personErasedBy(personId: string): Promise<{ actor: string; seq: number } | undefined> {
    const row = this.identityQ.erasedBy.get(personId);
    return row === undefined ? undefined : { actor: row.actor, seq: row.seq };
  }
  async getIdentification(clientId: string): Promise<IdentificationRecord | undefined> {
    const row = this.identityQ.identification.get(clientId);
    return row === undefined ? undefined : identificationFromRow(row);
  }
  async getGuardianConsent(tokenHash: Uint8Array): Promise<GuardianConsentRecord | undefined> {
    const row = this.identityQ.getGuardianConsent.get(Buffer.from(tokenHash));
    return row === undefined ? undefined : guardianConsentFromRow(row);
  }
  async getUnknownMemberFailures(memberNumber: string): Promise<number> {
    return this.identityQ.unknownFailures.get(memberNumber)?.failures ?? 0;
  }
  async pinFailuresByClientSince(clientId: string, sinceMs: number): Promise<number> {
    return this.identityQ.pinFailuresByClient.get(clientId, sinceMs)?.n ?? 0;
  }
  async latestRekeyedKeyId(): Promise<string | undefined> {
    return this.identityQ.latestRekey.get()?.subject;
  }
}

export class SqliteIdentityWrites extends SqliteIdentityReads implements IdentityWriter {
  private readonly identityW;
  /** Nonces admitted in this transaction: recorded again when a savepoint rolls their rows back. */
  private admittedNonces: ReplayNonceRecord[] = [];
  /** Whether this transaction erased a person (the store then checkpoints the WAL after commit). */
  private erased = false;
  readonly erasedAPerson = (): boolean => this.erased;
  readonly savepointHooks: SavepointHooks = {
    reset: () => {
      this.admittedNonces = [];
      this.erased = false;
    },
    checkpoint: () => {
      const before = this.admittedNonces.length;
      return () => {
        // A refused request has still spent its nonce: nothing else of it stays.
        for (const nonce of this.admittedNonces.slice(before)) {
          assert(this.insertNonce(nonce), 'a nonce this transaction admitted is free again');
        }
      };
    },
  };

  constructor(db: Database.Database) {
    super(db);
    this.identityW = {
      memberNumberIssued: db.prepare<[string], { n: number }>(
        'SELECT 1 AS n FROM member_numbers WHERE member_number = ?',
      ),
      issueMemberNumber: db.prepare<[string, number]>(
        'INSERT INTO member_numbers (member_number, issued_at) VALUES (?, ?)',
      ),
      insertPerson: db.prepare(
        `INSERT INTO persons (id, display_name, date_of_birth, account_id, id_document_type,
           id_document_number_hash, id_document_verified_by, guardian_person_id, require_pin, pin_verifier,
           pin_failures, member_number, consent_version, consent_language, consent_at, created_by, created_at)
         VALUES (@id, @display_name, @date_of_birth, @account_id, @id_document_type, @id_document_number_hash,
           @id_document_verified_by, @guardian_person_id, @require_pin, @pin_verifier, @pin_failures,
           @member_number, @consent_version, @consent_language, @consent_at, @created_by, @created_at)`,
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
      eraseStoredAnswersOf: db.prepare<[string, string]>(
        'UPDATE idempotency SET body = ? WHERE person_id = ?',
      ),
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
      insertGuardianConsent: db.prepare(
        `INSERT INTO guardian_consents (${guardianConsentColumns.join(', ')})
         VALUES (${guardianConsentColumns.map((column) => `@${column}`).join(', ')})`,
      ),
      markGuardianConsentUsed: db.prepare<[number, Buffer]>(
        'UPDATE guardian_consents SET used_at = ? WHERE token_hash = ? AND used_at IS NULL',
      ),
      deleteGuardianConsentsOf: db.prepare<[string]>(
        'DELETE FROM guardian_consents WHERE guardian_person_id = ?',
      ),
      pruneNonces: db.prepare<[number]>('DELETE FROM replay_nonces WHERE expires_at <= ?'),
      insertNonce: db.prepare<[string, Buffer, number, number]>(
        `INSERT INTO replay_nonces (purpose, nonce, seen_at, expires_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (purpose, nonce) DO NOTHING`,
      ),
      setAccountEnrollmentClient: db.prepare<[string, string]>(
        "UPDATE accounts SET enrollment_client_id = ? WHERE id = ? AND kind = 'person'",
      ),
      movePersons: db.prepare<[string, string], { id: string }>(
        'UPDATE persons SET created_by = ? WHERE created_by = ? RETURNING id',
      ),
      moveAccounts: db.prepare<[string, string], { id: string }>(
        "UPDATE accounts SET enrollment_client_id = ? WHERE enrollment_client_id = ? AND kind = 'person' RETURNING id",
      ),
      putIdentification: db.prepare(
        `INSERT INTO identifications (client_id, payee, amount, person_ids, at, purpose)
         VALUES (@client_id, @payee, @amount, @person_ids, @at, @purpose)
         ON CONFLICT (client_id) DO UPDATE SET payee = excluded.payee, amount = excluded.amount,
           person_ids = excluded.person_ids, at = excluded.at, purpose = excluded.purpose`,
      ),
      deleteIdentification: db.prepare<[string]>('DELETE FROM identifications WHERE client_id = ?'),
      setUnknownFailures: db.prepare<[string, number, number]>(
        `INSERT INTO unknown_member_failures (member_number, failures, updated_at) VALUES (?, ?, ?)
         ON CONFLICT (member_number) DO UPDATE SET failures = excluded.failures,
           updated_at = excluded.updated_at`,
      ),
      countUnknownFailures: db.prepare<[], { n: number }>(
        'SELECT COUNT(*) AS n FROM unknown_member_failures',
      ),
      forgetOldestUnknownFailures: db.prepare<[number]>(
        `DELETE FROM unknown_member_failures WHERE member_number IN (
           SELECT member_number FROM unknown_member_failures ORDER BY updated_at LIMIT ?)`,
      ),
      clearUnknownFailures: db.prepare<[string]>(
        'DELETE FROM unknown_member_failures WHERE member_number = ?',
      ),
    };
  }

  /** One process owns a SQLite database (one-hub-lock.ts): no start can run beside a re-key. */
  async holdRekeyLock(): Promise<void> {}

  async isMemberNumberIssued(memberNumber: string): Promise<boolean> {
    return this.identityW.memberNumberIssued.get(memberNumber) !== undefined;
  }
  async insertPerson(person: PersonRecord): Promise<void> {
    this.identityW.issueMemberNumber.run(person.memberNumber, person.createdAt);
    this.identityW.clearUnknownFailures.run(person.memberNumber);
    this.identityW.insertPerson.run(personToParams(person));
  }
  async setPinFailures(personId: string, failures: number): Promise<void> {
    assert(this.identityW.setPinFailures.run(failures, personId).changes === 1, 'person exists');
  }
  async deletePerson(personId: string): Promise<string[]> {
    this.erased = true;
    this.db.pragma('secure_delete = ON');
    try {
      return this.deletePersonRows(personId);
    } finally {
      this.db.pragma('secure_delete = FAST');
    }
  }
  private deletePersonRows(personId: string): string[] {
    const ids = this.identityW.templateIdsOf.all(personId).map((row) => row.id);
    this.identityW.deleteTemplatesOf.run(personId);
    this.identityW.deleteAuthorizationsOf.run(personId);
    this.identityW.deleteGuardianConsentsOf.run(personId);
    this.identityW.clearGuardian.run(personId);
    this.identityW.eraseStoredAnswersOf.run(erasedPersonAnswer(personId), personId);
    assert(this.identityW.deletePerson.run(personId).changes === 1, 'person exists');
    return ids;
  }
  async insertTemplate(template: TemplateRecord): Promise<void> {
    this.identityW.insertTemplate.run({ ...template, sealed: Buffer.from(template.sealed) });
  }
  async replaceTemplateSeal(id: string, sealed: Uint8Array, transformKeyId: string): Promise<void> {
    const result = this.identityW.replaceTemplateSeal.run(Buffer.from(sealed), transformKeyId, id);
    assert(result.changes === 1, `template ${id} exists`);
  }
  async insertAuthorization(a: PaymentAuthorizationRecord): Promise<void> {
    this.identityW.insertAuthorization.run(authorizationToParams(a));
  }
  async getAuthorization(tokenHash: Uint8Array): Promise<PaymentAuthorizationRecord | undefined> {
    const row = this.identityW.getAuthorization.get(Buffer.from(tokenHash));
    return row === undefined ? undefined : authorizationFromRow(row);
  }
  async markAuthorizationUsed(tokenHash: Uint8Array, at: number): Promise<void> {
    const result = this.identityW.markAuthorizationUsed.run(at, Buffer.from(tokenHash));
    assert(result.changes === 1, 'an authorization is used once');
  }
  async insertGuardianConsent(consent: GuardianConsentRecord): Promise<void> {
    this.identityW.insertGuardianConsent.run(guardianConsentToParams(consent));
  }
  async markGuardianConsentUsed(tokenHash: Uint8Array, at: number): Promise<void> {
    const result = this.identityW.markGuardianConsentUsed.run(at, Buffer.from(tokenHash));
    assert(result.changes === 1, 'a guardian consent is used once');
  }
  async admitNonce(nonce: ReplayNonceRecord): Promise<'admitted' | 'replayed'> {
    assert(nonce.expiresAt > nonce.seenAt, 'a nonce is kept for a positive window');
    this.identityW.pruneNonces.run(nonce.seenAt);
    if (!this.insertNonce(nonce)) return 'replayed';
    this.admittedNonces.push(nonce);
    return 'admitted';
  }
  private insertNonce(n: ReplayNonceRecord): boolean {
    const inserted = this.identityW.insertNonce.run(
      n.purpose,
      Buffer.from(n.nonce),
      n.seenAt,
      n.expiresAt,
    );
    return inserted.changes === 1;
  }
  async setAccountEnrollmentClient(accountId: string, clientId: string): Promise<void> {
    const changed = this.identityW.setAccountEnrollmentClient.run(clientId, accountId).changes;
    assert(changed === 1, `person account ${accountId} exists`);
  }
  async moveEnrollments(from: string, to: string): Promise<MovedEnrollments> {
    const ids = (moved: Array<{ id: string }>) => moved.map((row) => row.id).sort();
    return {
      personIds: ids(this.identityW.movePersons.all(to, from)),
      accountIds: ids(this.identityW.moveAccounts.all(to, from)),
    };
  }
  async putIdentification(identification: IdentificationRecord): Promise<void> {
    this.identityW.putIdentification.run(identificationToParams(identification));
  }
  async deleteIdentification(clientId: string): Promise<void> {
    this.identityW.deleteIdentification.run(clientId);
  }
  async setUnknownMemberFailures(
    memberNumber: string,
    failures: number,
    at: number,
    keptMax: number,
  ): Promise<void> {
    this.identityW.setUnknownFailures.run(memberNumber, failures, at);
    const kept = this.identityW.countUnknownFailures.get()?.n ?? 0;
    if (kept > keptMax) this.identityW.forgetOldestUnknownFailures.run(kept - keptMax);
  }
}
