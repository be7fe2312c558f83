// Starting and stopping a hub: data directory, store, ledger, HTTP server, the expiry sweeper
// and the bootstrap admin token. Used by the CLI, the tests and the benchmark alike.
import type { FastifyInstance } from 'fastify';
import { expirySweepIntervalMs, idempotencyRetentionSeconds } from '../shared/limits.ts';
import { systemClock, type Clock } from './clock.ts';
import { openDataDir } from './data-dir.ts';
import { Ledger, type PaymentAuthorizations } from './ledger/ledger.ts';
import { SqliteHubStore } from './storage/sqlite/sqlite-store.ts';
import { HubContext } from './http/context.ts';
import { buildServer } from './http/server.ts';
import { hashToken } from './http/tokens.ts';
import { newId } from './ids.ts';

export interface HubOptions {
  dataDir: string;
  host?: string;
  port?: number;
  adminToken?: string;
  clock?: Clock;
  groupCommit?: boolean;
  synchronous?: 'FULL' | 'NORMAL';
  requestsPerSecondPerClient?: number;
  sweeper?: boolean;
  authorizations?: PaymentAuthorizations;
}

export interface RunningHub {
  url: string;
  port: number;
  app: FastifyInstance;
  context: HubContext;
  store: SqliteHubStore;
  /** Runs one expiry sweep now (the timer does this every expirySweepIntervalMs). */
  sweep(): Promise<number>;
  close(): Promise<void>;
}

async function ensureAdmin(context: HubContext, token: string): Promise<void> {
  const tokenHash = hashToken(token);
  if ((await context.store.reader.findClientByTokenHash(tokenHash)) !== undefined) return;
  await context.store.write(async (tx) => {
    const at = context.clock.now();
    const id = newId('cli');
    await tx.insertClient({
      id,
      name: 'admin (FACEPAY_ADMIN_TOKEN)',
      role: 'admin',
      merchantId: null,
      eventTypes: [],
      tokenHash,
      createdAt: at,
    });
    await tx.appendAudit({
      at,
      kind: 'client.created',
      subject: id,
      actor: 'hub',
      data: { role: 'admin', merchantId: null },
    });
  });
}

export async function startHub(options: HubOptions): Promise<RunningHub> {
  const clock = options.clock ?? systemClock;
  const dir = openDataDir(options.dataDir, { create: true });
  const store = new SqliteHubStore({
    file: dir.databaseFile,
    auditKey: dir.auditKey,
    synchronous: options.synchronous ?? 'FULL',
    groupCommit: options.groupCommit ?? true,
  });
  const ledger = new Ledger(clock, options.authorizations);
  const context = new HubContext(store, ledger, clock, {
    requestsPerSecondPerClient: options.requestsPerSecondPerClient ?? 20_000,
  });
  if (options.adminToken !== undefined) await ensureAdmin(context, options.adminToken);
  const app = buildServer(context);
  await app.listen({ host: options.host ?? '127.0.0.1', port: options.port ?? 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;

  let sweeping = false;
  const sweep = async (): Promise<number> => {
    if (sweeping) return 0;
    sweeping = true;
    try {
      const due = await store.reader.dueHoldIds(clock.now(), {}, 1);
      return due.length === 0 ? 0 : await store.write((tx) => ledger.expireDue(tx, {}));
    } finally {
      sweeping = false;
    }
  };
  const timers: NodeJS.Timeout[] = [];
  if (options.sweeper !== false) {
    timers.push(
      setInterval(
        () => void sweep().catch((e: unknown) => process.stderr.write(`sweeper: ${String(e)}\n`)),
        expirySweepIntervalMs,
      ),
    );
    timers.push(
      setInterval(() => {
        void store.deleteStoredResponsesBefore(clock.now() - idempotencyRetentionSeconds * 1000);
      }, 3_600_000),
    );
    timers.forEach((timer) => timer.unref());
  }

  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    port,
    app,
    context,
    store,
    sweep,
    close: async () => {
      timers.forEach((timer) => clearInterval(timer));
      await app.close();
      await store.close();
    },
  };
}
