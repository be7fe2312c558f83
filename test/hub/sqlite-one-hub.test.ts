// A SQLite data folder serves one hub process: a second one is refused at start (its PIN and request
// throttles and its sweeper would not see the first's), and a killed hub leaves no claim behind.
import { afterEach, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { SqliteHubStore } from '../../src/hub/storage/sqlite/sqlite-store.ts';
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
