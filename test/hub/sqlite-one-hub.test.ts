// A SQLite data folder serves one hub process: a second one is refused at start (its throttles, sweeper
// and token cache would not see the first's), and a killed hub leaves no claim behind. The token cache
// that this makes safe answers a revocation or a new token from the very next lookup.
import { afterEach, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { SqliteHubStore } from '../../src/hub/storage/sqlite/sqlite-store.ts';
import { ClientsByTokenCache } from '../../src/hub/storage/sqlite/token-cache.ts';
import type { ClientRecord } from '../../src/hub/storage/records.ts';
import { storeKind, tempDir } from './helpers.ts';

const repoRoot = join(import.meta.dirname, '..', '..');
const open: SqliteHubStore[] = [];
const children: ChildProcess[] = [];
afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  for (const store of open.splice(0)) await store.close();
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

function client(id: string, tokenHash: Uint8Array): ClientRecord {
  return {
    id,
    name: id,
    role: 'merchant',
    merchantId: null,
    eventTypes: [],
    tokenHash,
    createdAt: 0,
    revokedAt: null,
  };
}

/** A hub store opened by another node process (no wrapper: node runs tsx's loader itself). */
async function storeInAnotherProcess(dir: string): Promise<ChildProcess> {
  const script = join(dir, 'open-store.ts');
  const storeModule = pathToFileURL(join(repoRoot, 'src/hub/storage/sqlite/sqlite-store.ts')).href;
  writeFileSync(
    script,
    `import { SqliteHubStore } from ${JSON.stringify(storeModule)};
new SqliteHubStore({ file: ${JSON.stringify(join(dir, 'hub.sqlite'))}, auditKey: new Uint8Array(32) });
process.stdout.write('open\\n');
setInterval(() => {}, 1000);
`,
  );
  const loader = pathToFileURL(join(repoRoot, 'node_modules/tsx/dist/loader.mjs')).href;
  const child = spawn(process.execPath, ['--import', loader, script], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('open')) resolve();
    });
    child.on('exit', (code) => reject(new Error(`the other process exited ${code}`)));
  });
  return child;
}

describe.runIf(storeKind === 'sqlite')('one hub per SQLite database', () => {
  it('refuses a second store on the same database while the first is open, and not after', async () => {
    const dir = tempDir();
    const first = storeOn(dir);
    expect(() => storeOn(dir)).toThrow(/another hub is running on .*hub\.sqlite/);
    await first.close();
    open.splice(open.indexOf(first), 1);
    expect(() => storeOn(dir)).not.toThrow();
  });

  it('refuses a hub in this process while another process holds the database; its SIGKILL frees it', async () => {
    const dir = tempDir();
    const other = await storeInAnotherProcess(dir);
    expect(() => storeOn(dir)).toThrow(/another hub is running/);
    const exited = new Promise((resolve) => other.once('exit', resolve));
    other.kill('SIGKILL');
    await exited;
    expect(() => storeOn(dir)).not.toThrow();
  }, 30_000);
});

describe.runIf(storeKind === 'sqlite')('the bearer-token lookup after a commit', () => {
  it('sees a revocation and a replaced token at once, however often the token was looked up before', async () => {
    const store = storeOn(tempDir());
    const oldHash = randomBytes(32);
    const newHash = randomBytes(32);
    await store.write(async (tx) => {
      await tx.insertClient(client('cli_a', oldHash));
      await tx.insertClient(client('cli_b', randomBytes(32)));
    });
    for (let i = 0; i < 3; i++) {
      expect((await store.reader.findClientByTokenHash(oldHash))?.revokedAt).toBeNull();
    }
    await store.write((tx) => tx.replaceClientToken('cli_a', newHash));
    expect(await store.reader.findClientByTokenHash(oldHash)).toBeUndefined();
    expect((await store.reader.findClientByTokenHash(newHash))?.id).toBe('cli_a');
    await store.write((tx) => tx.revokeClient('cli_a', 5, 'admin'));
    expect((await store.reader.findClientByTokenHash(newHash))?.revokedAt).toBe(5);
  });

  it('finds a client created after its token was looked up and not found', async () => {
    const store = storeOn(tempDir());
    const hash = randomBytes(32);
    expect(await store.reader.findClientByTokenHash(hash)).toBeUndefined();
    await store.write((tx) => tx.insertClient(client('cli_new', hash)));
    expect((await store.reader.findClientByTokenHash(hash))?.id).toBe('cli_new');
  });

  it('does not keep what a lookup read before a commit that ended while it was answered', async () => {
    const cache = new ClientsByTokenCache();
    const hash = randomBytes(32);
    let reads = 0;
    let answer: (record: ClientRecord) => void = () => undefined;
    const pending = cache.find(hash, () => {
      reads += 1;
      return new Promise<ClientRecord>((resolve) => (answer = resolve));
    });
    cache.clear(); // a commit (say, the revocation) ends before the read is answered
    answer(client('cli_a', hash));
    await pending;
    const revoked = { ...client('cli_a', hash), revokedAt: 9 };
    const again = await cache.find(hash, async () => {
      reads += 1;
      return revoked;
    });
    expect(reads).toBe(2);
    expect(again?.revokedAt).toBe(9);
  });
});
