// Crash safety: SIGKILL the hub process in the middle of a load of place/settle/refund requests,
// restart it on the same data, and check that money is conserved, held equals the active holds,
// every acknowledged operation survived, and the audit chain is valid.
import { describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { runScript, spawnHub } from './process.ts';
import { tempDir } from './helpers.ts';

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
    const first = await spawnHub(dir, { FACEPAY_ADMIN_TOKEN: token });
    await call(first.url, 'POST', '/v1/accounts', {
      id: 'payer',
      kind: 'merchant',
      name: 'payer',
      currency: 'JPY',
    });
    await call(first.url, 'POST', '/v1/accounts', {
      id: 'payee',
      kind: 'merchant',
      name: 'payee',
      currency: 'JPY',
    });
    await call(first.url, 'POST', '/v1/accounts/payer/deposits', { amount: 10_000_000 });

    const acknowledgedSettled = new Map<string, number>();
    let stop = false;
    const worker = async () => {
      while (!stop) {
        try {
          const placed = await call(first.url, 'POST', '/v1/holds', {
            payer: 'payer',
            payee: 'payee',
            amount: 1_000,
            currency: 'JPY',
            reference: 'load',
            expiresInSeconds: 600,
          });
          if (placed.status !== 201) continue;
          const id = placed.body['id'] as string;
          const settled = await call(first.url, 'POST', `/v1/holds/${id}/settle`, { amount: 400 });
          if (settled.status === 200) acknowledgedSettled.set(id, 400);
        } catch {
          return; // the hub is gone
        }
      }
    };
    const workers = Array.from({ length: 8 }, worker);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    first.child.kill('SIGKILL');
    stop = true;
    await Promise.all(workers);
    await first.exited;
    expect(acknowledgedSettled.size).toBeGreaterThan(10);

    const second = await spawnHub(dir, { FACEPAY_ADMIN_TOKEN: token });
    try {
      for (const [id, amount] of acknowledgedSettled) {
        const hold = await call(second.url, 'GET', `/v1/holds/${id}`);
        expect(hold.body['settled']).toBe(amount);
      }
      const payer = (await call(second.url, 'GET', '/v1/accounts/payer')).body;
      const payee = (await call(second.url, 'GET', '/v1/accounts/payee')).body;
      expect((payer['balance'] as number) + (payee['balance'] as number)).toBe(10_000_000);
      let active = 0;
      let cursor: string | null = null;
      do {
        const page = (
          await call(
            second.url,
            'GET',
            `/v1/holds?status=active&limit=500${cursor === null ? '' : `&cursor=${cursor}`}`,
          )
        ).body as { items: Array<{ remaining: number }>; nextCursor: string | null };
        active += page.items.reduce((sum, h) => sum + h.remaining, 0);
        cursor = page.nextCursor;
      } while (cursor !== null);
      expect(payer['held']).toBe(active);
    } finally {
      second.child.kill('SIGTERM');
      expect(await second.exited).toBe(0);
    }
    const verify = runScript('src/hub/audit-verify-cli.ts', ['--data', dir]);
    expect(verify.stdout).toContain('audit chain valid');
    expect(verify.stdout).toContain('ledger consistent');
    expect(verify.status).toBe(0);
    rmSync(dir, { recursive: true, force: true });
  });
});
