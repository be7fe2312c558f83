// `npm run bench:hub`: durable place+settle pairs per second through HTTP, with and without group
// commit, against a raw durable SQLite insert loop measured in the same run (the physical limit).
// The hub runs in its own process; this process is the load generator with many concurrent clients.
import http from 'node:http';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    clients: { type: 'string', default: '64' },
  },
});
const seconds = Number(values.seconds);
const concurrency = Number(values.clients);
const token = `bench-${randomUUID()}`;
const root = join(import.meta.dirname, '..');

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

async function startHub(
  dataDir: string,
  groupCommit: boolean,
): Promise<{ url: URL; stop: () => Promise<void> }> {
  const args = [
    join(root, 'src/hub/cli.ts'),
    '--port',
    '0',
    '--data',
    dataDir,
    ...(groupCommit ? [] : ['--no-group-commit']),
  ];
  const child = spawn(join(root, 'node_modules/.bin/tsx'), args, {
    env: { ...process.env, FACEPAY_ADMIN_TOKEN: token },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /hub listening on (\S+)/.exec(out);
      if (match?.[1] !== undefined) resolve(match[1]);
    });
    child.on('exit', (code) => reject(new Error(`hub exited ${code}`)));
  });
  return {
    url: new URL(url),
    stop: () =>
      new Promise((resolve) => {
        child.on('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

function requester(url: URL) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  return (
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; json: Record<string, unknown> }> =>
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

interface LoadResult {
  pairsPerSecond: number;
  p50: number;
  p99: number;
  errors: number;
}

async function measureHub(groupCommit: boolean): Promise<LoadResult> {
  const dir = mkdtempSync(join(tmpdir(), 'facepay-bench-'));
  const hub = await startHub(dir, groupCommit);
  const call = requester(hub.url);
  const payers = Array.from({ length: 16 }, (_, i) => `payer-${i}`);
  await call('POST', '/v1/accounts', {
    id: 'shop',
    kind: 'merchant',
    name: 'shop',
    currency: 'JPY',
  });
  for (const id of payers) {
    await call('POST', '/v1/accounts', { id, kind: 'merchant', name: id, currency: 'JPY' });
    await call('POST', `/v1/accounts/${id}/deposits`, { amount: 100_000_000_000 });
  }
  const latencies: number[] = [];
  let pairs = 0;
  let errors = 0;
  let measuring = false;
  let running = true;
  const client = async (n: number) => {
    let i = n;
    while (running) {
      const payer = payers[i++ % payers.length] ?? 'payer-0';
      const t1 = performance.now();
      const placed = await call('POST', '/v1/holds', {
        payer,
        payee: 'shop',
        amount: 1_000,
        currency: 'JPY',
        reference: 'bench',
        expiresInSeconds: 600,
      });
      const t2 = performance.now();
      const settled =
        placed.status === 201
          ? await call('POST', `/v1/holds/${String(placed.json['id'])}/settle`, { amount: 1_000 })
          : placed;
      const t3 = performance.now();
      if (!measuring) continue;
      if (placed.status !== 201 || settled.status !== 200) errors++;
      else pairs++;
      latencies.push(t2 - t1, t3 - t2);
    }
  };
  const clients = Array.from({ length: concurrency }, (_, n) => client(n));
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  measuring = true;
  const start = performance.now();
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  measuring = false;
  const elapsed = (performance.now() - start) / 1000;
  running = false;
  await Promise.all(clients);
  await hub.stop();
  rmSync(dir, { recursive: true, force: true });
  latencies.sort((a, b) => a - b);
  return {
    pairsPerSecond: pairs / elapsed,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    errors,
  };
}

/** The physical limit: one durable (synchronous=FULL, WAL) commit per inserted row. */
function measureRawSqlite(): { commitsPerSecond: number } {
  const dir = mkdtempSync(join(tmpdir(), 'facepay-raw-'));
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
  rmSync(dir, { recursive: true, force: true });
  return { commitsPerSecond: commits / elapsed };
}

const raw = measureRawSqlite();
const grouped = await measureHub(true);
const single = await measureHub(false);
const fmt = (n: number, digits = 0) => n.toFixed(digits);
const table = [
  [
    'mode (synchronous=FULL)',
    'pairs/s',
    'p50 ms',
    'p99 ms',
    'errors',
    'durable commits needed/s vs raw limit',
  ],
  [
    'HTTP, group commit',
    fmt(grouped.pairsPerSecond),
    fmt(grouped.p50, 2),
    fmt(grouped.p99, 2),
    String(grouped.errors),
    `${fmt((grouped.pairsPerSecond * 2) / raw.commitsPerSecond, 2)}x`,
  ],
  [
    'HTTP, one commit per request',
    fmt(single.pairsPerSecond),
    fmt(single.p50, 2),
    fmt(single.p99, 2),
    String(single.errors),
    `${fmt((single.pairsPerSecond * 2) / raw.commitsPerSecond, 2)}x`,
  ],
];
process.stdout.write(
  `bench:hub — ${concurrency} concurrent HTTP clients, ${seconds} s per mode, hub in its own process\n`,
);
process.stdout.write(
  `raw SQLite insert loop, one durable commit per row (physical limit): ${fmt(raw.commitsPerSecond)} commits/s\n\n`,
);
for (const row of table)
  process.stdout.write(`${row.map((cell, i) => cell.padEnd(i === 0 ? 30 : 12)).join(' ')}\n`);
process.stdout.write(
  `\ngroup commit speed-up over one commit per request: ${fmt(grouped.pairsPerSecond / single.pairsPerSecond, 2)}x\n`,
);
process.stdout.write(
  'goal on 2 cores: >= 3000 pairs/s with p99 <= 25 ms (a figure to read, not a test)\n',
);
