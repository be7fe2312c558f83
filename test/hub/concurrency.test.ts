// Races on one hold: concurrent settles, releases and refunds must serialise, so that exactly one
// wins where only one can, and the money adds up afterwards.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { yen } from '../../src/shared/money.ts';
import type { StoreTx } from '../../src/hub/storage/port.ts';
import {
  account,
  balances,
  client,
  holdBody,
  startTestHub,
  storeKind,
  type TestHub,
} from './helpers.ts';

let t: TestHub;
beforeEach(async () => {
  t = await startTestHub();
  await account(t, 'alice', 'person', 100_000);
  await account(t, 'shop', 'merchant');
});
afterEach(async () => t.stop());

/** 100 yen from alice to the shop, written straight to the store as transfer `id`. */
function pay(tx: StoreTx, id: string) {
  return tx.transfer({
    id,
    kind: 'deposit',
    from: 'alice',
    to: 'shop',
    amount: yen(100),
    holdId: null,
    at: t.clock.now(),
  });
}

describe('concurrency', () => {
  for (const groupCommit of [true, false]) {
    it(`20 parallel settles of one hold: exactly one succeeds (group commit ${groupCommit})`, async () => {
      if (!groupCommit) {
        await t.stop();
        t = await (await import('./helpers.ts')).startTestHub({ groupCommit: false });
        await account(t, 'alice', 'person', 100_000);
        await account(t, 'shop', 'merchant');
      }
      const shop = await client(t, 'merchant', 'shop');
      const hold = (await t.call('POST', '/v1/holds', { body: holdBody('alice', 'shop', 5_000) }))
        .body;
      const before = t.hub.store.writeStats();
      const results = await Promise.all(
        Array.from({ length: 20 }, () =>
          t.call('POST', `/v1/holds/${hold.id}/settle`, { token: shop, body: { amount: 5_000 } }),
        ),
      );
      const statuses = results.map((r) => r.status).sort();
      expect(statuses.filter((s) => s === 200)).toHaveLength(1);
      expect(statuses.filter((s) => s === 409)).toHaveLength(19);
      // bench:hub's group-commit figures come from these counts: every settle was one write job.
      const after = t.hub.store.writeStats();
      const jobs = after.jobs - before.jobs;
      const batches = after.batches - before.batches;
      expect(jobs).toBeGreaterThanOrEqual(20);
      if (groupCommit) expect(batches).toBeLessThanOrEqual(jobs);
      else expect(batches).toBe(jobs);
      expect(after.batchMs).toBeGreaterThan(before.batchMs);
      expect(await balances(t, 'alice')).toEqual({ balance: 95_000, held: 0, available: 95_000 });
      expect(await balances(t, 'shop')).toEqual({ balance: 5_000, held: 0, available: 5_000 });
    });
  }

  it('parallel partial settles never exceed the hold, parallel holds never overdraw', async () => {
    const hold = (await t.call('POST', '/v1/holds', { body: holdBody('alice', 'shop', 1_000) }))
      .body;
    const settles = await Promise.all(
      Array.from({ length: 30 }, () =>
        t.call('POST', `/v1/holds/${hold.id}/settle`, { body: { amount: 100 } }),
      ),
    );
    expect(settles.filter((r) => r.status === 200)).toHaveLength(10);
    const places = await Promise.all(
      Array.from({ length: 30 }, () =>
        t.call('POST', '/v1/holds', { body: holdBody('alice', 'shop', 9_000) }),
      ),
    );
    expect(places.filter((r) => r.status === 201)).toHaveLength(11);
    expect(
      places
        .filter((r) => r.status === 422)
        .every((r) => r.body.error.code === 'insufficient_funds'),
    ).toBe(true);
    expect(await balances(t, 'alice')).toEqual({ balance: 99_000, held: 99_000, available: 0 });
  });

  it('the same idempotency key sent 10 times at once moves money once', async () => {
    const body = holdBody('alice', 'shop', 700, { template: { name: 'purchase' } });
    const results = await Promise.all(
      Array.from({ length: 10 }, () => t.call('POST', '/v1/holds', { key: 'once', body })),
    );
    expect(new Set(results.map((r) => r.body.id)).size).toBe(1);
    expect(results.filter((r) => r.headers.get('idempotent-replayed') === 'true')).toHaveLength(9);
    expect(await balances(t, 'shop')).toEqual({ balance: 700, held: 0, available: 700 });
  });

  it('a write refused by its own check undoes only its job, in a batch with others', async () => {
    // PostgreSQL sends a job's writes at its end and checks the rows they changed afterwards: the
    // refused job's transfer must still roll back, and the jobs around it in the batch must stay.
    const [first, refused, last] = await Promise.allSettled([
      t.hub.store.write((tx) => pay(tx, 'tr_first')),
      t.hub.store.write(async (tx) => {
        await pay(tx, 'tr_refused');
        await tx.addHeld('nobody', yen(1));
      }),
      t.hub.store.write((tx) => pay(tx, 'tr_last')),
    ]);
    expect(first.status).toBe('fulfilled');
    expect(refused).toMatchObject({
      status: 'rejected',
      reason: { message: 'account nobody missing' },
    });
    expect(last.status).toBe('fulfilled');
    expect(await balances(t, 'shop')).toEqual({ balance: 200, held: 0, available: 200 });
    const entries = await t.hub.store.reader.listEntries('shop', undefined, 10);
    expect(entries.map((e) => e.transferId).sort()).toEqual(['tr_first', 'tr_last']);
  });

  it('a job with text the database cannot hold (NUL) fails alone, in a batch with others', async () => {
    // PostgreSQL sends the writes its reads prove after the batch's jobs ran, in one round trip: one
    // that failed there would fail every job of the batch. A NUL in a written or a read-ahead value
    // (from a request's body or path) must stay the problem of the job that has it.
    const reads = { accounts: ['alice', 'shop'] };
    const answer = { requestHash: new Uint8Array(32), status: 201, body: '{}', createdAt: 1 };
    const [first, nulWrite, nulRead, last] = await Promise.allSettled([
      t.hub.store.write((tx) => pay(tx, 'tr_first'), reads),
      t.hub.store.write(async (tx) => {
        await pay(tx, 'tr_nul');
        await tx.putStoredResponse('cli_test', 'key\u0000', answer);
      }, reads),
      t.hub.store.write((tx) => tx.getHold('hold\u0000'), {
        hold: 'hold\u0000',
        accounts: ['alice\u0000'],
      }),
      t.hub.store.write((tx) => pay(tx, 'tr_last'), reads),
    ]);
    expect([first.status, last.status]).toEqual(['fulfilled', 'fulfilled']);
    // SQLite stores a NUL in text; PostgreSQL refuses it, in that job only.
    expect([nulWrite.status, nulRead.status]).toEqual(
      storeKind === 'postgres' ? ['rejected', 'rejected'] : ['fulfilled', 'fulfilled'],
    );
    const paid = ['tr_first', ...(nulWrite.status === 'fulfilled' ? ['tr_nul'] : []), 'tr_last'];
    const entries = await t.hub.store.reader.listEntries('shop', undefined, 10);
    expect(entries.map((e) => e.transferId).sort()).toEqual(paid.sort());
  });

  it('what a job reads first sees the jobs before it in its batch, not a refused one', async () => {
    // PostgreSQL reads a job's first reads ahead, in the query that ends the job before it: they
    // must come after that job's writes, and after the rollback of a refused one.
    const reads = {
      storedResponse: { clientId: 'cli_test', key: 'k' },
      accounts: ['alice', 'shop'],
    };
    const answer = { requestHash: new Uint8Array(32), status: 201, body: '{}', createdAt: 1 };
    const look = async (tx: StoreTx) => ({
      stored: (await tx.getStoredResponse('cli_test', 'k'))?.status,
      held: (await tx.getAccounts(['alice', 'shop']))[0]?.held,
    });
    const [first, refused, second] = await Promise.allSettled([
      t.hub.store.write(async (tx) => {
        const seen = await look(tx);
        await tx.addHeld('alice', yen(5));
        await tx.putStoredResponse('cli_test', 'k', answer);
        return seen;
      }, reads),
      t.hub.store.write(async (tx) => {
        const seen = await look(tx);
        await tx.addHeld('alice', yen(7));
        throw new Error(`refused after seeing ${JSON.stringify(seen)}`);
      }, reads),
      t.hub.store.write(look, reads),
    ]);
    expect(first).toEqual({ status: 'fulfilled', value: { stored: undefined, held: 0 } });
    expect(refused).toMatchObject({
      status: 'rejected',
      reason: { message: 'refused after seeing {"stored":201,"held":5}' },
    });
    expect(second).toEqual({ status: 'fulfilled', value: { stored: 201, held: 5 } });
  });
});
