// Two hub instances on one PostgreSQL database, as a deployment runs them: the second one on a private
// copy of the first one's keys/. Shared by the multi-instance suites (postgres project only).
import { chmodSync, copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { sodium } from '../../src/biometrics/protect/sodium.ts';
import {
  account,
  client,
  clientWithId,
  databaseFor,
  openRawDb,
  startTestHub,
  tempDir,
  testCalibrationFile,
  type TestHub,
} from './helpers.ts';
import { fetchHubKey } from './identity-helpers.ts';

/** A second data directory for the same deployment: a private copy of the first one's keys/. */
export function copyKeys(fromDir: string): string {
  const dir = tempDir('facepay-instance-b-');
  chmodSync(dir, 0o700);
  mkdirSync(join(dir, 'keys'), { mode: 0o700 });
  for (const name of readdirSync(join(fromDir, 'keys'))) {
    copyFileSync(join(fromDir, 'keys', name), join(dir, 'keys', name));
    chmodSync(join(dir, 'keys', name), 0o600);
  }
  return dir;
}

/**
 * Instance A on a fresh database, and instance B on the same database with a copy of A's keys. Each is
 * pushed to `running` as soon as it starts: stop them in reverse (A's stop drops the shared database).
 */
export async function twoInstances(
  running: TestHub[],
  options: { calibrationFile?: string } = {},
): Promise<{ a: TestHub; b: TestHub }> {
  const a = await startTestHub(options);
  running.push(a);
  const databaseUrl = await databaseFor(a.dir);
  expect(databaseUrl).toBeDefined();
  const b = await startTestHub({
    ...options,
    dataDir: copyKeys(a.dir),
    ...(databaseUrl === undefined ? {} : { databaseUrl }),
  });
  running.push(b);
  return { a, b };
}

/**
 * twoInstances with identity (the test calibration), and on A a shop, its till's token and an enrolment
 * organisation's client; hubKey is the hub's sealing key as the till fetched it.
 */
export async function twoInstancesWithShop(running: TestHub[]) {
  await sodium.ready;
  const { a, b } = await twoInstances(running, { calibrationFile: testCalibrationFile() });
  await account(a, 'shop', 'merchant');
  const enroller = await clientWithId(a, 'enrollment');
  const till = await client(a, 'merchant', 'shop');
  const hubKey = await fetchHubKey(a, till);
  return { a, b, enroller, till, hubKey };
}

/** Cuts both instances' LISTEN connections (a network blip): neither hears a change until it reconnects. */
export async function cutTemplateFeeds(a: TestHub): Promise<void> {
  const raw = await openRawDb(a.dir);
  try {
    const cut = await raw.all(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
       WHERE datname = current_database() AND query LIKE 'LISTEN%' AND pid <> pg_backend_pid()`,
    );
    expect(cut).toHaveLength(2);
  } finally {
    await raw.close();
  }
}
