// Hold requests whose answer was lost, kept on disk beside the device keys until reconcile has settled
// them: a kiosk restarted meanwhile (a crash, a power cut) still gives back what the hub took.
import { z } from 'zod';
import type { SentHold } from './hub-link.ts';
import { readStateFile, writeStateFile } from './state-file.ts';

export interface PendingHold {
  sent: SentHold;
  /** When the kiosk sent the request (its clock): reconcile waits out the authorization from here. */
  sentAtMs: number;
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

/** The lost hold requests by payment id; `file` null keeps them in memory only (a service under test). */
export class PendingHolds {
  readonly #file: string | null;
  readonly #entries = new Map<string, PendingHold>();
  /** A write failed since the last one that worked: the file lists what memory no longer does. */
  #unsaved = false;

  constructor(file: string | null) {
    this.#file = file;
    // A missing file is an empty list; an unreadable one stops the start (money owed must not be forgotten).
    const entries =
      file === null ? null : readStateFile(file, fileSchema, 'a list of lost hold requests');
    for (const { paymentId, ...pending } of entries ?? []) this.#entries.set(paymentId, pending);
  }

  entries(): [string, PendingHold][] {
    return [...this.#entries];
  }

  /**
   * Written down before the request is sent, or thrown: a request the kiosk could not write down must not
   * go out (a crash would forget it while the hub took the money), nor stay in memory to be written later.
   */
  add(paymentId: string, pending: PendingHold): void {
    this.#entries.set(paymentId, pending);
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
    return this.#entries.get(paymentId);
  }

  /** Marks a request staff must check (PendingHold.toCheck), on disk like the rest. */
  markToCheck(paymentId: string): void {
    const pending = this.#entries.get(paymentId);
    if (pending === undefined || pending.toCheck === true) return;
    this.#entries.set(paymentId, { ...pending, toCheck: true });
    this.#saveOrLater();
  }

  /**
   * The hub answered (or reconcile settled it): the entry goes, in memory at once. A failed write (a full
   * disk) is not the payment's failure: the hub's answer stands, and the list is written again by the next
   * add, delete or flush. Until then the file still lists it: a restart meanwhile (a
   * second fault) asks the hub again and refunds a purchase its shopper was told was paid, the merchant's
   * loss and never the shopper's.
   */
  delete(paymentId: string): void {
    if (this.#entries.delete(paymentId)) this.#saveOrLater();
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

  #saveOrLater(): void {
    try {
      this.#save();
    } catch {
      this.#unsaved = true;
    }
  }

  /** Written whole and renamed over the old one: a crash leaves the old or the new list. */
  #save(): void {
    if (this.#file === null) return;
    const entries = this.entries().map(([paymentId, pending]) => ({ paymentId, ...pending }));
    writeStateFile(this.#file, entries);
    this.#unsaved = false;
  }
}
