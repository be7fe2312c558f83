// Starting and stopping a hub: data directory, store, ledger, HTTP server, the expiry sweeper
// and the bootstrap admin token. Used by the CLI, the tests and the benchmark alike.
import type { FastifyInstance } from 'fastify';
import {
  expirySweepIntervalMs,
  idempotencyRetentionSeconds,
  pinFailuresPerDayPerClientMax,
} from '../shared/limits.ts';
import { assert } from '../shared/assert.ts';
import { systemClock, type Clock } from './clock.ts';
import { keyFile, openDataDir } from './data-dir.ts';
import { auditAnchorName } from './audit/anchor.ts';
import { Ledger } from './ledger/ledger.ts';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadHubKeys } from '../biometrics/protect/key-files.node.ts';
import { IdentityService, isPinFailureCap } from './identity/identity.ts';
import { loadCalibration } from './identity/calibration.ts';
import {
  finishInterruptedRekey,
  readTransformKeyFile,
  transformKeyPaths,
} from './identity/rekey.ts';
import type { DataDir } from './data-dir.ts';
import { SqliteHubStore } from './storage/sqlite/sqlite-store.ts';
import { defaultWalCheckpointPolicy } from './storage/sqlite/wal-checkpoint.ts';
import { PgHubStore, type PgTimeouts } from './storage/postgres/pg-store.ts';
import type { HubStore } from './storage/port.ts';
import { HubContext } from './http/context.ts';
import { buildServer } from './http/server.ts';
import { hashToken } from './http/tokens.ts';

/** While the hub closes, how often a connection that finished its last answer is closed. */
const closeIdleSweepMs = 50;
/** How often the stored answers past idempotencyRetentionSeconds are deleted. */
const storedResponsesPurgeIntervalMs = 3_600_000;

export interface HubOptions {
  /** Holds the keys; and the SQLite database unless `databaseUrl` names a PostgreSQL one. */
  dataDir: string;
  /**
   * postgres://… : the ledger lives in PostgreSQL, shared with every other instance started on the
   * same URL with a copy of the same `keys/`. Without it, SQLite in `dataDir` (one instance).
   */
  databaseUrl?: string;
  host?: string;
  port?: number;
  adminToken?: string;
  clock?: Clock;
  groupCommit?: boolean;
  synchronous?: 'FULL' | 'NORMAL';
  /** SQLite: the WAL size from which the checkpoint worker copies it back (wal-checkpoint.ts). */
  walCheckpointBytesMin?: number;
  requestsPerSecondPerClient?: number;
  sweeper?: boolean;
  /** models/thresholds.json (or another): enables the Identity API for that model. */
  calibrationFile?: string | null;
  /** Payments at or above this amount need the PIN as well as the face. */
  stepUpAmount?: number;
  /** Wrong PINs one client may send in 24 hours before its PIN checks stop (default and most: 50). */
  pinFailuresPerDayPerClient?: number;
  /**
   * Demo data and tests only: accept an identify without a kiosk attestation (the client's own word
   * on liveness). Off by default: in production every identify carries a registered kiosk's signature.
   */
  allowUnattested?: boolean;
  /** The most face templates the in-memory gallery holds (default and most: galleryTemplatesMax). */
  galleryTemplatesMax?: number;
  /** How often stored answers past their retention are deleted (default: hourly); tests shorten it. */
  storedResponsesPurgeIntervalMs?: number;
  /** PostgreSQL: how long to wait on the database before answering 503 (defaultPgTimeouts). */
  postgresTimeouts?: Partial<PgTimeouts>;
  /** Tests only: the PIN worker pool's monotonic back-off clock (IdentityOptions), not `clock`. */
  dangerousTestOnlyPinBackoffNow?: () => number;
}

export interface RunningHub {
  url: string;
  port: number;
  app: FastifyInstance;
  context: HubContext;
  store: HubStore;
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
  store: HubStore,
  clock: Clock,
): Promise<IdentityService | undefined> {
  const file =
    options.calibrationFile === undefined ? defaultCalibrationFile : options.calibrationFile;
  if (file === null || !existsSync(file)) return undefined;
  // Under the re-key lock: a re-key whose transaction is open on another instance holds it, and its
  // next key file is left to it (it commits and renames, or fails and removes it).
  const settled = await store.runExclusive('rekey', async () => {
    // What the start reads to settle a next key file must be on disk before the file is renamed.
    if (existsSync(transformKeyPaths(join(dir.root, 'keys')).next)) await store.durable();
    await finishInterruptedRekey(join(dir.root, 'keys'), store.reader);
    return true;
  });
  if (settled === undefined && existsSync(transformKeyPaths(join(dir.root, 'keys')).next))
    process.stderr.write(
      'rekey: another instance is re-keying; its next key file is left to it at this start\n',
    );
  const keys = await loadHubKeys({ dir: join(dir.root, 'keys'), create: true });
  if (!keys.ok) throw new Error(`hub keys: ${keys.error.message}`);
  return IdentityService.open({
    reader: store.reader,
    writer: store,
    keys: keys.value,
    calibration: loadCalibration(file),
    clock,
    follow: {
      subscribe: (listener) => store.onTemplateChange(listener),
      reader: store.reader,
      readTransformKey: () =>
        readTransformKeyFile(transformKeyPaths(join(dir.root, 'keys')).current),
      readNextTransformKey: () =>
        readTransformKeyFile(transformKeyPaths(join(dir.root, 'keys')).next),
    },
    identity: {
      stepUpAmount: options.stepUpAmount ?? defaultStepUpAmount,
      pinFailuresPerDayPerClient:
        options.pinFailuresPerDayPerClient ?? pinFailuresPerDayPerClientMax,
      allowUnattested: options.allowUnattested ?? false,
      ...(options.galleryTemplatesMax === undefined
        ? {}
        : { galleryTemplatesMax: options.galleryTemplatesMax }),
      ...(options.dangerousTestOnlyPinBackoffNow === undefined
        ? {}
        : { dangerousTestOnlyPinBackoffNow: options.dangerousTestOnlyPinBackoffNow }),
    },
  });
}

/** Runs every close in turn; one that fails is told on stderr, not instead of the start's error. */
async function closeAfterFailedStart(
  closes: readonly (() => Promise<unknown> | undefined)[],
): Promise<void> {
  for (const close of closes) {
    try {
      await close();
    } catch (error) {
      process.stderr.write(`hub start: closing after a failed start: ${String(error)}\n`);
    }
  }
}

export async function startHub(options: HubOptions): Promise<RunningHub> {
  // Checked before anything is opened: a wrong setting starts nothing.
  assert(
    isPinFailureCap(options.pinFailuresPerDayPerClient ?? pinFailuresPerDayPerClientMax),
    `the wrong-PIN cap is 1 to ${pinFailuresPerDayPerClientMax}`,
  );
  const clock = options.clock ?? systemClock;
  const dir = await openDataDir(options.dataDir, { create: true });
  const store: HubStore =
    options.databaseUrl === undefined
      ? new SqliteHubStore({
          file: dir.databaseFile,
          auditKey: dir.auditKey,
          auditAnchorFile: keyFile(dir.root, auditAnchorName),
          synchronous: options.synchronous ?? 'FULL',
          groupCommit: options.groupCommit ?? true,
          checkpointPolicy: {
            ...defaultWalCheckpointPolicy,
            walBytesMin: options.walCheckpointBytesMin ?? defaultWalCheckpointPolicy.walBytesMin,
          },
        })
      : await PgHubStore.open({
          databaseUrl: options.databaseUrl,
          auditKey: dir.auditKey,
          groupCommit: options.groupCommit ?? true,
          ...(options.postgresTimeouts === undefined ? {} : { timeouts: options.postgresTimeouts }),
        });
  // The start's erasure scrub, held off, leaves its mark on disk before the hub answers anything.
  if (store instanceof SqliteHubStore) await store.scrubMarkSettled();
  // From identity's open on, a failure (identity's keys or gallery, the server's build, the admin not
  // written, the port taken) closes what the start opened: the server, identity's follow and PIN
  // workers, the store and with it SQLite's one-hub lock; a close that fails never replaces the error.
  let identity: IdentityService | undefined;
  let app: FastifyInstance | undefined;
  let ledger: Ledger;
  let context: HubContext;
  try {
    identity = await openIdentity(options, dir, store, clock);
    ledger = new Ledger(clock, identity, identity);
    context = new HubContext(store, ledger, clock, {
      requestsPerSecondPerClient: options.requestsPerSecondPerClient ?? 20_000,
      dataDir: dir.root,
    });
    app = buildServer(context, { identity });
    if (options.adminToken !== undefined) await ensureAdmin(context, options.adminToken);
    await app.listen({ host: options.host ?? '127.0.0.1', port: options.port ?? 0 });
  } catch (error) {
    await closeAfterFailedStart([() => app?.close(), () => identity?.close(), () => store.close()]);
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;

  let sweeping = false;
  const sweep = async (): Promise<number> => {
    if (sweeping) return 0;
    sweeping = true;
    try {
      // One sweeper at a time across the instances of a deployment; the others skip this round
      // (the lazy checks on every read and write keep expiry exact whoever sweeps).
      const swept = await store.runExclusive('sweeper', async () => {
        const due = await store.reader.dueHoldIds(clock.now(), {}, 1);
        return due.length === 0 ? 0 : await store.write((tx) => ledger.expireDue(tx, {}));
      });
      return swept ?? 0;
    } finally {
      sweeping = false;
    }
  };
  // A purge that fails (the database unreachable then, or SQLite's write lock held past its busy
  // timeout) is told on one line and left to the next tick, as a failed sweep is: unheard, its
  // rejection would end the process.
  let purging = false;
  const purgeStoredResponses = async (): Promise<void> => {
    if (purging) return;
    purging = true;
    try {
      await store.deleteStoredResponsesBefore(clock.now() - idempotencyRetentionSeconds * 1000);
    } catch (error) {
      process.stderr.write(`idempotency purge: ${String(error)}; trying again next time\n`);
    } finally {
      purging = false;
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
      setInterval(
        () => void purgeStoredResponses(),
        options.storedResponsesPurgeIntervalMs ?? storedResponsesPurgeIntervalMs,
      ),
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
      // Fastify closes the keep-alive connections idle when close starts; one busy then would stay open after
      // its answer until the keep-alive timeout (72 s), and the stop with it. Each is closed once idle.
      const idleSweep = setInterval(() => app.server.closeIdleConnections(), closeIdleSweepMs);
      try {
        await app.close();
      } finally {
        clearInterval(idleSweep);
      }
      await identity?.close();
      await store.close();
    },
  };
}
