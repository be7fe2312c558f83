// `npx tsx scripts/bench-hub/round-trips.ts [--database-url URL]`: the statements (round trips) a hub on
// PostgreSQL sends for one place and one settle, as bench:hub's load makes them, each statement named.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { startHub } from '../../src/hub/hub.ts';
import { benchHoldRequest, poster } from './bench-pair.ts';
import { startThrowawayCluster, type ThrowawayCluster } from '../postgres/throwaway-cluster.ts';

const { values } = parseArgs({
  options: { 'database-url': { type: 'string' }, pairs: { type: 'string', default: '20' } },
  strict: true,
});
const pairs = Number(values.pairs);

/** Every query any pg client of this process sends, by its name or its text's first words. */
const sent: string[] = [];
const originalQuery = pg.Client.prototype.query as (...args: unknown[]) => unknown;
pg.Client.prototype.query = function countedQuery(this: pg.Client, ...args: unknown[]) {
  const first = args[0] as string | { name?: string; text?: string };
  const label =
    typeof first === 'string'
      ? first
      : (first.name ?? first.text ?? 'submittable').replace(/\s+/g, ' ').slice(0, 60);
  sent.push(label.replace(/\s+/g, ' ').slice(0, 90));
  return originalQuery.apply(this, args);
} as typeof pg.Client.prototype.query;

const token = `round-trips-${randomUUID()}`;
let cluster: ThrowawayCluster | undefined;
const dir = mkdtempSync(join(tmpdir(), 'facepay-round-trips-'));
try {
  let databaseUrl = values['database-url'];
  if (databaseUrl === undefined) {
    cluster = await startThrowawayCluster({ durable: false });
    databaseUrl = await cluster.createDatabase('round_trips');
  }
  const hub = await startHub({ dataDir: dir, databaseUrl, adminToken: token, sweeper: false });
  try {
    const call = poster(hub.url, token);
    const prefix = randomUUID().slice(0, 8);
    const shop = `${prefix}-shop`;
    const payer = `${prefix}-payer`;
    for (const id of [shop, payer]) {
      await call('/v1/accounts', { id, kind: 'merchant', name: id, currency: 'JPY' });
    }
    await call(`/v1/accounts/${payer}/deposits`, { amount: 100_000_000 });
    const counts = { place: 0, settle: 0 };
    let lastPlace: string[] = [];
    let lastSettle: string[] = [];
    for (let i = 0; i < pairs; i++) {
      sent.length = 0;
      const placed = await call('/v1/holds', benchHoldRequest(payer, shop));
      if (placed.status !== 201) throw new Error(`place: ${placed.status}`);
      counts.place += sent.length;
      lastPlace = [...sent];
      sent.length = 0;
      const settled = await call(`/v1/holds/${String(placed.json['id'])}/settle`, {
        amount: 1_000,
      });
      if (settled.status !== 200) throw new Error(`settle: ${settled.status}`);
      counts.settle += sent.length;
      lastSettle = [...sent];
    }
    // One request at a time: each is its own batch, so BEGIN and COMMIT count in full here; under
    // bench:hub's load a batch's BEGIN and COMMIT are shared by the jobs that arrived together.
    process.stdout.write(
      `statements per request, one request per transaction: place ${counts.place / pairs}, settle ${counts.settle / pairs}\n`,
    );
    process.stdout.write(`place:\n${lastPlace.map((s) => `  ${s}`).join('\n')}\n`);
    process.stdout.write(`settle:\n${lastSettle.map((s) => `  ${s}`).join('\n')}\n`);
  } finally {
    await hub.close();
  }
} finally {
  cluster?.stop();
  rmSync(dir, { recursive: true, force: true });
}
