// The PostgreSQL adapter of the storage port, for several hub instances on one database. Every write
// transaction first locks the audit chain's head row, so writers of all instances run in one order.
import type pg from 'pg';
import { assert } from '../../../shared/assert.ts';
import type {
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
import { TemplateFeed } from './template-feed.ts';
import { one, type Queryable } from './queries.ts';
import { PgLedgerReads } from './ledger-store.ts';
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
}

/** Session advisory lock keys (one namespace per purpose). */
const exclusiveLockKeys: Record<string, number> = { sweeper: 0x46_50_53_57 }; // 'FPSW'

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
  ) {
    this.reader = pgReader(pool);
    this.queue = new WriteQueue((batch) => this.runBatch(batch), groupCommit);
  }

  /** Connects, migrates (or refuses a newer schema) and starts listening for template changes. */
  static async open(options: PgStoreOptions): Promise<PgHubStore> {
    const pool = openPool(options.databaseUrl);
    try {
      const client = await pool.connect();
      try {
        await migratePg(client);
      } finally {
        client.release();
      }
      const feed = await TemplateFeed.start(options.databaseUrl);
      return new PgHubStore(pool, options.auditKey, feed, options.groupCommit ?? true);
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
      return outcomes;
    } catch (error) {
      // The connection failed or COMMIT was refused: nothing of the batch is known to be stored. The
      // connection is dropped (it may be broken mid-transaction) and the next batch takes a new one.
      if (writer !== undefined) this.dropWriter(writer, error);
      return batch.map(() => ({ ok: false, error }));
    }
  }

  /**
   * A connection of the pool kept for writing. The pool stops listening to a connection it lent, so
   * the writer listens itself: a connection lost between batches (the server restarted, an idle
   * timeout) raises 'error' with no query to fail, which unheard would end the process; it is dropped,
   * and the next batch takes a new one. During a batch, the batch's own failing query drops it.
   */
  private async takeWriter(): Promise<NonNullable<PgHubStore['writer']>> {
    const client = await this.pool.connect();
    const writer = { client, transaction: new PgTransaction(client, this.auditKey), busy: false };
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

  /** Runs `fn` only if no other instance is running the job of that name; answers undefined if one is. */
  async runExclusive<T>(name: 'sweeper', fn: () => Promise<T>): Promise<T | undefined> {
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
    return deletePgStoredResponsesBefore(this.pool, at);
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

/** Read-only statements on a PostgreSQL pool, for the consistency check. */
export function pgReadQuery(db: Queryable): ReadQuery {
  return async <R>(sql: string) => (await db.query(sql)).rows as R[];
}
