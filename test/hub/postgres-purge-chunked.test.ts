// PostgreSQL: the hourly purge of stored answers takes the audit head's lock, which every instance's
// writes wait on (for lockMs at most). A backlog of expired answers deleted in one transaction holds
// that lock for the whole DELETE: writes meanwhile answer 503, and past statement_timeout the purge is
// cancelled and rolls back every hour while the table grows. It goes in chunks, one short transaction
// each. A trigger here makes each deleted row take ~1 ms, so a few thousand rows stand for millions.
import { describe, expect, it } from 'vitest';
import { holdBody, storeKind, type CallResult } from './helpers.ts';
import { hubWithRawSession, useRunningHubs } from './postgres-hubs.ts';
import { PgHubStore } from '../../src/hub/storage/postgres/pg-store.ts';
import { openDataDir } from '../../src/hub/data-dir.ts';
import { idempotencyRetentionSeconds } from '../../src/shared/limits.ts';

const running = useRunningHubs();

const lockMs = 2_000;
const expiredRows = 3_000;
const chunkRows = 100;

describe.runIf(storeKind === 'postgres')('the stored-answer purge over a large backlog', () => {
  it('deletes every expired answer in chunks while holds placed meanwhile answer 201', async () => {
    const { a, databaseUrl, raw } = await hubWithRawSession(running, {
      lockMs,
      aliceBalance: 10_000_000,
    });
    const purger = await PgHubStore.open({
      databaseUrl: databaseUrl ?? '',
      auditKey: (await openDataDir(a.dir, { create: false })).auditKey,
      purgeChunkRows: chunkRows,
    });
    try {
      const dbNow = Number(
        (await raw.query<{ ms: string }>('SELECT (EXTRACT(EPOCH FROM now()) * 1000)::BIGINT AS ms'))
          .rows[0]?.ms,
      );
      const expiredAt = dbNow - idempotencyRetentionSeconds * 1000 - 3_600_000;
      await raw.query(
        `INSERT INTO idempotency (client_id, key, request_hash, status, body, created_at)
         SELECT 'purge-old', 'k' || g, '\\x00'::bytea, 201, '{}', $1::BIGINT + g
         FROM generate_series(1, $2::INT) g`,
        [expiredAt, expiredRows],
      );
      await raw.query(
        `INSERT INTO idempotency (client_id, key, request_hash, status, body, created_at)
         SELECT 'purge-young', 'k' || g, '\\x00'::bytea, 201, '{}', $1::BIGINT
         FROM generate_series(1, 20) g`,
        [dbNow - 3_600_000],
      );
      // Each expired row's deletion takes ~1 ms: the whole backlog 3 s or more, one chunk ~0.1-0.2 s.
      await raw.query(`CREATE FUNCTION purge_test_slow() RETURNS trigger LANGUAGE plpgsql AS
        $$ BEGIN PERFORM pg_sleep(0.001); RETURN OLD; END $$`);
      await raw.query(`CREATE TRIGGER purge_test_slow BEFORE DELETE ON idempotency FOR EACH ROW
        WHEN (OLD.client_id = 'purge-old') EXECUTE FUNCTION purge_test_slow()`);

      const started = performance.now();
      let purging = true;
      const purge = purger
        .deleteStoredResponsesBefore(dbNow - idempotencyRetentionSeconds * 1000)
        .finally(() => {
          purging = false;
        });
      const holds: Array<{ answer: CallResult; ms: number }> = [];
      while (purging) {
        const holdStarted = performance.now();
        const answer = await a.call('POST', '/v1/holds', { body: holdBody('alice', 'shop', 1) });
        holds.push({ answer, ms: performance.now() - holdStarted });
      }
      const purged = await purge;
      const purgeMs = performance.now() - started;
      const slowest = Math.max(...holds.map((hold) => hold.ms));
      console.log(
        `purge of ${purged} rows in chunks of ${chunkRows}: ${purgeMs.toFixed(0)} ms; ` +
          `${holds.length} holds meanwhile, slowest ${slowest.toFixed(0)} ms`,
      );
      // With the answers the test clock (t0, days back) stored while setting the accounts up.
      expect(purged).toBeGreaterThanOrEqual(expiredRows);
      expect(holds.length).toBeGreaterThanOrEqual(3);
      expect(holds.map((hold) => hold.answer.status)).toEqual(holds.map(() => 201));
      const left = await raw.query<{ client_id: string; n: string }>(
        `SELECT client_id, COUNT(*) AS n FROM idempotency
         WHERE client_id IN ('purge-old', 'purge-young') GROUP BY client_id`,
      );
      expect(left.rows.map((row) => [row.client_id, Number(row.n)])).toEqual([['purge-young', 20]]);
    } finally {
      await purger.close();
      await raw.end();
    }
  }, 120_000);
});
