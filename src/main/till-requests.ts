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

const recordSchema = z.object({
  /** The till's Idempotency-Key, if it sent one. */
  key: z.string().nullable(),
  /** The request as the key compares it (amount, reference, category). */
  request: z.string(),
  view: paymentViewSchema,
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
      const view = closedStates.has(record.view.state)
        ? record.view
        : { ...record.view, state: 'failed' as const, failure: interruptedFailure };
      this.#records.set(view.id, { ...record, view });
    }
  }

  /**
   * A payment the till opened, written before the till hears of it: thrown when it cannot be (the caller
   * takes the payment back, so no till holds an id a restart would not know).
   */
  opened(view: PaymentView, key: string | null, request: string): void {
    this.#records.set(view.id, { key, request, view: withoutPerson(view) });
    while (this.#records.size > tillRequestsKeptMax) {
      const oldest = this.#records.keys().next().value;
      if (oldest === undefined) break;
      this.#records.delete(oldest);
    }
    this.#save();
  }

  /**
   * The payment as it is now (closed, or paid at the hub): written when it changed. A failed write is
   * reported to the caller (false) and tried again at the next change; memory stays right.
   */
  changed(view: PaymentView): boolean {
    const record = this.#records.get(view.id);
    if (record === undefined) return true;
    const next = withoutPerson(view);
    if (!this.#unsaved && JSON.stringify(next) === JSON.stringify(record.view)) return true;
    this.#records.set(view.id, { ...record, view: next });
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
    return this.#records.get(paymentId)?.view ?? null;
  }

  /** The payment the till opened under `key`, with the request it came with; undefined when none. */
  byKey(key: string): { view: PaymentView; request: string } | undefined {
    for (const record of this.#records.values()) {
      if (record.key === key) return { view: record.view, request: record.request };
    }
    return undefined;
  }

  #save(): void {
    if (this.#file === null) return;
    writeStateFile(this.#file, [...this.#records.values()]);
    this.#unsaved = false;
  }
}

/** The till never reads whom the face matched: the masked name is not written down. */
function withoutPerson(view: PaymentView): PaymentView {
  return { ...view, displayNameMasked: null };
}
