// Money is a branded safe integer of minor units (JPY: yen); no float ever touches the ledger.
// Construct with `yen()` at the edge; arithmetic helpers re-assert the range on every result.
import { assert } from './assert.ts';
import { amountMinorMax } from './limits.ts';

export type Yen = number & { readonly __brand: 'Yen' };
export type Currency = 'JPY';

/** Any safe integer, signed: balances and entry amounts. */
export function yen(value: number): Yen {
  assert(Number.isSafeInteger(value), `money must be a safe integer, got ${value}`);
  return value as Yen;
}

/** A positive amount a client may ask for: 1..amountMinorMax. */
export function isValidAmount(value: unknown): value is Yen {
  return (
    typeof value === 'number' && Number.isSafeInteger(value) && value > 0 && value <= amountMinorMax
  );
}

export function addYen(a: Yen, b: Yen): Yen {
  return yen(a + b);
}

export function subYen(a: Yen, b: Yen): Yen {
  return yen(a - b);
}

export function minYen(a: Yen, b: Yen): Yen {
  return (a < b ? a : b) as Yen;
}

export const zeroYen = 0 as Yen;
