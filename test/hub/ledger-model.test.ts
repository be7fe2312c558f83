// Model-based test: random sequences of place / increase / settle / release / refund / event /
// time-advance run against the real ledger (SQLite, and PostgreSQL in the postgres project) and a tiny
// in-memory reference; after every step both must agree on every outcome and balance, money is
// conserved, no hold settles beyond it. The same again with the commands sent together, so group commit
// runs them as one batch (with what each says it reads first, as the HTTP routes declare it).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { ManualClock } from '../../src/hub/clock.ts';
import { Ledger } from '../../src/hub/ledger/ledger.ts';
import type { HubStore, JobReads, StoreTx } from '../../src/hub/storage/port.ts';
import { HubError } from '../../src/hub/errors.ts';
import { yen, type Yen } from '../../src/shared/money.ts';
import { openTestStore, t0, tempDir } from './helpers.ts';
import { ledgerAdmin as admin, openLedger } from './ledger-fixture.ts';

const accounts = ['a', 'b', 'c'] as const;
interface ModelHold {
  id: string;
  payer: string;
  payee: string;
  amount: number;
  settled: number;
  refunded: number;
  settlements: number;
  status: 'active' | 'settled' | 'released' | 'expired';
  byDeadline: boolean;
  expiresAt: number;
  onExpiry: 'release' | 'settle';
  metered: boolean;
}

class Model {
  balance = new Map<string, number>(accounts.map((id) => [id, 0]));
  holds: ModelHold[] = [];
  now = t0;

  held(id: string): number {
    return this.holds
      .filter((h) => h.payer === id && h.status === 'active')
      .reduce((sum, h) => sum + h.amount - h.settled, 0);
  }
  available(id: string): number {
    return (this.balance.get(id) ?? 0) - this.held(id);
  }
  move(from: string, to: string, amount: number): void {
    this.balance.set(from, (this.balance.get(from) ?? 0) - amount);
    this.balance.set(to, (this.balance.get(to) ?? 0) + amount);
  }
  expireDue(): void {
    for (const h of this.holds) {
      if (h.status !== 'active' || h.expiresAt > this.now) continue;
      if (h.onExpiry === 'settle' && h.settlements < 50) {
        this.move(h.payer, h.payee, h.amount - h.settled);
        h.settled = h.amount;
        h.settlements++;
        h.status = 'settled';
      } else {
        h.status = h.settled > 0 ? 'settled' : 'expired';
      }
      h.byDeadline = true;
    }
  }
  closedCode(h: ModelHold): string | undefined {
    if (h.status === 'active') return undefined;
    return h.byDeadline ? 'hold_expired' : 'hold_closed';
  }
  settle(h: ModelHold, amount: number, final: boolean): string {
    const closed = this.closedCode(h);
    if (closed !== undefined) return closed;
    if (amount > h.amount - h.settled) return 'exceeds_remaining';
    if (h.settlements >= 50) return 'too_many_settlements';
    this.move(h.payer, h.payee, amount);
    h.settled += amount;
    h.settlements++;
    if (final || h.settled === h.amount) h.status = 'settled';
    return 'ok';
  }
}

type Command =
  | { kind: 'deposit'; account: number; amount: number }
  | {
      kind: 'place';
      payer: number;
      payee: number;
      amount: number;
      seconds: number;
      onExpiry: 'release' | 'settle';
      metered: boolean;
    }
  | { kind: 'increase'; hold: number; by: number }
  | { kind: 'settle'; hold: number; amount: number; final: boolean }
  | { kind: 'release'; hold: number }
  | { kind: 'refund'; hold: number; amount: number }
  | { kind: 'event'; hold: number; amount: number }
  | { kind: 'advance'; seconds: number };

const amount = fc.integer({ min: 1, max: 3_000 });
const index = fc.nat({ max: 40 });
const command: fc.Arbitrary<Command> = fc.oneof(
  fc.record({
    kind: fc.constant('deposit' as const),
    account: fc.nat({ max: 2 }),
    amount: fc.integer({ min: 1, max: 10_000 }),
  }),
  fc.record({
    kind: fc.constant('place' as const),
    payer: fc.nat({ max: 2 }),
    payee: fc.nat({ max: 2 }),
    amount,
    seconds: fc.integer({ min: 1, max: 120 }),
    onExpiry: fc.constantFrom('release' as const, 'settle' as const),
    metered: fc.boolean(),
  }),
  fc.record({
    kind: fc.constant('increase' as const),
    hold: index,
    by: fc.integer({ min: 0, max: 2_000 }),
  }),
  fc.record({ kind: fc.constant('settle' as const), hold: index, amount, final: fc.boolean() }),
  fc.record({ kind: fc.constant('release' as const), hold: index }),
  fc.record({ kind: fc.constant('refund' as const), hold: index, amount }),
  fc.record({ kind: fc.constant('event' as const), hold: index, amount }),
  fc.record({ kind: fc.constant('advance' as const), seconds: fc.integer({ min: 1, max: 90 }) }),
);

async function outcome(run: () => Promise<unknown>): Promise<string> {
  try {
    await run();
    return 'ok';
  } catch (error) {
    if (error instanceof HubError) return error.code;
    throw error;
  }
}

/** Applies one command to the model; returns the expected outcome code. */
function applyToModel(
  m: Model,
  c: Command,
  ids: string[],
): { expected: string; holdIndex?: number } {
  m.expireDue();
  const hold = (i: number) => m.holds[i % Math.max(1, m.holds.length)];
  switch (c.kind) {
    case 'deposit':
      m.move('__issuer', accounts[c.account] ?? 'a', c.amount);
      return { expected: 'ok' };
    case 'place': {
      const payer = accounts[c.payer] ?? 'a';
      const payee = accounts[c.payee] ?? 'a';
      if (payer === payee) return { expected: 'invalid_request' };
      if (m.available(payer) < c.amount) return { expected: 'insufficient_funds' };
      m.holds.push({
        id: '',
        payer,
        payee,
        amount: c.amount,
        settled: 0,
        refunded: 0,
        settlements: 0,
        status: 'active',
        byDeadline: false,
        expiresAt: m.now + c.seconds * 1000,
        onExpiry: c.metered ? 'release' : c.onExpiry,
        metered: c.metered,
      });
      return { expected: 'ok', holdIndex: m.holds.length - 1 };
    }
    default:
      break;
  }
  if (c.kind === 'advance') return { expected: 'ok' };
  const h = hold(c.hold);
  if (h === undefined || ids.length === 0) return { expected: 'skip' };
  switch (c.kind) {
    case 'increase': {
      const closed = m.closedCode(h);
      if (closed !== undefined) return { expected: closed };
      if (c.by === 0) return { expected: 'not_an_increase' };
      if (m.available(h.payer) < c.by) return { expected: 'insufficient_funds' };
      h.amount += c.by;
      return { expected: 'ok' };
    }
    case 'settle':
      return { expected: m.settle(h, c.amount, c.final) };
    case 'release': {
      const closed = m.closedCode(h);
      if (closed !== undefined) return { expected: closed };
      h.status = h.settled > 0 ? 'settled' : 'released';
      return { expected: 'ok' };
    }
    case 'refund': {
      if (c.amount > h.settled - h.refunded) return { expected: 'exceeds_refundable' };
      if (m.available(h.payee) < c.amount) return { expected: 'insufficient_funds' };
      m.move(h.payee, h.payer, c.amount);
      h.refunded += c.amount;
      return { expected: 'ok' };
    }
    case 'event': {
      const closed = m.closedCode(h);
      if (closed !== undefined) return { expected: closed };
      if (!h.metered) return { expected: 'no_matching_rule' };
      return { expected: m.settle(h, c.amount, true) };
    }
  }
}

/** The ledger call of one command, as a write job; a placed hold's id is appended to `ids`. */
function commandJob(options: {
  ledger: Ledger;
  c: Command;
  id: string;
  ids: string[];
}): (tx: StoreTx) => Promise<unknown> {
  const { ledger, c, id, ids } = options;
  return async (tx) => {
    switch (c.kind) {
      case 'deposit':
        return ledger.deposit(tx, admin, accounts[c.account] ?? 'a', c.amount as Yen);
      case 'place': {
        const placed = await ledger.placeHold(tx, admin, {
          payer: accounts[c.payer] ?? 'a',
          payee: accounts[c.payee] ?? 'a',
          amount: yen(c.amount),
          currency: 'JPY',
          reference: 'model',
          expiresInSeconds: c.seconds,
          ...(c.metered ? { template: { name: 'metered' as const } } : { onExpiry: c.onExpiry }),
        });
        ids.push(placed.id);
        return placed;
      }
      case 'increase': {
        const current = await tx.getHold(id);
        return ledger.increase(tx, admin, id, ((current?.amount ?? 0) + c.by) as Yen);
      }
      case 'settle':
        return ledger.settle(tx, admin, id, c.amount as Yen, c.final);
      case 'release':
        return ledger.release(tx, admin, id);
      case 'refund':
        return ledger.refund(tx, admin, id, c.amount as Yen);
      case 'event':
        return ledger.event(tx, admin, id, {
          type: 'service.completed',
          data: { amount: yen(c.amount) },
        });
      case 'advance':
        return ledger.expireDue(tx, {});
    }
  };
}

/** A fresh store (temp folder) with the model's accounts opened, on a frozen clock at t0. */
function openModelLedger(prefix: string) {
  return openLedger(prefix, new ManualClock(t0), accounts);
}

async function runSequence(commands: Command[]): Promise<void> {
  const { dir, clock, store, ledger } = await openModelLedger('facepay-model-');
  const model = new Model();
  const ids: string[] = [];
  try {
    for (const c of commands) {
      if (c.kind === 'advance') {
        clock.advance(c.seconds * 1000);
        model.now = clock.now();
      }
      const { expected, holdIndex } = applyToModel(model, c, ids);
      if (expected === 'skip') continue;
      const id = ids.length === 0 ? '' : (ids[('hold' in c ? c.hold : 0) % ids.length] ?? '');
      const actual = await outcome(() => store.write(commandJob({ ledger, c, id, ids })));
      expect(actual, JSON.stringify(c)).toBe(expected);
      if (holdIndex !== undefined) {
        const mh = model.holds[holdIndex];
        if (mh !== undefined) mh.id = ids.at(-1) ?? '';
      }
      await compare(store, ledger, model);
    }
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * What a command's job says it reads first, as the HTTP routes say it (place: both accounts and the
 * payer's deadlines; settle: the hold); the other actions declare nothing or, every other hold, the hold
 * and every account, so a batch's read-ahead also holds rows a later job changes.
 */
function declaredReads(c: Command, id: string): JobReads | undefined {
  switch (c.kind) {
    case 'place': {
      const payer = accounts[c.payer] ?? 'a';
      return { accounts: [payer, accounts[c.payee] ?? 'a'], dueOfAccount: payer };
    }
    case 'settle':
      return { hold: id };
    case 'deposit':
    case 'advance':
      return undefined;
    default:
      return c.hold % 2 === 0 ? undefined : { hold: id, accounts: [...accounts] };
  }
}

/** A group split so that each time advance is a group of its own: a batch's jobs share one clock. */
function timeAlone(group: Command[]): Command[][] {
  const parts: Command[][] = [[]];
  for (const c of group) {
    if (c.kind === 'advance') parts.push([c], []);
    else parts.at(-1)?.push(c);
  }
  return parts.filter((part) => part.length > 0);
}

/**
 * Each group's commands are sent together, without waiting, so group commit runs them in one batch in
 * the order sent; the model applies them one by one in that order. A command names a hold placed
 * before its group (a hold placed in the same group has no id yet). Time moves only between groups.
 */
async function runBatchedSequence(
  groups: Command[][],
  batched: { jobs: number; batches: number },
): Promise<void> {
  const { dir, clock, store, ledger } = await openModelLedger('facepay-model-batched-');
  const model = new Model();
  const ids: string[] = [];
  try {
    for (const group of groups.flatMap(timeAlone)) {
      const known = [...ids];
      const sent: Array<{ c: Command; expected: string; actual: Promise<string> }> = [];
      for (const original of group) {
        if (original.kind === 'advance') {
          clock.advance(original.seconds * 1000);
          model.now = clock.now();
        }
        const c =
          'hold' in original && known.length > 0
            ? { ...original, hold: original.hold % known.length }
            : original;
        const { expected } = applyToModel(model, c, known);
        if (expected === 'skip') continue;
        const id = 'hold' in c ? (known[c.hold] ?? '') : '';
        const reads = declaredReads(c, id);
        // outcome() calls store.write before its first await: the jobs queue in this order.
        sent.push({
          c,
          expected,
          actual: outcome(() => store.write(commandJob({ ledger, c, id, ids }), reads)),
        });
      }
      const before = store.writeStats();
      const actual = await Promise.all(sent.map((one) => one.actual));
      const after = store.writeStats();
      batched.jobs += after.jobs - before.jobs;
      batched.batches += after.batches - before.batches;
      expect(actual, JSON.stringify(sent.map((one) => one.c))).toEqual(
        sent.map((one) => one.expected),
      );
      // Both lists grow by the successful places, in the order they ran.
      expect(ids).toHaveLength(model.holds.length);
      model.holds.forEach((mh, k) => {
        mh.id = ids[k] ?? '';
      });
      await compare(store, ledger, model);
    }
    expect(await store.checkConsistency()).toMatchObject({ ok: true, problems: [] });
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function compare(store: HubStore, ledger: Ledger, model: Model): Promise<void> {
  model.expireDue();
  await store.write((tx) => ledger.expireDue(tx, {}));
  for (const id of accounts) {
    const real = await store.reader.getAccount(id);
    expect({ id, balance: real?.balance, held: real?.held }).toEqual({
      id,
      balance: model.balance.get(id),
      held: model.held(id),
    });
  }
  for (const mh of model.holds) {
    const real = await store.reader.getHold(mh.id);
    expect(real?.settled).toBeLessThanOrEqual(real?.amount ?? 0);
    expect({
      status: real?.status,
      amount: real?.amount,
      settled: real?.settled,
      refunded: real?.refunded,
    }).toEqual({
      status: mh.status,
      amount: mh.amount,
      settled: mh.settled,
      refunded: mh.refunded,
    });
  }
  const issuer = await store.reader.getAccount('__issuer');
  const total = accounts.reduce((sum, id) => sum + (model.balance.get(id) ?? 0), 0);
  expect((issuer?.balance ?? Number.NaN) + total).toBe(0);
}

describe('ledger against a reference model', () => {
  it('agrees on every outcome and balance over random operation sequences', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(command, { minLength: 5, maxLength: 45 }), async (commands) =>
        runSequence(commands),
      ),
      { numRuns: 60, seed: 20261124 },
    );
  });

  it('agrees when the commands of each step are sent together and run as one batch', async () => {
    const step = fc.oneof(
      { weight: 1, arbitrary: fc.tuple(command) },
      { weight: 4, arbitrary: fc.array(command, { minLength: 2, maxLength: 10 }) },
    );
    const batched = { jobs: 0, batches: 0 };
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 3, maxLength: 10 }), async (groups) =>
        runBatchedSequence(groups, batched),
      ),
      { numRuns: 40, seed: 20261202 },
    );
    // Group commit did run the groups' jobs together (a job per batch would test nothing new).
    expect(batched.jobs / batched.batches).toBeGreaterThan(1.5);
  });

  it('recomputes every balance and hold from the entries after a long random run', async () => {
    const dir = tempDir('facepay-recompute-');
    const clock = new ManualClock(t0);
    const store = await openTestStore(dir, randomBytes(32));
    const ledger = new Ledger(clock);
    const rng =
      fc.sample(fc.array(fc.integer({ min: 1, max: 5_000 }), { minLength: 300, maxLength: 300 }), {
        numRuns: 1,
        seed: 7,
      })[0] ?? [];
    for (const id of accounts)
      await store.write((tx) =>
        ledger.createAccount(tx, admin, { id, kind: 'merchant', name: id, currency: 'JPY' }),
      );
    await store.write((tx) => ledger.deposit(tx, admin, 'a', 1_000_000 as Yen));
    for (const [i, n] of rng.entries()) {
      await outcome(() =>
        store.write(async (tx) => {
          const hold = await ledger.placeHold(tx, admin, {
            payer: 'a',
            payee: i % 2 === 0 ? 'b' : 'c',
            amount: yen(n),
            currency: 'JPY',
            reference: 'r',
            expiresInSeconds: 30 + (i % 50),
            onExpiry: i % 3 === 0 ? 'settle' : 'release',
          });
          if (i % 4 === 0) await ledger.settle(tx, admin, hold.id, Math.ceil(n / 2) as Yen, false);
          if (i % 8 === 0) await ledger.refund(tx, admin, hold.id, 1 as Yen);
        }),
      );
      clock.advance(1_000);
    }
    await store.write((tx) => ledger.expireDue(tx, {}));
    const report = await store.checkConsistency();
    await store.close();
    expect(report).toMatchObject({ ok: true, problems: [], totalBalance: 0 });
    rmSync(dir, { recursive: true, force: true });
  });
});
