// How long the hub's event loop stops while SQLite copies its WAL back into the database: the same
// write load on the SQLite store with checkpoints inside the writer's COMMIT and on the worker thread.
//
// Usage: npx tsx scripts/bench-hub/checkpoint-stall.ts [--seconds 8] [--writers 64] [--rounds 2]
// Each writer appends audit rows (2 KB of data each, about a page) as fast as the store takes them, at
// synchronous FULL with group commit (the hub's default). Meanwhile a 1 ms timer measures how late the
// event loop runs it: every request the hub receives waits at least that long. Modes alternate, rounds
// times, each on a fresh database; the figures are per mode over all its rounds.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SqliteHubStore } from '../../src/hub/storage/sqlite/sqlite-store.ts';
import type { WalCheckpointStats } from '../../src/hub/storage/sqlite/wal-checkpoint.ts';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '8' },
    writers: { type: 'string', default: '64' },
    rounds: { type: 'string', default: '2' },
  },
  strict: true,
});
const seconds = Number(values.seconds);
const writers = Number(values.writers);
const rounds = Number(values.rounds);
if (!(
  seconds > 0 &&
  Number.isInteger(writers) &&
  writers > 0 &&
  Number.isInteger(rounds) &&
  rounds > 0
))
  throw new Error('--seconds > 0, --writers and --rounds positive integers');

type Mode = 'in_commit' | 'worker';

interface RoundResult {
  writes: number;
  /** How late each 1 ms tick ran, ms. */
  lateMs: number[];
  /** Each write's time from asked to answered, ms. */
  writeMs: number[];
  walBytes: number;
  checkpoints: WalCheckpointStats | undefined;
}

async function round(mode: Mode): Promise<RoundResult> {
  const dir = mkdtempSync(join(tmpdir(), 'facepay-checkpoint-stall-'));
  const file = join(dir, 'hub.sqlite');
  const store = new SqliteHubStore({
    file,
    auditKey: randomBytes(32),
    synchronous: 'FULL',
    groupCommit: true,
    checkpoints: mode,
  });
  const lateMs: number[] = [];
  const writeMs: number[] = [];
  let writes = 0;
  let expected = performance.now() + 1;
  const timer = setInterval(() => {
    const now = performance.now();
    lateMs.push(Math.max(0, now - expected));
    expected = now + 1;
  }, 1);
  const pad = 'x'.repeat(2_000);
  const end = performance.now() + seconds * 1_000;
  try {
    await Promise.all(
      Array.from({ length: writers }, async (_, writer) => {
        while (performance.now() < end) {
          const started = performance.now();
          await store.write((tx) =>
            tx.appendAudit({
              at: Date.now(),
              kind: 'bench.mark',
              subject: `writer-${writer}`,
              actor: 'bench',
              data: { pad, n: writes },
            }),
          );
          writeMs.push(performance.now() - started);
          writes++;
        }
      }),
    );
    const walBytes = statSync(`${file}-wal`).size;
    return { writes, lateMs, writeMs, walBytes, checkpoints: store.checkpointStats() };
  } finally {
    clearInterval(timer);
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const largest = (values: readonly number[]) => values.reduce((a, b) => Math.max(a, b), 0);

function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

const results: Record<Mode, RoundResult[]> = { in_commit: [], worker: [] };
for (let i = 0; i < rounds; i++) {
  for (const mode of ['in_commit', 'worker'] as const) {
    results[mode].push(await round(mode));
    process.stderr.write(`round ${i + 1} ${mode} done\n`);
  }
}

const say = (line: string) => process.stdout.write(`${line}\n`);
say(
  `\nWAL checkpoints, SQLite FULL + group commit, ${writers} writers of 2 KB audit rows, ` +
    `${rounds} x ${seconds} s per mode (alternating, fresh database each)`,
);
say(
  '| checkpoints | writes/s | event loop late p50 / p99 / max ms | ticks late > 10 ms | write p50 / p99 / max ms | WAL at end MB | worker checkpoints (waited) |',
);
say('|---|---|---|---|---|---|---|');
for (const mode of ['in_commit', 'worker'] as const) {
  const all = results[mode];
  const late = all.flatMap((r) => r.lateMs);
  const write = all.flatMap((r) => r.writeMs);
  const writesPerSecond = all.reduce((sum, r) => sum + r.writes, 0) / (seconds * all.length);
  const wal = largest(all.map((r) => r.walBytes)) / 1e6;
  const worker = all
    .map((r) =>
      r.checkpoints === undefined
        ? 'n/a'
        : `${r.checkpoints.checkpoints} (${r.checkpoints.waited})`,
    )
    .join(', ');
  const f = (x: number) => x.toFixed(1);
  say(
    `| ${mode === 'in_commit' ? "in the writer's COMMIT (before)" : 'worker thread'} | ${writesPerSecond.toFixed(0)} | ` +
      `${f(quantile(late, 0.5))} / ${f(quantile(late, 0.99))} / ${f(largest(late))} | ` +
      `${late.filter((x) => x > 10).length} | ${f(quantile(write, 0.5))} / ${f(quantile(write, 0.99))} / ` +
      `${f(largest(write))} | ${wal.toFixed(1)} | ${worker} |`,
  );
}
