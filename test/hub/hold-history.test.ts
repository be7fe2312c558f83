// A hold's history is inserted rows, never rewritten (issue 11 item 3, DESIGN.md "Ledger"): one
// transition per version, each settlement, refund and event a row; SQL cannot rewrite any of it.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import {
  account,
  dataDirAtVersion,
  holdBody,
  openRawDb,
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

/** A hold that was placed, partly settled, sent an event, refunded in part, and closed by a settle. */
async function holdWithHistory(): Promise<string> {
  const rules = [{ on: 'delivered', action: 'settle', amount: 'event' }];
  const placed = await t.call('POST', '/v1/holds', {
    body: holdBody('alice', 'shop', 5_000, { rules }),
  });
  expect(placed.status).toBe(201);
  const id = placed.body.id as string;
  // One after another: each step is the next version of the hold.
  const steps = [
    () => t.call('POST', `/v1/holds/${id}/settle`, { body: { amount: 1_000 } }),
    () =>
      t.call('POST', `/v1/holds/${id}/events`, {
        body: { type: 'delivered', data: { amount: 1_500 } },
      }),
    () => t.call('POST', `/v1/holds/${id}/refunds`, { body: { amount: 300 } }),
    () => t.call('POST', `/v1/holds/${id}/settle`, { body: { amount: 2_500 } }),
  ];
  for (const step of steps) expect((await step()).status).toBe(200);
  return id;
}

describe('hold history as rows', () => {
  it('each change of a hold is a new transition row; settlements, refunds and events are rows', async () => {
    const id = await holdWithHistory();
    const hold = (await t.call('GET', `/v1/holds/${id}`)).body;
    expect(hold.status).toBe('settled');
    expect(hold.settlements.map((s: { amount: number }) => s.amount)).toEqual([
      1_000, 1_500, 2_500,
    ]);
    expect(hold.events.map((e: { type: string }) => e.type)).toEqual(['delivered']);
    expect(hold.events[0].data).toEqual({ amount: 1_500 });

    const db = await openRawDb(t.dir);
    try {
      const transitions = await db.all<{ version: number; kind: string; status: string }>(
        'SELECT version, kind, status, settled, refunded FROM hold_transitions WHERE hold_id = ? ORDER BY version',
        id,
      );
      expect(transitions.map((r) => [Number(r.version), r.kind, r.status])).toEqual([
        [1, 'hold.placed', 'active'],
        [2, 'hold.settled', 'active'],
        [3, 'hold.event', 'active'],
        [4, 'hold.refunded', 'active'],
        [5, 'hold.settled', 'settled'],
      ]);
      const settlements = await db.all<{ amount: number }>(
        'SELECT amount FROM hold_settlements WHERE hold_id = ? ORDER BY seq',
        id,
      );
      expect(settlements.map((s) => Number(s.amount))).toEqual([1_000, 1_500, 2_500]);
      const refunds = await db.all<{ amount: number }>(
        'SELECT amount FROM hold_refunds WHERE hold_id = ?',
        id,
      );
      expect(refunds.map((r) => Number(r.amount))).toEqual([300]);
    } finally {
      await db.close();
    }
  });

  it('SQL cannot rewrite a hold past its transitions, nor change or delete its history', async () => {
    const id = await holdWithHistory();
    const db = await openRawDb(t.dir);
    try {
      await expect(db.run('UPDATE holds SET settled = 1 WHERE id = ?', id)).rejects.toThrow(
        /newest transition/,
      );
      await expect(
        db.run('UPDATE holds SET reference = ? WHERE id = ?', 'rewritten', id),
      ).rejects.toThrow(/newest transition/);
      await expect(db.run('DELETE FROM holds WHERE id = ?', id)).rejects.toThrow(/never deleted/);
      for (const table of ['hold_transitions', 'hold_settlements', 'hold_refunds', 'hold_events']) {
        await expect(db.run(`DELETE FROM ${table} WHERE hold_id = ?`, id)).rejects.toThrow(
          /append-only/,
        );
      }
      await expect(
        db.run('UPDATE hold_settlements SET amount = 1 WHERE hold_id = ?', id),
      ).rejects.toThrow(/append-only/);
    } finally {
      await db.close();
    }
    expect((await t.call('GET', `/v1/holds/${id}`)).body.settled).toBe(5_000);
  });
});

// SQLite's own migration from files older hubs wrote; PostgreSQL's schema started with these tables.
describe.runIf(storeKind === 'sqlite')('migration 10 (hold history)', () => {
  it('moves the JSON settlements, refunds and events of a v9 database into rows, same answers', async () => {
    const { dir, db } = dataDirAtVersion(9);
    db.exec(`
      INSERT INTO accounts VALUES ('a', 'person', 'A', 'JPY', 9000, 0, '{}', '[]', 0, NULL);
      INSERT INTO accounts VALUES ('s', 'merchant', 'S', 'JPY', 1000, 0, '{}', '[]', 0, NULL);
      INSERT INTO holds (id, status, payer, payee, amount, settled, refunded, reference, category,
        template, on_expiry, rules, expires_at, scheduled, due_at, authorized_max, settlements,
        refunds, events, created_at, updated_at, version, closed_by)
      VALUES ('hld_old', 'settled', 'a', 's', 2000, 1200, 200, 'r', NULL, NULL, 'release', '[]',
        9999999999999, NULL, 9999999999999, NULL,
        '[{"id":"stl_1","amount":1000,"at":5},{"id":"stl_2","amount":200,"at":6}]',
        '[{"id":"rfd_1","amount":200,"at":7}]',
        '[{"type":"delivered","at":6,"data":{"amount":200}}]',
        1, 7, 4, 'client');
    `);
    db.close();
    await t.stop();
    t = await startTestHub({ dataDir: dir });
    try {
      const hold = (await t.call('GET', '/v1/holds/hld_old')).body;
      expect(hold.settlements).toEqual([
        { id: 'stl_1', amount: 1000, at: new Date(5).toISOString() },
        { id: 'stl_2', amount: 200, at: new Date(6).toISOString() },
      ]);
      expect(hold.events).toEqual([
        { type: 'delivered', at: new Date(6).toISOString(), data: { amount: 200 } },
      ]);
      expect(hold.refunded).toBe(200);
      const raw = await openRawDb(dir);
      try {
        expect(
          await raw.all('SELECT version, kind FROM hold_transitions WHERE hold_id = ?', 'hld_old'),
        ).toEqual([{ version: 4, kind: 'migrated' }]);
      } finally {
        await raw.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
