// A SQLite data folder serves one hub process: a second one is refused at start (its PIN and request
// throttles and its sweeper would not see the first's), and a killed hub leaves no claim behind.
import { afterEach, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { chmodSync } from 'node:fs';
import { join } from 'node:path';
import { SqliteHubStore } from '../../src/hub/storage/sqlite/sqlite-store.ts';
import { scratchDir, storeKind } from './helpers.ts';
import { assertNoProcessLeft, runScript, spawnHub } from './process.ts';

const open: SqliteHubStore[] = [];
afterEach(async () => {
  for (const store of open.splice(0)) await store.close();
  await assertNoProcessLeft();
});

function storeOn(dir: string): SqliteHubStore {
  const store = new SqliteHubStore({
    file: join(dir, 'hub.sqlite'),
    auditKey: randomBytes(32),
    synchronous: 'NORMAL',
  });
  open.push(store);
  return store;
}

describe.runIf(storeKind === 'sqlite')('one hub per SQLite database', () => {
  it('refuses a second store on the same database while the first is open, and not after', async () => {
    const dir = scratchDir('facepay-one-hub-');
    const first = storeOn(dir);
    expect(() => storeOn(dir)).toThrow(/another hub is running on .*hub\.sqlite/);
    await first.close();
    open.splice(open.indexOf(first), 1);
    expect(() => storeOn(dir)).not.toThrow();
  });

  it('the hub command refuses a second hub on the data folder in one sentence; a SIGKILL of the first frees it', async () => {
    const dir = scratchDir('facepay-one-hub-');
    chmodSync(dir, 0o700);
    const first = await spawnHub(dir, { FACEPAY_ADMIN_TOKEN: 'one-hub-test-token-0123456789' });
    const second = runScript('src/hub/cli.ts', ['--port', '0', '--data', dir], {
      FACEPAY_ADMIN_TOKEN: 'one-hub-test-token-0123456789',
    });
    expect(second.status).toBe(1);
    expect(second.stdout).not.toContain('hub listening');
    expect(second.stderr).toContain(`another hub is running on ${join(dir, 'hub.sqlite')}`);
    expect(second.stderr).not.toMatch(/\n\s+at /);
    expect(() => storeOn(dir)).toThrow(/another hub is running/); // across processes, too
    first.child.kill('SIGKILL');
    await first.exited;
    expect(() => storeOn(dir)).not.toThrow();
  }, 60_000);
});
