// Enrolments whose POST /v1/persons was sent and not answered, kept on disk beside the device keys until the
// answer is known: the officer's retry, even after a restart, asks the same request under the same key.
// Once answered, the entry stays (its person named, the request dropped) until that enrolment completes or
// the hub has erased its person: a cancel, a sign-out, a lock or a restart between the person and their
// faces leaves the station's clean-up a person to erase, not a person nobody knows of.
import { createHmac, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { assert } from '../shared/assert.ts';
import { createPersonRequest, type CreatePersonRequest } from '../shared/hub-api.ts';
import { readStateFile, writeStateFile } from './state-file.ts';

export interface PendingPerson {
  /** The enrolment that sent it (EnrolmentView.id): another enrolment is another try. */
  enrolment: string;
  accountId: string;
  documentHash: string;
  /** What the desk screen names when only the hub's admin can still erase the person. */
  documentType: CreatePersonRequest['idDocument']['type'];
  /** When it was sent, by the station's clock; null: written before the station kept the time. */
  sentAtMs: number | null;
  /**
   * When it was sent at the latest, by the station's clock: sentAtMs, or, for one read without it, when the
   * station first read it from the file (it was sent before that). Bounds when the hub can have created its
   * person (stationLookupCreatedAfterSentMsMax).
   */
  sentNoLaterThanMs: number;
  /**
   * Asked again, it was refused run again (not its stored answer replayed), and that refusal kept it (an
   * unknown outcome): the hub may now store that refusal under its key, so a refusal it replays later is not
   * proof of the first request's fate; nor is a lookup by document that finds nobody (the station's hub
   * client changed: it sees only the persons the new one enrolled).
   */
  refusedNotReplayed: boolean;
  /**
   * The request as sent, its PIN sealed to the hub (only the hub opens it): asked again byte for byte,
   * since a seal is random and the hub replays only the same body. Holds the name and date of birth the
   * hub is given, on disk only while the answer is unknown; null once the hub no longer answers for it
   * (dropPersonalData): only the hub's admin can then erase its person, found by account or document.
   */
  body: CreatePersonRequest | null;
  /**
   * The person the hub created for this request, told to the station, whose enrolment has not completed
   * (their faces not sent yet, refused or their answer lost, and the erase that followed not answered):
   * erased by the station (the officer's next try of this account or document, a cancel, the clean-up
   * tick) unless the enrolment completes, which drops the entry before it is recorded. The request
   * itself (body) is dropped then: never sent again. null: the hub's answer is not known yet.
   */
  personId: string | null;
}

const fileSchema = z.array(
  z
    .strictObject({
      idempotencyKey: z.string().min(1),
      enrolment: z.string(),
      accountId: z.string(),
      documentHash: z.string(),
      // Absent in a file written before the station kept them: read from the body, or unknown.
      documentType: createPersonRequest.shape.idDocument.shape.type.optional(),
      // Absent in a file written before the station kept it; null once such an entry was written back.
      sentAtMs: z.number().int().nonnegative().nullable().optional(),
      // Absent in a file written before the station kept it: sentAtMs, or when this run read the file.
      sentNoLaterThanMs: z.number().int().nonnegative().optional(),
      // Absent in a file written before the station kept it: never refused so.
      refusedNotReplayed: z.boolean().optional(),
      body: createPersonRequest.nullable(),
      // Absent in a file written before the station kept it: not answered yet.
      personId: z.string().min(1).nullable().optional(),
    })
    .refine((entry) => entry.body !== null || entry.documentType !== undefined, {
      message: 'an entry without its request names the document type',
    }),
);

/**
 * The sent requests by Idempotency-Key; `file` null keeps them in memory only (a station under test).
 * `readAtMs`: now, by the station's clock (the bound of when an entry read without its time was sent).
 */
export class PendingPersons {
  readonly #file: string | null;
  readonly #entries = new Map<string, PendingPerson>();
  /** A keyed tag of each request's PIN, in memory only: a retry in this run may prove it is the same PIN. */
  readonly #pinTags = new Map<string, string>();
  readonly #pinTagKey = randomBytes(32);

  constructor(file: string | null, readAtMs: number) {
    this.#file = file;
    // An unreadable file stops the start: a person the hub may have created must not be forgotten.
    const entries =
      file === null ? null : readStateFile(file, fileSchema, 'a list of unanswered enrolments');
    for (const entry of entries ?? []) {
      const {
        idempotencyKey,
        documentType,
        sentAtMs,
        sentNoLaterThanMs,
        refusedNotReplayed,
        personId,
        ...rest
      } = entry;
      const type = documentType ?? rest.body?.idDocument.type;
      assert(type !== undefined, 'the schema asks for a document type where the body is gone');
      this.#entries.set(idempotencyKey, {
        ...rest,
        documentType: type,
        sentAtMs: sentAtMs ?? null,
        sentNoLaterThanMs: sentNoLaterThanMs ?? sentAtMs ?? readAtMs,
        refusedNotReplayed: refusedNotReplayed ?? false,
        personId: personId ?? null,
      });
    }
  }

  /** Written and flushed before the request leaves: a restart still knows the key it was sent under. */
  add(idempotencyKey: string, pending: PendingPerson, pin: string): void {
    this.#entries.set(idempotencyKey, pending);
    this.#pinTags.set(idempotencyKey, this.#pinTag(pin));
    this.#save();
  }

  /** Those for this account or this document: the hub enrols one person on each. */
  matching(accountId: string, documentHash: string): [string, PendingPerson][] {
    return [...this.#entries].filter(
      ([, pending]) => pending.accountId === accountId || pending.documentHash === documentHash,
    );
  }

  /**
   * Those the hub may still answer (their request kept) that another enrolment than `current` sent: nobody
   * works on them (cancelled, signed out, locked, or sent before a restart), oldest first.
   */
  abandoned(current: string | null): [string, PendingPerson][] {
    return [...this.#entries]
      .filter(([, pending]) => pending.body !== null && pending.enrolment !== current)
      .sort(([, a], [, b]) => (a.sentAtMs ?? 0) - (b.sentAtMs ?? 0));
  }

  /**
   * Those answered with a person whose enrolment has not completed, that another enrolment than `current`
   * sent (nobody finishes them any more), oldest first: the clean-up erases their person.
   */
  unfinished(current: string | null): [string, PendingPerson][] {
    return [...this.#entries]
      .filter(([, pending]) => pending.personId !== null && pending.enrolment !== current)
      .sort(([, a], [, b]) => (a.sentAtMs ?? 0) - (b.sentAtMs ?? 0));
  }

  /**
   * The hub answered this request with `personId`: kept (written before the faces are sent) until the
   * enrolment completes or that person is erased; the request (name, date of birth, sealed PIN, consent
   * token) is dropped, as it is never sent again.
   */
  created(idempotencyKey: string, personId: string): void {
    const pending = this.#entries.get(idempotencyKey);
    assert(pending !== undefined, 'only a kept request is answered');
    this.#entries.set(idempotencyKey, { ...pending, body: null, personId });
    this.#pinTags.delete(idempotencyKey);
    this.#save();
  }

  /** The person's enrolment completed, or the hub erased them: their entry goes (if any). */
  forgetPerson(personId: string): void {
    const keys = [...this.#entries]
      .filter(([, pending]) => pending.personId === personId)
      .map(([key]) => key);
    for (const key of keys) this.#entries.delete(key);
    for (const key of keys) this.#pinTags.delete(key);
    if (keys.length > 0) this.#save();
  }

  /** Those whose person only the hub's admin can still erase (their request dropped): for the desk screen. */
  forAdmin(): PendingPerson[] {
    return this.forAdminByKey().map(([, pending]) => pending);
  }

  /** forAdmin, with each one's Idempotency-Key, oldest first (the runtime's tick looks for their person). */
  forAdminByKey(): [string, PendingPerson][] {
    return [...this.#entries]
      .filter(([, pending]) => pending.body === null && pending.personId === null)
      .sort(([, a], [, b]) => (a.sentAtMs ?? 0) - (b.sentAtMs ?? 0));
  }

  /**
   * The hub no longer answers for this request (past its answer retention): the name, date of birth,
   * sealed PIN and consent token are dropped; what finds its person at the hub (account, document hash and
   * type, time) is kept for the desk.
   */
  dropPersonalData(idempotencyKey: string): void {
    const pending = this.#entries.get(idempotencyKey);
    assert(pending !== undefined, 'only a kept request loses its personal data');
    this.#entries.set(idempotencyKey, { ...pending, body: null });
    this.#pinTags.delete(idempotencyKey);
    this.#save();
  }

  /** Written before the next ask: a restart must not believe that refusal replayed either. */
  markRefusedNotReplayed(idempotencyKey: string): void {
    const pending = this.#entries.get(idempotencyKey);
    assert(pending !== undefined, 'only a kept request is refused again');
    if (pending.refusedNotReplayed) return;
    this.#entries.set(idempotencyKey, { ...pending, refusedNotReplayed: true });
    this.#save();
  }

  /** Those one enrolment sent (a cancel drops them). */
  ofEnrolment(enrolment: string): [string, PendingPerson][] {
    return [...this.#entries].filter(([, pending]) => pending.enrolment === enrolment);
  }

  /** Those for this document (the desk's ID check finds the person by it). */
  forDocument(documentHash: string): [string, PendingPerson][] {
    return [...this.#entries].filter(([, pending]) => pending.documentHash === documentHash);
  }

  /**
   * Whether a new try would send this very request: the same enrolment, the same fields, and a PIN proven
   * the same in this run (after a restart it cannot be: the station never keeps a PIN).
   */
  sameTry(
    idempotencyKey: string,
    attempt: { enrolment: string; person: Omit<CreatePersonRequest, 'sealedPin'>; pin: string },
  ): boolean {
    const pending = this.#entries.get(idempotencyKey);
    if (pending === undefined || pending.body === null) return false;
    if (pending.enrolment !== attempt.enrolment) return false;
    const pinTag = this.#pinTags.get(idempotencyKey);
    const sent = sortedJson({ ...pending.body, sealedPin: null });
    return (
      pinTag !== undefined &&
      pinTag === this.#pinTag(attempt.pin) &&
      sent === sortedJson({ ...attempt.person, sealedPin: null })
    );
  }

  delete(idempotencyKey: string): void {
    this.#pinTags.delete(idempotencyKey);
    if (this.#entries.delete(idempotencyKey)) this.#save();
  }

  #pinTag(pin: string): string {
    return createHmac('sha256', this.#pinTagKey).update(pin).digest('base64url');
  }

  /** Written whole and renamed over the old one: a crash leaves the old or the new list. */
  #save(): void {
    if (this.#file === null) return;
    const entries = [...this.#entries].map(([idempotencyKey, pending]) => ({
      idempotencyKey,
      ...pending,
    }));
    writeStateFile(this.#file, entries);
  }
}

/** JSON with every object's keys sorted: a body read back from the file compares equal to one built now. */
function sortedJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) =>
    inner !== null && typeof inner === 'object' && !Array.isArray(inner)
      ? Object.fromEntries(Object.entries(inner).sort(([a], [b]) => (a < b ? -1 : 1)))
      : inner,
  );
}
