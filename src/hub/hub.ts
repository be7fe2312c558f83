// Starting and stopping a hub: data directory, store, ledger, HTTP server, the expiry sweeper
// and the bootstrap admin token. Used by the CLI, the tests and the benchmark alike.
import type { FastifyInstance } from 'fastify';
import { expirySweepIntervalMs, idempotencyRetentionSeconds } from '../shared/limits.ts';
import { systemClock, type Clock } from './clock.ts';
import { openDataDir } from './data-dir.ts';
import { Ledger } from './ledger/ledger.ts';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadHubKeys } from '../biometrics/protect/key-files.node.ts';
import { IdentityService } from './identity/identity.ts';
import { loadCalibration } from './identity/calibration.ts';
import { finishInterruptedRekey } from './identity/rekey.ts';
import type { DataDir } from './data-dir.ts';
import { SqliteHubStore } from './storage/sqlite/sqlite-store.ts';
import { HubContext } from './http/context.ts';
import { buildServer } from './http/server.ts';
import { hashToken } from './http/tokens.ts';

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
  /** models/thresholds.json (or another): enables the Identity API for that model. */
  calibrationFile?: string | null;
  /** Payments at or above this amount need the PIN as well as the face. */
  stepUpAmount?: number;
  /**
   * Demo data and tests only: accept an identify without a kiosk attestation (the client's own word
   * on liveness). Off by default: in production every identify carries a registered kiosk's signature.
   */
  allowUnattested?: boolean;
}

export interface RunningHub {
  url: string;
  port: number;
  app: FastifyInstance;
  context: HubContext;
  store: SqliteHubStore;
  identity: IdentityService | undefined;
  /** Runs one expiry sweep now (the timer does this every expirySweepIntervalMs). */
  sweep(): Promise<number>;
  close(): Promise<void>;
}

async function ensureAdmin(context: HubContext, token: string): Promise<void> {
  const tokenHash = hashToken(token);
  if ((await context.store.reader.findClientByTokenHash(tokenHash)) !== undefined) return;
  await context.store.write((tx) =>
    context.ledger.createClient(tx, 'hub', {
      name: 'admin (FACEPAY_ADMIN_TOKEN)',
      role: 'admin',
      merchantId: null,
      eventTypes: [],
      tokenHash,
    }),
  );
}

export const defaultCalibrationFile = join(
  import.meta.dirname,
  '..',
  '..',
  'models',
  'thresholds.json',
);
export const defaultStepUpAmount = 30_000;

/** The identity module, when a calibration exists for a face model; its keys live in <data>/keys. */
async function openIdentity(
  options: HubOptions,
  dir: DataDir,
  store: SqliteHubStore,
  clock: Clock,
): Promise<IdentityService | undefined> {
  const file =
    options.calibrationFile === undefined ? defaultCalibrationFile : options.calibrationFile;
  if (file === null || !existsSync(file)) return undefined;
  await finishInterruptedRekey(join(dir.root, 'keys'), store.reader);
  const keys = await loadHubKeys({ dir: join(dir.root, 'keys'), create: true });
  if (!keys.ok) throw new Error(`hub keys: ${keys.error.message}`);
  return IdentityService.open({
    reader: store.reader,
    writer: store,
    keys: keys.value,
    calibration: loadCalibration(file),
    clock,
    identity: {
      stepUpAmount: options.stepUpAmount ?? defaultStepUpAmount,
      allowUnattested: options.allowUnattested ?? false,
    },
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
  const identity = await openIdentity(options, dir, store, clock);
  const ledger = new Ledger(clock, identity, identity);
  const context = new HubContext(store, ledger, clock, {
    requestsPerSecondPerClient: options.requestsPerSecondPerClient ?? 20_000,
    dataDir: dir.root,
  });
  if (options.adminToken !== undefined) await ensureAdmin(context, options.adminToken);
  const app = buildServer(context, { identity });
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
    identity,
    sweep,
    close: async () => {
      timers.forEach((timer) => clearInterval(timer));
      await app.close();
      await identity?.close();
      await store.close();
    },
  };
}
