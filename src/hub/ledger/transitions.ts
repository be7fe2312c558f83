// The hold state machine as pure functions: each returns the next hold and the money it moves,
// without touching storage, so the rules of settling, releasing and expiring are tested on their own.
import { assert } from '../../shared/assert.ts';
import { addYen, subYen, yen, type Yen } from '../../shared/money.ts';
import { holdRefundsMax, holdSettlementsMax } from '../../shared/limits.ts';
import type { HoldRecord, TransferRecord } from '../storage/records.ts';
import { newId } from '../ids.ts';

export interface Transition {
  hold: HoldRecord;
  transfers: TransferRecord[];
  /** Signed change of the payer's held amount. */
  payerHeldDelta: Yen;
}

export function remainingOf(hold: HoldRecord): Yen {
  return hold.status === 'active' ? subYen(hold.amount, hold.settled) : yen(0);
}

function next(hold: HoldRecord, at: number, changes: Partial<HoldRecord>): HoldRecord {
  return { ...hold, ...changes, updatedAt: at, version: hold.version + 1 };
}

/** Settles `amount` to the payee; closes the hold when `final` or nothing remains. */
export function settle(
  hold: HoldRecord,
  options: {
    amount: Yen;
    final: boolean;
    at: number;
    closedBy: NonNullable<HoldRecord['closedBy']>;
  },
): Transition {
  const remaining = remainingOf(hold);
  assert(hold.status === 'active', 'settle needs an active hold');
  assert(options.amount > 0 && options.amount <= remaining, 'settle amount within remaining');
  assert(hold.settlements.length < holdSettlementsMax, 'settlement count within limit');
  const settled = addYen(hold.settled, options.amount);
  const closes = options.final || settled === hold.amount;
  const settlement = { id: newId('stl'), amount: options.amount, at: options.at };
  const transfer: TransferRecord = {
    id: newId('trf'),
    kind: 'settlement',
    from: hold.payer,
    to: hold.payee,
    amount: options.amount,
    holdId: hold.id,
    at: options.at,
  };
  return {
    hold: next(hold, options.at, {
      settled,
      settlements: [...hold.settlements, settlement],
      ...(closes ? { status: 'settled' as const, closedBy: options.closedBy } : {}),
    }),
    transfers: [transfer],
    payerHeldDelta: yen(-(closes ? remaining : options.amount)),
  };
}

/** Releases what remains and closes the hold; status says whether anything was settled before. */
export function release(
  hold: HoldRecord,
  options: { at: number; closedBy: NonNullable<HoldRecord['closedBy']>; expired?: boolean },
): Transition {
  assert(hold.status === 'active', 'release needs an active hold');
  const remaining = remainingOf(hold);
  const status = hold.settled > 0 ? 'settled' : options.expired === true ? 'expired' : 'released';
  return {
    hold: next(hold, options.at, { status, closedBy: options.closedBy }),
    transfers: [],
    payerHeldDelta: yen(-remaining),
  };
}

/** Raises an active hold's total to `amount`. */
export function increase(hold: HoldRecord, options: { amount: Yen; at: number }): Transition {
  assert(hold.status === 'active', 'increase needs an active hold');
  assert(options.amount > hold.amount, 'increase only upward');
  return {
    hold: next(hold, options.at, { amount: options.amount }),
    transfers: [],
    payerHeldDelta: subYen(options.amount, hold.amount),
  };
}

/** Sends settled money back from payee to payer; allowed on active and closed holds. */
export function refund(hold: HoldRecord, options: { amount: Yen; at: number }): Transition {
  assert(options.amount <= subYen(hold.settled, hold.refunded), 'refund within refundable');
  assert(hold.refunds.length < holdRefundsMax, 'refund count within limit');
  const mark = { id: newId('rfd'), amount: options.amount, at: options.at };
  return {
    hold: next(hold, options.at, {
      refunded: addYen(hold.refunded, options.amount),
      refunds: [...hold.refunds, mark],
    }),
    transfers: [
      {
        id: newId('trf'),
        kind: 'refund',
        from: hold.payee,
        to: hold.payer,
        amount: options.amount,
        holdId: hold.id,
        at: options.at,
      },
    ],
    payerHeldDelta: yen(0),
  };
}

/** Applies one transition after another on the same hold (e.g. settle, then close on expiry). */
export function chain(first: Transition, then: (hold: HoldRecord) => Transition): Transition {
  const second = then(first.hold);
  return {
    hold: second.hold,
    transfers: [...first.transfers, ...second.transfers],
    payerHeldDelta: addYen(first.payerHeldDelta, second.payerHeldDelta),
  };
}
