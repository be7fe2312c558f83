// What the PostgreSQL-only hub suites share: the hubs a test starts, stopped after it, and one hub with a
// payer and a shop beside a raw session on its database (to hold its locks or seed its tables).
import pg from 'pg';
import { afterEach } from 'vitest';
import { account, databaseFor, startTestHub, type TestHub } from './helpers.ts';

/**
 * The hubs a test pushes here are stopped after it, the last started first: the first one's stop drops
 * the database the others share.
 */
export function useRunningHubs(): TestHub[] {
  const running: TestHub[] = [];
  afterEach(async () => {
    for (const t of running.splice(0).reverse()) await t.stop();
  });
  return running;
}

/**
 * A hub (pushed to `running`) whose lock timeout is `lockMs`, with alice (a person holding `aliceBalance`
 * yen) and the shop (a merchant), and a raw session connected to its database, for the caller to end.
 */
export async function hubWithRawSession(
  running: TestHub[],
  options: { lockMs: number; aliceBalance: number },
): Promise<{ a: TestHub; databaseUrl: string | undefined; raw: pg.Client }> {
  const a = await startTestHub({ postgresTimeouts: { lockMs: options.lockMs } });
  running.push(a);
  await account(a, 'alice', 'person', options.aliceBalance);
  await account(a, 'shop', 'merchant');
  const databaseUrl = await databaseFor(a.dir);
  const raw = new pg.Client({ connectionString: databaseUrl });
  await raw.connect();
  return { a, databaseUrl, raw };
}
