// `npx tsx scripts/bench-hub/sqlite-statements.ts [--pairs N] [--clients C]`: which SQL statements a
// SQLite hub runs for bench:hub's place+settle pairs, how often per pair and the µs each costs on the
// hub's thread — where the storage adapter's share of a request's CPU goes, statement by statement.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { startHub } from '../../src/hub/hub.ts';
import { benchHoldRequest, poster } from './bench-pair.ts';

const { values } = parseArgs({
  options: {
    pairs: { type: 'string', default: '4000' },
    clients: { type: 'string', default: '64' },
  },
  strict: true,
});
const pairs = Number(values.pairs);
const clients = Number(values.clients);
if (!Number.isInteger(pairs) || pairs < 1 || !Number.isInteger(clients) || clients < 1) {
  throw new Error('--pairs and --clients are positive integers');
}

interface Tally {
  runs: number;
  nanos: bigint;
}
const tallies = new Map<string, Tally>();
let counting = false;

function tallied<F extends (...args: never[]) => unknown>(label: string, fn: F): F {
  return function timed(this: unknown, ...args: Parameters<F>) {
    if (!counting) return fn.apply(this, args);
    const start = process.hrtime.bigint();
    try {
      return fn.apply(this, args);
    } finally {
      const tally = tallies.get(label) ?? { runs: 0, nanos: 0n };
      tally.runs += 1;
      tally.nanos += process.hrtime.bigint() - start;
      tallies.set(label, tally);
    }
  } as F;
}

/** Every statement any connection of this process prepares is counted when run, by its text. */
const originalPrepare = Database.prototype.prepare;
Database.prototype.prepare = function countedPrepare(this: Database.Database, source: string) {
  const statement = originalPrepare.call(this, source) as unknown as Record<string, unknown>;
  const label = source.replace(/\s+/g, ' ').trim().slice(0, 100);
  for (const method of ['run', 'get', 'all'] as const) {
    const fn = statement[method] as (...args: never[]) => unknown;
    statement[method] = tallied(label, fn.bind(statement));
  }
  return statement as unknown as Database.Statement;
} as typeof Database.prototype.prepare;
const originalExec = Database.prototype.exec;
Database.prototype.exec = function countedExec(this: Database.Database, source: string) {
  return tallied(`exec ${source.replace(/\s+/g, ' ').trim().slice(0, 60)}`, () =>
    originalExec.call(this, source),
  )();
} as typeof Database.prototype.exec;

const token = `sqlite-statements-${randomUUID()}`;
const dir = mkdtempSync(join(tmpdir(), 'facepay-sqlite-statements-'));
try {
  const hub = await startHub({ dataDir: dir, adminToken: token, sweeper: false });
  try {
    const call = poster(hub.url, token);
    const shop = 'stmts-shop';
    const payers = Array.from({ length: clients }, (_, i) => `stmts-payer-${i}`);
    for (const id of [shop, ...payers]) {
      await call('/v1/accounts', { id, kind: 'merchant', name: id, currency: 'JPY' });
    }
    for (const payer of payers) {
      await call(`/v1/accounts/${payer}/deposits`, { amount: 100_000_000 });
    }
    const pair = async (payer: string) => {
      const placed = await call('/v1/holds', benchHoldRequest(payer, shop));
      if (placed.status !== 201) throw new Error(`place: ${placed.status}`);
      const settled = await call(`/v1/holds/${String(placed.json['id'])}/settle`, {
        amount: 1_000,
      });
      if (settled.status !== 200) throw new Error(`settle: ${settled.status}`);
    };
    const run = async (count: number) => {
      let next = 0;
      await Promise.all(
        payers.map(async (payer) => {
          while (next < count) {
            next += 1;
            await pair(payer);
          }
        }),
      );
    };
    await run(Math.min(1000, pairs)); // warm-up: JIT, page cache, statement caches
    counting = true;
    await run(pairs);
    counting = false;
  } finally {
    await hub.close();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const rows = [...tallies.entries()]
  .map(([label, t]) => ({
    label,
    perPair: t.runs / pairs,
    usPerPair: Number(t.nanos) / 1000 / pairs,
  }))
  .sort((a, b) => b.usPerPair - a.usPerPair);
const total = rows.reduce((s, r) => s + r.usPerPair, 0);
const runsTotal = rows.reduce((s, r) => s + r.perPair, 0);
process.stdout.write(
  `SQLite statements per place+settle pair, ${pairs} pairs from ${clients} clients (group commit):\n` +
    `  ${runsTotal.toFixed(1)} statements, ${total.toFixed(1)} µs of the hub thread per pair\n\n` +
    `  runs/pair  µs/pair  µs/run  statement\n`,
);
for (const r of rows) {
  process.stdout.write(
    `  ${r.perPair.toFixed(2).padStart(9)}  ${r.usPerPair.toFixed(1).padStart(7)}  ${(r.usPerPair / r.perPair).toFixed(1).padStart(6)}  ${r.label}\n`,
  );
}
