// The reception board's pure parts: what a hold means on the board (waiting, paid with the rest released,
// released, expired), the visit reference, and numbering per day per kiosk, after a restart too.
import { describe, expect, it } from 'vitest';
import {
  localDay,
  parseVisitReference,
  visitFromHold,
  visitReference,
  VisitBoard,
} from '../../src/main/clinic-visits.ts';
import type { HoldView } from '../../src/shared/hub-api.ts';

const morning = new Date(2026, 11, 2, 9, 0).getTime();
const today = localDay(morning);

function hold(change: Partial<HoldView> & { id: string; reference: string }): HoldView {
  return {
    status: 'active',
    payer: 'patient',
    payee: 'clinic',
    currency: 'JPY',
    amount: 5_000,
    settled: 0,
    refunded: 0,
    remaining: 5_000,
    expiresAt: '2026-12-02T13:00:00.000Z',
    onExpiry: 'release',
    rules: [],
    template: 'clinic_visit',
    scheduled: null,
    settlements: [],
    refunds: [],
    events: [],
    createdAt: '2026-12-02T09:00:00.000Z',
    updatedAt: '2026-12-02T09:00:00.000Z',
    ...change,
  } as HoldView;
}

describe('clinic visits', () => {
  it("shows a hold's outcome as the board's words: waiting, paid + released, released, expired", () => {
    const reference = visitReference({ day: today, queueNumber: 3, kioskId: 'k1' });
    expect(visitFromHold(hold({ id: 'h', reference }), 3)).toMatchObject({
      queueNumber: 3,
      state: 'waiting',
      held: 5_000,
      paid: 0,
      released: 0,
    });
    const settled = hold({ id: 'h', reference, status: 'settled', settled: 3_210, remaining: 0 });
    expect(visitFromHold(settled, 3)).toMatchObject({
      state: 'paid',
      paid: 3_210,
      released: 1_790,
    });
    expect(visitFromHold(hold({ id: 'h', reference, status: 'released' }), 3)).toMatchObject({
      state: 'released',
      paid: 0,
      released: 5_000,
    });
    expect(visitFromHold(hold({ id: 'h', reference, status: 'expired' }), 3)).toMatchObject({
      state: 'expired',
      released: 5_000,
    });
  });

  it('reads back only references it wrote', () => {
    const reference = visitReference({ day: today, queueNumber: 12, kioskId: 'kiosk:a' });
    expect(parseVisitReference(reference)).toEqual({
      day: today,
      queueNumber: 12,
      kioskId: 'kiosk:a',
    });
    for (const other of [
      'visit',
      'visit:2026-12-02:0:k',
      'visit:2026-12-02:x:k',
      'e2e-1',
      'visit:2026-12-02:3:',
    ]) {
      expect(parseVisitReference(other), other).toBeNull();
    }
    expect(() => visitReference({ day: today, queueNumber: 0, kioskId: 'k' })).toThrow();
  });

  it('numbers from 1 each day, and a restarted kiosk numbers on from its own visits of today only', () => {
    const board = new VisitBoard('k1');
    expect(board.nextQueueNumber(morning)).toEqual({ day: today, queueNumber: 1 });
    expect(board.nextQueueNumber(morning)).toEqual({ day: today, queueNumber: 2 });
    const tomorrow = morning + 24 * 3600 * 1000;
    expect(board.nextQueueNumber(tomorrow).queueNumber).toBe(1);

    const restarted = new VisitBoard('k1');
    const yesterday = localDay(morning - 24 * 3600 * 1000);
    restarted.resume(
      [
        hold({
          id: 'h4',
          reference: visitReference({ day: today, queueNumber: 4, kioskId: 'k1' }),
        }),
        hold({
          id: 'h9',
          reference: visitReference({ day: today, queueNumber: 9, kioskId: 'k2' }),
        }),
        hold({
          id: 'h7',
          reference: visitReference({ day: yesterday, queueNumber: 7, kioskId: 'k1' }),
        }),
        hold({ id: 'hp', reference: 'e2e-purchase', template: 'purchase' }),
      ],
      morning,
    );
    expect(restarted.list().map((visit) => visit.holdId)).toEqual(['h4']);
    expect(restarted.nextQueueNumber(morning).queueNumber).toBe(5);
  });

  it('changes the board only when the hub says something new, and keeps waiting visits over a new day', () => {
    const board = new VisitBoard('k1');
    const reference = visitReference({ day: today, queueNumber: 1, kioskId: 'k1' });
    board.record(visitFromHold(hold({ id: 'h1', reference }), 1));
    expect(board.update(hold({ id: 'h1', reference }))).toBe(false);
    expect(board.update(hold({ id: 'unknown', reference }))).toBe(false);
    const second = visitReference({ day: today, queueNumber: 2, kioskId: 'k1' });
    board.record(visitFromHold(hold({ id: 'h2', reference: second }), 2));
    expect(board.update(hold({ id: 'h2', reference: second, status: 'expired' }))).toBe(true);
    expect(board.waiting().map((visit) => visit.holdId)).toEqual(['h1']);
    board.nextQueueNumber(morning + 24 * 3600 * 1000);
    expect(board.list().map((visit) => visit.holdId)).toEqual(['h1']);
  });
});
