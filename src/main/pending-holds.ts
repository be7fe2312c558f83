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

  add(paymentId: string, pending: PendingHold): void {
    this.#entries.set(paymentId, pending);
    this.#save();
  }

  get(paymentId: string): PendingHold | undefined {
    return this.#entries.get(paymentId);
  }

  /** Marks a request staff must check (PendingHold.toCheck), on disk like the rest. */
  markToCheck(paymentId: string): void {
    const pending = this.#entries.get(paymentId);
    if (pending === undefined || pending.toCheck === true) return;
    this.#entries.set(paymentId, { ...pending, toCheck: true });
    this.#save();
  }

  delete(paymentId: string): void {
    if (this.#entries.delete(paymentId)) this.#save();
  }

  /** Written whole and renamed over the old one: a crash leaves the old or the new list. */
  #save(): void {
    if (this.#file === null) return;
    const entries = this.entries().map(([paymentId, pending]) => ({ paymentId, ...pending }));
    writeStateFile(this.#file, entries);
  }
}
