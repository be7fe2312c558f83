// The till's payment requests, kept in a state file beside the device keys: after a restart (a crash, an
// update) the till still reads back how its payment ended, and its Idempotency-Key still finds that payment.
//
// Without it a restart forgot both: GET answered 404 for a payment the shopper had paid, and the same key
// opened a new payment, which the shopper could pay a second time. A payment still open when the kiosk
// stopped reads `failed` / `kiosk_restarted` afterwards: its shopper was told nothing was taken, and a hold
// it placed is given back by reconcile (pending-holds.ts). A paid one is written before its lost-hold entry
// is taken out, so no restart can read it open and have it refunded (the kiosk service drops that entry).
import { z } from 'zod';
import { tillRequestsKeptMax } from '../shared/limits.ts';
import { paymentViewSchema, type PaymentView } from '../shared/kiosk-api.ts';
import { readStateFile, writeStateFile } from './state-file.ts';

/** Why a payment left open by the run before reads failed. */
export const interruptedFailure = 'kiosk_restarted';

const closedStates: ReadonlySet<PaymentView['state']> = new Set([
  'paid',
  'checked_in',
  'cancelled',
  'failed',
]);

/**
 * What is written of a till payment: what the till reads back, in a shape of its own (a new field of the
 * kiosk API's payment view must not make an older file unreadable, which would stop the kiosk's start).
 */
const storedPaymentSchema = z.object({
  id: z.string(),
  amount: z.number().int(),
  reference: z.string(),
  category: z.string().nullable(),
  state: paymentViewSchema.shape.state,
  receipt: paymentViewSchema.shape.receipt,
  failure: z.string().nullable(),
  faceChecksPaused: z.boolean(),
  /** Absent in a file written before it was kept: read as sent, as nothing says that none went out. */
  holdRequestSent: z.boolean().optional(),
});
type StoredPayment = z.infer<typeof storedPaymentSchema>;

const recordSchema = z.object({
  /** The till's Idempotency-Key, if it sent one. */
  key: z.string().nullable(),
  /** The request as the key compares it (amount, reference, category). */
  request: z.string(),
  payment: storedPaymentSchema,
});
type TillRecord = z.infer<typeof recordSchema>;
const fileSchema = z.array(recordSchema).max(tillRequestsKeptMax);

export class TillRequests {
  readonly #file: string | null;
  /** By payment id, oldest first. */
  readonly #records = new Map<string, TillRecord>();
  /** The file lags memory since a write failed: written again at the next change. */
  #unsaved = false;

  /** Reads `file` (none: memory only); a file that is not this list stops the start, as other state files do. */
  constructor(file: string | null) {
    this.#file = file;
    const records =
      file === null ? null : readStateFile(file, fileSchema, "the till's payment requests");
    for (const record of records ?? []) {
      const payment = closedStates.has(record.payment.state)
        ? record.payment
        : { ...record.payment, state: 'failed' as const, failure: interruptedFailure };
      this.#records.set(payment.id, { ...record, payment });
    }
  }

  /**
   * A payment the till opened, written before the till hears of it: thrown when it cannot be (the caller
   * takes the payment back, so no till holds an id a restart would not know).
   */
  opened(view: PaymentView, key: string | null, request: string): void {
    const before = new Map(this.#records);
    this.#records.set(view.id, { key, request, payment: stored(view) });
    while (this.#records.size > tillRequestsKeptMax) {
      const oldest = this.#records.keys().next().value;
      if (oldest === undefined) break;
      this.#records.delete(oldest);
    }
    try {
      this.#save();
    } catch (error) {
      // Not opened: neither the key nor the payment is known (the till may ask again under the key).
      this.#records.clear();
      for (const [id, record] of before) this.#records.set(id, record);
      throw error;
    }
  }

  /**
   * The payment as it is now (closed, or paid at the hub): written when it changed. A failed write is
   * reported to the caller (false) and tried again at the next change; memory stays right.
   */
  changed(view: PaymentView): boolean {
    const record = this.#records.get(view.id);
    if (record === undefined) return true;
    const next = stored(view);
    if (!this.#unsaved && JSON.stringify(next) === JSON.stringify(record.payment)) return true;
    this.#records.set(view.id, { ...record, payment: next });
    return this.#saveOrLater();
  }

  /** Writes what a failed write left unwritten; true when the file holds what memory does. */
  flush(): boolean {
    return !this.#unsaved || this.#saveOrLater();
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

  /** The payment of an earlier run (or this one), as the till last heard of it. */
  view(paymentId: string): PaymentView | null {
    const record = this.#records.get(paymentId);
    return record === undefined ? null : paymentView(record.payment);
  }

  /** The payment the till opened under `key`, with the request it came with; undefined when none. */
  byKey(key: string): { view: PaymentView; request: string } | undefined {
    for (const record of this.#records.values()) {
      if (record.key === key) return { view: paymentView(record.payment), request: record.request };
    }
    return undefined;
  }

  #save(): void {
    if (this.#file === null) return;
    writeStateFile(this.#file, [...this.#records.values()]);
    this.#unsaved = false;
  }
}

/** What the till reads of `view`; never whom the face matched (the masked name is not written down). */
function stored(view: PaymentView): StoredPayment {
  const { id, amount, reference, category, state, receipt, failure } = view;
  const { faceChecksPaused, holdRequestSent } = view;
  return {
    id,
    amount,
    reference,
    category,
    state,
    receipt,
    failure,
    faceChecksPaused,
    holdRequestSent,
  };
}

/** A till payment read back: closed, so no face step, PIN or person is left to show. */
function paymentView(payment: StoredPayment): PaymentView {
  return {
    ...payment,
    purpose: 'purchase',
    currency: 'JPY',
    source: 'till',
    displayNameMasked: null,
    pinRequired: false,
    faceTriesLeft: 0,
    visit: null,
    holdRequestSent: payment.holdRequestSent ?? true,
  };
}
