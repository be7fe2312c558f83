// A write on a hold is decided and stamped at one instant: expiry is exact (API.md), so nothing is
// recorded on a hold at or after its expiresAt.
//
// Found in review: settle, event and increase asked whether the hold was still open with one reading of
// the clock and stamped what they recorded with a later one (increase read it five times, with database
// reads between). One millisecond before expiresAt the hold was open, and the settlement, event or raise
// was recorded at expiresAt or after: a settlement of a hold that had expired. Here the ledger's clock
// moves on a millisecond at every reading, as a real clock does between reads, so a write that reads it
// twice stamps a later instant than the one it checked.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Clock } from '../../src/hub/clock.ts';
import type { Ledger } from '../../src/hub/ledger/ledger.ts';
import { HubError } from '../../src/hub/errors.ts';
import type { HubStore } from '../../src/hub/storage/port.ts';
import type { HoldRecord } from '../../src/hub/storage/records.ts';
import type { Rule } from '../../src/shared/hub-api.ts';
import { yen } from '../../src/shared/money.ts';
import { t0 } from './helpers.ts';
import { ledgerAdmin as admin, openLedger, type OpenLedger } from './ledger-fixture.ts';

/** A clock that moves on 1 ms at every reading. */
class TickingClock implements Clock {
  constructor(public ms: number) {}
  now(): number {
    const at = this.ms;
    this.ms += 1;
    return at;
  }
}

let opened: OpenLedger<TickingClock>;
let store: HubStore;
let clock: TickingClock;
let ledger: Ledger;

beforeEach(async () => {
  opened = await openLedger('facepay-one-instant-', new TickingClock(t0), ['alice', 'shop']);
  ({ store, clock, ledger } = opened);
  await store.write((tx) => ledger.deposit(tx, admin, 'alice', yen(100_000)));
});
afterEach(() => opened.close());

/** Alice's hold of 5,000 to the shop, a minute to live; `rules` as given. */
async function placed(rules: Rule[] = []): Promise<HoldRecord> {
  return store.write((tx) =>
    ledger.placeHold(tx, admin, {
      payer: 'alice',
      payee: 'shop',
      amount: yen(5_000),
      currency: 'JPY',
      reference: 'r',
      expiresInSeconds: 60,
      rules,
    }),
  );
}

/** The refusal code of `run`, or the hold it answered. */
async function outcome(run: () => Promise<HoldRecord>): Promise<HoldRecord | string> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof HubError) return error.code;
    throw error;
  }
}

/** Every instant the hold records, each before its expiry. */
function expectAllBefore(hold: HoldRecord, expiresAt: number): void {
  expect(hold.updatedAt).toBeLessThan(expiresAt);
  for (const s of hold.settlements) expect(s.at).toBeLessThan(expiresAt);
  for (const e of hold.events) expect(e.at).toBeLessThan(expiresAt);
}

async function stored(id: string): Promise<HoldRecord> {
  const hold = await store.reader.getHold(id);
  if (hold === undefined) throw new Error(`hold ${id} not stored`);
  return hold;
}

describe('a write one millisecond before the hold expires', () => {
  it('settle: recorded at that millisecond, not at or after expiresAt', async () => {
    const hold = await placed();
    clock.ms = hold.expiresAt - 1;
    const settled = await outcome(() =>
      store.write((tx) => ledger.settle(tx, admin, hold.id, yen(1_000), false)),
    );
    expect(settled).toMatchObject({ status: 'active', settled: 1_000 });
    const after = await stored(hold.id);
    expect(after.settlements.map((s) => s.at)).toEqual([hold.expiresAt - 1]);
    expectAllBefore(after, hold.expiresAt);
  });

  it('event: the event and the settlement its rule made, both before expiresAt', async () => {
    const hold = await placed([{ on: 'ping', action: 'settle', amount: yen(1_000) }]);
    clock.ms = hold.expiresAt - 1;
    const answered = await outcome(() =>
      store.write((tx) => ledger.event(tx, admin, hold.id, { type: 'ping' })),
    );
    expect(answered).toMatchObject({ status: 'active', settled: 1_000 });
    const after = await stored(hold.id);
    expect(after.events.map((e) => e.at)).toEqual([hold.expiresAt - 1]);
    expect(after.settlements.map((s) => s.at)).toEqual([hold.expiresAt - 1]);
    expectAllBefore(after, hold.expiresAt);
  });

  it('increase: the raise recorded before expiresAt, and the hold then expires with all of it', async () => {
    const hold = await placed();
    clock.ms = hold.expiresAt - 1;
    const raised = await outcome(() =>
      store.write((tx) => ledger.increase(tx, admin, hold.id, yen(6_000))),
    );
    expect(raised).toMatchObject({ status: 'active', amount: 6_000 });
    expectAllBefore(await stored(hold.id), hold.expiresAt);
    expect((await store.reader.getAccount('alice'))?.held).toBe(6_000);

    clock.ms = hold.expiresAt;
    expect(await store.write((tx) => ledger.expireDue(tx, {}))).toBe(1);
    expect(await stored(hold.id)).toMatchObject({ status: 'expired', amount: 6_000 });
    expect((await store.reader.getAccount('alice'))?.held).toBe(0);
  });
});

describe('a write at the millisecond the hold expires', () => {
  it('settle, event and increase are each hold_expired, nothing recorded', async () => {
    const hold = await placed([{ on: 'ping', action: 'settle', amount: yen(1_000) }]);
    clock.ms = hold.expiresAt;
    expect(
      await outcome(() => store.write((tx) => ledger.settle(tx, admin, hold.id, yen(1), false))),
    ).toBe('hold_expired');
    expect(
      await outcome(() => store.write((tx) => ledger.event(tx, admin, hold.id, { type: 'ping' }))),
    ).toBe('hold_expired');
    expect(
      await outcome(() => store.write((tx) => ledger.increase(tx, admin, hold.id, yen(6_000)))),
    ).toBe('hold_expired');
    // A refused write rolls back the expiry it ran; the sweep records it, at the deadline itself.
    clock.ms = hold.expiresAt + 10;
    expect(await store.write((tx) => ledger.expireDue(tx, {}))).toBe(1);
    const after = await stored(hold.id);
    expect(after).toMatchObject({ status: 'expired', amount: 5_000, settled: 0 });
    expect(after.settlements).toEqual([]);
    expect(after.events).toEqual([]);
    expect(after.updatedAt).toBe(hold.expiresAt);
  });
});
