// A write that expires an account's due holds before it reads the money (placing and raising a hold on
// the payer, a refund from the payee) must expire all of them, not the first batch (expirySweepBatchMax).
//
// Found in review: the write's expiry stopped after 500 holds, so a payer with 600 yen and 600 expired,
// unswept holds of 1 yen was refused a hold of 600 as insufficient_funds: 100 yen still held by holds
// that had expired. Expiry is exact whether or not a sweeper ran (API.md).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/hub/clock.ts';
import type { Ledger } from '../../src/hub/ledger/ledger.ts';
import type { HubStore } from '../../src/hub/storage/port.ts';
import { expirySweepBatchMax } from '../../src/shared/limits.ts';
import { yen } from '../../src/shared/money.ts';
import { t0 } from './helpers.ts';
import { ledgerAdmin as admin, openLedger, type OpenLedger } from './ledger-fixture.ts';

/** More expired holds than one batch, each of 1 yen. */
const expiredCount = expirySweepBatchMax + 100;

let opened: OpenLedger<ManualClock>;
let store: HubStore;
let clock: ManualClock;
let ledger: Ledger;

beforeEach(async () => {
  opened = await openLedger('facepay-account-expiry-', new ManualClock(t0), [
    'alice',
    'shop',
    'supplier',
  ]);
  ({ store, clock, ledger } = opened);
});
afterEach(() => opened.close());

function hold(payer: string, payee: string, amount: number, expiresInSeconds: number) {
  return {
    payer,
    payee,
    amount: yen(amount),
    currency: 'JPY' as const,
    reference: 'r',
    expiresInSeconds,
  };
}

/** `payer`'s `expiredCount` holds of 1 yen to `payee`, placed in one write, that expire in a minute. */
async function oneYenHolds(payer: string, payee: string): Promise<void> {
  await store.write(async (tx) => {
    for (let i = 0; i < expiredCount; i += 1)
      await ledger.placeHold(tx, admin, hold(payer, payee, 1, 60));
  });
}

async function heldOf(id: string): Promise<number | undefined> {
  return (await store.reader.getAccount(id))?.held;
}

describe('expiry run by a write, past one batch of due holds', () => {
  it('placing: a hold of all the payer has is placed once its 600 expired holds are expired', async () => {
    await store.write((tx) => ledger.deposit(tx, admin, 'alice', yen(expiredCount)));
    await oneYenHolds('alice', 'shop');
    expect(await heldOf('alice')).toBe(expiredCount);
    clock.advance(61_000);
    const placed = await store.write((tx) =>
      ledger.placeHold(tx, admin, hold('alice', 'shop', expiredCount, 3_600)),
    );
    expect(placed).toMatchObject({ status: 'active', amount: expiredCount });
    expect(await heldOf('alice')).toBe(expiredCount);
    expect(await store.reader.dueHoldIds(clock.now(), { accountId: 'alice' }, 10)).toEqual([]);
  });

  it('raising: a hold raised to all the payer has', async () => {
    await store.write((tx) => ledger.deposit(tx, admin, 'alice', yen(expiredCount + 1)));
    const open = await store.write((tx) =>
      ledger.placeHold(tx, admin, hold('alice', 'shop', 1, 3_600)),
    );
    await oneYenHolds('alice', 'shop');
    clock.advance(61_000);
    const raised = await store.write((tx) =>
      ledger.increase(tx, admin, open.id, yen(expiredCount + 1)),
    );
    expect(raised).toMatchObject({ status: 'active', amount: expiredCount + 1 });
    expect(await heldOf('alice')).toBe(expiredCount + 1);
  });

  it('refunding: the payee refunds all it was paid once its own expired holds are expired', async () => {
    await store.write((tx) => ledger.deposit(tx, admin, 'alice', yen(expiredCount)));
    const paid = await store.write(async (tx) => {
      const placed = await ledger.placeHold(tx, admin, hold('alice', 'shop', expiredCount, 3_600));
      return ledger.settle(tx, admin, placed.id, yen(expiredCount), true);
    });
    // The shop's own holds, as payer to its supplier, take all it was paid until they expire.
    await oneYenHolds('shop', 'supplier');
    clock.advance(61_000);
    const refunded = await store.write((tx) =>
      ledger.refund(tx, admin, paid.id, yen(expiredCount)),
    );
    expect(refunded).toMatchObject({ refunded: expiredCount });
    expect((await store.reader.getAccount('alice'))?.balance).toBe(expiredCount);
    expect(await heldOf('shop')).toBe(0);
  });
});
