// The PostgreSQL adapter of the storage port, for several hub instances on one database. Every write
// transaction first locks the audit chain's head row, so writers of all instances run in one order.
import type pg from 'pg';
import { assert } from '../../../shared/assert.ts';
import type {
  ExclusiveJob,
  HubStore,
  IdentityReader,
  JobReads,
  KioskReader,
  StoreReader,
  StoreTx,
  TemplateChange,
} from '../port.ts';
import type { AuditRecord } from '../records.ts';
import { compose } from '../compose.ts';
import {
  WriteQueue,
  runJobs,
  type Outcome,
  type QueuedJob,
  type WriteQueueStats,
} from '../write-queue.ts';
import { checkLedgerConsistency, type ConsistencyReport, type ReadQuery } from '../consistency.ts';
import { migratePg } from './migrations.ts';
import { openPool } from './pool.ts';
import { faultLine, transientRefusal } from './pg-errors.ts';
import { TemplateFeed } from './template-feed.ts';
import { one, type Queryable } from './queries.ts';
import { PgLedgerReads } from './ledger-store.ts';
import { rekeyLockKey } from './identity-store.ts';
import { PgAccessReads } from './access-store.ts';
import { TokenLookups } from './token-lookups.ts';
import { PgIdentityReads } from './identity-store.ts';
import { readPgAuditRows } from './audit-store.ts';
import { deletePgStoredResponsesBefore } from './idempotency-store.ts';
import { PgTransaction } from './transaction.ts';

export { readPgAuditRows } from './audit-store.ts';

/**
 * The committed-state reader: every domain's reads over the pool; the bearer-token lookups of requests
 * that arrive together share one statement (token-lookups.ts).
 */
function pgReader(pool: Queryable): StoreReader & IdentityReader & KioskReader {
  const reads = compose(
    new PgLedgerReads(pool),
    new PgAccessReads(pool),
    new PgIdentityReads(pool),
  );
  const tokens = new TokenLookups(pool);
  return Object.assign(reads, {
    findClientByTokenHash: (tokenHash: Uint8Array) => tokens.find(tokenHash),
  });
}

export interface PgStoreOptions {
  databaseUrl: string;
  auditKey: Uint8Array;
  /** Group concurrent write jobs of this instance into one transaction and one commit. */
  groupCommit?: boolean;
  /** Bounds on waiting for the database (defaultPgTimeouts for any not given). */
  timeouts?: Partial<PgTimeouts>;
  /** Stored answers the purge deletes per transaction (default defaultPurgeChunkRows). */
  purgeChunkRows?: number;
}

/**
 * How long this instance waits on the database before the request is answered `503 unavailable`
 * (pg-errors.ts): one instance (or any session) that stalls holding the chain head's lock holds up
 * another's writes for `lockMs` at most, and a writer session of this hub stalled inside its
 * transaction is ended by the server after `idleInTransactionMs` (its lock goes with it).
 */
export interface PgTimeouts {
  /** A write batch's wait for the chain head's lock (and any other lock of its transaction). */
  lockMs: number;
  /** One statement of a write batch (the writer's session). */
  statementMs: number;
  /** The writer's session idle inside its transaction (the server ends the session, the lock goes). */
  idleInTransactionMs: number;
  /** A new connection to open, or a connection of a full pool to come back. */
  connectMs: number;
}

/** As SQLite's busy timeout for the lock; a statement or an idle transaction far past any batch's. */
export const defaultPgTimeouts: PgTimeouts = {
  lockMs: 5_000,
  statementMs: 30_000,
  idleInTransactionMs: 30_000,
  connectMs: 10_000,
};

/** Session advisory lock keys (one namespace per purpose); 'rekey' is also a re-key's transaction lock. */
const exclusiveLockKeys: Record<ExclusiveJob, number> = {
  sweeper: 0x46_50_53_57, // 'FPSW'
  rekey: rekeyLockKey,
};

export class PgHubStore implements HubStore {
  readonly reader: StoreReader & IdentityReader & KioskReader;
  private readonly queue: WriteQueue;

  /**
   * The writer's connection and its transaction; dropped when a batch fails on them or the connection
   * is lost between batches, taken anew by the next batch. `busy` while a batch runs on it.
   */
  private writer: { client: pg.PoolClient; transaction: PgTransaction; busy: boolean } | undefined;

  private constructor(
    private readonly pool: pg.Pool,
    private readonly auditKey: Uint8Array,
    private readonly feed: TemplateFeed,
    groupCommit: boolean,
    private readonly timeouts: PgTimeouts,
    private readonly purgeChunkRows: number | undefined,
  ) {
    this.reader = pgReader(refusingTransientFaults(pool));
    this.queue = new WriteQueue((batch) => this.runBatch(batch), groupCommit);
  }

  /** Connects, migrates (or refuses a newer schema) and starts listening for template changes. */
  static async open(options: PgStoreOptions): Promise<PgHubStore> {
    const timeouts = { ...defaultPgTimeouts, ...options.timeouts };
    for (const [name, ms] of Object.entries(timeouts))
      assert(
        Number.isSafeInteger(ms) && ms > 0,
        `the PostgreSQL ${name} timeout is a positive integer`,
      );
    assert(
      options.purgeChunkRows === undefined ||
        (Number.isSafeInteger(options.purgeChunkRows) && options.purgeChunkRows > 0),
      'the purge chunk is a positive integer of rows',
    );
    const pool = openPool(options.databaseUrl, { connectTimeoutMs: timeouts.connectMs });
    try {
      const client = await pool.connect();
      try {
        await migratePg(client);
      } finally {
        client.release();
      }
      const feed = await TemplateFeed.start(options.databaseUrl);
      return new PgHubStore(
        pool,
        options.auditKey,
        feed,
        options.groupCommit ?? true,
        timeouts,
        options.purgeChunkRows,
      );
    } catch (error) {
      await pool.end();
      throw error;
    }
  }

  write<T>(job: (tx: StoreTx) => Promise<T>, reads?: JobReads): Promise<T> {
    return this.queue.write(job, reads);
  }

  /** One transaction for the batch; each job under its own savepoint so one refusal undoes only itself. */
  private async runBatch(batch: QueuedJob[]): Promise<Outcome[]> {
    let writer = this.writer;
    try {
      writer ??= await this.takeWriter();
      writer.busy = true;
      const transaction = writer.transaction;
      await transaction.begin(batch.map((item) => item.reads));
      const outcomes = await runJobs(batch, transaction.tx, (fn) => transaction.nested(fn));
      await transaction.commit();
      writer.busy = false;
      return outcomes.map((outcome) => (outcome.ok ? outcome : this.refusal(outcome.error, 1)));
    } catch (error) {
      // The connection failed or COMMIT was refused: nothing of the batch is known to be stored. The
      // connection is dropped (it may be broken mid-transaction, or inside the transaction a timeout
      // aborted): the server rolls back, and the next batch takes a new one.
      if (writer !== undefined) this.dropWriter(writer, error);
      const refused = this.refusal(error, batch.length);
      return batch.map(() => refused);
    }
  }

  /** A transient fault (pg-errors.ts) becomes 503 unavailable, told on one line; others pass. */
  private refusal(error: unknown, jobs: number): Outcome {
    const refusal = transientRefusal(error);
    if (refusal === undefined) return { ok: false, error };
    process.stderr.write(`postgres: ${jobs} writes refused: ${faultLine(error)}\n`);
    return { ok: false, error: refusal };
  }

  /**
   * A connection of the pool kept for writing. The pool stops listening to a connection it lent, so
   * the writer listens itself: a connection lost between batches (the server restarted, an idle
   * timeout) raises 'error' with no query to fail, which unheard would end the process; it is dropped,
   * and the next batch takes a new one. During a batch, the batch's own failing query drops it.
   */
  private async takeWriter(): Promise<NonNullable<PgHubStore['writer']>> {
    const client = await this.pool.connect();
    try {
      // The writer's session only: the pool's reads (a consistency check over a large ledger) keep
      // the server's defaults.
      await client.query(
        `SET statement_timeout = ${this.timeouts.statementMs}; ` +
          `SET idle_in_transaction_session_timeout = ${this.timeouts.idleInTransactionMs}`,
      );
    } catch (error) {
      client.release(error instanceof Error ? error : new Error(String(error)));
      throw error;
    }
    const transaction = new PgTransaction(client, this.auditKey, this.timeouts.lockMs);
    const writer = { client, transaction, busy: false };
    client.on('error', (error) => {
      if (this.writer !== writer) return;
      process.stderr.write(`postgres writer connection: ${error.message}\n`);
      if (!writer.busy) this.dropWriter(writer, error);
    });
    this.writer = writer;
    return writer;
  }

  private dropWriter(writer: NonNullable<PgHubStore['writer']>, error: unknown): void {
    if (this.writer !== writer) return;
    this.writer = undefined;
    writer.client.release(error instanceof Error ? error : new Error(String(error)));
  }

  /** Commits are durable when answered (synchronous_commit on; a re-key turns it on for itself). */
  async durable(): Promise<void> {}

  /** Runs `fn` only if no other instance is running the job of that name; answers undefined if one is. */
  async runExclusive<T>(name: ExclusiveJob, fn: () => Promise<T>): Promise<T | undefined> {
    const key = exclusiveLockKeys[name];
    assert(key !== undefined, `exclusive job ${name} has a lock key`);
    const client = await this.pool.connect();
    // The lock's session sits idle while `fn` writes on the writer's connection: a loss then raises
    // 'error' with no query to fail, which unheard would end the process. The unlock then fails (the
    // lock went with the session), and the connection is not given back to the pool.
    let lost: Error | undefined;
    const onError = (error: Error) => {
      lost = error;
    };
    client.on('error', onError);
    try {
      const got = await one<{ locked: boolean }>(
        client,
        'tryLock',
        'SELECT pg_try_advisory_lock($1) AS locked',
        [key],
      );
      if (got?.locked !== true) return undefined;
      try {
        return await fn();
      } finally {
        await client.query('SELECT pg_advisory_unlock($1)', [key]);
      }
    } finally {
      client.removeListener('error', onError);
      client.release(lost);
    }
  }

  async checkConsistency(): Promise<ConsistencyReport> {
    return checkLedgerConsistency(pgReadQuery(this.pool));
  }

  onTemplateChange(listener: (change: TemplateChange) => void): () => void {
    return this.feed.subscribe(listener);
  }

  async deleteStoredResponsesBefore(at: number): Promise<number> {
    return deletePgStoredResponsesBefore(this.pool, at, {
      lockMs: this.timeouts.lockMs,
      statementMs: this.timeouts.statementMs,
      ...(this.purgeChunkRows === undefined ? {} : { chunkRows: this.purgeChunkRows }),
    });
  }

  async auditRows(afterSeq: number, limit: number): Promise<AuditRecord[]> {
    return readPgAuditRows(this.pool, afterSeq, limit);
  }

  writeStats(): WriteQueueStats {
    return this.queue.stats();
  }

  async close(): Promise<void> {
    await this.queue.close();
    await this.feed.stop();
    this.writer?.client.release();
    this.writer = undefined;
    await this.pool.end();
  }
}

/**
 * `pool` whose queries that fail on a transient fault (pg-errors.ts) fail with 503 unavailable, told on
 * one line, for the committed-state reads of requests.
 */
function refusingTransientFaults(pool: pg.Pool): Queryable {
  const query = async (...args: unknown[]): Promise<unknown> => {
    try {
      return await (pool.query as (...a: unknown[]) => Promise<unknown>).apply(pool, args);
    } catch (error) {
      const refusal = transientRefusal(error);
      if (refusal === undefined) throw error;
      process.stderr.write(`postgres: a read refused: ${faultLine(error)}\n`);
      throw refusal;
    }
  };
  return { query } as unknown as Queryable;
}

/** Read-only statements on a PostgreSQL pool, for the consistency check. */
export function pgReadQuery(db: Queryable): ReadQuery {
  return async <R>(sql: string) => (await db.query(sql)).rows as R[];
}
