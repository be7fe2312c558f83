// Key files are made and moved durably: the file synced before its name appears, the directory synced
// after every new name (a new key directory's too), rename and removal, and a process killed at any
// step leaves a whole key or none.
// What a test cannot do is cut the power: strace shows the syncs are made, in order, on the right
// files; the SIGKILLs show each step leaves whole files; neither proves the disk keeps what it is told.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createKeyFile,
  dangerousTestOnlyKeyFileSteps,
  readKeyFile,
  removeKeyFile,
  renameKeyFile,
  syncDirectory,
  type KeyFileStep,
} from '../../../src/biometrics/protect/key-files.node.ts';
import { scratchDir } from '../../hub/helpers.ts';
import { nodeScript } from '../../hub/process.ts';

const writer = 'test/biometrics/protect/key-file-step-writer.ts';

function newKey(): Uint8Array {
  return Uint8Array.from(randomBytes(32));
}

function hex(key: Uint8Array): string {
  return Buffer.from(key).toString('hex');
}

async function keyIn(path: string): Promise<string | undefined> {
  const read = await readKeyFile({ path, kind: 'transform' });
  if (!read.ok) return read.error.code;
  return hex(read.value);
}

/** Runs the writer until it pauses at `step`, then SIGKILLs it; answers the steps it reported. */
async function killedAt(args: string[], step: KeyFileStep): Promise<string[]> {
  const [node, nodeArgs] = nodeScript(writer, args);
  const child = spawn(node, nodeArgs, { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    child.on('exit', (_code, signal) => resolve(signal)),
  );
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      if (out.includes('paused\n')) resolve();
    });
    child.on('exit', () => reject(new Error(`writer exited before ${step}: ${out}`)));
  });
  child.kill('SIGKILL');
  expect(await exited).toBe('SIGKILL');
  return out.split('\n').filter((line) => line.startsWith('step '));
}

afterEach(() => dangerousTestOnlyKeyFileSteps(undefined));

describe('a key file written and moved', () => {
  it('takes its steps in order, leaves no temporary file, and syncs a real directory', async () => {
    const dir = scratchDir('facepay-key-durable-');
    const steps: string[] = [];
    dangerousTestOnlyKeyFileSteps(async (step, path) => {
      steps.push(`${step} ${path.slice(dir.length + 1)}`);
    });
    const key = newKey();
    const created = await createKeyFile({
      path: join(dir, 'transform.key.next'),
      kind: 'transform',
      key,
    });
    expect(created.ok).toBe(true);
    expect(readdirSync(dir)).toEqual(['transform.key.next']);
    await renameKeyFile({ from: join(dir, 'transform.key.next'), to: join(dir, 'transform.key') });
    await removeKeyFile(join(dir, 'transform.key'));
    expect(readdirSync(dir)).toEqual([]);
    await expect(syncDirectory(dir)).resolves.toBeUndefined();
    expect(steps).toEqual([
      'temporary_synced transform.key.next',
      'linked transform.key.next',
      'directory_synced transform.key.next',
      'renamed transform.key',
      'directory_synced transform.key',
      'removed transform.key',
      'directory_synced transform.key',
    ]);
  });

  it('syncs the file before its name appears and the directory after (strace)', () => {
    // strace -y names the real path: a symlinked TMPDIR would match no line.
    const dir = realpathSync(scratchDir('facepay-key-durable-'));
    const trace = join(scratchDir('facepay-key-trace-'), 'trace.txt');
    const current = join(dir, 'transform.key');
    const next = join(dir, 'transform.key.next');
    for (const args of [
      ['create', '-', next, 'none', hex(newKey())],
      ['promote', next, current, 'none', '-'],
      ['directory', '-', join(dir, 'keys', 'inner'), 'none', '-'],
    ]) {
      const [node, nodeArgs] = nodeScript(writer, args);
      const calls = 'fsync,fdatasync,link,linkat,rename,renameat,renameat2,mkdir,mkdirat';
      const run = spawnSync(
        'strace',
        ['-f', '-y', '-qq', '-e', `trace=${calls}`, '-a', '0', '-o', trace, node, ...nodeArgs],
        {
          encoding: 'utf8',
          timeout: 60_000,
          killSignal: 'SIGKILL',
        },
      );
      // No strace (the README lists it), or ptrace refused (a container without CAP_SYS_PTRACE).
      if (run.error !== undefined || run.status !== 0 || !run.stdout.includes('done'))
        throw new Error(
          `strace of the key writer failed (${args[0]}): ${run.error?.message ?? `exit ${run.status}`}; ` +
            `stderr: ${run.stderr}`,
        );
      const lines = readFileSync(trace, 'utf8')
        .split('\n')
        .map((line) => line.replace(/^\d+\s+/, ''))
        .filter((line) => line.includes(dir) && / = 0$/.test(line));
      const ours = lines.map((line) =>
        line
          .replace(/\d+</g, '<')
          .replace(/\.[0-9a-f]{16}\.tmp/g, '.TMP')
          .replaceAll(dir, 'D')
          .replace(/\s+= 0$/, ''),
      );
      if (args[0] === 'create')
        expect(ours).toEqual([
          'fsync(<D/transform.key.next.TMP>)',
          'link("D/transform.key.next.TMP", "D/transform.key.next")',
          'fsync(<D>)',
        ]);
      else if (args[0] === 'promote')
        expect(ours).toEqual(['rename("D/transform.key.next", "D/transform.key")', 'fsync(<D>)']);
      // Each directory made: its name synced in its parent.
      else
        expect(ours).toEqual([
          'mkdir("D/keys", 0700)',
          'mkdir("D/keys/inner", 0700)',
          'fsync(<D/keys>)',
          'fsync(<D>)',
        ]);
    }
  });

  it('killed at any step of its making, leaves the whole new key or no key under its name', async () => {
    for (const step of ['temporary_synced', 'linked', 'directory_synced'] as const) {
      const dir = scratchDir('facepay-key-killed-');
      const path = join(dir, 'transform.key.next');
      const key = hex(newKey());
      const steps = await killedAt(['create', '-', path, step, key], step);
      expect(steps.at(-1)).toBe(`step ${step}`);
      // Before the link, no key under the name; from the link on, the whole new key.
      const expected = step === 'temporary_synced' ? 'key_file_missing' : key;
      expect(await keyIn(path)).toBe(expected);
    }
  });

  it('killed at any step of its promotion, leaves the current key whole: the new one', async () => {
    for (const step of ['renamed', 'directory_synced'] as const) {
      const dir = scratchDir('facepay-key-killed-');
      const current = join(dir, 'transform.key');
      const next = join(dir, 'transform.key.next');
      expect((await createKeyFile({ path: current, kind: 'transform', key: newKey() })).ok).toBe(
        true,
      );
      const key = newKey();
      expect((await createKeyFile({ path: next, kind: 'transform', key })).ok).toBe(true);
      await killedAt(['promote', next, current, step, '-'], step);
      expect(await keyIn(current)).toBe(hex(key));
      expect(existsSync(next)).toBe(false);
    }
  });
});
