// The hourly purge of stored answers, run while the database refuses it (PostgreSQL: no connections
// taken; SQLite: another process holds the write lock past the busy timeout): the hub process says so
// on one line and stays up, and the next purge, once the database is back, deletes what is due.
import { afterAll, afterEach, describe, expect, inject, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { databaseFor, openRawDb, scratchDir, storeKind } from './helpers.ts';
import {
  assertNoProcessLeft,
  databaseEnv,
  nodeScript,
  pidAlive,
  repoRoot,
  spawnTracked,
  type HubProcess,
} from './process.ts';
import { openPool } from '../../src/hub/storage/postgres/pool.ts';

const token = `purge-fault-admin-${randomUUID()}`;
const purgeMs = 300;

const running: HubProcess[] = [];
afterEach(async () => {
  for (const hub of running.splice(0)) {
    hub.child.kill('SIGTERM');
    await hub.exited;
  }
});
afterAll(assertNoProcessLeft);

/** test/hub/purge-hub.ts on `dir`: a real hub process whose purge runs every purgeMs. */
async function spawnPurgeHub(dir: string): Promise<HubProcess & { stderr: () => string }> {
  const [command, args] = nodeScript('test/hub/purge-hub.ts', [dir]);
  const child = spawnTracked(command, args, {
    cwd: repoRoot,
    env: {
      ...process.env,
      ...(await databaseEnv(dir)),
      FACEPAY_ADMIN_TOKEN: token,
      FACEPAY_TEST_PURGE_MS: String(purgeMs),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  let stdout = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /hub listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout);
      if (match?.[1] !== undefined) resolve(match[1]);
    });
    void exited.then((code) => reject(new Error(`hub exited ${code}: ${stderr}`)));
  });
  const hub = { child, pid: child.pid ?? 0, url, exited, stderr: () => stderr };
  running.push(hub);
  return hub;
}

async function createAccount(url: string, id: string): Promise<number> {
  const response = await fetch(`${url}/v1/accounts`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      'idempotency-key': randomUUID(),
    },
    body: JSON.stringify({ id, kind: 'merchant', name: id, currency: 'JPY' }),
  });
  await response.arrayBuffer();
  return response.status;
}

/** Waits until `done` holds or the hub exits: 'done', or the hub's exit code. */
async function until(hub: HubProcess, done: () => Promise<boolean> | boolean, withinMs: number) {
  const deadline = Date.now() + withinMs;
  let exitCode: number | null | undefined;
  void hub.exited.then((code) => (exitCode = code));
  while (Date.now() < deadline) {
    if (exitCode !== undefined) return { exited: exitCode };
    if (await done()) return 'done';
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return 'timed out';
}

/**
 * Makes the hub's database refuse it while `during` runs: PostgreSQL takes no connection to it (and
 * drops the hub's); SQLite's write lock is held by this process (the hub's BEGIN waits its 5 s, fails).
 */
async function withDatabaseRefusing<T>(dir: string, during: () => Promise<T>): Promise<T> {
  const databaseUrl = await databaseFor(dir);
  if (databaseUrl === undefined) {
    const raw = await openRawDb(dir);
    try {
      await raw.run('BEGIN IMMEDIATE');
      try {
        return await during();
      } finally {
        await raw.run('ROLLBACK');
      }
    } finally {
      await raw.close();
    }
  }
  const name = new URL(databaseUrl).pathname.slice(1);
  expect(name).toMatch(/^hub_[0-9a-f]+$/);
  const admin = openPool(inject('postgresAdminUrl'), { max: 1 });
  try {
    await admin.query(`ALTER DATABASE ${name} WITH ALLOW_CONNECTIONS false`);
    try {
      await admin.query(
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1',
        [name],
      );
      return await during();
    } finally {
      await admin.query(`ALTER DATABASE ${name} WITH ALLOW_CONNECTIONS true`);
    }
  } finally {
    await admin.end();
  }
}

describe(`the idempotency purge while the database refuses it (${storeKind})`, () => {
  it('fails on one line of stderr, the hub stays up, and the next purge deletes what is due', async () => {
    const dir = scratchDir('facepay-purge-fault-');
    const hub = await spawnPurgeHub(dir);
    expect(await createAccount(hub.url, 'before')).toBe(201);

    const refused = await withDatabaseRefusing(dir, () =>
      until(hub, () => hub.stderr().includes('idempotency purge: '), 30_000),
    );
    expect(refused, hub.stderr()).toBe('done');
    expect(hub.stderr()).toMatch(/idempotency purge: .*; trying again next time\n/);
    expect(pidAlive(hub.pid)).toBe(true);

    // The database is back: a stored answer past its retention goes at the next purge.
    const raw = await openRawDb(dir);
    try {
      expect(await raw.run('UPDATE idempotency SET created_at = 0')).toBeGreaterThan(0);
      const purged = await until(
        hub,
        async () => (await raw.all('SELECT 1 FROM idempotency WHERE created_at = 0')).length === 0,
        15_000,
      );
      expect(purged, hub.stderr()).toBe('done');
    } finally {
      await raw.close();
    }
    expect(await createAccount(hub.url, 'after')).toBe(201);
    hub.child.kill('SIGTERM');
    expect(await hub.exited).toBe(0);
    running.splice(running.indexOf(hub), 1);
  }, 90_000);
});
