// Test harness for the hub: a real hub on 127.0.0.1 with a real SQLite file in a temp directory (or a
// fresh PostgreSQL database, in the postgres project), a frozen clock and a raw HTTP helper.
import { afterAll, inject } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { hashToken } from '../../src/hub/http/tokens.ts';
import { migrations } from '../../src/hub/storage/sqlite/migrations.ts';
import { ManualClock } from '../../src/hub/clock.ts';
import { startHub, type HubOptions, type RunningHub } from '../../src/hub/hub.ts';
import type { HubStore } from '../../src/hub/storage/port.ts';
import { SqliteHubStore } from '../../src/hub/storage/sqlite/sqlite-store.ts';
import { PgHubStore } from '../../src/hub/storage/postgres/pg-store.ts';
import { openPool } from '../../src/hub/storage/postgres/pool.ts';
import {
  createDatabase,
  dropDatabase,
  databaseUrlOf,
} from '../../scripts/postgres/throwaway-cluster.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The throwaway cluster's maintenance database (test/postgres-setup.ts), in the postgres project. */
    postgresAdminUrl: string;
  }
}

const postgresAdminUrl: string | undefined = inject('postgresAdminUrl');
/** The storage adapter this run's hubs use: the vitest project (sqlite or postgres) decides. */
export const storeKind: 'sqlite' | 'postgres' =
  postgresAdminUrl === undefined ? 'sqlite' : 'postgres';

/** The PostgreSQL database of each data directory this file started a hub on (a restart reuses it). */
const databasesByDir = new Map<string, string>();
afterAll(async () => {
  if (postgresAdminUrl === undefined) return;
  for (const name of databasesByDir.values()) await dropDatabase(postgresAdminUrl, name);
  databasesByDir.clear();
});

/** The database URL a hub on `dir` uses in the postgres project (created on first use); else none. */
export async function databaseFor(dir: string): Promise<string | undefined> {
  if (postgresAdminUrl === undefined) return undefined;
  let name = databasesByDir.get(dir);
  if (name === undefined) {
    name = `hub_${randomUUID().replaceAll('-', '')}`;
    await createDatabase(postgresAdminUrl, name);
    databasesByDir.set(dir, name);
  }
  return databaseUrlOf(postgresAdminUrl, name);
}

/** Drops the PostgreSQL database of `dir`, if the postgres project made one. */
export async function forgetDatabase(dir: string): Promise<void> {
  const name = databasesByDir.get(dir);
  if (name === undefined || postgresAdminUrl === undefined) return;
  databasesByDir.delete(dir);
  await dropDatabase(postgresAdminUrl, name);
}

/**
 * The hub's database on `dir`, opened beside the hub as an operator with SQL access would: SQLite's file
 * or the project's PostgreSQL database. Statements use `?` placeholders on both (turned into $1… here).
 */
export interface RawDb {
  all<R>(sql: string, ...params: unknown[]): Promise<R[]>;
  get<R>(sql: string, ...params: unknown[]): Promise<R | undefined>;
  /** Runs a write; answers the rows it changed. Rejects with the database's refusal. */
  run(sql: string, ...params: unknown[]): Promise<number>;
  close(): Promise<void>;
}

function dollarPlaceholders(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

export async function openRawDb(dir: string): Promise<RawDb> {
  const databaseUrl = await databaseFor(dir);
  if (databaseUrl === undefined) {
    const db = new Database(join(dir, 'hub.sqlite'));
    return {
      all: async <R>(sql: string, ...params: unknown[]) =>
        db.prepare<unknown[], R>(sql).all(...params),
      get: async <R>(sql: string, ...params: unknown[]) =>
        db.prepare<unknown[], R>(sql).get(...params),
      run: async (sql, ...params) => db.prepare(sql).run(...params).changes,
      close: async () => void db.close(),
    };
  }
  const pool = openPool(databaseUrl, { max: 1 });
  const query = (sql: string, params: unknown[]) => pool.query(dollarPlaceholders(sql), params);
  return {
    all: async <R>(sql: string, ...params: unknown[]) => (await query(sql, params)).rows as R[],
    get: async <R>(sql: string, ...params: unknown[]) =>
      (await query(sql, params)).rows[0] as R | undefined,
    run: async (sql, ...params) => (await query(sql, params)).rowCount ?? 0,
    close: () => pool.end(),
  };
}

/** A bare store (no HTTP) of this run's adapter on `dir`, for the model-based ledger tests. */
export async function openTestStore(dir: string, auditKey: Uint8Array): Promise<HubStore> {
  const databaseUrl = await databaseFor(dir);
  if (databaseUrl === undefined) {
    return new SqliteHubStore({ file: join(dir, 'hub.sqlite'), auditKey, synchronous: 'NORMAL' });
  }
  return PgHubStore.open({ databaseUrl, auditKey });
}

export const adminToken = 'test-admin-token-0123456789abcdef';
export const t0 = Date.parse('2026-01-05T09:00:00.000Z');

export interface TestHub {
  hub: RunningHub;
  clock: ManualClock;
  dir: string;
  call: (method: string, path: string, options?: CallOptions) => Promise<CallResult>;
  stop: () => Promise<void>;
}

export interface CallOptions {
  token?: string | null;
  body?: unknown;
  rawBody?: string;
  key?: string | null;
  headers?: Record<string, string>;
}

export interface CallResult {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- tests read arbitrary JSON
  headers: Headers;
}

export function tempDir(prefix = 'facepay-hub-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Temp directories the helpers make for a test file (calibration files, kiosk keys). */
const scratchDirs: string[] = [];
// Registered while the importing test file is collected, so it runs after that file's tests.
afterAll(() => {
  for (const dir of scratchDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A temp directory removed once the test file that made it has run. */
export function scratchDir(prefix: string): string {
  const dir = tempDir(prefix);
  scratchDirs.push(dir);
  return dir;
}

/** The PostgreSQL databases the helpers made and have not dropped yet (0 on SQLite). */
export function databasesHeld(): number {
  return databasesByDir.size;
}

/**
 * A hub on `options.dataDir`, or on a temp dir of its own. A start that fails removes what this call
 * made (its temp dir, a database made for the dir) before the start's error goes on, so a failing test
 * leaks neither until the end of the run.
 */
export async function startTestHub(options: Partial<HubOptions> = {}): Promise<TestHub> {
  const dir = options.dataDir ?? tempDir();
  const hadDatabase = databasesByDir.has(dir);
  const clock = new ManualClock(t0);
  let hub: RunningHub;
  try {
    // A second instance of a deployment names the first one's database; otherwise each dir has its own.
    const databaseUrl = options.databaseUrl ?? (await databaseFor(dir));
    hub = await startHub({
      clock,
      adminToken,
      sweeper: false,
      calibrationFile: null,
      // The hub tests identify with probes they seal themselves; attestation has its own tests.
      allowUnattested: true,
      ...options,
      ...(databaseUrl === undefined ? {} : { databaseUrl }),
      dataDir: dir,
    });
  } catch (error) {
    await removeAfterFailedStart({ dir, ownDir: options.dataDir === undefined, hadDatabase });
    throw error;
  }
  const call = async (method: string, path: string, o: CallOptions = {}): Promise<CallResult> => {
    const headers: Record<string, string> = { ...o.headers };
    const token = o.token === undefined ? adminToken : o.token;
    if (token !== null) headers['authorization'] = `Bearer ${token}`;
    const body = o.rawBody ?? (o.body === undefined ? undefined : JSON.stringify(o.body));
    if (body !== undefined && headers['content-type'] === undefined)
      headers['content-type'] = 'application/json';
    if (method === 'POST' && o.key !== null && headers['idempotency-key'] === undefined) {
      headers['idempotency-key'] = o.key ?? randomUUID();
    }
    const response = await fetch(`${hub.url}${path}`, {
      method,
      headers,
      ...(body === undefined ? {} : { body }),
    });
    const text = await response.text();
    return {
      status: response.status,
      body: text === '' ? null : JSON.parse(text),
      headers: response.headers,
    };
  };
  return {
    hub,
    clock,
    dir,
    call,
    stop: async () => {
      await hub.close();
      await forgetDatabase(dir);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** What a failed startTestHub made; a clean-up that fails is told on stderr, not instead of the start's error. */
async function removeAfterFailedStart(made: {
  dir: string;
  ownDir: boolean;
  hadDatabase: boolean;
}): Promise<void> {
  try {
    if (!made.hadDatabase) await forgetDatabase(made.dir);
  } catch (error) {
    process.stderr.write(`startTestHub: the failed start's database stays: ${String(error)}\n`);
  }
  if (made.ownDir) rmSync(made.dir, { recursive: true, force: true });
}

/** Creates an account (and deposits `balance` into it) as admin. */
export async function account(
  t: TestHub,
  id: string,
  kind: 'person' | 'merchant' | 'escrow',
  balance = 0,
  extra: Record<string, unknown> = {},
): Promise<void> {
  const created = await t.call('POST', '/v1/accounts', {
    body: { id, kind, name: id, currency: 'JPY', ...extra },
  });
  if (created.status !== 201) throw new Error(`account ${id}: ${JSON.stringify(created.body)}`);
  if (balance > 0) {
    const deposit = await t.call('POST', `/v1/accounts/${id}/deposits`, {
      body: { amount: balance },
    });
    if (deposit.status !== 201) throw new Error(`deposit ${id}: ${JSON.stringify(deposit.body)}`);
  }
}

/** Assigns (as admin) a person account to the enrolment client that may enrol a person on it. */
export async function assignEnroller(t: TestHub, accountId: string, clientId: string) {
  const assigned = await t.call('PUT', `/v1/accounts/${accountId}/enrollment-client`, {
    body: { clientId },
  });
  if (assigned.status !== 200)
    throw new Error(`assign ${accountId}: ${JSON.stringify(assigned.body)}`);
}

/** Creates a client and returns its token. */
export async function client(
  t: TestHub,
  role: 'admin' | 'merchant' | 'event_source' | 'enrollment',
  merchantId?: string,
  eventTypes?: string[],
): Promise<string> {
  return (await clientWithId(t, role, merchantId, eventTypes)).token;
}

/** Creates a client and returns its id and token. */
export async function clientWithId(
  t: TestHub,
  role: 'admin' | 'merchant' | 'event_source' | 'enrollment',
  merchantId?: string,
  eventTypes?: string[],
): Promise<{ id: string; token: string }> {
  const created = await t.call('POST', '/v1/clients', {
    body: {
      name: `${role} ${merchantId ?? ''}`,
      role,
      ...(merchantId === undefined ? {} : { merchantId }),
      ...(eventTypes === undefined ? {} : { eventTypes }),
    },
  });
  if (created.status !== 201) throw new Error(`client: ${JSON.stringify(created.body)}`);
  return { id: created.body.id as string, token: created.body.token as string };
}

export async function balances(
  t: TestHub,
  id: string,
): Promise<{ balance: number; held: number; available: number }> {
  const { body } = await t.call('GET', `/v1/accounts/${id}`);
  return { balance: body.balance, held: body.held, available: body.available };
}

export function holdBody(
  payer: string,
  payee: string,
  amount: number,
  extra: Record<string, unknown> = {},
) {
  return {
    payer,
    payee,
    amount,
    currency: 'JPY',
    reference: `ref-${randomUUID()}`,
    expiresInSeconds: 3600,
    ...extra,
  };
}

/** A synthetic unit "descriptor" near `base` (cosine ~0.98), or a fresh random face when base is absent. */
export function syntheticFace(base?: Float32Array): Float32Array {
  const v = new Float32Array(128);
  for (let i = 0; i < v.length; i++) v[i] = (base?.[i] ?? 0) * 6 + (Math.random() - 0.5);
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}

/** The face model id the identity tests' calibration files name. */
export const testFaceModelId = 'test-face-model-v1';

/**
 * A thresholds.json for the identity tests: cosine 0.6 for a match; with `faceOnlyFmr`, a measured
 * face-only point at 0.7, so an adult's face alone may authorize (none: every face payment takes the PIN).
 */
export function testCalibrationFile(faceOnlyFmr?: number): string {
  const file = join(scratchDir('facepay-cal-'), 'thresholds.json');
  const faceOnlyPoints = faceOnlyFmr === undefined ? [] : [{ threshold: 0.7, fmr: faceOnlyFmr }];
  writeFileSync(
    file,
    JSON.stringify({
      modelId: testFaceModelId,
      metric: 'cosine',
      threshold: 0.6,
      dimension: 128,
      faceOnlyPoints,
    }),
  );
  return file;
}

/**
 * A new data folder whose database an older hub wrote: only the first `version` migrations applied, open
 * for the test to fill with rows of that schema before it closes it and starts today's hub on `dir`.
 * Removed once the test file has run (scratchDir), whether or not the test removes it itself.
 */
export function dataDirAtVersion(version: number): { dir: string; db: Database.Database } {
  // Private (mkdtemp makes it 0700); the hub started on it creates keys/ and the audit key.
  const dir = scratchDir('facepay-hub-');
  const db = new Database(join(dir, 'hub.sqlite'));
  for (const step of migrations.slice(0, version)) step(db);
  db.pragma(`user_version = ${version}`);
  return { dir, db };
}

/**
 * Writes, in a database of schema v4 to v8, the merchant account `old-shop` and its till `cli_old`;
 * returns the till's token.
 */
export function insertOldTill(db: Database.Database): string {
  db.prepare(
    "INSERT INTO accounts VALUES ('old-shop', 'merchant', 'Old', 'JPY', 0, 0, '{}', '[]', 0)",
  ).run();
  const oldToken = 'old-till-token-0123456789';
  db.prepare(
    "INSERT INTO clients VALUES ('cli_old', 'old till', 'merchant', 'old-shop', '[]', ?, 0)",
  ).run(Buffer.from(hashToken(oldToken)));
  return oldToken;
}
