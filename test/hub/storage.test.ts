// Storage guarantees: each migration step, refusal of a newer database, append-only history,
// and tamper detection by `npm run audit:verify` naming the first tampered row.
import { describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { chmodSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import {
  migrate,
  migrations,
  DatabaseTooNewError,
} from '../../src/hub/storage/sqlite/migrations.ts';
import { SqliteHubStore } from '../../src/hub/storage/sqlite/sqlite-store.ts';
import {
  standingLimitFromRow,
  type StandingLimitRow,
} from '../../src/hub/storage/sqlite/standing-limit-rows.ts';
import {
  authorizationFromRow,
  type AuthorizationRow,
} from '../../src/hub/storage/sqlite/identity-rows.ts';
import { openDataDir } from '../../src/hub/data-dir.ts';
import { account, holdBody, openRawDb, startTestHub, syntheticFace, tempDir } from './helpers.ts';
import { enrolTestPerson, sealedProbe, startIdentityHub } from './identity-helpers.ts';
import { runScript } from './process.ts';

describe('migrations', () => {
  it('migrates step by step, recording each version', () => {
    const db = new Database(':memory:');
    for (let version = 0; version < migrations.length; version++) {
      const step = migrations[version];
      expect(step).toBeDefined();
      step?.(db);
      db.pragma(`user_version = ${version + 1}`);
    }
    const tables = db
      .prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'")
      .all()
      .map((r) => r.name);
    expect(tables).toEqual(
      expect.arrayContaining([
        'accounts',
        'clients',
        'holds',
        'entries',
        'idempotency',
        'audit_log',
        'standing_limits',
        'kiosks',
        'member_numbers',
        'replay_nonces',
      ]),
    );
    expect(migrate(db)).toEqual({ from: migrations.length, to: migrations.length });
  });
  it('v1 database upgrades to v2 keeping its data', () => {
    const db = new Database(':memory:');
    migrations[0]?.(db);
    db.pragma('user_version = 1');
    db.prepare(
      "INSERT INTO accounts VALUES ('x', 'merchant', 'X', 'JPY', 0, 0, '{}', '[]', 0)",
    ).run();
    expect(migrate(db)).toEqual({ from: 1, to: migrations.length });
    expect(db.prepare('SELECT COUNT(*) AS n FROM accounts').get()).toEqual({ n: 2 });
    expect(db.prepare('SELECT COUNT(*) AS n FROM standing_limits').get()).toEqual({ n: 0 });
  });
  it('v8 database upgrades to v9: standing limits stay in force, authorizations read as payments', () => {
    const v9 = migrations.findIndex((m) => m.name === 'v9StandingLimitConsent');
    expect(v9).toBeGreaterThan(0);
    const db = new Database(':memory:');
    for (const step of migrations.slice(0, v9)) step(db);
    db.pragma(`user_version = ${v9}`);
    db.exec(`
      INSERT INTO accounts VALUES ('a', 'merchant', 'A', 'JPY', 0, 0, '{}', '[]', 0, NULL),
        ('b', 'merchant', 'B', 'JPY', 0, 0, '{}', '[]', 0, NULL);
      INSERT INTO standing_limits VALUES ('lim', 'a', 'b', 1000, 60, 9e12, 'cli', 1);
      INSERT INTO payment_authorizations VALUES (x'01', 'per', 'a', 'b', 500, 9e12, NULL, 'cli', 1);
    `);
    expect(migrate(db)).toEqual({ from: v9, to: migrations.length });
    const limit = db
      .prepare('SELECT rowid AS seq, * FROM standing_limits')
      .get() as StandingLimitRow;
    expect(standingLimitFromRow(limit)).toMatchObject({ id: 'lim', revokedAt: null });
    const row = db.prepare('SELECT * FROM payment_authorizations').get() as AuthorizationRow;
    expect(authorizationFromRow(row)).toMatchObject({ purpose: 'payment', standingTerms: null });
    db.close();
  });
  it('refuses to open a database from a newer hub', () => {
    const dir = tempDir();
    const file = join(dir, 'hub.sqlite');
    const db = new Database(file);
    db.pragma(`user_version = ${migrations.length + 1}`);
    db.close();
    expect(() => new SqliteHubStore({ file, auditKey: randomBytes(32) })).toThrow(
      DatabaseTooNewError,
    );
    rmSync(dir, { recursive: true, force: true });
  });
  it('keys are private files; a world-readable key is refused', async () => {
    const dir = tempDir();
    await openDataDir(dir, { create: true });
    chmodSync(join(dir, 'keys', 'audit.key'), 0o644);
    await expect(openDataDir(dir, { create: false })).rejects.toThrow(/readable by others/);
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('history is append-only and tamper-evident', () => {
  it('entries and audit rows cannot be updated or deleted through SQL', async () => {
    const t = await startTestHub();
    await account(t, 'alice', 'person', 100);
    const db = new Database(join(t.dir, 'hub.sqlite'));
    expect(() => db.prepare('UPDATE entries SET amount = 1').run()).toThrow(/immutable/);
    expect(() => db.prepare('DELETE FROM audit_log').run()).toThrow(/append-only/);
    db.close();
    await t.stop();
  });

  it('audit:verify passes on a clean log and names the first tampered row', async () => {
    const t = await startTestHub();
    await account(t, 'alice', 'person', 5_000);
    await account(t, 'shop', 'merchant');
    for (let i = 0; i < 3; i++)
      await t.call('POST', '/v1/holds', {
        body: holdBody('alice', 'shop', 100, { template: { name: 'purchase' } }),
      });
    await t.hub.close();
    const clean = runScript('src/hub/audit-verify-cli.ts', ['--data', t.dir]);
    expect(clean.status).toBe(0);
    expect(clean.stdout).toMatch(/audit chain valid: \d+ rows/);

    const db = new Database(join(t.dir, 'hub.sqlite'));
    db.exec('DROP TRIGGER audit_log_no_update');
    db.prepare("UPDATE audit_log SET data = replace(data, '100', '1') WHERE seq = 7").run();
    db.close();
    const tampered = runScript('src/hub/audit-verify-cli.ts', ['--data', t.dir]);
    expect(tampered.status).toBe(1);
    expect(tampered.stdout).toContain('audit chain BROKEN at row 7');

    const db2 = new Database(join(t.dir, 'hub.sqlite'));
    db2.exec('DROP TRIGGER entries_no_update');
    db2.prepare("UPDATE accounts SET balance = balance + 1 WHERE id = 'shop'").run();
    db2.close();
    const inconsistent = runScript('src/hub/audit-verify-cli.ts', ['--data', t.dir]);
    expect(inconsistent.stdout).toContain('ledger INCONSISTENT: account shop');
    rmSync(t.dir, { recursive: true, force: true });
  });
});

describe('erasure on SQLite', () => {
  it("leaves no ciphertext of the person's templates in the database file or its write-ahead log", async () => {
    const { t, hubKey, enroller } = await startIdentityHub();
    try {
      const alice = syntheticFace();
      const person = await enrolTestPerson(t, hubKey, {
        enroller,
        accountId: 'alice',
        sealedTemplate: () => sealedProbe(t, hubKey, syntheticFace(alice)),
      });
      const raw = await openRawDb(t.dir);
      const sealed = await raw.all<{ sealed: Uint8Array }>('SELECT sealed FROM templates');
      await raw.close();
      expect(sealed).toHaveLength(2);
      const inFiles = () =>
        ['hub.sqlite', 'hub.sqlite-wal'].some((file) => {
          const path = join(t.dir, file);
          const bytes = existsSync(path) ? readFileSync(path) : Buffer.alloc(0);
          return sealed.some((row) => bytes.includes(Buffer.from(row.sealed).subarray(0, 48)));
        });
      expect(inFiles()).toBe(true);
      const erased = await t.call('DELETE', `/v1/persons/${person.id}`, { token: enroller.token });
      expect(erased.status).toBe(204);
      // No checkpoint by the test: the hub itself must not leave the frames behind.
      expect(inFiles()).toBe(false);
    } finally {
      await t.stop();
    }
  });
});
