// Crash safety: SIGKILL the hub process itself (the one holding the database) in the middle of a load of
// place/settle/refund requests, check it is gone, restart it on the same data, and check that money is
// conserved, held equals the active holds, every acknowledged operation survived, and the audit chain is
// valid. Nothing the test started is left running.
import { afterAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import {
  assertNoProcessLeft,
  pidAlive,
  processesMentioning,
  processGroupGone,
  runScript,
  spawnHub,
  type HubProcess,
} from './process.ts';
import { tempDir } from './helpers.ts';

afterAll(assertNoProcessLeft);

const token = `crash-admin-${randomUUID()}`;

async function call(url: string, method: string, path: string, body?: unknown) {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined
        ? {}
        : { 'content-type': 'application/json', 'idempotency-key': randomUUID() }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('crash mid-load', () => {
  it('SIGKILL during load loses no acknowledged money and keeps the books consistent', async () => {
    const dir = tempDir('facepay-crash-');
    try {
      // SQLite: the checkpoint worker copies the WAL back from its first byte, so the kill lands while
      // the database file holds part of what the WAL does (and now and then in a checkpoint).
      const first = await spawnHub(dir, {
        FACEPAY_ADMIN_TOKEN: token,
        FACEPAY_WAL_CHECKPOINT_BYTES: '0',
      });
      const acknowledged = await loadUntilKilled(first);
      expect(acknowledged.size).toBeGreaterThan(10);
      // What was killed is the hub that held the database: no process of it answers or is left.
      expect(pidAlive(first.pid)).toBe(false);
      expect(await processGroupGone(first.pid)).toBe(true);
      expect(processesMentioning(dir)).toEqual([]);
      await expect(fetch(`${first.url}/v1/health`)).rejects.toThrow();

      const second = await spawnHub(dir, { FACEPAY_ADMIN_TOKEN: token });
      try {
        await expectBooksKept(second.url, acknowledged);
      } finally {
        second.child.kill('SIGTERM');
        expect(await second.exited).toBe(0);
      }
      expect(pidAlive(second.pid)).toBe(false);
      const verify = runScript('src/hub/audit-verify-cli.ts', ['--data', dir]);
      expect(verify.stdout).toContain('audit chain valid');
      expect(verify.stdout).toContain('ledger consistent');
      expect(verify.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** Places and settles holds from 8 workers until the hub is SIGKILLed; the settlements it acknowledged. */
async function loadUntilKilled(hub: HubProcess): Promise<Map<string, number>> {
  for (const id of ['payer', 'payee']) {
    await call(hub.url, 'POST', '/v1/accounts', {
      id,
      kind: 'merchant',
      name: id,
      currency: 'JPY',
    });
  }
  await call(hub.url, 'POST', '/v1/accounts/payer/deposits', { amount: 10_000_000 });
  const acknowledged = new Map<string, number>();
  let stop = false;
  const worker = async () => {
    while (!stop) {
      try {
        const placed = await call(hub.url, 'POST', '/v1/holds', {
          payer: 'payer',
          payee: 'payee',
          amount: 1_000,
          currency: 'JPY',
          reference: 'load',
          expiresInSeconds: 600,
        });
        if (placed.status !== 201) continue;
        const id = placed.body['id'] as string;
        const settled = await call(hub.url, 'POST', `/v1/holds/${id}/settle`, { amount: 400 });
        if (settled.status === 200) acknowledged.set(id, 400);
      } catch {
        return; // the hub is gone
      }
    }
  };
  const workers = Array.from({ length: 8 }, worker);
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  process.kill(hub.pid, 'SIGKILL');
  stop = true;
  await Promise.all(workers);
  await hub.exited;
  return acknowledged;
}

/** Every acknowledged settlement survived, money is conserved and held equals the active holds. */
async function expectBooksKept(url: string, acknowledged: Map<string, number>): Promise<void> {
  for (const [id, amount] of acknowledged) {
    const hold = await call(url, 'GET', `/v1/holds/${id}`);
    expect(hold.body['settled']).toBe(amount);
  }
  const payer = (await call(url, 'GET', '/v1/accounts/payer')).body;
  const payee = (await call(url, 'GET', '/v1/accounts/payee')).body;
  expect((payer['balance'] as number) + (payee['balance'] as number)).toBe(10_000_000);
  let active = 0;
  let cursor: string | null = null;
  do {
    const query = `status=active&limit=500${cursor === null ? '' : `&cursor=${cursor}`}`;
    const page = (await call(url, 'GET', `/v1/holds?${query}`)).body as {
      items: Array<{ remaining: number }>;
      nextCursor: string | null;
    };
    active += page.items.reduce((sum, h) => sum + h.remaining, 0);
    cursor = page.nextCursor;
  } while (cursor !== null);
  expect(payer['held']).toBe(active);
}
