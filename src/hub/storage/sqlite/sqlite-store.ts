// The SQLite adapter of the storage port: WAL, foreign keys, durable commits, one writer connection
// that groups concurrent jobs into one transaction (group commit) and a reader that sees only commits.
import Database from 'better-sqlite3';
import { chmodSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type {
  ExclusiveJob,
  HubStore,
  IdentityReader,
  KioskReader,
  StoreReader,
  StoreTx,
} from '../port.ts';
import type { AuditRecord } from '../records.ts';
import { compose } from '../compose.ts';
import { HubError } from '../../errors.ts';
import {
  WriteQueue,
  runJobs,
  type Outcome,
  type QueuedJob,
  type WriteQueueStats,
} from '../write-queue.ts';
import { checkLedgerConsistency, type ConsistencyReport, type ReadQuery } from '../consistency.ts';
import { migrate } from './migrations.ts';
import { SqliteLedgerReads, SqliteLedgerWrites } from './ledger-store.ts';
import { SqliteAccessReads, SqliteAccessWrites } from './access-store.ts';
import { SqliteIdentityReads, SqliteIdentityWrites } from './identity-store.ts';
import { SqliteAuditWrites, readAuditRows } from './audit-store.ts';
import { SqliteIdempotencyWrites, deleteStoredResponsesBefore } from './idempotency-store.ts';
import type { SavepointHooks } from './savepoints.ts';
import { claimDatabaseForOneHub, type OneHubLock } from './one-hub-lock.ts';
import { WalSync } from './wal-sync.ts';
import { readAuditAnchor, writeAuditAnchor, type AuditHead } from '../../audit/anchor.ts';
import { ClientTokenCache } from './client-token-cache.ts';
import { assertTestRun } from '../../../biometrics/protect/test-only.ts';
import { createSecretFile } from '../../../biometrics/protect/key-files.node.ts';
import {
  WalCheckpointer,
  defaultWalCheckpointPolicy,
  type WalCheckpointPolicy,
  type WalCheckpointStats,
} from './wal-checkpoint.ts';

export { readAuditRows } from './audit-store.ts';

export interface SqliteStoreOptions {
  file: string;
  auditKey: Uint8Array;
  /**
   * FULL: every batch's commit is fsynced before it is answered (durable; the fsync runs off the event
   * loop with group commit, see wal-sync.ts, inside COMMIT without); NORMAL: WAL default, may lose the
   * last commits on power loss.
   */
  synchronous?: 'FULL' | 'NORMAL';
  /** Group concurrent write jobs into one transaction and one fsync. */
  groupCommit?: boolean;
  /**
   * worker (default): WAL checkpoints run on a worker thread (wal-checkpoint.ts); in_commit: SQLite's
   * own, inside the writer's COMMIT on the event loop (what the hub did before; kept to measure it).
   */
  checkpoints?: 'worker' | 'in_commit';
  checkpointPolicy?: WalCheckpointPolicy;
  /**
   * How long an erasure's answer waits for the truncating checkpoint that takes its deleted pages out
   * of the WAL while another reader of the file holds it off (default 2000 ms); past it the erasure is
   * answered (204, FacePay-Scrub: pending) and the hub goes on trying every erasureScrubRetryMs
   * (default 1000 ms).
   */
  erasureScrubWaitMs?: number;
  erasureScrubRetryMs?: number;
  /**
   * Where the hub keeps the audit log's head outside the database (audit/anchor.ts; the hub: keys/),
   * written at start, every auditAnchorIntervalMs (default 10 s) when the log has grown, and at close.
   * At synchronous NORMAL a commit is not fsynced: the anchor names only rows read before an fsync of
   * the WAL that it waited for (anchorSync), never a row a power loss could still take back.
   */
  auditAnchorFile?: string;
  auditAnchorIntervalMs?: number;
}

/** The TRUNCATE checkpoint's row: busy 1 when a reader or another checkpoint held it off. */
interface CheckpointRow {
  readonly busy: number;
  readonly log: number;
  readonly checkpointed: number;
}

/** SQLite's automatic checkpoint in the writer's COMMIT: every ~40 MB of WAL, so hot pages rewritten
 * between checkpoints are copied back once. Used with checkpoints: 'in_commit' and if the worker fails. */
const inCommitCheckpointPages = 10_000;

function openConnection(file: string, options: { readonly: boolean; synchronous: string }) {
  const db = new Database(file, { readonly: options.readonly, fileMustExist: options.readonly });
  db.pragma('busy_timeout = 5000');
  if (!options.readonly) {
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${options.synchronous}`);
    // Deleted content is zeroed in every page a write touches anyway (FAST); erasing a person
    // switches to ON for that transaction so nothing of their templates stays in free pages either.
    db.pragma('secure_delete = FAST');
    db.pragma('cache_size = -65536');
    db.pragma('temp_store = MEMORY');
    db.pragma(`wal_autocheckpoint = ${inCommitCheckpointPages}`);
  }
  db.pragma('foreign_keys = ON');
  return db;
}

/**
 * What the requests of a batch whose BEGIN (or the checkpoint wait before it) failed are answered:
 * the write lock held by another process past the busy timeout is `503 unavailable` (try again); any
 * other fault passes as it is (`500 internal`, logged with its stack), as the PostgreSQL runner's do.
 * One line on stderr either way, so an operator sees the refused batch.
 */
function beginRefusal(error: unknown, jobs: number): unknown {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`sqlite: a batch of ${jobs} writes refused at BEGIN: ${message}\n`);
  if ((error as { code?: string }).code !== 'SQLITE_BUSY') return error;
  return new HubError('unavailable', 'the database is busy (its write lock is held); try again');
}

/**
 * Runs `open` with umask 077, so the database file is created 0600 (SQLite creates -wal and -shm with
 * the database file's mode); process-wide, but nothing else runs during these synchronous calls.
 */
function withPrivateUmask<T>(open: () => T): T {
  const previous = process.umask(0o077);
  try {
    return open();
  } finally {
    process.umask(previous);
  }
}

/** The database holds personal data: its files are 0600 even when an older hub left them readable. */
function makeDatabaseFilesPrivate(file: string): void {
  for (const path of [file, `${file}-wal`, `${file}-shm`]) {
    if (existsSync(path)) chmodSync(path, 0o600);
  }
}

/** The committed-state reader: every domain's reads on the read-only connection. */
function sqliteReader(
  db: Database.Database,
  tokens: ClientTokenCache,
): StoreReader & IdentityReader & KioskReader {
  return compose(
    new SqliteLedgerReads(db),
    new SqliteAccessReads(db, tokens),
    new SqliteIdentityReads(db),
  );
}

/**
 * Reads that may see a commit whose fsync is still running: the bearer-token lookup of every request.
 * A client row nobody was answered about yet has a token nobody knows; a revocation not yet on disk
 * refuses the token a moment early, as its caller asked. Every other read waits (durableReads).
 */
const readsBeforeSync: ReadonlySet<string> = new Set(['findClientByTokenHash']);

/**
 * `reader` whose reads wait while a batch's commit is on its way to disk (`syncing`), so no answer
 * shows state a crash could still take back; while nothing is syncing, a read runs at once.
 */
function durableReads<T extends object>(reader: T, syncing: () => Promise<void> | undefined): T {
  const gated: Record<string, unknown> = {};
  for (const [name, method] of Object.entries(reader)) {
    if (typeof method !== 'function' || readsBeforeSync.has(name)) {
      gated[name] = method;
      continue;
    }
    const read = method as (...args: unknown[]) => Promise<unknown>;
    gated[name] = async (...args: unknown[]) => {
      // Another batch may commit while this read waited: read only once nothing is syncing.
      for (let pending = syncing(); pending !== undefined; pending = syncing()) await pending;
      return read(...args);
    };
  }
  return gated as T;
}

/**
 * The writer's transaction: every domain's reads and writes on the writer connection, and savepoints
 * that undo one job's writes and put back what the parts remember of them.
 */
class SqliteTransaction {
  readonly tx: StoreTx;
  /** Whether the transaction so far erased a person. */
  readonly erasedAPerson: () => boolean;
  private readonly hooks: SavepointHooks[];
  private savepointDepth = 0;
  private readonly savepoints: Array<
    | { begin: Database.Statement; release: Database.Statement; rollback: Database.Statement }
    | undefined
  > = [];

  constructor(
    private readonly db: Database.Database,
    auditKey: Uint8Array,
    tokens: ClientTokenCache,
  ) {
    const identity = new SqliteIdentityWrites(db);
    this.erasedAPerson = identity.erasedAPerson;
    const audit = new SqliteAuditWrites(db, auditKey);
    this.hooks = [identity.savepointHooks, audit.savepointHooks];
    const parts = compose(
      new SqliteLedgerWrites(db),
      new SqliteAccessWrites(db, () => tokens.clientChanged()),
      identity,
      audit,
      new SqliteIdempotencyWrites(db),
    );
    this.tx = Object.assign(parts, { nested: <T>(fn: () => Promise<T>) => this.nested(fn) });
  }

  /** Forgets what the parts cached about the database (call at every BEGIN and after a ROLLBACK). */
  resetCaches(): void {
    for (const hooks of this.hooks) hooks.reset();
  }

  async nested<T>(fn: () => Promise<T>): Promise<T> {
    const depth = this.savepointDepth++;
    const savepoint = this.savepoint(depth);
    const restores = this.hooks.map((hooks) => hooks.checkpoint());
    savepoint.begin.run();
    try {
      const value = await fn();
      savepoint.release.run();
      return value;
    } catch (error) {
      savepoint.rollback.run();
      savepoint.release.run();
      for (const restore of restores) restore();
      throw error;
    } finally {
      this.savepointDepth--;
    }
  }

  private savepoint(depth: number) {
    let statements = this.savepoints[depth];
    if (statements === undefined) {
      statements = {
        begin: this.db.prepare(`SAVEPOINT n${depth}`),
        release: this.db.prepare(`RELEASE n${depth}`),
        rollback: this.db.prepare(`ROLLBACK TO n${depth}`),
      };
      this.savepoints[depth] = statements;
    }
    return statements;
  }
}

export class SqliteHubStore implements HubStore {
  readonly reader: StoreReader & IdentityReader & KioskReader;
  private readonly writeDb: Database.Database;
  private readonly readDb: Database.Database;
  private readonly tx: SqliteTransaction;
  /** Bearer tokens of the committed state, emptied when a commit changed a client. */
  private readonly tokens = new ClientTokenCache();
  private readonly beginStatement: Database.Statement;
  private readonly commitStatement: Database.Statement;
  private readonly queue: WriteQueue;
  /** FULL with group commit: syncs each batch's commit off the event loop; otherwise none. */
  private readonly walSync: WalSync | undefined;
  /** The running fsync of the last batch's commit (settles quietly); undefined when none runs. */
  private syncing: Promise<void> | undefined;
  /** An fsync that failed: what was written may not be on disk, so no later write is accepted. */
  private syncFailure: unknown;
  /** Checkpoints off the event loop; undefined with checkpoints: 'in_commit'. */
  private readonly checkpointer: WalCheckpointer | undefined;
  /** This process's claim on the database: no second hub shares it (one-hub-lock.ts). */
  private readonly oneHubLock: OneHubLock;
  private readonly file: string;
  private readonly scrubWaitMs: number;
  private readonly scrubRetryMs: number;
  /** An erasure's deleted pages may still be in the WAL: its truncating checkpoint has not run yet. */
  private scrubPending = false;
  /**
   * The audit seq up to which every committed erasure is scrubbed: the newest row when the last
   * truncating checkpoint ran (or at start, or as the mark of a scrub held off says). Only erasures after
   * it are pending while scrubPending holds.
   */
  private scrubbedThroughSeq = 0;
  private readonly auditSeqTail: Database.Statement<[], { seq: number }>;
  /** When the scrub was first found held off (for the log line once it is done). */
  private scrubHeldSince: number | undefined;
  private scrubbing: Promise<boolean> | undefined;
  private scrubTimer: NodeJS.Timeout | undefined;
  /** The scrub mark's write under way, with the removals queued behind it; undefined when none. */
  private markWork: Promise<void> | undefined;
  /** close() has started: no scrub retry is armed any more (the connections are about to close). */
  private closing = false;
  private readonly anchorFile: string | undefined;
  private readonly auditKey: Uint8Array;
  /** The head in the anchor file: written by this hub, or found there at start. */
  private anchored: AuditHead | undefined;
  /** The anchor is not moved any more (the log lost its row, or the file does not check out). */
  private anchorHeld = false;
  private anchorTimer: NodeJS.Timeout | undefined;
  /** The anchor being written (off the event loop); the next one waits for it. */
  private anchoring: Promise<void> | undefined;
  private readonly auditTail: Database.Statement<[], { seq: number; hash: Buffer }>;
  private readonly auditHashAt: Database.Statement<[number], { hash: Buffer }>;
  /**
   * At synchronous NORMAL (commits not fsynced): the fsync of the WAL that the anchor waits for, so that
   * it names only rows on disk; undefined where every answered commit is durable already.
   */
  private readonly anchorSync: WalSync | undefined;
  /**
   * writes/writeMs: anchor files written; walSyncs: fsyncs of the WAL made for them (NORMAL);
   * syncedSeq: the last audit row read before such an fsync completed (the most an anchor may name).
   */
  private readonly anchorStats = { writes: 0, writeMs: 0, walSyncs: 0, syncedSeq: 0 };
  /** At synchronous NORMAL: the fsync of the WAL that durable() runs; undefined where commits are durable. */
  private readonly durableSync: WalSync | undefined;
  readonly erasureScrub = {
    pending: (erasureSeq?: number): boolean =>
      this.scrubPending && (erasureSeq === undefined || erasureSeq > this.scrubbedThroughSeq),
  };

  constructor(options: SqliteStoreOptions) {
    const synchronous = options.synchronous ?? 'FULL';
    const groupCommit = options.groupCommit ?? true;
    this.file = options.file;
    this.anchorFile = options.auditAnchorFile;
    this.auditKey = options.auditKey;
    this.scrubWaitMs = options.erasureScrubWaitMs ?? 2000;
    this.scrubRetryMs = options.erasureScrubRetryMs ?? 1000;
    this.oneHubLock = withPrivateUmask(() => claimDatabaseForOneHub(options.file));
    try {
      // With group commit at FULL, COMMIT itself never fsyncs: runBatch syncs the WAL afterwards on the
      // thread pool while the event loop reads the next requests. One commit per request gains nothing
      // from that (nothing else is waiting to be batched) and pays a thread hop per commit (bench:hub:
      // 981 -> 744 pairs/s), so there COMMIT syncs as SQLite's FULL does.
      const syncOffThread = synchronous === 'FULL' && groupCommit;
      this.writeDb = withPrivateUmask(() =>
        openConnection(options.file, {
          readonly: false,
          synchronous: syncOffThread ? 'NORMAL' : synchronous,
        }),
      );
      migrate(this.writeDb);
      this.readDb = withPrivateUmask(() =>
        openConnection(options.file, { readonly: true, synchronous }),
      );
      makeDatabaseFilesPrivate(options.file);
      this.walSync = syncOffThread ? new WalSync(options.file) : undefined;
      this.anchorSync =
        synchronous === 'NORMAL' && options.auditAnchorFile !== undefined
          ? new WalSync(options.file)
          : undefined;
      this.durableSync = synchronous === 'NORMAL' ? new WalSync(options.file) : undefined;
      this.reader = durableReads(sqliteReader(this.readDb, this.tokens), () => this.syncing);
      this.tx = new SqliteTransaction(this.writeDb, options.auditKey, this.tokens);
      this.beginStatement = this.writeDb.prepare('BEGIN IMMEDIATE');
      this.commitStatement = this.writeDb.prepare('COMMIT');
      this.queue = new WriteQueue((batch) => this.runBatch(batch), groupCommit);
      this.auditTail = this.readDb.prepare(
        'SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1',
      );
      this.auditHashAt = this.readDb.prepare('SELECT hash FROM audit_log WHERE seq = ?');
      this.auditSeqTail = this.writeDb.prepare(
        'SELECT COALESCE(MAX(seq), 0) AS seq FROM audit_log',
      );
      this.startAnchor(options.auditAnchorIntervalMs ?? 10_000);
      this.startScrub();
      // After the start's scrub: the worker's checkpoint never holds that one off.
      this.checkpointer = this.startCheckpointer(options, synchronous);
    } catch (error) {
      this.closeAfterFailedStart();
      throw error;
    }
  }

  /**
   * The start's scrub. A hub stopped while a reader held off an erasure's scrub left a mark: the erasures
   * up to the seq it names were scrubbed before it (a mark without one: none known). A hub killed between
   * an erasure's commit and its scrub left no mark, but maybe the erased rows in the WAL (and their old
   * pages in the database file): either way a truncating checkpoint before the first answer takes them
   * out. Held off (another reader of the file) or failed (a full disk, an I/O error), no erasure after
   * that seq is known scrubbed, and the hub starts and keeps trying, as for a scrub held off at run time.
   */
  private startScrub(): void {
    this.scrubPending = true;
    try {
      if (existsSync(this.scrubMark())) {
        this.scrubbedThroughSeq = scrubbedThroughOfMark(readFileSync(this.scrubMark(), 'utf8'));
        this.scrubHeldSince = Date.now();
      }
      startScrubFaultHook?.();
      if (this.truncateWal()) {
        this.scrubDone();
        return;
      }
    } catch (error) {
      process.stderr.write(
        `sqlite: the start's erasure scrub of ${this.file}-wal failed (${String(error)}); ` +
          'erasures count as not scrubbed until it runs\n',
      );
    }
    this.scrubHeldOff();
  }

  /** A constructor that failed closes what it opened (connections, WAL handles, timers) and lets go. */
  private closeAfterFailedStart(): void {
    this.closing = true;
    clearInterval(this.anchorTimer);
    clearTimeout(this.scrubTimer);
    this.anchorHeld = true;
    // Fields not reached yet are undefined here, whatever their types say.
    const opened = this as unknown as {
      writeDb?: Database.Database;
      readDb?: Database.Database;
      walSync?: WalSync;
      anchorSync?: WalSync;
      durableSync?: WalSync;
    };
    const closeAll = () => {
      for (const close of [
        () => opened.walSync?.close(),
        () => opened.anchorSync?.close(),
        () => opened.durableSync?.close(),
        () => opened.readDb?.close(),
        () => opened.writeDb?.close(),
      ]) {
        try {
          close();
        } catch {
          // Closing is best effort after a failed start; the start's error is the one reported.
        }
      }
    };
    // An anchor write under way reads nothing more from the connections, but may be in the WAL's fsync.
    if (this.anchoring === undefined) closeAll();
    else void this.anchoring.finally(closeAll);
    this.oneHubLock.release();
  }

  /** With checkpoints on the worker, the writer's COMMIT checkpoints no more (until the worker fails). */
  private startCheckpointer(
    options: SqliteStoreOptions,
    synchronous: 'FULL' | 'NORMAL',
  ): WalCheckpointer | undefined {
    if ((options.checkpoints ?? 'worker') === 'in_commit') return undefined;
    this.writeDb.pragma('wal_autocheckpoint = 0');
    return new WalCheckpointer({
      file: options.file,
      synchronous,
      policy: options.checkpointPolicy ?? defaultWalCheckpointPolicy,
      onFailure: () => this.writeDb.pragma(`wal_autocheckpoint = ${inCommitCheckpointPages}`),
    });
  }

  write<T>(job: (tx: StoreTx) => Promise<T>): Promise<T> {
    return this.queue.write(job);
  }

  /**
   * One transaction for the batch; each job under its own savepoint so one refusal undoes only itself.
   * At FULL the answers wait for the WAL's fsync, which runs on the thread pool: meanwhile the event
   * loop reads and checks the next requests (the next batch starts once this one is on disk).
   */
  private async runBatch(batch: QueuedJob[]): Promise<Outcome[]> {
    if (this.syncFailure !== undefined)
      return batch.map(() => ({ ok: false, error: this.syncFailure }));
    try {
      await this.checkpointer?.beforeBegin();
      this.tx.resetCaches();
      this.beginStatement.run();
    } catch (error) {
      // Nothing of the batch ran (another process holding the write lock past the busy timeout, a
      // full or unreadable disk): the batch is refused whole and the queue goes on with the next one.
      const refusal = beginRefusal(error, batch.length);
      return batch.map(() => ({ ok: false, error: refusal }));
    }
    const outcomes = await runJobs(batch, this.tx.tx, (fn) => this.tx.nested(fn));
    try {
      this.commitStatement.run();
    } catch (error) {
      if (this.writeDb.inTransaction) this.writeDb.exec('ROLLBACK');
      this.tx.resetCaches();
      this.tokens.transactionEnded();
      return batch.map(() => ({ ok: false, error }));
    }
    // Before anything else runs: the next request's token is looked up in what was just committed.
    this.tokens.transactionEnded();
    const erased = this.tx.erasedAPerson();
    if (!erased && this.walSync === undefined) {
      this.checkpointer?.afterCommit();
      return outcomes;
    }
    const durable = this.walSync?.sync() ?? Promise.resolve();
    this.syncing = durable.catch(() => undefined);
    try {
      await durable;
    } catch (error) {
      // The commit may or may not be on disk, and a later fsync may not tell: refuse every write from
      // here (a restart recovers what the WAL holds) rather than answer one that could be lost.
      this.syncFailure = error;
      return batch.map(() => ({ ok: false, error }));
    } finally {
      this.syncing = undefined;
    }
    if (erased) {
      afterErasureCommitHook?.();
      // An erased person's sealed templates stay in the WAL's frames (and the old pages in the database
      // file) until a checkpoint copies the zeroed pages back (secure_delete) and TRUNCATE empties the
      // log. Reads go on meanwhile; the next batch waits (at most scrubWaitMs), so that no transaction
      // of this writer holds the checkpoint off. Whether it ran is erasureScrub.pending().
      this.scrubPending = true;
      await this.scrub();
    }
    this.checkpointer?.afterCommit();
    return outcomes;
  }

  /**
   * Runs the truncating checkpoint until it completes or scrubWaitMs have passed, each try without
   * waiting on a lock (busy_timeout 0): the event loop never stalls on a reader that holds the WAL.
   */
  private scrub(): Promise<boolean> {
    if (!this.scrubPending) return Promise.resolve(true);
    this.scrubbing ??= this.scrubWithin(this.scrubWaitMs).finally(() => {
      this.scrubbing = undefined;
      // A scrub that rejected armed no retry itself (one held off did; one done left nothing pending).
      this.armScrubRetry();
    });
    return this.scrubbing;
  }

  private async scrubWithin(ms: number): Promise<boolean> {
    const deadline = performance.now() + ms;
    for (;;) {
      // The worker's checkpoint (if one runs) would hold this one off.
      await this.checkpointer?.idle();
      if (this.truncateWalOrTell()) {
        this.scrubDone();
        return true;
      }
      if (performance.now() >= deadline) {
        this.scrubHeldOff();
        // The erasure is answered pending once its mark is on disk. A retry due meanwhile found this
        // scrub running and armed none: armed again here, or the scrub would wait for another erasure.
        await this.markWork;
        this.armScrubRetry();
        return false;
      }
      await sleep(25);
    }
  }

  /**
   * truncateWal, a failure (a full disk, an I/O error) told and counted as not run: the erasure was
   * committed and is answered; its scrub stays pending and is tried again.
   */
  private truncateWalOrTell(): boolean {
    try {
      return this.truncateWal();
    } catch (error) {
      process.stderr.write(`sqlite: erasure scrub failed: ${String(error)}\n`);
      return false;
    }
  }

  /** One truncating checkpoint on the writer's connection, outside any transaction: whether it ran. */
  private truncateWal(): boolean {
    if (this.writeDb.inTransaction) return false;
    this.writeDb.pragma('busy_timeout = 0');
    try {
      // No transaction is open on the writer: every row up to this seq is committed, and in the WAL
      // or the database file that the checkpoint scrubs.
      const through = this.auditSeqTail.get()?.seq ?? 0;
      const [row] = this.writeDb.pragma('wal_checkpoint(TRUNCATE)') as CheckpointRow[];
      const ran = row !== undefined && row.busy === 0 && row.log === 0 && row.checkpointed === 0;
      if (ran) this.scrubbedThroughSeq = through;
      return ran;
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code !== 'SQLITE_BUSY' && code !== 'SQLITE_LOCKED') throw error;
      return false;
    } finally {
      this.writeDb.pragma('busy_timeout = 5000');
    }
  }

  private scrubDone(): void {
    this.scrubPending = false;
    clearTimeout(this.scrubTimer);
    this.scrubTimer = undefined;
    // At once, unless the mark's write is under way: then once it has ended (or it would put it back).
    const removeMark = () => rmSync(this.scrubMark(), { force: true });
    if (this.markWork === undefined) removeMark();
    else
      this.queueMarkWork(() => {
        try {
          removeMark();
        } catch (error) {
          process.stderr.write(`sqlite: scrub mark not removed: ${String(error)}\n`);
        }
      });
    if (this.scrubHeldSince !== undefined) {
      const ms = Date.now() - this.scrubHeldSince;
      process.stderr.write(`sqlite: erased rows taken out of ${this.file}-wal after ${ms} ms\n`);
    }
    this.scrubHeldSince = undefined;
  }

  /** Held off past the bound: told once, marked on disk (for a restart) and tried again in the background. */
  private scrubHeldOff(): void {
    if (this.scrubHeldSince === undefined) {
      this.scrubHeldSince = Date.now();
      const text = `${new Date().toISOString()}\n${scrubbedThroughLabel} ${this.scrubbedThroughSeq}\n`;
      this.queueMarkWork(() => this.writeScrubMark(text));
      process.stderr.write(
        `sqlite: erased rows are still in ${this.file}-wal: another reader of the database holds ` +
          `the truncating checkpoint off; trying again every ${this.scrubRetryMs} ms\n`,
      );
    }
    this.armScrubRetry();
  }

  /** One try of a pending scrub in scrubRetryMs, unless one is armed already. */
  private armScrubRetry(): void {
    // close() tries once more itself (the mark lets the next start finish it); a timer armed now would
    // fire on closed connections.
    if (this.scrubTimer !== undefined || this.closing || !this.scrubPending) return;
    this.scrubTimer = setTimeout(() => {
      this.scrubTimer = undefined;
      if (!this.scrubPending) return;
      // A scrub running now may end without arming one (a rejection): the retry waits for it.
      if (this.scrubbing !== undefined) {
        this.armScrubRetry();
        return;
      }
      // One try, in the queue's gaps: a try finding the writer in a transaction simply fails. Once it
      // ends, the next is armed while the scrub is pending (a try that rejected armed none itself).
      this.scrubbing = this.scrubWithin(0).finally(() => {
        this.scrubbing = undefined;
        this.armScrubRetry();
      });
      void this.scrubbing.catch((error: unknown) => {
        process.stderr.write(`sqlite: erasure scrub failed: ${String(error)}\n`);
      });
    }, this.scrubRetryMs);
    this.scrubTimer.unref();
  }

  /** Reads the anchor the last run left, writes the current head, and then every `intervalMs`. */
  private startAnchor(intervalMs: number): void {
    const file = this.anchorFile;
    if (file === undefined) return;
    try {
      this.anchored = readAuditAnchor(file, this.auditKey);
    } catch (error) {
      this.anchorHeld = true;
      process.stderr.write(
        `sqlite: audit anchor left as it is (audit:verify will fail): ${String(error)}\n`,
      );
    }
    this.anchorNow();
    this.anchorTimer = setInterval(() => this.anchorNow(), intervalMs);
    this.anchorTimer.unref();
  }

  /** Starts writing the anchor unless a write is under way. */
  private anchorNow(): void {
    if (this.anchoring !== undefined) return;
    this.anchoring = this.writeAnchor().finally(() => {
      this.anchoring = undefined;
    });
  }

  /**
   * Moves the anchor to the log's last row if the log has grown, and only if it still holds the row
   * anchored before (a log whose tail was deleted is never anchored anew: audit:verify reports it).
   * Only rows on disk: not while a commit's fsync runs (its rows are visible to reads already), and at
   * synchronous NORMAL only rows read before an fsync of the WAL that completed (anchorSync).
   */
  private async writeAnchor(): Promise<void> {
    const file = this.anchorFile;
    if (file === undefined || this.anchorHeld || this.syncing !== undefined) return;
    try {
      const tail = this.auditTail.get();
      const anchored = this.anchored;
      if (tail === undefined || (anchored !== undefined && tail.seq <= anchored.seq)) {
        if ((tail?.seq ?? 0) < (anchored?.seq ?? 0)) this.holdAnchor(anchored as AuditHead);
        return;
      }
      if (anchored !== undefined) {
        const row = this.auditHashAt.get(anchored.seq);
        if (row === undefined || !Buffer.from(anchored.hash).equals(row.hash)) {
          this.holdAnchor(anchored);
          return;
        }
      }
      const started = performance.now();
      const head = { seq: tail.seq, hash: new Uint8Array(tail.hash) };
      if (this.anchorSync !== undefined) {
        // The row was read from the committed state, so its frames were written to the WAL before this
        // fsync starts (or copied into the database by a checkpoint, which syncs both files at NORMAL).
        await this.anchorSync.sync();
        this.anchorStats.walSyncs++;
        this.anchorStats.syncedSeq = Math.max(this.anchorStats.syncedSeq, tail.seq);
      }
      await writeAuditAnchor(file, this.auditKey, head);
      this.anchored = head;
      this.anchorStats.writes++;
      this.anchorStats.writeMs += performance.now() - started;
    } catch (error) {
      process.stderr.write(`sqlite: audit anchor not written: ${String(error)}\n`);
    }
  }

  private holdAnchor(anchored: AuditHead): void {
    this.anchorHeld = true;
    process.stderr.write(
      `sqlite: the audit log no longer holds row ${anchored.seq} as the anchor in ${this.anchorFile} ` +
        'records it (rows deleted or rewritten); the anchor is kept and audit:verify fails\n',
    );
  }

  /**
   * Anchor files written and the milliseconds they took (each a write, two fsyncs and a rename; at
   * NORMAL with the WAL's fsync before it), and the WAL fsyncs made for them.
   */
  auditAnchorStats(): { writes: number; writeMs: number; walSyncs: number; syncedSeq: number } {
    return { ...this.anchorStats };
  }

  /**
   * Resolves once every commit answered before the call is on disk: at synchronous NORMAL an fsync of
   * the WAL (a commit's frames are written to it before its answer; a checkpoint syncs both files), at
   * FULL at once. A file that names what a commit wrote (a re-key's key file) is moved only after it.
   */
  async durable(): Promise<void> {
    if (this.durableSync === undefined) return;
    await this.durableSync.sync();
    afterDurableSyncHook?.();
  }

  /** Beside the database: an erasure whose scrub has not run yet (the next start runs it). */
  private scrubMark(): string {
    return `${this.file}-erasure-scrub`;
  }

  /**
   * Written as the hub's key files are (createSecretFile: a temporary file synced, linked into place, the
   * folder synced): a power cut after it leaves the whole mark, and one before it none (the next start
   * then counts no erasure scrubbed), never a torn one naming another seq.
   */
  private async writeScrubMark(text: string): Promise<void> {
    try {
      if (!(await createSecretFile(this.scrubMark(), Buffer.from(text, 'utf8'))))
        process.stderr.write(`sqlite: scrub mark ${this.scrubMark()} was there already; kept\n`);
    } catch (error) {
      // A full disk: the next start scrubs without the mark too (no erasure counted scrubbed then).
      process.stderr.write(`sqlite: scrub mark not written: ${String(error)}\n`);
    }
  }

  /** Runs `work` once the mark's writes and removals queued before it have ended (it never rejects). */
  private queueMarkWork(work: () => Promise<void> | void): void {
    const queued: Promise<void> = (this.markWork ?? Promise.resolve()).then(work).finally(() => {
      if (this.markWork === queued) this.markWork = undefined;
    });
    this.markWork = queued;
  }

  /**
   * Resolves once the scrub mark's writes and removals so far have ended: a held-off scrub's mark is on
   * disk (startHub awaits it before its first answer; the constructor's scrub cannot).
   */
  async scrubMarkSettled(): Promise<void> {
    await this.markWork;
  }

  async deleteStoredResponsesBefore(at: number): Promise<number> {
    return this.write(async () => deleteStoredResponsesBefore(this.writeDb, at));
  }

  async auditRows(afterSeq: number, limit: number): Promise<AuditRecord[]> {
    return readAuditRows(this.readDb, afterSeq, limit);
  }

  async checkConsistency(): Promise<ConsistencyReport> {
    return checkLedgerConsistency(sqliteReadQuery(this.readDb));
  }

  /** One process owns a SQLite database: nobody else can be running the job. */
  async runExclusive<T>(_name: ExclusiveJob, fn: () => Promise<T>): Promise<T | undefined> {
    return fn();
  }

  /** One process owns a SQLite database: no other instance changes its templates. */
  onTemplateChange(): () => void {
    return () => undefined;
  }

  writeStats(): WriteQueueStats {
    const checkpoints = this.checkpointer?.checkpointStats();
    return {
      ...this.queue.stats(),
      ...(checkpoints === undefined
        ? {}
        : { checkpointWaits: checkpoints.waited, checkpointWaitMs: checkpoints.waitedMs }),
    };
  }

  /** The checkpoint worker's counts; undefined with checkpoints: 'in_commit'. */
  checkpointStats(): WalCheckpointStats | undefined {
    return this.checkpointer?.checkpointStats();
  }

  async close(): Promise<void> {
    this.closing = true;
    await this.queue.close();
    clearInterval(this.anchorTimer);
    this.anchorTimer = undefined;
    await this.anchoring;
    await this.writeAnchor();
    clearTimeout(this.scrubTimer);
    this.scrubTimer = undefined;
    await this.scrubbing;
    await this.checkpointer?.close();
    // A scrub that fails at close (a full disk) is told, not thrown: the store still closes and lets go of
    // the one-hub lock; the mark stays, so the next start scrubs.
    if (this.scrubPending && this.truncateWalOrTell()) this.scrubDone();
    await this.markWork;
    this.walSync?.close();
    this.anchorSync?.close();
    this.durableSync?.close();
    this.readDb.close();
    this.writeDb.close();
    this.oneHubLock.release();
  }
}

/** Read-only statements on a SQLite connection, for the consistency check. */
export function sqliteReadQuery(db: Database.Database): ReadQuery {
  return async <R>(sql: string) => db.prepare<[], R>(sql).all();
}

/** The mark's line naming the audit seq up to which erasures were scrubbed before it was written. */
/** A test's fault point between an erasure's durable commit and its scrub (a process killed there). */
let afterErasureCommitHook: (() => void) | undefined;

export function dangerousTestOnlyAfterErasureCommit(hook: (() => void) | undefined): void {
  assertTestRun('dangerousTestOnlyAfterErasureCommit');
  afterErasureCommitHook = hook;
}

/** A test's fault point in the start's scrub, before its truncating checkpoint (a full disk there). */
let startScrubFaultHook: (() => void) | undefined;

export function dangerousTestOnlyStartScrubFault(hook: (() => void) | undefined): void {
  assertTestRun('dangerousTestOnlyStartScrubFault');
  startScrubFaultHook = hook;
}

/** A test's hook run when durable()'s fsync of the WAL has completed (the order of it and a rename). */
let afterDurableSyncHook: (() => void) | undefined;

export function dangerousTestOnlyAfterDurableSync(hook: (() => void) | undefined): void {
  assertTestRun('dangerousTestOnlyAfterDurableSync');
  afterDurableSyncHook = hook;
}

const scrubbedThroughLabel = 'scrubbed-through';

/** That seq, from the mark's text; 0 (no erasure known scrubbed) for a mark without it. */
function scrubbedThroughOfMark(text: string): number {
  for (const line of text.split('\n')) {
    const [label, value] = line.trim().split(' ');
    if (label === scrubbedThroughLabel && value !== undefined && /^\d+$/.test(value)) {
      return Number(value);
    }
  }
  return 0;
}
