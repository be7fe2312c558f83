// Runs the hub and the repo's scripts as real child processes, as operators and CI do, and makes sure
// none outlives its test: node runs the TypeScript itself (tsx's loader, no wrapper process), so the pid
// a test signals is the hub's, and each one starts in a process group of its own that the test checks.
import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { databaseFor } from './helpers.ts';

export const repoRoot = join(import.meta.dirname, '..', '..');

/** FACEPAY_DATABASE_URL of the hub on `dataDir` in the postgres project; nothing on SQLite. */
export async function databaseEnv(dataDir: string): Promise<Record<string, string>> {
  const databaseUrl = await databaseFor(dataDir);
  return databaseUrl === undefined ? {} : { FACEPAY_DATABASE_URL: databaseUrl };
}
const tsxLoader = pathToFileURL(join(repoRoot, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;

/** node with tsx's loader: the process that runs `script` is the one spawned, not a child of it. */
export function nodeScript(script: string, args: string[]): [string, string[]] {
  return [process.execPath, ['--import', tsxLoader, join(repoRoot, script), ...args]];
}

export interface HubProcess {
  child: ChildProcess;
  /** The hub's own pid (and its process group's id). */
  pid: number;
  url: string;
  exited: Promise<number | null>;
}

const started = new Set<number>();

function alive(target: number): boolean {
  try {
    process.kill(target, 0);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
}

/** Whether the process is still there (a reaped process is gone: await its exit first). */
export function pidAlive(pid: number): boolean {
  return alive(pid);
}

/** Whether anything of the process group is still running: the process, or what it started. */
export function processGroupAlive(pgid: number): boolean {
  return alive(-pgid);
}

/**
 * Whether the process group is gone within `withinMs`: what a killed hub started (tsx's esbuild
 * service) exits when its parent's pipe closes, a moment after the hub itself, later on a busy machine.
 */
export async function processGroupGone(pgid: number, withinMs = 5_000): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  while (processGroupAlive(pgid)) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return true;
}

/**
 * Starts a command in a process group of its own, remembered until assertNoProcessLeft. Returns once
 * it is spawned; the caller waits for what it needs (its line, its exit).
 */
export function spawnTracked(command: string, args: string[], options: SpawnOptions): ChildProcess {
  const child = spawn(command, args, { ...options, detached: true });
  if (child.pid === undefined) throw new Error(`could not start ${command}`);
  started.add(child.pid);
  return child;
}

/**
 * For afterAll: every process group started here is gone. Groups still running after a short grace
 * (a process just signalled, orphans not yet reaped) are killed so nothing outlives the test, and listed.
 */
export async function assertNoProcessLeft(): Promise<void> {
  const deadline = Date.now() + 5_000;
  let left = [...started].filter(processGroupAlive);
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    left = left.filter(processGroupAlive);
  }
  for (const pgid of left) process.kill(-pgid, 'SIGKILL');
  started.clear();
  if (left.length > 0) {
    throw new Error(`process groups still running after the tests: ${left.join(', ')}`);
  }
}

/**
 * Pids of running processes whose command line mentions `marker` (a temp path only one test uses):
 * finds what escaped its process group too. Reads /proc, so only on Linux; elsewhere none are found.
 */
export function processesMentioning(marker: string): number[] {
  if (!existsSync('/proc/self/cmdline')) return [];
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmdline = readFileSync(join('/proc', entry, 'cmdline'), 'utf8');
      if (cmdline.includes(marker)) found.push(Number(entry));
    } catch {
      // The process ended while the list was read.
    }
  }
  return found;
}

/** This process's children whose command line matches `pattern` (Linux /proc; none elsewhere). */
function childProcessesMatching(pattern: RegExp): Array<{ pid: number; pgrp: number }> {
  if (!existsSync('/proc/self/stat')) return [];
  const found: Array<{ pid: number; pgrp: number }> = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // pid (comm) state ppid pgrp ...: comm may hold spaces and parentheses, so split after the last ')'.
      const stat = readFileSync(join('/proc', entry, 'stat'), 'utf8');
      const [, ppid, pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(ppid) !== process.pid) continue;
      const cmdline = readFileSync(join('/proc', entry, 'cmdline'), 'utf8').replaceAll('\0', ' ');
      if (pattern.test(cmdline)) found.push({ pid: Number(entry), pgrp: Number(pgrp) });
    } catch {
      // The process ended while the list was read.
    }
  }
  return found;
}

/**
 * Remembers the process groups of children another library started (Playwright's browsers lead a
 * group of their own), so assertNoProcessLeft checks them too. Returns how many it found.
 */
export function trackChildProcesses(pattern: RegExp): number {
  const children = childProcessesMatching(pattern).filter((child) => child.pgrp === child.pid);
  for (const child of children) started.add(child.pid);
  return children.length;
}

export async function spawnHub(dataDir: string, env: Record<string, string>): Promise<HubProcess> {
  const [command, args] = nodeScript('src/hub/cli.ts', ['--port', '0', '--data', dataDir]);
  const child = spawnTracked(command, args, {
    cwd: repoRoot,
    env: { ...process.env, ...(await databaseEnv(dataDir)), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const pid = child.pid ?? 0;
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`hub did not start: ${stderr}`));
    }, 60_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /hub listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (match?.[1] !== undefined) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`hub exited ${code}: ${stderr}`));
    });
  });
  return { child, pid, url, exited };
}

/** Runs a script to its end (killed after 60 s); node runs it directly, so nothing of it outlives this. */
export function runScript(script: string, args: string[], env: Record<string, string> = {}) {
  const [command, nodeArgs] = nodeScript(script, args);
  const result = spawnSync(command, nodeArgs, {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 60_000,
    killSignal: 'SIGKILL',
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/**
 * Runs `hub:admin` against the hub at `url` with `token` as an operator would, collecting its output;
 * tracked like every child, so assertNoProcessLeft sees one that outlives its test.
 */
export function runAdminCli(
  url: string,
  token: string,
  args: string[],
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const [command, nodeArgs] = nodeScript('src/hub/admin-cli.ts', args);
    const child = spawnTracked(command, nodeArgs, {
      cwd: repoRoot,
      env: { ...process.env, FACEPAY_HUB_URL: url, FACEPAY_ADMIN_TOKEN: token },
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('exit', (status) => resolve({ status, stdout, stderr }));
  });
}

/**
 * Runs a script to its end without blocking this process (a hub in the test's own process goes on
 * answering it), tracked like every child; `out` is its stdout and stderr as they came.
 */
export async function runScriptTracked(
  script: string,
  args: string[],
): Promise<{ code: number | null; out: string }> {
  const [command, argv] = nodeScript(script, args);
  return runTracked(command, argv);
}

/** runScriptTracked's run of any node command line, with `env` (default: this process's). */
export async function runTracked(
  command: string,
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ code: number | null; out: string }> {
  const child = spawnTracked(command, argv, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { code, out };
}
