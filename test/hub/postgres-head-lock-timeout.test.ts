// PostgreSQL: a session that holds the audit chain's head lock and stalls (another instance paused, an
// operator's open transaction) does not stop this instance's writes for ever. The write waits the hub's
// lock timeout, is answered the contract's 503 unavailable, leaves no transaction open and no pool
// connection taken; once the lock is free the same request commits.
import { describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { balances, holdBody, storeKind, type CallResult } from './helpers.ts';
import { hubWithRawSession, useRunningHubs } from './postgres-hubs.ts';
import { pgPoolConnectionsMax } from '../../src/shared/limits.ts';

const running = useRunningHubs();

/** The hub's lock timeout in this test, and how long past it an answer may take on a busy machine. */
const lockMs = 300;
const answerBoundMs = lockMs + 2_700;

/** `call`'s answer, or 'no answer' if none came within `ms` (the request is left to finish). */
async function within(ms: number, call: Promise<CallResult>): Promise<CallResult | 'no answer'> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'no answer'>((resolve) => {
    timer = setTimeout(() => resolve('no answer'), ms);
  });
  try {
    return await Promise.race([call, late]);
  } finally {
    clearTimeout(timer);
  }
}

describe.runIf(storeKind === 'postgres')('a session holding the audit head lock', () => {
  it('writes are answered 503 unavailable after the lock timeout, and commit once it is released', async () => {
    const { a, databaseUrl, raw } = await hubWithRawSession(running, {
      lockMs,
      aliceBalance: 100_000,
    });
    const key = randomUUID();
    const answers: Array<{ answer: CallResult | 'no answer'; ms: number }> = [];
    try {
      await raw.query('BEGIN');
      await raw.query('SELECT seq FROM audit_head WHERE id = 1 FOR UPDATE');
      // More refusals than the pool has connections: one kept per refusal would exhaust it.
      for (let i = 0; i < pgPoolConnectionsMax + 2; i++) {
        const started = performance.now();
        const answer = await within(
          answerBoundMs,
          a.call('POST', '/v1/holds', { body: holdBody('alice', 'shop', 1_000), key }),
        );
        answers.push({ answer, ms: Math.round(performance.now() - started) });
        if (answer === 'no answer') break;
      }
    } finally {
      await raw.query('ROLLBACK');
      await raw.end();
    }
    console.log(`answers while the head was held: ${answers.map((x) => x.ms).join(', ')} ms`);
    for (const { answer, ms } of answers) {
      expect(answer).toMatchObject({
        status: 503,
        body: { error: { code: 'unavailable', message: expect.any(String) as string } },
      });
      expect(ms).toBeGreaterThanOrEqual(lockMs - 50);
      expect(ms).toBeLessThan(answerBoundMs);
    }
    expect(answers).toHaveLength(pgPoolConnectionsMax + 2);

    // Nothing of the refused request was stored, its answer neither: the same key now places it.
    const placed = await within(
      10_000,
      a.call('POST', '/v1/holds', { body: holdBody('alice', 'shop', 1_000), key }),
    );
    expect(placed).toMatchObject({ status: 201, body: { amount: 1_000 } });
    expect(await balances(a, 'alice')).toEqual({
      balance: 100_000,
      held: 1_000,
      available: 99_000,
    });
    // No session of the hub was left inside a transaction, and its connections stay within its pool
    // (the writer, the reads and the template listener).
    const check = new pg.Client({ connectionString: databaseUrl });
    await check.connect();
    try {
      const sessions = await check.query<{ state: string | null }>(
        `SELECT state FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`,
      );
      expect(sessions.rows.filter((s) => s.state?.startsWith('idle in transaction'))).toEqual([]);
      expect(sessions.rows.length).toBeLessThanOrEqual(pgPoolConnectionsMax + 1);
    } finally {
      await check.end();
    }
  }, 120_000);
});
