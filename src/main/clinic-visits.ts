// The clinic reception's memory of today's visits: queue numbers, the hold behind each, and what the hub
// says became of it (settled by the clinic's consultation.completed, released, expired at the no-show deadline).
import { assert } from '../shared/assert.ts';
import type { HoldView } from '../shared/hub-api.ts';
import type { VisitView } from '../shared/kiosk-api.ts';
import { clinicVisitsRememberedMax } from '../shared/limits.ts';

/**
 * A visit's hold reference names the day, the queue number and the kiosk: the clinic's system reads
 * the queue number from it (clinic:sample does), and a restarted kiosk numbers on from it.
 */
export function visitReference(visit: { day: string; queueNumber: number; kioskId: string }) {
  assert(Number.isSafeInteger(visit.queueNumber) && visit.queueNumber > 0, 'a queue number');
  return `visit:${visit.day}:${visit.queueNumber}:${visit.kioskId}`;
}

export function parseVisitReference(
  reference: string,
): { day: string; queueNumber: number; kioskId: string } | null {
  const parts = /^visit:(\d{4}-\d{2}-\d{2}):([1-9]\d{0,5}):(.+)$/.exec(reference);
  if (parts === null) return null;
  const [, day, queue, kioskId] = parts;
  if (day === undefined || queue === undefined || kioskId === undefined) return null;
  return { day, queueNumber: Number(queue), kioskId };
}

/** The reception's day in the kiosk's own time zone: queue numbers start again at 1 each morning. */
export function localDay(ms: number): string {
  const at = new Date(ms);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${at.getFullYear()}-${two(at.getMonth() + 1)}-${two(at.getDate())}`;
}

/** What the board shows of a hold: the money, never who. */
export function visitFromHold(hold: HoldView, queueNumber: number): VisitView {
  assert(hold.template === 'clinic_visit', 'a visit is a clinic_visit hold');
  const state = (
    { active: 'waiting', settled: 'paid', released: 'released', expired: 'expired' } as const
  )[hold.status];
  const paid = hold.status === 'active' ? 0 : hold.settled;
  const visit: VisitView = {
    queueNumber,
    holdId: hold.id,
    state,
    held: hold.amount,
    paid,
    released: hold.status === 'active' ? 0 : hold.amount - paid,
    checkedInAt: hold.createdAt,
    deadline: hold.expiresAt,
  };
  assert(visit.paid + visit.released <= visit.held, 'a visit moves at most what it held');
  return visit;
}

/** Today's visits of one reception kiosk, and the next queue number. */
export class VisitBoard {
  readonly #kioskId: string;
  readonly #visits = new Map<string, VisitView>();
  #day = '';
  #lastQueueNumber = 0;

  constructor(kioskId: string) {
    this.#kioskId = kioskId;
  }

  nextQueueNumber(nowMs: number): { day: string; queueNumber: number } {
    this.#turnDay(nowMs);
    this.#lastQueueNumber += 1;
    return { day: this.#day, queueNumber: this.#lastQueueNumber };
  }

  /**
   * After a restart: today's holds this kiosk placed (from the hub) give back the board and the last
   * queue number, so numbers never repeat within a day. A hold `untold` says no patient was given (its
   * answer was lost: the patient heard the check-in failed, and reconcile releases it) takes its number
   * but stays off the board.
   */
  resume(
    holds: readonly HoldView[],
    nowMs: number,
    untold: (hold: HoldView) => boolean = () => false,
  ): void {
    this.#turnDay(nowMs);
    for (const hold of [...holds].reverse()) {
      const reference = parseVisitReference(hold.reference);
      if (reference === null || hold.template !== 'clinic_visit') continue;
      if (reference.day !== this.#day || reference.kioskId !== this.#kioskId) continue;
      this.#lastQueueNumber = Math.max(this.#lastQueueNumber, reference.queueNumber);
      if (!this.#visits.has(hold.id) && !untold(hold)) {
        this.record(visitFromHold(hold, reference.queueNumber));
      }
    }
  }

  record(visit: VisitView): void {
    this.#visits.delete(visit.holdId);
    this.#visits.set(visit.holdId, visit);
    while (this.#visits.size > clinicVisitsRememberedMax) {
      const oldest = this.#visits.keys().next().value;
      assert(oldest !== undefined, 'a full map has an oldest entry');
      this.#visits.delete(oldest);
    }
  }

  /** Records the hub's word on a visit; true when the board changed. */
  update(hold: HoldView): boolean {
    const known = this.#visits.get(hold.id);
    if (known === undefined) return false;
    const next = visitFromHold(hold, known.queueNumber);
    if (next.state === known.state && next.paid === known.paid) return false;
    this.#visits.set(hold.id, next);
    return true;
  }

  /**
   * The hub answered that it has no such hold (its own 404 for the hold read: its database restored from a
   * backup taken before the check-in, say): the visit closes as gone and is never asked again. Its money
   * stays as the board last knew it (nothing paid or released by the kiosk: there is nothing held to act
   * on); staff ask the hub's operator. True when the board changed.
   */
  markGone(holdId: string): boolean {
    const known = this.#visits.get(holdId);
    if (known?.state !== 'waiting') return false;
    this.#visits.set(holdId, { ...known, state: 'gone' });
    return true;
  }

  waiting(): VisitView[] {
    return [...this.#visits.values()].filter((visit) => visit.state === 'waiting');
  }

  /** Newest first. */
  list(): VisitView[] {
    return [...this.#visits.values()].reverse();
  }

  /** A new day clears yesterday's board and numbering. */
  #turnDay(nowMs: number): void {
    const day = localDay(nowMs);
    if (day === this.#day) return;
    this.#day = day;
    this.#lastQueueNumber = 0;
    for (const [holdId, visit] of this.#visits) {
      if (visit.state !== 'waiting') this.#visits.delete(holdId);
    }
  }
}
