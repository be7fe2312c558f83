// A repo script run as its own process (node with tsx's loader, in a process group of its own) with its
// output collected: the tests of `npm start` and `npm run demo` wait for its lines, signal it and see it end.
import type { ChildProcess } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import { nodeScript, repoRoot, spawnTracked } from '../hub/process.ts';

export interface SpawnedScript {
  child: ChildProcess;
  /** stdout and stderr as they came. */
  out: () => string;
  stdout: () => string;
  exited: Promise<number | null>;
}

export function spawnScript(script: string, args: string[], env: NodeJS.ProcessEnv): SpawnedScript {
  const [command, argv] = nodeScript(script, args);
  const child = spawnTracked(command, argv, {
    cwd: repoRoot,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let stdout = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    stdout += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { child, out: () => out, stdout: () => stdout, exited };
}

/** Polls `done` every 100 ms until it holds; throws with the script's output after `timeoutMs`. */
export async function waitFor(
  script: SpawnedScript,
  what: string,
  done: () => boolean | Promise<boolean>,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (script.child.exitCode !== null || script.child.signalCode !== null) {
      throw new Error(
        `exited (${script.child.exitCode}) before ${what}:\n${script.out().slice(-4000)}`,
      );
    }
    if (Date.now() > deadline)
      throw new Error(`no ${what} in ${timeoutMs} ms:\n${script.out().slice(-4000)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A TCP port free on 127.0.0.1 a moment ago. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/**
 * Every file and folder under `dir` (relative paths), deepest included, but tsx's compile cache (tsx-<uid>,
 * made by the loader that runs the script, not by the script).
 */
export async function everythingUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true });
  return entries
    .map((entry) => path.normalize(entry))
    .filter((entry) => !/^tsx-\d+($|\/)/.test(entry))
    .sort();
}

/** This process's environment without a display (nothing opens a window), with `extra` over it. */
export function headlessEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  delete env['DISPLAY'];
  delete env['WAYLAND_DISPLAY'];
  return env;
}
