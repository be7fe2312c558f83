// PostgreSQL: a database whose default isolation is REPEATABLE READ (ALTER DATABASE … SET
// default_transaction_isolation, a setting an operator may carry from another application) changes
// nothing for the hub: its write transactions run READ COMMITTED under the chain head's lock, so holds
// placed on two instances at once all commit; none is a 500 'could not serialize access'.
import { describe, expect, it } from 'vitest';
import pg from 'pg';
import {
  account,
  balances,
  databaseFor,
  holdBody,
  startTestHub,
  storeKind,
  tempDir,
} from './helpers.ts';
import { useRunningHubs } from './postgres-hubs.ts';
import { copyKeys } from './two-instances.ts';

// Stopped the second instance first: the first one's stop drops the database, its setting with it.
const running = useRunningHubs();

describe.runIf(storeKind === 'postgres')('a database defaulting to REPEATABLE READ', () => {
  it('40 holds split across two instances all commit', async () => {
    const dirA = tempDir();
    const databaseUrl = await databaseFor(dirA);
    if (databaseUrl === undefined) throw new Error('the postgres project names a database');
    const admin = new pg.Client({ connectionString: databaseUrl });
    await admin.connect();
    try {
      const name = (await admin.query<{ db: string }>('SELECT current_database() AS db')).rows[0]
        ?.db;
      await admin.query(
        `ALTER DATABASE ${admin.escapeIdentifier(String(name))} SET default_transaction_isolation = 'repeatable read'`,
      );
    } finally {
      await admin.end();
    }
    // Every session the hubs open from here starts with the database's default.
    const a = await startTestHub({ dataDir: dirA });
    running.push(a);
    const b = await startTestHub({ dataDir: copyKeys(dirA), databaseUrl });
    running.push(b);
    const check = new pg.Client({ connectionString: databaseUrl });
    await check.connect();
    try {
      const shown = await check.query<{ transaction_isolation: string }>(
        'SHOW transaction_isolation',
      );
      expect(shown.rows[0]?.transaction_isolation).toBe('repeatable read');
    } finally {
      await check.end();
    }

    await account(a, 'alice', 'person', 100_000);
    await account(a, 'shop', 'merchant');
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        (i % 2 === 0 ? a : b).call('POST', '/v1/holds', { body: holdBody('alice', 'shop', 100) }),
      ),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses).toEqual(Array.from({ length: 40 }, () => 201));
    for (const t of [a, b]) {
      expect(await balances(t, 'alice')).toEqual({
        balance: 100_000,
        held: 4_000,
        available: 96_000,
      });
    }
  }, 120_000);
});
