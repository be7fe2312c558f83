// Client tokens can be revoked and rotated by the admin (extension): effective at the very next
// request (no cached client answers for the old token), audited, and driven from hub:admin too.
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { migrations } from '../../src/hub/storage/sqlite/migrations.ts';
import {
  account,
  adminToken,
  clientWithId,
  startTestHub,
  tempDir,
  type TestHub,
  dataDirAtVersion,
  insertOldTill,
  storeKind,
} from './helpers.ts';
import { assertNoProcessLeft, runAdminCli } from './process.ts';

let t: TestHub;
beforeEach(async () => {
  t = await startTestHub();
  await account(t, 'shop', 'merchant');
});
afterEach(async () => t.stop());
afterAll(assertNoProcessLeft);

async function auditKinds(subject: string): Promise<{ kind: string; actor: string }[]> {
  const rows = await t.hub.store.auditRows(0, 100_000);
  return rows.filter((r) => r.subject === subject).map((r) => ({ kind: r.kind, actor: r.actor }));
}

const readShop = (token: string) => t.call('GET', '/v1/accounts/shop', { token });

describe('client tokens', () => {
  it('DELETE /v1/clients/:id revokes a client at once, audited; only the admin may', async () => {
    const till = await clientWithId(t, 'merchant', 'shop');
    const other = await clientWithId(t, 'merchant', 'shop');
    const admin2 = await clientWithId(t, 'admin');
    expect((await readShop(till.token)).status).toBe(200);

    expect((await t.call('DELETE', `/v1/clients/${till.id}`, { token: other.token })).status).toBe(
      403,
    );
    expect((await t.call('DELETE', '/v1/clients/cli_nobody', { token: admin2.token })).status).toBe(
      404,
    );
    expect((await t.call('DELETE', `/v1/clients/${till.id}`, { token: admin2.token })).status).toBe(
      204,
    );
    const refused = await readShop(till.token);
    expect(refused.status).toBe(401);
    expect(refused.body.error.code).toBe('unauthorized');
    // Revoking again changes nothing; the other client of the same merchant is untouched.
    expect((await t.call('DELETE', `/v1/clients/${till.id}`, { token: admin2.token })).status).toBe(
      204,
    );
    expect((await readShop(other.token)).status).toBe(200);
    expect(await auditKinds(till.id)).toEqual([
      { kind: 'client.created', actor: expect.any(String) },
      { kind: 'client.revoked', actor: admin2.id },
    ]);
    const shown = await t.call('GET', `/v1/clients/${till.id}`);
    expect(shown.status).toBe(200);
    expect(shown.body.revokedAt).toEqual(expect.any(String));
    expect(shown.body).not.toHaveProperty('token');
  });

  it('POST /v1/clients/:id/rotate-token returns a new token once; the old one stops at once', async () => {
    const till = await clientWithId(t, 'merchant', 'shop');
    expect((await readShop(till.token)).status).toBe(200);
    const rotated = await t.call('POST', `/v1/clients/${till.id}/rotate-token`, { body: {} });
    expect(rotated.status).toBe(200);
    expect(rotated.body).toMatchObject({ id: till.id, role: 'merchant', merchantId: 'shop' });
    const fresh = rotated.body.token as string;
    expect(fresh).not.toBe(till.token);
    expect((await readShop(till.token)).status).toBe(401);
    expect((await readShop(fresh)).status).toBe(200);
    const shown = await t.call('GET', `/v1/clients/${till.id}`);
    expect(shown.body).not.toHaveProperty('token');
    expect(shown.body.revokedAt).toBeNull();
    expect(
      (await t.call('POST', `/v1/clients/${till.id}/rotate-token`, { token: fresh, body: {} }))
        .status,
    ).toBe(403);
    expect((await auditKinds(till.id)).map((r) => r.kind)).toEqual([
      'client.created',
      'client.token_rotated',
    ]);
    // A revoked client gets no new token.
    expect((await t.call('DELETE', `/v1/clients/${till.id}`)).status).toBe(204);
    const again = await t.call('POST', `/v1/clients/${till.id}/rotate-token`, { body: {} });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('client_revoked');
    expect((await readShop(fresh)).status).toBe(401);
  });

  it('requests arriving together each get their own client; a revoked or unknown token is refused', async () => {
    // On PostgreSQL the lookups of requests read in one turn share a statement: each must still get
    // its own answer, and a token revoked before the requests is refused among them.
    const tills = await Promise.all([1, 2, 3, 4].map(() => clientWithId(t, 'merchant', 'shop')));
    const [first, , , revoked] = tills;
    if (first === undefined || revoked === undefined) throw new Error('four clients');
    expect((await t.call('DELETE', `/v1/clients/${revoked.id}`)).status).toBe(204);
    const tokens = [
      ...tills.map((till) => till.token),
      'never-issued-token-0123456789abcdef',
      ...tills.map((till) => till.token),
    ];
    const answers = await Promise.all(tokens.map((token) => readShop(token)));
    expect(answers.map((answer) => answer.status)).toEqual([
      200, 200, 200, 401, 401, 200, 200, 200, 401,
    ]);
    // The account is the one each client acts for (the admin sees all; these see their shop only).
    expect((await t.call('GET', '/v1/accounts/shop', { token: first.token })).body.id).toBe('shop');
    await account(t, 'other-shop', 'merchant');
    const elsewhere = await t.call('GET', '/v1/accounts/other-shop', { token: first.token });
    expect(elsewhere.status).toBe(404);
  });

  it('the admin cannot revoke itself (the hub would be left without a way in)', async () => {
    const admin2 = await clientWithId(t, 'admin');
    const refused = await t.call('DELETE', `/v1/clients/${admin2.id}`, { token: admin2.token });
    expect(refused.status).toBe(400);
    expect((await readShop(admin2.token)).status).toBe(200);
  });

  it('hub:admin revoke-client and rotate-client-token', async () => {
    const till = await clientWithId(t, 'merchant', 'shop');
    const rotated = await adminCli(['rotate-client-token', '--client', till.id]);
    expect(rotated.status, rotated.stderr).toBe(0);
    const token = JSON.parse(rotated.stdout).token as string;
    expect(rotated.stderr).toContain('shown once');
    expect((await readShop(till.token)).status).toBe(401);
    expect((await readShop(token)).status).toBe(200);
    const revoked = await adminCli(['revoke-client', '--client', till.id]);
    expect(revoked.status, revoked.stderr).toBe(0);
    expect(JSON.parse(revoked.stdout)).toMatchObject({
      id: till.id,
      revokedAt: expect.any(String),
    });
    expect((await readShop(token)).status).toBe(401);
  });
});

/** `hub:admin` against this test's hub as its operator. */
function adminCli(args: string[]) {
  return runAdminCli(t.hub.url, adminToken, args);
}

// SQLite's own migrations from older files; PostgreSQL starts at its schema 1 (no older deployments).
describe.runIf(storeKind === 'sqlite')(
  'migration 8 (client revocation, enrolment client of a person account)',
  () => {
    it('a database written at v7 opens; its clients keep working until revoked', async () => {
      const { dir, db } = dataDirAtVersion(7);
      const oldToken = insertOldTill(db);
      db.prepare(
        "INSERT INTO accounts VALUES ('old-person', 'person', 'Old', 'JPY', 0, 0, '{}', '[]', 0)",
      ).run();
      db.close();

      const old = await startTestHub({ dataDir: dir });
      try {
        const shop = await old.call('GET', '/v1/accounts/old-shop', { token: oldToken });
        expect(shop.status).toBe(200);
        expect((await old.call('GET', '/v1/clients/cli_old')).body.revokedAt).toBeNull();
        expect(await old.hub.store.reader.getAccountEnrollmentClient('old-person')).toBeNull();
        expect((await old.call('DELETE', '/v1/clients/cli_old')).status).toBe(204);
        expect((await old.call('GET', '/v1/accounts/old-shop', { token: oldToken })).status).toBe(
          401,
        );
      } finally {
        await old.stop();
      }
    });

    it('SQL refuses deleting a client and revoking one twice or halfway', () => {
      const dir = tempDir();
      const db = new Database(join(dir, 'hub.sqlite'));
      try {
        for (const step of migrations) step(db);
        db.prepare(
          "INSERT INTO clients (id, name, role, merchant_id, event_types, token_hash, created_at) VALUES ('c', 'c', 'admin', NULL, '[]', x'00', 0)",
        ).run();
        expect(() => db.prepare("DELETE FROM clients WHERE id = 'c'").run()).toThrow(
          /never deleted/,
        );
        expect(() => db.prepare("UPDATE clients SET revoked_at = 1 WHERE id = 'c'").run()).toThrow(
          /revoked once/,
        );
        db.prepare("UPDATE clients SET revoked_at = 1, revoked_by = 'a' WHERE id = 'c'").run();
        expect(() =>
          db.prepare("UPDATE clients SET revoked_at = 2, revoked_by = 'b' WHERE id = 'c'").run(),
        ).toThrow(/revoked once/);
      } finally {
        db.close();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  },
);
