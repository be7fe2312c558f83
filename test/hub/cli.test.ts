// The operator's commands as an operator runs them: `hub` prints its line and stops on SIGTERM,
// `hub:admin` creates clients, accounts and deposits, shows accounts and lists holds over HTTP.
import { afterAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { existsSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { assertNoProcessLeft, runAdminCli, runScript, spawnHub } from './process.ts';
import { tempDir } from './helpers.ts';

afterAll(assertNoProcessLeft);

describe('hub and hub:admin command lines', () => {
  it('drives a fresh hub without hand-written HTTP', async () => {
    const dir = tempDir('facepay-cli-');
    const token = `cli-admin-${randomUUID()}`;
    const hub = await spawnHub(dir, { FACEPAY_ADMIN_TOKEN: token });
    try {
      expect(hub.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const shop = await runAdminCli(hub.url, token, [
        'create-account',
        '--kind',
        'merchant',
        '--name',
        'Shop',
        '--id',
        'shop',
      ]);
      expect(shop.status).toBe(0);
      expect(JSON.parse(shop.stdout)).toMatchObject({ id: 'shop', kind: 'merchant', balance: 0 });
      const kid = await runAdminCli(hub.url, token, [
        'create-account',
        '--kind',
        'person',
        '--name',
        'Kid',
        '--id',
        'kid',
        '--per-payment-max',
        '500',
        '--blocked-categories',
        'alcohol,tobacco',
      ]);
      expect(JSON.parse(kid.stdout)).toMatchObject({
        limits: { perPaymentMax: 500 },
        blockedCategories: ['alcohol', 'tobacco'],
      });
      const deposit = await runAdminCli(hub.url, token, [
        'deposit',
        '--account',
        'kid',
        '--amount',
        '2500',
      ]);
      expect(JSON.parse(deposit.stdout)).toMatchObject({ balance: 2500, available: 2500 });
      const till = await runAdminCli(hub.url, token, [
        'create-client',
        '--name',
        'till',
        '--role',
        'merchant',
        '--merchant',
        'shop',
      ]);
      expect(JSON.parse(till.stdout).token).toMatch(/^fpk_/);
      expect(till.stderr).toContain('shown once');
      const shown = await runAdminCli(hub.url, token, ['show-account', '--account', 'kid']);
      expect(JSON.parse(shown.stdout)).toMatchObject({ id: 'kid', balance: 2500, held: 0 });
      const holds = await runAdminCli(hub.url, token, ['list-holds', '--payer', 'kid']);
      expect(JSON.parse(holds.stdout)).toEqual({ items: [], nextCursor: null });
      const refused = await runAdminCli(hub.url, token, [
        'deposit',
        '--account',
        'kid',
        '--amount',
        '1.5',
      ]);
      expect(refused.status).toBe(2);
      const missing = await runAdminCli(hub.url, token, ['show-account', '--account', 'nobody']);
      expect(missing.status).toBe(1);
      expect(missing.stderr).toContain('404 not_found');
      const badToken = await runAdminCli(hub.url, 'wrong-token', [
        'show-account',
        '--account',
        'kid',
      ]);
      expect(badToken.stderr).toContain('401 unauthorized');
    } finally {
      hub.child.kill('SIGTERM');
      expect(await hub.exited).toBe(0);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('registers a kiosk from its key directory (made 0600 there), shows and revokes it', async () => {
    const dir = tempDir('facepay-cli-');
    const token = `cli-admin-${randomUUID()}`;
    const hub = await spawnHub(dir, { FACEPAY_ADMIN_TOKEN: token });
    try {
      await runAdminCli(hub.url, token, [
        'create-account',
        '--kind',
        'merchant',
        '--name',
        'S',
        '--id',
        'shop',
      ]);
      const till = await runAdminCli(hub.url, token, [
        'create-client',
        '--name',
        'till',
        '--role',
        'merchant',
        '--merchant',
        'shop',
      ]);
      const clientId = JSON.parse(till.stdout).id as string;
      const keys = join(dir, 'kiosk-keys');
      const args = ['register-kiosk', '--name', 'till 1', '--client', clientId, '--keys', keys];
      const registered = await runAdminCli(hub.url, token, args);
      expect(registered.status).toBe(0);
      const kiosk = JSON.parse(registered.stdout);
      expect(kiosk).toMatchObject({ name: 'till 1', clientId, revokedAt: null });
      expect(statSync(join(keys, 'kiosk-signing.key')).mode & 0o777).toBe(0o600);
      expect(registered.stdout).not.toMatch(/facepay-key/);
      const twice = await runAdminCli(hub.url, token, args);
      expect(twice.stderr).toContain('409 kiosk_exists');
      const both = await runAdminCli(hub.url, token, [...args, '--box-key', kiosk.boxPublicKey]);
      expect(both.status).toBe(2);
      const shown = await runAdminCli(hub.url, token, ['show-kiosk', '--kiosk', kiosk.id]);
      expect(JSON.parse(shown.stdout)).toEqual(kiosk);
      const revoked = await runAdminCli(hub.url, token, ['revoke-kiosk', '--kiosk', kiosk.id]);
      expect(JSON.parse(revoked.stdout).revokedAt).toMatch(/^\d{4}-/);
    } finally {
      hub.child.kill('SIGTERM');
      expect(await hub.exited).toBe(0);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a wrong-PIN cap or WAL checkpoint size it cannot use, and starts nothing', () => {
    const dir = join(tempDir('facepay-cli-settings-'), 'hub');
    try {
      for (const [name, value, said] of [
        ['FACEPAY_PIN_FAILURES_PER_DAY_PER_CLIENT', '51', 'a whole number from 1 to 50'],
        ['FACEPAY_PIN_FAILURES_PER_DAY_PER_CLIENT', '0', 'a whole number from 1 to 50'],
        ['FACEPAY_WAL_CHECKPOINT_BYTES', '-1', 'a whole number of bytes'],
      ] as const) {
        const started = runScript('src/hub/cli.ts', ['--port', '0', '--data', dir], {
          [name]: value,
        });
        expect(started.status).toBe(2);
        expect(started.stderr).toContain(`${name} is ${said}`);
        expect(started.stdout).not.toContain('hub listening');
        expect(existsSync(dir)).toBe(false);
      }
    } finally {
      rmSync(join(dir, '..'), { recursive: true, force: true });
    }
  });
});
