// The storage port: everything the ledger rules need from a database, and nothing about SQL.
// SQLite implements it for one machine; a PostgreSQL adapter implements the same interface for many.
import type { Yen } from '../../shared/money.ts';
import type { HoldStatus } from '../../shared/hub-api.ts';
import type {
  AccountRecord,
  AuditRecord,
  ClientRecord,
  EntryRecord,
  HoldRecord,
  StandingLimitRecord,
  StoredResponse,
  TransferRecord,
} from './records.ts';
import type {
  GuardianConsentRecord,
  IdentificationRecord,
  PaymentAuthorizationRecord,
  PersonRecord,
  ReplayNonceRecord,
  TemplateRecord,
} from './identity-records.ts';
import type { KioskRecord } from './kiosk-records.ts';
import type { ConsistencyReport } from './consistency.ts';
import type { WriteQueueStats } from './write-queue.ts';

export interface AuditAppend {
  at: number;
  kind: string;
  subject: string;
  actor: string;
  data: Record<string, unknown>;
}

/** What moveEnrollments changed: the persons and the person accounts now of the new client. */
export interface MovedEnrollments {
  personIds: string[];
  accountIds: string[];
}

export interface HoldListFilter {
  payer?: string;
  payee?: string;
  status?: HoldStatus;
  /** Only holds placed under this reference. */
  reference?: string;
  /** Only holds placed under this client-bound Idempotency-Key hash (ledger/placed-key.ts). */
  placedKeyHash?: Uint8Array;
  /** Only holds where payer or payee is this account (a non-admin client's scope). */
  party?: string;
  beforeSeq: number | undefined;
  limit: number;
}

// The port is split by domain (ledger, access, identity, audit, idempotency): each adapter implements
// every domain in a module of its own, and a transaction is those parts joined (see compose.ts).

/** Ledger reads of committed state (or of the transaction's own writes, inside one). */
export interface LedgerReader {
  getAccount(id: string): Promise<AccountRecord | undefined>;
  /** Several accounts in one read: each id's account, in the order asked (undefined where none). */
  getAccounts(ids: readonly string[]): Promise<Array<AccountRecord | undefined>>;
  getHold(id: string): Promise<HoldRecord | undefined>;
  listHolds(filter: HoldListFilter): Promise<{ holds: HoldRecord[]; seqs: number[] }>;
  /** Since when (ms, the database's clock at its migration 17) every placed hold keeps its key. */
  placedKeysSince(): Promise<number>;
  listEntries(
    accountId: string,
    beforeSeq: number | undefined,
    limit: number,
  ): Promise<EntryRecord[]>;
  getStandingLimit(id: string): Promise<StandingLimitRecord | undefined>;
  /** The payer's standing limits, revoked and expired ones included, newest first. */
  listStandingLimits(
    payer: string,
    beforeSeq: number | undefined,
    limit: number,
  ): Promise<{ limits: StandingLimitRecord[]; seqs: number[] }>;
  /** Ids of active holds whose next deadline (expiry or scheduled action) is at or before `at`. */
  dueHoldIds(
    at: number,
    scope: { holdId?: string; accountId?: string },
    limit: number,
  ): Promise<string[]>;
}

/** API clients (tokens, roles): who may call the hub. */
export interface ClientReader {
  findClientByTokenHash(tokenHash: Uint8Array): Promise<ClientRecord | undefined>;
  getClient(id: string): Promise<ClientRecord | undefined>;
}

/** Reads of committed state; safe to call at any time, never sees a write in progress. */
export type StoreReader = LedgerReader & ClientReader;

/** Identity reads (persons and templates); the plain templates never leave the identity module. */
export interface IdentityReader {
  getPerson(id: string): Promise<PersonRecord | undefined>;
  findPersonByAccount(accountId: string): Promise<PersonRecord | undefined>;
  findPersonByDocument(numberHash: string): Promise<PersonRecord | undefined>;
  findPersonByMemberNumber(memberNumber: string): Promise<PersonRecord | undefined>;
  /** The enrolment client the admin named for a person account (the only one that may enrol on it). */
  getAccountEnrollmentClient(accountId: string): Promise<string | null>;
  /** The client's latest identification (see IdentificationRecord), fresh or not. */
  getIdentification(clientId: string): Promise<IdentificationRecord | undefined>;
  getGuardianConsent(tokenHash: Uint8Array): Promise<GuardianConsentRecord | undefined>;
  /** Wrong PINs tried on a member number nobody holds (0 when none). */
  getUnknownMemberFailures(memberNumber: string): Promise<number>;
  /** Wrong PINs (pinFailureAuditKinds) the client sent after `sinceMs`, committed, from the audit log. */
  pinFailuresByClientSince(clientId: string, sinceMs: number): Promise<number>;
  listTemplates(afterId: string, limit: number): Promise<TemplateRecord[]>;
  getTemplate(id: string): Promise<TemplateRecord | undefined>;
  countTemplates(personId: string): Promise<number>;
  /** The persons whose guardian this person is (a child enrolled with their consent), by id. */
  listWardIds(guardianPersonId: string): Promise<string[]>;
  /** The guardian's consents not spent by an enrolment (in force or lapsed), oldest first. */
  listUnspentGuardianConsents(guardianPersonId: string): Promise<GuardianConsentRecord[]>;
  /**
   * The client that erased this person and the audit seq of the erasure (their `person.erased` row's
   * actor and seq); undefined if never erased.
   */
  personErasedBy(personId: string): Promise<{ actor: string; seq: number } | undefined>;
  /**
   * The transform key id of the newest re-key (rekeyedAuditKind), committed or of this transaction;
   * undefined when the hub was never re-keyed (every template is under the key it was created with).
   */
  latestRekeyedKeyId(): Promise<string | undefined>;
  /**
   * Where several hub instances share the database (PostgreSQL; absent where this process is the only
   * writer): the template changes committed after audit seq `afterSeq`, up to the newest committed
   * seq. Inside a write transaction (the chain head's lock held) nothing else commits meanwhile.
   */
  templateChangesSince?(afterSeq: number): Promise<TemplateChangesSince>;
  /** The stored templates of these persons, of every model (templateChangesSince's added persons). */
  listTemplatesOfPersons?(personIds: readonly string[]): Promise<TemplateRecord[]>;
}

/** The audit kinds that change the stored templates (subject: the person; a re-key's: its key id). */
export const templatesAddedAuditKind = 'person.templates_added';
export const personErasedAuditKind = 'person.erased';
/** A child's guardian link cleared because the guardian was erased (subject: the child). */
export const guardianClearedAuditKind = 'person.guardian_cleared';
/**
 * A guardian's unspent consent to a child's enrolment deleted with the guardian's erasure (subject: the
 * guardian, as `guardian.consented`'s; data: the child's account and the consent's time).
 */
export const guardianConsentRevokedAuditKind = 'guardian.consent_revoked';

/** What templateChangesSince found. */
export interface TemplateChangesSince {
  /** The newest committed audit seq: every template change up to it is below or in this answer. */
  throughSeq: number;
  /** Persons templates were added to (some may be erased since: listTemplatesOfPersons finds none). */
  addedPersonIds: string[];
  /** Persons erased (a person id is never enrolled again). */
  erasedPersonIds: string[];
  /** The transform key id of the newest re-key among the changes, if any. */
  rekeyedTo: string | undefined;
}

/** Registered kiosk devices (public keys only). */
export interface KioskReader {
  getKiosk(id: string): Promise<KioskRecord | undefined>;
  /** A kiosk whose signing or box public key is `key`, revoked or not. */
  findKioskByPublicKey(key: Uint8Array): Promise<KioskRecord | undefined>;
  /** Kiosks ever registered to the client, revoked ones included. */
  countKiosksOfClient(clientId: string): Promise<number>;
  /** The kiosk's alert (kioskAlertAuditKinds) of this id, from the audit log; undefined when none. */
  findKioskAlert(kioskId: string, alertId: string): Promise<AuditRecord | undefined>;
  /** The kiosk's alerts from the audit log, newest first, before `beforeSeq` when given. */
  listKioskAlerts(
    kioskId: string,
    beforeSeq: number | undefined,
    limit: number,
  ): Promise<AuditRecord[]>;
}

/** Ledger writes: accounts, holds (each change an inserted history row), money, standing limits. */
export interface LedgerWriter extends LedgerReader {
  insertAccount(account: AccountRecord): Promise<void>;
  /** Replaces a person account's limits and blocked categories (a guardian's, at a child's enrolment). */
  setAccountRules(
    accountId: string,
    rules: Pick<AccountRecord, 'limits' | 'blockedCategories'>,
  ): Promise<void>;
  /** `placedKeyHash`: the placing client's key (ledger/placed-key.ts), kept as long as the hold. */
  insertHold(hold: HoldRecord, placedKeyHash: Uint8Array | null): Promise<void>;
  /**
   * Records the hold's next version (`after.version` is `before.version + 1`): a transition row, and
   * the settlements, refunds and events `after` adds to `before`'s, as new rows; nothing is rewritten
   * but the hold's current-state projection, which a trigger keeps equal to its newest transition.
   */
  updateHold(before: HoldRecord, after: HoldRecord, kind: string): Promise<void>;
  /** Adds `delta` (signed) to the account's held amount. */
  addHeld(accountId: string, delta: Yen): Promise<void>;
  /** Moves money: two entries and both balances, in this transaction. */
  transfer(transfer: TransferRecord): Promise<void>;
  /**
   * What the payer committed after `since`: each hold's amount now (active: amount, closed: settled)
   * less what it already held at `since` (its newest transition then; 0 for a hold placed after), so a
   * raise of an older hold counts in the period it was made. Clamped at committedReportedMax (over every
   * limit it is compared with), so holds cycled through refunds never sum past a safe integer.
   */
  payerCommittedSince(payer: string, since: number, payee?: string): Promise<Yen>;
  insertStandingLimit(limit: StandingLimitRecord): Promise<void>;
  /** Ids of the pair's standing limits not revoked yet (expired ones included). */
  unrevokedStandingLimitIds(payer: string, payee: string): Promise<string[]>;
  /** Sets an unrevoked standing limit's revoked_at and revoked_by; the row stays. */
  revokeStandingLimit(id: string, at: number, by: string): Promise<void>;
  /** The newest unexpired, unrevoked standing limit of payer for payee. */
  findStandingLimit(
    payer: string,
    payee: string,
    at: number,
  ): Promise<StandingLimitRecord | undefined>;
}

/** Access writes: API clients and registered kiosk devices (rows are revoked, never deleted). */
export interface AccessWriter extends ClientReader, KioskReader {
  insertClient(client: ClientRecord): Promise<void>;
  /** Marks an active client revoked; the row stays (the audit log names it). */
  revokeClient(id: string, at: number, by: string): Promise<void>;
  /** Replaces an active client's token hash (rotation). */
  replaceClientToken(id: string, tokenHash: Uint8Array): Promise<void>;
  insertKiosk(kiosk: KioskRecord): Promise<void>;
  /** Marks an active kiosk revoked; the row stays. */
  revokeKiosk(id: string, at: number, by: string): Promise<void>;
}

/** Identity writes: persons, sealed templates, single-use authorizations, replay nonces. */
export interface IdentityWriter extends IdentityReader {
  /** Whether the member number was ever issued, to a person living or erased. */
  isMemberNumberIssued(memberNumber: string): Promise<boolean>;
  /** Records the person's member number as issued for good, then inserts the person. */
  insertPerson(person: PersonRecord): Promise<void>;
  /** Sets the PIN failure count (after a verification, or an officer's unlock). */
  setPinFailures(personId: string, failures: number): Promise<void>;
  /** Deletes the person, their templates and authorizations; returns the template ids destroyed. */
  deletePerson(personId: string): Promise<string[]>;
  insertTemplate(template: TemplateRecord): Promise<void>;
  replaceTemplateSeal(id: string, sealed: Uint8Array, transformKeyId: string): Promise<void>;
  /**
   * Holds, until this transaction ends, the lock runExclusive('rekey') takes (PostgreSQL, waiting up to
   * the lock timeout): a hub instance starting meanwhile leaves the re-key's next key file alone; and
   * makes this transaction's commit durable before it is answered (PostgreSQL: synchronous_commit on).
   * Nothing where one process owns the database (its key file waits for HubStore.durable).
   */
  holdRekeyLock(): Promise<void>;
  insertAuthorization(authorization: PaymentAuthorizationRecord): Promise<void>;
  getAuthorization(tokenHash: Uint8Array): Promise<PaymentAuthorizationRecord | undefined>;
  markAuthorizationUsed(tokenHash: Uint8Array, at: number): Promise<void>;
  insertGuardianConsent(consent: GuardianConsentRecord): Promise<void>;
  markGuardianConsentUsed(tokenHash: Uint8Array, at: number): Promise<void>;
  /**
   * Records an accepted request's nonce, or says it was seen before; first drops the nonces whose
   * window ended by `seenAt`. A recorded nonce stays recorded when the job that recorded it refuses
   * afterwards (its savepoint rolls back): a refused request spends its nonce too.
   */
  admitNonce(nonce: ReplayNonceRecord): Promise<'admitted' | 'replayed'>;
  /** Names the enrolment client that may enrol a person on this person account. */
  setAccountEnrollmentClient(accountId: string, clientId: string): Promise<void>;
  /**
   * Hands everything of enrolment client `from` to `to`: the persons it enrolled (created_by) and the
   * person accounts assigned to it. Answers the ids changed, each list sorted.
   */
  moveEnrollments(from: string, to: string): Promise<MovedEnrollments>;
  /** Replaces the client's identification with this one. */
  putIdentification(identification: IdentificationRecord): Promise<void>;
  /** Spends the client's identification (its PIN was right). */
  deleteIdentification(clientId: string): Promise<void>;
  /**
   * Sets the wrong-PIN count of a member number nobody holds; past `keptMax` numbers the least recently
   * tried are forgotten. Issuing the number to a person clears its count (insertPerson).
   */
  setUnknownMemberFailures(
    memberNumber: string,
    failures: number,
    at: number,
    keptMax: number,
  ): Promise<void>;
}

/** The audit kinds of a PIN unlock attempt, right document or not: a person's daily limit counts them. */
export const pinUnlockAuditKinds = ['person.pin_unlocked', 'person.pin_unlock_refused'] as const;
/** The same kinds as an SQL list of string literals (this program's constants, never input). */
export const pinUnlockKindsSql = sqlStringList(pinUnlockAuditKinds);

/** The audit kinds of a wrong PIN: a person's, or any try on a member number nobody holds. */
export const pinFailureAuditKinds = [
  'person.pin_failed',
  'identity.member_number_unknown',
] as const;
export const pinFailureKindsSql = sqlStringList(pinFailureAuditKinds);

/**
 * The audit kinds of a kiosk's alerts: the audit log is their only store (subject: the kiosk; data: the
 * alert's fields), found by partial indexes that cost the other rows nothing.
 */
export const kioskAlertAuditKinds = [
  'kiosk.face_checks_paused',
  'kiosk.face_checks_resumed',
] as const;
export const kioskAlertKindsSql = sqlStringList(kioskAlertAuditKinds);

/**
 * The audit kind of a re-key (subject: the transform key id every template moved to). The newest one
 * names the key the stored templates are under, for every instance (a partial index finds it).
 */
export const rekeyedAuditKind = 'identity.rekeyed';
export const rekeyedKindSql = sqlStringList([rekeyedAuditKind]);
export const personErasedKindSql = sqlStringList([personErasedAuditKind]);
export const templateChangeKindsSql = sqlStringList([
  templatesAddedAuditKind,
  personErasedAuditKind,
  rekeyedAuditKind,
]);

function sqlStringList(values: readonly string[]): string {
  return values.map((value) => `'${value}'`).join(', ');
}

/** The audit chain: rows appended in one total order, each MAC linking the previous one. */
export interface AuditWriter {
  appendAudit(entry: AuditAppend): Promise<void>;
  /**
   * PIN unlock attempts (pinUnlockAuditKinds) on `personId` after `sinceMs`: committed ones and
   * this transaction's own. Exact across instances: read where the chain's order is already this
   * transaction's (the one writer on SQLite; under the chain head's lock on PostgreSQL).
   */
  pinUnlockAttemptsSince(personId: string, sinceMs: number): Promise<number>;
}

/** Stored answers of idempotent requests, written in the same transaction as what they answer. */
export interface IdempotencyWriter {
  getStoredResponse(clientId: string, key: string): Promise<StoredResponse | undefined>;
  putStoredResponse(clientId: string, key: string, response: StoredResponse): Promise<void>;
}

/** One write transaction. Every method sees the transaction's own earlier writes. */
export interface StoreTx
  extends LedgerWriter, AccessWriter, IdentityWriter, AuditWriter, IdempotencyWriter {
  /** Runs `fn` under a savepoint: if it throws, its writes are undone and the error rethrown. */
  nested<T>(fn: () => Promise<T>): Promise<T>;
}

/**
 * A committed change to the stored templates, as another hub instance on the same database hears it.
 * `resync`: changes may have been missed (the feed reconnected); reload everything from the tables.
 */
export type TemplateChange =
  | { kind: 'added' | 'removed'; templateIds: string[] }
  | { kind: 'rekeyed'; transformKeyId: string }
  | { kind: 'resync' };

/** What a write job reads first, in this order, before any write (see HubStore.write). */
export interface JobReads {
  storedResponse?: { clientId: string; key: string };
  /** getAccounts of these ids. */
  accounts?: string[];
  /** getHold of this id. */
  hold?: string;
  /** dueHoldIds of this account (at the job's time, which the caller does not know yet). */
  dueOfAccount?: string;
}

/** The jobs runExclusive knows. */
export type ExclusiveJob = 'sweeper' | 'rekey';

export interface HubStore {
  readonly reader: StoreReader & IdentityReader & KioskReader;
  /**
   * Runs `job` in a write transaction; resolves only once that transaction is durably committed.
   * `reads` names the stored answer the job looks up first, which an adapter may read ahead with the
   * statements before the job (at the same point of the transaction, so with the same result).
   */
  write<T>(job: (tx: StoreTx) => Promise<T>, reads?: JobReads): Promise<T>;
  deleteStoredResponsesBefore(at: number): Promise<number>;
  auditRows(afterSeq: number, limit: number): Promise<AuditRecord[]>;
  /** Recomputes balances, held amounts and holds from the history (audit:verify does the same). */
  checkConsistency(): Promise<ConsistencyReport>;
  /**
   * Runs `fn` unless another instance on this database is running the job of that name (the expiry
   * sweeper; 'rekey': a re-key's transaction, see IdentityWriter.holdRekeyLock, or another start's
   * settling of the next key file); answers undefined when it did not run. One instance alone always
   * runs it.
   */
  runExclusive<T>(name: ExclusiveJob, fn: () => Promise<T>): Promise<T | undefined>;
  /** Template changes committed by other instances on this database (none where there is one). */
  onTemplateChange(listener: (change: TemplateChange) => void): () => void;
  /** How the write queue has grouped jobs into transactions so far (bench:hub prints it). */
  writeStats(): WriteQueueStats;
  /**
   * Where an erasure's deleted rows can outlive its commit in the database's files (SQLite: in the
   * WAL, until a truncating checkpoint that another reader of the file can hold off): `pending` says
   * whether they may still be there (the store keeps trying): those of the erasure whose `person.erased`
   * row has audit seq `erasureSeq`, or, without it, of the erasure just committed. Absent where the
   * adapter has nothing to wait for.
   */
  readonly erasureScrub?: { pending(erasureSeq?: number): boolean };
  /**
   * Resolves once every commit answered before the call is on disk, so a file naming what one wrote (a
   * re-key's key file) may move: SQLite at synchronous NORMAL fsyncs the WAL; PostgreSQL resolves at
   * once (its commits are durable unless synchronous_commit is off, which holdRekeyLock turns on).
   */
  durable(): Promise<void>;
  close(): Promise<void>;
}
