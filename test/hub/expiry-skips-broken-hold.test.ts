// One due hold that cannot expire (here its stored row is damaged; earlier, a scheduled settle past the
// settlement cap) must not stop every other hold's deadline: the sweep and a listing of holds expire the
// others and say which one they skipped, while that hold's own reads still fail loudly.
//
// Before: the sweep expired all due holds in one job, so one throwing hold rolled the whole batch back
// at every round, and every GET /v1/holds (which expires first) answered 500, for every client. SQLite only:
// the damage is written to its holds row (PostgreSQL keeps its rules as jsonb).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { account, balances, holdBody, openRawDb, startTestHub, type TestHub } from './helpers.ts';

let t: TestHub;
beforeEach(async () => {
  t = await startTestHub();
  await account(t, 'alice', 'person', 10_000);
  await account(t, 'bob', 'person', 10_000);
  await account(t, 'shop', 'merchant');
});
afterEach(async () => t.stop());

describe('a due hold that cannot expire', () => {
  it('is skipped by the sweep and by listings; every other due hold expires', async () => {
    const placed = async (payer: string) => {
      const hold = await t.call('POST', '/v1/holds', {
        body: holdBody(payer, 'shop', 1_000, { expiresInSeconds: 60 }),
      });
      expect(hold.status).toBe(201);
      return hold.body.id as string;
    };
    const broken = await placed('alice');
    const bobs = await placed('bob');
    const db = await openRawDb(t.dir);
    try {
      // Damage from outside the hub: its guard on hold rows goes first.
      await db.run('DROP TRIGGER holds_follow_transitions');
      expect(await db.run('UPDATE holds SET rules = ? WHERE id = ?', '{', broken)).toBe(1);
    } finally {
      await db.close();
    }

    t.clock.advance(61_000);
    expect(await t.hub.sweep()).toBe(1);
    expect((await t.call('GET', `/v1/holds/${bobs}`)).body.status).not.toBe('active');
    expect(await balances(t, 'bob')).toEqual({ balance: 10_000, held: 0, available: 10_000 });

    // Bob's list (it expires before it reads) answers; the damaged hold's own read does not.
    const third = await placed('bob');
    t.clock.advance(61_000);
    const listed = await t.call('GET', '/v1/holds?payer=bob');
    expect(listed.status).toBe(200);
    expect((await t.call('GET', `/v1/holds/${third}`)).body.status).not.toBe('active');
    expect((await t.call('GET', `/v1/holds/${broken}`)).status).toBe(500);
  });
});
