// A SQLite hub whose BEGIN fails (another process holds the database's write lock past the 5 s busy
// timeout) answers that batch's writes with the contract's 503 and goes on writing once the lock is free.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { scratchDir, storeKind } from './helpers.ts';
import { assertNoProcessLeft, pidAlive, spawnHub, type HubProcess } from './process.ts';

const token = `begin-busy-admin-${randomUUID()}`;

const running: HubProcess[] = [];
afterEach(async () => {
  for (const hub of running.splice(0)) {
    hub.child.kill('SIGTERM');
    await hub.exited;
  }
});
afterAll(assertNoProcessLeft);

type Answer = { status: number; body: unknown } | { failed: string };

/** POST /v1/accounts; a connection the hub dropped (it died) is an answer too, named. */
async function createAccount(url: string, id: string, key: string): Promise<Answer> {
  try {
    const response = await fetch(`${url}/v1/accounts`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        'idempotency-key': key,
      },
      body: JSON.stringify({ id, kind: 'merchant', name: id, currency: 'JPY' }),
    });
    return { status: response.status, body: await response.json() };
  } catch (error) {
    return { failed: String(error) };
  }
}

describe.runIf(storeKind === 'sqlite')('a SQLite BEGIN that fails', () => {
  it('another process holding the write lock past the busy timeout: the write is answered 503 unavailable, the hub stays up, and the same request then commits', async () => {
    const dir = scratchDir('facepay-begin-busy-');
    const hub = await spawnHub(dir, { FACEPAY_ADMIN_TOKEN: token });
    running.push(hub);
    let stderr = '';
    hub.child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    expect(await createAccount(hub.url, 'before', randomUUID())).toMatchObject({ status: 201 });

    const other = new Database(join(dir, 'hub.sqlite'));
    const key = randomUUID();
    let refused: Answer;
    try {
      other.exec('BEGIN IMMEDIATE');
      // The hub's BEGIN waits its 5 s busy timeout for this lock, then fails while the lock is held.
      refused = await createAccount(hub.url, 'during', key);
    } finally {
      if (other.inTransaction) other.exec('ROLLBACK');
      other.close();
    }
    expect(refused).toEqual({
      status: 503,
      body: { error: { code: 'unavailable', message: expect.any(String) as string } },
    });
    expect(pidAlive(hub.pid)).toBe(true);
    expect(stderr).toContain('sqlite: a batch of 1 writes refused at BEGIN: database is locked');

    // Nothing of the refused request was stored, its answer neither: the same key now creates it.
    expect(await createAccount(hub.url, 'during', key)).toMatchObject({
      status: 201,
      body: { id: 'during' },
    });
    expect(await createAccount(hub.url, 'after', randomUUID())).toMatchObject({ status: 201 });
    hub.child.kill('SIGTERM');
    expect(await hub.exited).toBe(0);
    running.splice(running.indexOf(hub), 1);
  }, 60_000);
});
