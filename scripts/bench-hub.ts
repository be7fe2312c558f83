// `npm run bench:hub -- [--database-url URL] [--instances N] [--seconds S] [--clients C]`: durable
// place+settle pairs per second through HTTP on SQLite (group commit and one commit per request, against
// a raw durable SQLite insert loop, the physical limit) and on PostgreSQL with 1 and N instances, with
// the CPU each process spent per request (hub, PostgreSQL server, this load generator) read from /proc,
// against a bare Fastify server's. Hubs and servers run in their own processes; this one makes the load.
import http from 'node:http';
import { spawn, type ChildProcess } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import type { WriteQueueStats } from '../src/hub/storage/write-queue.ts';
import {
  machineCpu,
  procAvailable,
  processCpuMicros,
  serverTreeCpuMicros,
} from './bench-hub/proc-cpu.ts';
import {
  BenchSetupError,
  givenTarget,
  throwawayTarget,
  type PostgresTarget,
} from './bench-hub/postgres-target.ts';
import { benchHoldRequest } from './bench-hub/bench-pair.ts';

const allModes = ['bare', 'sqlite', 'sqlite-single', 'pg', 'pg-n'] as const;
type ModeName = (typeof allModes)[number];

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    clients: { type: 'string', default: '64' },
    instances: { type: 'string', default: '2' },
    'database-url': { type: 'string' },
    /** Comma-separated subset of the modes, to iterate on one. */
    modes: { type: 'string', default: allModes.join(',') },
    /** Writes each hub's V8 CPU profile (node --cpu-prof) into this directory. */
    'cpu-prof': { type: 'string' },
    /** Another checkout (e.g. a worktree of the commit before a change): its hubs run every hub mode too. */
    baseline: { type: 'string' },
    /** Runs every hub mode this many times (with --baseline in ABBA order) and prints medians. */
    rounds: { type: 'string', default: '1' },
    help: { type: 'boolean', short: 'h', default: false },
  },
  strict: true,
});
if (values.help) {
  process.stdout.write(`npm run bench:hub -- [options]
  --seconds S         seconds of load per mode (default 10)
  --clients C         concurrent HTTP clients (default 64)
  --instances N       hub instances for the pg-n mode (default 2)
  --database-url URL  an existing PostgreSQL database (default: a throwaway cluster; or FACEPAY_DATABASE_URL)
  --modes LIST        comma-separated subset of ${allModes.join(', ')}
  --cpu-prof DIR      write each hub's V8 CPU profile there (scripts/bench-hub/profile-summary.ts reads it)
  --baseline TREE     another checkout whose hubs run every hub mode too (before/after in one run)
  --rounds N          every hub mode N times (trees in ABBA order: the machine's drift and the first
                      run's advantage cancel) and each mode's median and range (default 1)
`);
  process.exit(0);
}
const seconds = Number(values.seconds);
const concurrency = Number(values.clients);
const instances = Number(values.instances);
const rounds = Number(values.rounds);
if (!Number.isInteger(rounds) || rounds < 1) throw new Error('--rounds is 1 or more');
if (!(seconds > 0) || !Number.isInteger(concurrency) || concurrency < 1) {
  throw new Error('--seconds and --clients are positive numbers');
}
if (!Number.isInteger(instances) || instances < 1) throw new Error('--instances is 1 or more');
const modes = new Set(values.modes.split(',').map((m) => m.trim()));
for (const mode of modes) {
  if (!(allModes as readonly string[]).includes(mode)) {
    throw new Error(`--modes: ${mode} is not one of ${allModes.join(', ')}`);
  }
}
const wanted = (mode: ModeName) => modes.has(mode) && !(mode === 'pg-n' && instances === 1);
const databaseUrl = values['database-url'] ?? process.env['FACEPAY_DATABASE_URL'];
const token = `bench-${randomUUID()}`;
const root = join(import.meta.dirname, '..');

// Everything started here is undone at the end, on an error, on Ctrl-C, and (what can be done
// synchronously) at exit.
const children = new Set<ChildProcess>();
const cleanups: Array<{ run: () => Promise<void> | void; now: () => void }> = [];
function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const remove = () => rmSync(dir, { recursive: true, force: true });
  cleanups.push({ run: remove, now: remove });
  return dir;
}
/** Every load generator connection: closed before the servers stop, which wait for open ones. */
const agents = new Set<http.Agent>();
function closeAgents(): void {
  for (const agent of agents) agent.destroy();
  agents.clear();
}
async function cleanUp(): Promise<void> {
  closeAgents();
  await Promise.all([...children].map((child) => stopChild(child)));
  for (const cleanup of cleanups.splice(0).reverse()) {
    try {
      await cleanup.run();
    } catch (error) {
      process.stderr.write(`bench:hub cleanup: ${(error as Error).message}\n`);
    }
  }
}
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
  for (const cleanup of cleanups.splice(0).reverse()) {
    try {
      cleanup.now();
    } catch {
      // Best effort at exit.
    }
  }
});
let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    interrupted = true;
    process.stderr.write(`bench:hub: ${signal}, stopping what it started\n`);
    void cleanUp().finally(() => process.exit(130));
  });
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

interface Server {
  url: URL;
  /** The server's own pid: node runs the TypeScript through tsx's loader, with no wrapper process. */
  pid: number;
  child: ChildProcess;
}

const profFlags =
  values['cpu-prof'] === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${values['cpu-prof']}`];
const tsxLoader = pathToFileURL(join(root, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;

async function startServer(
  script: string,
  args: string[],
  env: Record<string, string>,
  nodeFlags: string[] = [],
): Promise<Server> {
  const child = spawn(process.execPath, [...nodeFlags, '--import', tsxLoader, script, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.add(child);
  child.on('exit', () => children.delete(child));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /listening on (\S+)/.exec(out);
      if (match?.[1] !== undefined) resolve(match[1]);
    });
    child.on('exit', (code) => reject(new Error(`${script} exited ${code}`)));
  });
  return { url: new URL(url), pid: child.pid ?? 0, child };
}

/** SIGTERM (a hub finishes its requests), then SIGKILL if it is still there after 10 s. */
function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.on('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

function startHub(options: {
  tree: string;
  dataDir: string;
  groupCommit: boolean;
  databaseUrl?: string;
}): Promise<Server> {
  return startServer(
    join(options.tree, 'src/hub/cli.ts'),
    [
      '--port',
      '0',
      '--data',
      options.dataDir,
      ...(options.groupCommit ? [] : ['--no-group-commit']),
      ...(options.databaseUrl === undefined ? [] : ['--database-url', options.databaseUrl]),
    ],
    // FACEPAY_DATABASE_URL of this shell must not turn a SQLite mode into a PostgreSQL one.
    {
      FACEPAY_ADMIN_TOKEN: token,
      FACEPAY_DATABASE_URL: '',
      FACEPAY_WRITE_STATS_FILE: writeStatsFile(options.dataDir),
    },
    profFlags,
  );
}

/** Where a hub leaves its write queue's counts as it stops (src/hub/cli.ts). */
const writeStatsFile = (dataDir: string) => join(dataDir, 'write-stats.json');

/** The write counts the hubs of `dataDirs` left, summed; null when any left none (an older tree). */
function readWriteStats(dataDirs: readonly string[]): WriteQueueStats | null {
  const total = { batches: 0, jobs: 0, batchMs: 0 };
  let waits: { checkpointWaits: number; checkpointWaitMs: number } | undefined;
  for (const dir of dataDirs) {
    let stats: WriteQueueStats;
    try {
      stats = JSON.parse(readFileSync(writeStatsFile(dir), 'utf8')) as WriteQueueStats;
    } catch {
      return null;
    }
    total.batches += stats.batches;
    total.jobs += stats.jobs;
    total.batchMs += stats.batchMs;
    if (stats.checkpointWaits !== undefined && stats.checkpointWaitMs !== undefined) {
      waits = {
        checkpointWaits: (waits?.checkpointWaits ?? 0) + stats.checkpointWaits,
        checkpointWaitMs: (waits?.checkpointWaitMs ?? 0) + stats.checkpointWaitMs,
      };
    }
  }
  return { ...total, ...waits };
}

/** A second instance's data directory: a private copy of the first one's keys/, nothing else. */
function copyKeys(fromDir: string): string {
  const dir = tempDir('facepay-bench-');
  mkdirSync(join(dir, 'keys'), { mode: 0o700 });
  for (const name of readdirSync(join(fromDir, 'keys'))) {
    copyFileSync(join(fromDir, 'keys', name), join(dir, 'keys', name));
    chmodSync(join(dir, 'keys', name), 0o600);
  }
  return dir;
}

type Call = (
  method: string,
  path: string,
  body?: unknown,
) => Promise<{ status: number; json: Record<string, unknown> }>;

function requester(url: URL): Call {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  agents.add(agent);
  return (method, path, body) =>
    new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const request = http.request(
        {
          agent,
          host: url.hostname,
          port: url.port,
          method,
          path,
          headers: {
            authorization: `Bearer ${token}`,
            ...(payload === undefined
              ? {}
              : {
                  'content-type': 'application/json',
                  'content-length': Buffer.byteLength(payload),
                  'idempotency-key': randomUUID(),
                }),
          },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (c: Buffer) => chunks.push(c));
          response.on('end', () =>
            resolve({
              status: response.statusCode ?? 0,
              json: JSON.parse(Buffer.concat(chunks).toString() || '{}') as Record<string, unknown>,
            }),
          );
        },
      );
      request.on('error', reject);
      request.end(payload);
    });
}

interface Measured {
  label: string;
  instances: number;
  pairsPerSecond: number;
  p50: number;
  p99: number;
  errors: number;
  /** Per instance: CPU µs it used over the window, and requests it answered in it. */
  hubs: Array<{ cpuMicros: number; systemMicros: number; requests: number }>;
  /** The PostgreSQL server's CPU over the window (NaN when not measured). */
  serverMicros: number;
  loadMicros: number;
  machine: { busyMicros: number; idleMicros: number };
  windowMicros: number;
  /** The window on the monotonic clock V8's CPU profiles use (µs), to cut a profile to it. */
  window: { startMicros: number; endMicros: number };
  /** The servers' pids, in the order of `hubs`. */
  pids: number[];
  isSqlite: boolean;
  /** Group commit over the hubs' lives (warm-up included); null where not counted. */
  writes: WriteQueueStats | null;
}

/**
 * Drives `pair` (two requests: a place and its settle, or two bare POSTs) from `concurrency` clients
 * spread round-robin over the servers; after a 2 s warm-up, measures for `seconds` s: pairs, request
 * latencies, and every process's CPU between the window's two /proc readings.
 */
async function drive(
  servers: Server[],
  pair: (call: Call, i: number) => Promise<boolean>,
  postmasterPid: number | undefined,
): Promise<Omit<Measured, 'label' | 'instances' | 'isSqlite' | 'writes'>> {
  const latencies: number[] = [];
  const requests = servers.map(() => 0);
  let pairs = 0;
  let errors = 0;
  let measuring = false;
  let running = true;
  const calls = servers.map((server, s): Call => {
    const call = requester(server.url);
    return async (method, path, body) => {
      const t0 = performance.now();
      const answer = await call(method, path, body);
      if (measuring) {
        latencies.push(performance.now() - t0);
        requests[s] = (requests[s] ?? 0) + 1;
      }
      return answer;
    };
  });
  const client = async (n: number) => {
    const call = calls[n % calls.length];
    if (call === undefined) return;
    let i = n;
    while (running && !interrupted) {
      // A refused connection (a server that died) counts as an error of the pair, not a crash.
      const ok = await pair(call, i++).catch(() => false);
      if (!measuring) continue;
      if (ok) pairs++;
      else errors++;
    }
  };
  const clients = Array.from({ length: concurrency }, (_, n) => client(n));
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  const readCpu = () => ({
    hubs: servers.map((server) => processCpuMicros(server.pid)),
    server: postmasterPid === undefined ? Number.NaN : serverTreeCpuMicros(postmasterPid),
    load: process.cpuUsage(),
    machine: machineCpu(),
    at: performance.now(),
    monotonicMicros: Number(process.hrtime.bigint() / 1000n),
  });
  const before = readCpu();
  measuring = true;
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  measuring = false;
  const after = readCpu();
  running = false;
  await Promise.all(clients);
  const loadBefore = before.load.user + before.load.system;
  latencies.sort((a, b) => a - b);
  const windowMicros = (after.at - before.at) * 1000;
  return {
    pairsPerSecond: pairs / (windowMicros / 1e6),
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    errors,
    hubs: servers.map((_, s) => ({
      cpuMicros: (after.hubs[s]?.total ?? Number.NaN) - (before.hubs[s]?.total ?? Number.NaN),
      systemMicros: (after.hubs[s]?.system ?? Number.NaN) - (before.hubs[s]?.system ?? Number.NaN),
      requests: requests[s] ?? 0,
    })),
    serverMicros: after.server - before.server,
    loadMicros: after.load.user + after.load.system - loadBefore,
    machine: {
      busyMicros: after.machine.busyMicros - before.machine.busyMicros,
      idleMicros: after.machine.idleMicros - before.machine.idleMicros,
    },
    windowMicros,
    window: { startMicros: before.monotonicMicros, endMicros: after.monotonicMicros },
    pids: servers.map((server) => server.pid),
  };
}

/** Accounts for one mode (distinct ids, so modes may share a database): a shop and 16 payers. */
async function setUpAccounts(
  call: Call,
  prefix: string,
): Promise<{ shop: string; payers: string[] }> {
  const must = async (answer: Promise<{ status: number; json: unknown }>, what: string) => {
    const { status, json } = await answer;
    if (status >= 300) throw new Error(`${what}: ${status} ${JSON.stringify(json)}`);
  };
  const shop = `${prefix}-shop`;
  const payers = Array.from({ length: 16 }, (_, i) => `${prefix}-payer-${i}`);
  for (const id of [shop, ...payers]) {
    await must(
      call('POST', '/v1/accounts', { id, kind: 'merchant', name: id, currency: 'JPY' }),
      `create ${id}`,
    );
  }
  for (const id of payers) {
    await must(
      call('POST', `/v1/accounts/${id}/deposits`, { amount: 100_000_000_000 }),
      `deposit to ${id}`,
    );
  }
  return { shop, payers };
}

/** One hub mode: `count` instances on one store, clients spread over them, place+settle pairs. */
async function measureHub(options: {
  label: string;
  tree: string;
  count: number;
  groupCommit: boolean;
  postgres?: { target: PostgresTarget; mode: string };
}): Promise<Measured> {
  const first = tempDir('facepay-bench-');
  const database =
    options.postgres === undefined
      ? undefined
      : await options.postgres.target.databaseFor(options.postgres.mode);
  const common = {
    tree: options.tree,
    groupCommit: options.groupCommit,
    ...(database === undefined ? {} : { databaseUrl: database }),
  };
  const servers = [await startHub({ ...common, dataDir: first })];
  const dataDirs = [first];
  let measured: Omit<Measured, 'writes'> | undefined;
  try {
    // The others start once the first created the keys (and the schema): a copy of its keys/ each.
    for (let n = 1; n < options.count; n++) {
      const dataDir = copyKeys(first);
      dataDirs.push(dataDir);
      servers.push(await startHub({ ...common, dataDir }));
    }
    const firstServer = servers[0];
    if (firstServer === undefined) throw new Error('no hub');
    const { shop, payers } = await setUpAccounts(
      requester(firstServer.url),
      `${options.postgres?.mode ?? 'sqlite'}-${randomUUID().slice(0, 8)}`,
    );
    const result = await drive(
      servers,
      async (call, i) => {
        const payer = payers[i % payers.length] ?? '';
        const placed = await call('POST', '/v1/holds', benchHoldRequest(payer, shop));
        if (placed.status !== 201) return false;
        const settled = await call('POST', `/v1/holds/${String(placed.json['id'])}/settle`, {
          amount: 1_000,
        });
        return settled.status === 200;
      },
      options.postgres?.target.postmasterPid,
    );
    measured = {
      ...result,
      label: options.label,
      instances: options.count,
      isSqlite: options.postgres === undefined,
    };
  } finally {
    closeAgents();
    await Promise.all(servers.map((server) => stopChild(server.child)));
  }
  return { ...measured, writes: readWriteStats(dataDirs) };
}

async function measureBareFastify(suffix = ''): Promise<Measured> {
  const server = await startServer(
    join(root, 'scripts/bench-hub/bare-fastify.ts'),
    [],
    {},
    profFlags,
  );
  try {
    const result = await drive(
      [server],
      async (call, i) => {
        const body = { payer: `payer-${i % 16}`, payee: 'shop', amount: 1_000, currency: 'JPY' };
        const a = await call('POST', '/v1/echo', body);
        const b = await call('POST', '/v1/echo', body);
        return a.status === 201 && b.status === 201;
      },
      undefined,
    );
    return {
      ...result,
      label: `${bareLabel}${suffix}`,
      instances: 1,
      isSqlite: false,
      writes: null,
    };
  } finally {
    closeAgents();
    await stopChild(server.child);
  }
}

const bareLabel = 'bare Fastify (2 POSTs a pair)';
/** A run's round under --rounds (its label's ` #N`), or undefined. */
const roundOf = (m: Measured) => / #(\d+)$/.exec(m.label)?.[1];

/** The physical limit: one durable (synchronous=FULL, WAL) commit per inserted row. */
function measureRawSqlite(): { commitsPerSecond: number } {
  const dir = tempDir('facepay-raw-');
  const db = new Database(join(dir, 'raw.sqlite'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, payload TEXT NOT NULL)');
  const insert = db.prepare('INSERT INTO t (payload) VALUES (?)');
  let commits = 0;
  const start = performance.now();
  while (performance.now() - start < 3_000) {
    insert.run('x'.repeat(200));
    commits++;
  }
  const elapsed = (performance.now() - start) / 1000;
  db.close();
  return { commitsPerSecond: commits / elapsed };
}

const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');
const requestsOf = (m: Measured) => m.hubs.reduce((sum, h) => sum + h.requests, 0);
const hubMicrosPerRequest = (m: Measured) =>
  m.hubs.reduce((sum, h) => sum + h.cpuMicros, 0) / requestsOf(m);

function report(results: Measured[], raw: { commitsPerSecond: number } | undefined): void {
  const bares = results.filter((m) => m.label.startsWith(bareLabel));
  // Each run against bare Fastify of its own round (with --rounds), else the one bare run.
  const bareMicros = (m: Measured) => {
    const bare = bares.find((b) => roundOf(b) === roundOf(m)) ?? bares[0];
    return bare === undefined ? Number.NaN : hubMicrosPerRequest(bare);
  };
  const header = [
    'mode',
    'pairs/s',
    'p50 ms',
    'p99 ms',
    'errors',
    'server CPU µs/req (per instance)',
    'kernel %',
    'x bare',
    'postgres µs/req',
    'loadgen µs/req',
    'commits/s vs raw',
  ];
  const rows = results.map((m) => {
    const requests = requestsOf(m);
    const perInstance =
      m.hubs.length > 1 ? ` (${m.hubs.map((h) => fmt(h.cpuMicros / h.requests)).join(' / ')})` : '';
    return [
      m.label,
      fmt(m.pairsPerSecond),
      fmt(m.p50, 2),
      fmt(m.p99, 2),
      String(m.errors),
      `${fmt(hubMicrosPerRequest(m))}${perInstance}`,
      fmt(
        (100 * m.hubs.reduce((sum, h) => sum + h.systemMicros, 0)) /
          m.hubs.reduce((sum, h) => sum + h.cpuMicros, 0),
      ),
      bares.includes(m) ? '1.00' : `${fmt(hubMicrosPerRequest(m) / bareMicros(m), 2)}`,
      fmt(m.serverMicros / requests),
      fmt(m.loadMicros / requests),
      m.isSqlite && raw !== undefined
        ? `${fmt((m.pairsPerSecond * 2) / raw.commitsPerSecond, 2)}x`
        : '',
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    `${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ')}`.trimEnd();
  const out: string[] = [
    '',
    `bench:hub — ${concurrency} concurrent HTTP clients, ${seconds} s per mode after a 2 s warm-up; hubs in their own processes`,
    raw === undefined
      ? ''
      : `raw SQLite insert loop, one durable commit per row (physical limit): ${fmt(raw.commitsPerSecond)} commits/s`,
    '',
    line(header),
    ...rows.map(line),
    '',
    'where the cores went during each window (cores busy on average, from /proc; "other" is the rest of the machine):',
  ];
  for (const m of results) {
    const coresOf = (micros: number) => fmt(micros / m.windowMicros, 2);
    const hubMicros = m.hubs.reduce((sum, h) => sum + h.cpuMicros, 0);
    const known = hubMicros + (Number.isFinite(m.serverMicros) ? m.serverMicros : 0) + m.loadMicros;
    out.push(
      `  ${m.label.padEnd(widths[0] ?? 0)}  server ${coresOf(hubMicros)}` +
        `${Number.isFinite(m.serverMicros) ? `, postgres ${coresOf(m.serverMicros)}` : ''}` +
        `, load generator ${coresOf(m.loadMicros)}, other ${coresOf(m.machine.busyMicros - known)}` +
        `, idle ${coresOf(m.machine.idleMicros)}`,
    );
  }
  const counted = results.filter((m) => m.writes !== null && m.writes.batches > 0);
  if (counted.length > 0) {
    out.push(
      '',
      "write transactions over each hub's life (warm-up included), from the hubs' write queues:",
    );
    for (const m of counted) {
      const w = m.writes as WriteQueueStats;
      const waits =
        w.checkpointWaits === undefined || w.checkpointWaitMs === undefined
          ? ''
          : w.checkpointWaits === 0
            ? '; no wait for a WAL checkpoint'
            : `; the writer waited ${fmt(w.checkpointWaitMs, 0)} ms in all for WAL checkpoints ` +
              `(${w.checkpointWaits} run for it, ${fmt(w.checkpointWaitMs / w.checkpointWaits, 1)} ms a wait)`;
      out.push(
        `  ${m.label.padEnd(widths[0] ?? 0)}  ${fmt(w.jobs / w.batches, 1)} jobs a transaction, ` +
          `${fmt(w.batchMs / w.batches, 2)} ms each (jobs, commit and its fsync; the writer waits meanwhile)` +
          waits,
      );
    }
  }
  const grouped = results.find((m) => m.label.startsWith('SQLite, group commit'));
  const single = results.find((m) => m.label.startsWith('SQLite, one commit'));
  if (grouped !== undefined && single !== undefined) {
    out.push(
      '',
      `group commit speed-up over one commit per request (SQLite): ${fmt(grouped.pairsPerSecond / single.pairsPerSecond, 2)}x`,
    );
  }
  out.push(
    'goals on 2 cores (figures to read, not tests): SQLite >= 3000 pairs/s with p99 <= 25 ms;',
    'PostgreSQL hub CPU per request no worse than SQLite. Several instances share the cores with',
    'PostgreSQL and the load generator: read their throughput and where the cores went, not a speed-up.',
    '',
  );
  process.stdout.write(out.join('\n'));
}

/**
 * Each mode's median over its rounds (labels less their ` #N`), with the range beside it; and each run's
 * CPU per request over bare Fastify's in the same round, which reads past the machine's own swings (on
 * this shared machine bare Fastify's own µs/request moved from 23 to 42 within an hour).
 */
function reportMedians(results: Measured[]): void {
  const byMode = new Map<string, Measured[]>();
  const bareOfRound = new Map<string, number>();
  for (const m of results) {
    const round = roundOf(m);
    if (round === undefined) continue;
    const mode = m.label.replace(/ #\d+$/, '');
    if (mode === bareLabel) bareOfRound.set(round, hubMicrosPerRequest(m));
    byMode.set(mode, [...(byMode.get(mode) ?? []), m]);
  }
  const overBare = (m: Measured) =>
    hubMicrosPerRequest(m) / (bareOfRound.get(roundOf(m) ?? '') ?? Number.NaN);
  const summary = (values: number[], digits = 0) => {
    const sorted = [...values].sort((a, b) => a - b);
    const middle = sorted.length / 2;
    const median =
      sorted.length % 2 === 1
        ? (sorted[Math.floor(middle)] ?? Number.NaN)
        : ((sorted[middle - 1] ?? Number.NaN) + (sorted[middle] ?? Number.NaN)) / 2;
    return `${fmt(median, digits)} (${fmt(sorted[0] ?? Number.NaN, digits)}-${fmt(sorted.at(-1) ?? Number.NaN, digits)})`;
  };
  const width = Math.max(...[...byMode.keys()].map((mode) => mode.length));
  const out = [
    '',
    `median (range) over ${rounds} rounds, trees in ABBA order:`,
    `${'mode'.padEnd(width)}  pairs/s              p99 ms               server CPU µs/req    x bare (same round)`,
  ];
  for (const [mode, runs] of byMode) {
    out.push(
      `${mode.padEnd(width)}  ${summary(runs.map((m) => m.pairsPerSecond)).padEnd(19)}  ` +
        `${summary(
          runs.map((m) => m.p99),
          2,
        ).padEnd(19)}  ${summary(runs.map(hubMicrosPerRequest)).padEnd(19)}  ` +
        (bareOfRound.size === 0 ? 'n/a (no bare mode)' : summary(runs.map(overBare), 2)),
    );
  }
  process.stdout.write(`${out.join('\n')}\n\n`);
}

async function main(): Promise<void> {
  if (!procAvailable) throw new Error('bench:hub reads CPU times from /proc: Linux only');
  const trees: Array<{ tree: string; tag: string }> = [
    ...(values.baseline === undefined ? [] : [{ tree: values.baseline, tag: ' [baseline]' }]),
    { tree: root, tag: values.baseline === undefined ? '' : ' [this tree]' },
  ];
  const results: Measured[] = [];
  const progress = (m: Measured) => {
    results.push(m);
    process.stderr.write(
      `bench:hub: ${m.label}: ${fmt(m.pairsPerSecond)} pairs/s, ${fmt(hubMicrosPerRequest(m))} µs/request\n`,
    );
  };
  const raw = wanted('sqlite') || wanted('sqlite-single') ? measureRawSqlite() : undefined;
  // With rounds, bare Fastify runs in every round: each run is also read against its own round's.
  if (wanted('bare') && rounds === 1) progress(await measureBareFastify());
  const target =
    wanted('pg') || wanted('pg-n')
      ? databaseUrl === undefined || databaseUrl === ''
        ? await throwawayTarget()
        : await givenTarget(databaseUrl)
      : undefined;
  if (target !== undefined) {
    cleanups.push({ run: () => target.close(), now: () => target.closeNow() });
    process.stderr.write(`bench:hub: PostgreSQL on ${target.description}\n`);
    if (target.postmasterPid === undefined) {
      process.stderr.write(
        "bench:hub: the PostgreSQL server's CPU is not measured: it is not on this machine, or this role may not read data_directory (superuser or pg_read_all_settings)\n",
      );
    }
  }
  for (let round = 0; round < rounds; round++) {
    // ABBA: the baseline first in rounds 1, 4, 5, 8, ..., so neither tree always runs first.
    const ordered = round % 4 === 1 || round % 4 === 2 ? [...trees].reverse() : trees;
    const suffix = rounds === 1 ? '' : ` #${round + 1}`;
    if (wanted('bare') && rounds > 1) progress(await measureBareFastify(suffix));
    for (const { tree, tag } of ordered) {
      if (wanted('sqlite')) {
        progress(
          await measureHub({
            label: `SQLite, group commit${tag}${suffix}`,
            tree,
            count: 1,
            groupCommit: true,
          }),
        );
      }
      if (wanted('sqlite-single')) {
        progress(
          await measureHub({
            label: `SQLite, one commit per request${tag}${suffix}`,
            tree,
            count: 1,
            groupCommit: false,
          }),
        );
      }
      if (target === undefined) continue;
      const t = trees.findIndex((candidate) => candidate.tree === tree);
      for (const count of [1, instances]) {
        if (!wanted(count === 1 ? 'pg' : 'pg-n')) continue;
        progress(
          await measureHub({
            label: `PostgreSQL, ${count} instance${count === 1 ? '' : 's'}${tag}${suffix}`,
            tree,
            count,
            groupCommit: true,
            postgres: { target, mode: `pg${count}_${t}_${round}` },
          }),
        );
      }
    }
  }
  report(results, raw);
  if (rounds > 1) reportMedians(results);
  const prof = values['cpu-prof'];
  if (prof !== undefined) {
    // For scripts/bench-hub/profile-summary.ts: which profile (by pid) is which mode, and its window.
    const windows = results.map((m) => ({
      label: m.label,
      pids: m.pids,
      window: m.window,
      requests: m.hubs.map((h) => h.requests),
      cpuMicros: m.hubs.map((h) => h.cpuMicros),
    }));
    writeFileSync(join(prof, 'windows.json'), `${JSON.stringify(windows, null, 2)}\n`);
  }
}

try {
  await main();
} catch (error) {
  if (!(error instanceof BenchSetupError)) throw error;
  process.stderr.write(`bench:hub: ${error.message}\n`);
  process.exitCode = 1;
} finally {
  await cleanUp();
}
