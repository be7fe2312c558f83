// Hold requests whose answer was lost, kept on disk beside the device keys until reconcile has settled
// them: a kiosk restarted meanwhile (a crash, a power cut) still gives back what the hub took.
//
// Each waits reconcileWaitMs (its authorization's lifetime and a margin) before reconcile asks the hub
// again. The wait counts elapsed time, not the wall clock: a clock set forward would end it early (the
// request asked again would place the hold, and reconcile refund it), one set back would stretch it. While
// the app runs, time is the elapsed clock; the file keeps each request's time left (rewritten by reconcile
// every reconcileWaitCheckpointMs while one waits), and a restart counts it again from its start: the
// downtime never shortens a wait, and a wait outlasts its length by at most the downtime and one checkpoint.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { assert } from '../shared/assert.ts';
import {
  paymentAuthorizationLifetimeMs,
  reconcileMarginMs,
  reconcileWaitCheckpointMs,
} from '../shared/limits.ts';
import { AnsweredJournal, settledMark } from './answered-journal.ts';
import type { SentHold } from './hub-link.ts';
import { elapsedMs } from './monotonic-clock.ts';
import { readStateFile, writeStateFile } from './state-file.ts';

/** How long a lost request waits before reconcile asks again: past its authorization on any clock. */
const reconcileWaitMs = paymentAuthorizationLifetimeMs + reconcileMarginMs;

/** Bytes of SHA-256 kept in a sender's fingerprint: 128 bits, ample to tell a kiosk's tokens apart. */
const senderFingerprintBytes = 16;

/**
 * The fingerprint of the hub token a request is sent under, kept with it (PendingHold.sentBy) instead of
 * the token, which never goes to disk. Where the client's id is unknown (PendingHold.sentByClient null),
 * the kiosk tells its clients apart by their tokens: a rotated token of the same client then reads as
 * another sender. Domain-separated from the hub's own SHA-256 of the token (tokens.ts), so the file cannot
 * be matched against its table; the token's 256 random bits keep it from being found from the fingerprint.
 */
export function senderOfToken(hubToken: string): string {
  assert(hubToken.length > 0, 'a hub token');
  const digest = createHash('sha256')
    .update('facepay.kiosk.pending-hold-sender.v1:', 'utf8')
    .update(hubToken, 'utf8')
    .digest();
  return digest.subarray(0, senderFingerprintBytes).toString('base64url');
}

export interface PendingHold {
  sent: SentHold;
  /**
   * When the kiosk sent the request (its wall clock), compared with the hub's answer retention and shown
   * to staff; reconcile's wait is not counted from it (PendingHolds.waitLeftMs).
   */
  sentAtMs: number;
  /**
   * Which hub client sent it: its token's fingerprint (senderOfToken), or null where unknown (a file of an
   * older kiosk). The hub keeps stored answers and the keys holds were placed under per client, so under
   * another sender only a hold found proves anything; "not placed" goes to staff (KioskService.reconcile).
   */
  sentBy: string | null;
  /**
   * The id of the hub client that sent it (HubLink.ownClientId: GET /v1/clients/me), or null where unknown
   * at sending (the hub could not say: out of reach, or an older hub) or in a file of an older kiosk. Where
   * both it and this run's are known, they decide who sent it, not sentBy: a rotated token keeps its client.
   */
  sentByClient: string | null;
  /**
   * Asked again too late to trust the answer (lostHoldAnswerTrustedMs) and nothing found: the hub may have
   * forgotten it. Not asked again; staff check it and clear it on the operator screen.
   */
  toCheck?: true | undefined;
}

const holdRequest = z.strictObject({
  payer: z.string(),
  payee: z.string(),
  amount: z.number().int().positive(),
  reference: z.string(),
  category: z.string().nullable(),
  authorization: z.string(),
  idempotencyKey: z.string(),
});
const fileSchema = z.array(
  z.strictObject({
    paymentId: z.string(),
    sentAtMs: z.number().int(),
    // Absent in a file written before the wait counted elapsed time (sentAtMs only): the whole wait again
    // from this start. The wall clock cannot say how much of it passed (it may have been set forward, the
    // very fault), and a whole wait is at most reconcileWaitMs late. Never more than the wait's length.
    waitLeftMs: z
      .number()
      .int()
      .min(0)
      .optional()
      .transform((left) => Math.min(left ?? reconcileWaitMs, reconcileWaitMs)),
    // Absent in a file of a kiosk that did not record its sender: unknown (null), never read as this
    // run's token. The token may have been replaced by another client's since the request went out (the
    // very fault), and then "not placed" would write off a hold the old client placed. Unknown costs at
    // most a look by staff at a request that placed nothing; null is written back as such.
    sentBy: z
      .string()
      .min(1)
      .nullable()
      .optional()
      .transform((sender) => sender ?? null),
    // Absent in a file of a kiosk that did not record its client's id: unknown (null), and sentBy decides.
    sentByClient: z
      .string()
      .min(1)
      .nullable()
      .optional()
      .transform((client) => client ?? null),
    toCheck: z.literal(true).optional(),
    sent: z.discriminatedUnion('template', [
      z.strictObject({ template: z.literal('purchase'), request: holdRequest }),
      z.strictObject({
        template: z.literal('clinic_visit'),
        request: holdRequest.extend({ expiresInSeconds: z.number().int().positive() }),
      }),
    ]),
  }),
);

/**
 * The lost hold requests by payment id; `file` null keeps them in memory only (a service under test).
 * `elapsed` is the clock their waits count (monotonic-clock.ts unless a test moves its own).
 */
export class PendingHolds {
  readonly #file: string | null;
  /** Entries settled while the list could not be rewritten (answered-journal.ts); beside the file. */
  readonly #journal: AnsweredJournal | null;
  readonly #elapsed: () => number;
  /** Each request, and the elapsed clock's reading at which its wait ends in this run. */
  readonly #entries = new Map<string, { pending: PendingHold; waitEndsAtMs: number }>();
  /** A write failed since the last one that worked: the file lists what memory no longer does. */
  #unsaved = false;
  /** The elapsed clock at the last write, and whether a wait still had time left in it (checkpoint). */
  #saved = { atMs: 0, waiting: false };

  constructor(file: string | null, elapsed: () => number = elapsedMs) {
    this.#file = file;
    this.#elapsed = elapsed;
    // A missing file is an empty list; an unreadable one stops the start (money owed must not be forgotten).
    const entries =
      file === null ? null : readStateFile(file, fileSchema, 'a list of lost hold requests');
    this.#journal = file === null ? null : new AnsweredJournal(answeredJournalFile(file));
    const settled = this.#journal?.marks() ?? new Set<string>();
    const startMs = elapsed();
    for (const { paymentId, waitLeftMs, ...pending } of entries ?? []) {
      // Settled by the run before, which could not rewrite the list: forgotten, and the list written
      // without it at the next write that works (flush).
      if (settled.has(settledMark(paymentId, pending.sent.request.idempotencyKey))) {
        this.#unsaved = true;
        continue;
      }
      this.#entries.set(paymentId, { pending, waitEndsAtMs: startMs + waitLeftMs });
    }
    this.#saved = {
      atMs: startMs,
      waiting: entries?.some((entry) => entry.waitLeftMs > 0) ?? false,
    };
  }

  entries(): [string, PendingHold][] {
    return [...this.#entries].map(([paymentId, { pending }]) => [paymentId, pending]);
  }

  /**
   * How long reconcile must still wait before asking the hub about `paymentId` again (0: it may ask):
   * at most reconcileWaitMs, whatever the wall clock does.
   */
  waitLeftMs(paymentId: string): number {
    const entry = this.#entries.get(paymentId);
    assert(entry !== undefined, 'a wait for every lost request');
    return Math.max(0, entry.waitEndsAtMs - this.#elapsed());
  }

  /**
   * Writes the times left if a wait still had time left at the last write and reconcileWaitCheckpointMs
   * has passed since (reconcile calls it), so a restart resumes a wait about where it was. A failed write
   * leaves the file's longer times: it never shortens a wait.
   */
  checkpoint(): void {
    if (!this.#saved.waiting) return;
    if (this.#elapsed() - this.#saved.atMs < reconcileWaitCheckpointMs) return;
    this.#saveOrLater();
  }

  /**
   * Written down before the request is sent, or thrown: a request the kiosk could not write down must not
   * go out (a crash would forget it while the hub took the money), nor stay in memory to be written later.
   */
  add(paymentId: string, pending: PendingHold): void {
    this.#entries.set(paymentId, { pending, waitEndsAtMs: this.#elapsed() + reconcileWaitMs });
    try {
      this.#save();
    } catch (error) {
      this.#entries.delete(paymentId);
      throw error;
    }
  }

  /**
   * The payments whose lost check-in request placed the visit `hold` (a clinic_visit of the same reference
   * and payer): their patients were told the check-in failed.
   */
  lostCheckInsOf(hold: { reference: string; payer: string }): string[] {
    return this.entries()
      .filter(
        ([, { sent }]) =>
          sent.template === 'clinic_visit' &&
          sent.request.reference === hold.reference &&
          sent.request.payer === hold.payer,
      )
      .map(([paymentId]) => paymentId);
  }

  get(paymentId: string): PendingHold | undefined {
    return this.#entries.get(paymentId)?.pending;
  }

  /**
   * The request stays lost under another id, its wait unchanged (KioskService: a throttled attempt, whose
   * payment id the next attempt takes). A failed write is as delete's: the file lists it under the old id
   * until the next write, which a restart reads as the same request.
   */
  rename(paymentId: string, to: string): void {
    const entry = this.#entries.get(paymentId);
    if (entry === undefined) return;
    this.#entries.delete(paymentId);
    this.#entries.set(to, entry);
    this.#saveOrLater();
  }

  /** Marks a request staff must check (PendingHold.toCheck), on disk like the rest. */
  markToCheck(paymentId: string): void {
    const entry = this.#entries.get(paymentId);
    if (entry === undefined || entry.pending.toCheck === true) return;
    this.#entries.set(paymentId, { ...entry, pending: { ...entry.pending, toCheck: true } });
    this.#saveOrLater();
  }

  /**
   * The hub answered (or reconcile settled it): the entry goes, in memory at once. A failed write (a full
   * disk) is not the payment's failure: the hub's answer stands, and the list is written again by the next
   * add, delete or flush. Until then the file still lists it, so the entry is noted settled in the journal
   * written out in advance: a restart meanwhile (a second fault) forgets it too, where it would have asked
   * the hub again and refunded a purchase its shopper was told was paid (the merchant's loss). Only with
   * every journal slot taken, or the journal's own write failing, does that old outcome remain.
   */
  delete(paymentId: string): void {
    const entry = this.#entries.get(paymentId);
    if (entry === undefined) return;
    this.#entries.delete(paymentId);
    if (this.#saveOrLater()) return;
    this.#journal?.note(settledMark(paymentId, entry.pending.sent.request.idempotencyKey));
  }

  /** Writes the list if an earlier write failed (reconcile calls it); false while it still cannot. */
  flush(): boolean {
    if (!this.#unsaved) return true;
    this.#saveOrLater();
    return !this.#unsaved;
  }

  /** The file is behind memory since a failed write. */
  get unsaved(): boolean {
    return this.#unsaved;
  }

  /** False where the write failed: the file is behind memory until a later write works. */
  #saveOrLater(): boolean {
    try {
      this.#save();
      return true;
    } catch {
      this.#unsaved = true;
      return false;
    }
  }

  /**
   * Written whole and renamed over the old one: a crash leaves the old or the new list. Each wait's time
   * left is rounded up: the file keeps whole milliseconds, and rounding never shortens a wait. The journal
   * is made first (nothing goes out that could not be noted settled later) and emptied once the list
   * written no longer names what it noted.
   */
  #save(): void {
    if (this.#file === null) return;
    this.#journal?.reserve();
    const atMs = this.#elapsed();
    const entries = this.entries().map(([paymentId, pending]) => ({
      paymentId,
      ...pending,
      waitLeftMs: Math.ceil(this.waitLeftMs(paymentId)),
    }));
    writeStateFile(this.#file, entries);
    this.#journal?.clear();
    this.#unsaved = false;
    this.#saved = { atMs, waiting: entries.some((entry) => entry.waitLeftMs > 0) };
  }
}

/** The journal beside `file` (pending-holds.json: pending-holds.answered). */
function answeredJournalFile(file: string): string {
  return `${file.replace(/\.json$/, '')}.answered`;
}
