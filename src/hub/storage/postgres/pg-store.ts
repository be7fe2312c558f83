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
import { TemplateFeed, templateChannel } from './template-feed.ts';
import { inlineValues, one, type Queryable, type Statement } from './queries.ts';
import {
  PgLedgerReads,
  PgLedgerWrites,
  accountsStatement,
  holdStatement,
  nextDueStatement,
} from './ledger-store.ts';
import { PgAccessReads, PgAccessWrites } from './access-store.ts';
import { TokenLookups } from './token-lookups.ts';
import { PgIdentityReads, PgIdentityWrites } from './identity-store.ts';
import { PgAuditWrites, readPgAuditRows } from './audit-store.ts';
import {
  PgIdempotencyWrites,
  deletePgStoredResponsesBefore,
  storedResponseStatement,
} from './idempotency-store.ts';
import type { PgDeferredWrites, PgSavepointHooks } from './savepoints.ts';

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

/**
 * One writer connection's transaction: every domain's reads and writes on it, the chain head locked at
 * BEGIN, a savepoint per job, and the template changes announced (NOTIFY) as it commits. Round trips
 * are saved two ways: the domain parts defer their writes (PgDeferredWrites) until their next read or
 * the job's end, and the savepoint statements travel in those simple queries. BEGIN takes the first
 * job's savepoint; a job ends by sending its writes with the next job's savepoint, taken inside its own
 * (not after a RELEASE: a write's check that fails once the query answered still rolls back to the
 * job's savepoint); a refused job's ROLLBACK TO keeps its savepoint, which the next job then uses.
 */
class PgTransaction {
  readonly tx: StoreTx;
  private readonly audit: PgAuditWrites;
  private readonly identity: PgIdentityWrites;
  private readonly hooks: PgSavepointHooks[];
  private depth = 0;
  /** Deferred writes not sent yet, in order, each with its check of the rows it changed. */
  private pending: Array<{ sql: string; check: ((rowCount: number) => void) | undefined }> = [];
  /** Savepoints taken in this transaction: the next one is named s<savepoints>. */
  private savepoints = 0;
  /** The savepoint standing at the current state, taken by the last simple query for the next job. */
  private spare: string | undefined;
  /** What each job of the batch reads first (HubStore.write's `reads`), by its index. */
  private jobReads: Array<JobReads | undefined> = [];
  /** The next job's first reads, read ahead with the statements before it: by name and SQL. */
  private ahead: { index: number; results: Map<string, pg.QueryResult> } | undefined;
  /** The running job's read-ahead results, until it sends any statement or write of its own. */
  private current: Map<string, pg.QueryResult> | undefined;

  constructor(
    private readonly db: pg.PoolClient,
    auditKey: Uint8Array,
  ) {
    const deferred: PgDeferredWrites = {
      defer: (sql, check) => {
        this.current = undefined;
        this.pending.push({ sql, check });
      },
    };
    // The domain parts' connection: each statement sends the deferred writes before it, so the
    // database sees every statement in the order the job made it.
    const query = async (...args: unknown[]): Promise<unknown> => {
      const served = this.readAheadFor(args[0]);
      if (served !== undefined) return served;
      this.current = undefined;
      if (this.pending.length > 0) await this.send([]);
      return (db.query as (...a: unknown[]) => Promise<unknown>)(...args);
    };
    const conn = { query } as unknown as Pick<pg.PoolClient, 'query'>;
    this.identity = new PgIdentityWrites(conn);
    this.audit = new PgAuditWrites(conn, auditKey, deferred);
    this.hooks = [this.identity.savepointHooks, this.audit.savepointHooks];
    const parts = compose(
      new PgLedgerWrites(conn, deferred),
      new PgAccessWrites(conn),
      this.identity,
      this.audit,
      new PgIdempotencyWrites(conn, deferred),
    );
    this.tx = Object.assign(parts, { nested: <T>(fn: () => Promise<T>) => this.nested(fn) });
  }

  /**
   * BEGIN, take the chain head's row lock (from here this instance is the only writer) and s0, and
   * read ahead what the batch's first job reads first.
   */
  async begin(jobReads: Array<JobReads | undefined>): Promise<void> {
    for (const hooks of this.hooks) hooks.reset();
    this.depth = 0;
    this.pending = [];
    this.savepoints = 1;
    this.spare = undefined;
    this.jobReads = jobReads;
    this.ahead = undefined;
    this.current = undefined;
    const lookup = this.lookupAhead(0);
    const results = await this.audit.beginAndLockHead(['SAVEPOINT s0', ...lookup.statements]);
    lookup.keep(results.slice(1));
    this.spare = 's0';
  }

  /**
   * The statements that read job `index`'s first reads ahead (HubStore.write's `reads`; none if it
   * names none), values as literals, and what keeps their results for the job. Sent last in the simple
   * query that ends the job before it, so they see exactly the state the job starts from.
   */
  private lookupAhead(index: number): {
    statements: string[];
    keep: (results: pg.QueryResult[]) => void;
  } {
    const reads = this.jobReads[index];
    const wanted: Statement[] = [];
    if (reads?.storedResponse !== undefined) {
      wanted.push(storedResponseStatement(reads.storedResponse.clientId, reads.storedResponse.key));
    }
    if (reads?.accounts !== undefined) wanted.push(accountsStatement(reads.accounts));
    if (reads?.hold !== undefined) wanted.push(holdStatement(reads.hold));
    if (reads?.dueOfAccount !== undefined) wanted.push(nextDueStatement(reads.dueOfAccount));
    const statements = wanted.map((statement) => inlineValues(statement.text, statement.values));
    return {
      statements,
      keep: (results) => {
        if (statements.length === 0) return;
        assert(results.length === statements.length, 'every read-ahead answered');
        const byKey = new Map<string, pg.QueryResult>();
        wanted.forEach((statement, i) => {
          const result = results[i];
          if (result !== undefined) byKey.set(`${statement.name}\n${statements[i]}`, result);
        });
        this.ahead = { index, results: byKey };
      },
    };
  }

  /**
   * The read-ahead result of the statement a domain part is about to send, if the running job has it
   * (each used once); undefined sends the statement.
   */
  private readAheadFor(config: unknown): pg.QueryResult | undefined {
    const current = this.current;
    if (current === undefined || typeof config !== 'object' || config === null) return undefined;
    const { name, text, values } = config as Partial<Statement>;
    if (name === undefined || text === undefined || values === undefined) return undefined;
    if (name === 'dueAccount') return this.noneDueAhead(current, values);
    if (![...current.keys()].some((key) => key.startsWith(`${name}\n`))) return undefined;
    const key = `${name}\n${inlineValues(text, values)}`;
    const result = current.get(key);
    if (result !== undefined) current.delete(key);
    return result;
  }

  /**
   * dueHoldIds(at, { accountId }) answered from the account's earliest deadline read ahead: no rows
   * when it is after `at` (or there is none); undefined sends the statement.
   */
  private noneDueAhead(
    current: Map<string, pg.QueryResult>,
    values: unknown[],
  ): pg.QueryResult | undefined {
    const [at, accountId] = values;
    if (typeof at !== 'number' || typeof accountId !== 'string') return undefined;
    const statement = nextDueStatement(accountId);
    const key = `${statement.name}\n${inlineValues(statement.text, statement.values)}`;
    const result = current.get(key);
    if (result === undefined) return undefined;
    current.delete(key);
    const next = (result.rows[0] as { next: number | null } | undefined)?.next ?? null;
    if (next !== null && next <= at) return undefined;
    return { ...result, rows: [], rowCount: 0 };
  }

  /**
   * Writes the chain's new head, announces the template changes (NOTIFY inside the transaction is
   * delivered at COMMIT, and only if it commits) and commits: one round trip, values as literals.
   * The savepoints still open commit with it.
   */
  async commit(): Promise<void> {
    assert(this.pending.length === 0, 'every job sent its writes before the commit');
    const notifies = this.identity
      .templateChanges()
      .map(
        (change) =>
          `SELECT pg_notify(${this.db.escapeLiteral(templateChannel)}, ${this.db.escapeLiteral(
            JSON.stringify(change),
          )})`,
      );
    await this.send([this.audit.headUpdate(), ...notifies, 'COMMIT']);
  }

  /**
   * The deferred writes, then `statements`, in one simple query; then the writes' checks. Answers the
   * results of `statements`.
   */
  private async send(statements: string[]): Promise<pg.QueryResult[]> {
    const writes = this.pending;
    this.pending = [];
    const sql = [...writes.map((write) => write.sql), ...statements].join('; ');
    if (sql === '') return [];
    const answer = (await this.db.query(sql)) as unknown as pg.QueryResult | pg.QueryResult[];
    const results = Array.isArray(answer) ? answer : [answer];
    writes.forEach((write, i) => write.check?.(results[i]?.rowCount ?? 0));
    return results.slice(writes.length);
  }

  /** Runs `fn` under a savepoint; `index`: the batch's job it runs, for the outermost savepoint. */
  async nested<T>(fn: () => Promise<T>, index?: number): Promise<T> {
    const outermost = this.depth === 0;
    this.depth++;
    try {
      const restores = this.hooks.map((hooks) => hooks.checkpoint());
      let name = outermost ? this.spare : undefined;
      this.spare = undefined;
      if (outermost) {
        const ahead = this.ahead;
        this.ahead = undefined;
        this.current = ahead !== undefined && ahead.index === index ? ahead.results : undefined;
      }
      if (name === undefined) {
        name = `s${this.savepoints++}`;
        await this.send([`SAVEPOINT ${name}`]);
      }
      try {
        const value = await fn();
        // The job's writes fail (or their checks do) inside its savepoint, as its statements would.
        if (outermost) {
          const next = `s${this.savepoints++}`;
          const lookup = this.lookupAhead((index ?? -1) + 1);
          const results = await this.send([`SAVEPOINT ${next}`, ...lookup.statements]);
          lookup.keep(results.slice(1));
          this.spare = next;
        } else {
          await this.send([]);
        }
        return value;
      } catch (error) {
        this.pending = [];
        this.current = undefined;
        this.ahead = undefined;
        // ROLLBACK TO keeps the savepoint (and drops those inside it): it stands at the state the
        // next job starts from.
        if (outermost) {
          const lookup = this.lookupAhead((index ?? -1) + 1);
          const sql = [`ROLLBACK TO SAVEPOINT ${name}`, ...lookup.statements].join('; ');
          const answer = (await this.db.query(sql)) as unknown as pg.QueryResult | pg.QueryResult[];
          lookup.keep((Array.isArray(answer) ? answer : [answer]).slice(1));
          this.spare = name;
        } else {
          await this.db.query(`ROLLBACK TO SAVEPOINT ${name}`);
        }
        for (const restore of restores) await restore();
        throw error;
      }
    } finally {
      this.depth--;
    }
  }
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

  /** The writer's connection and its transaction; dropped when a batch fails on them, taken anew after. */
  private writer: { client: pg.PoolClient; transaction: PgTransaction } | undefined;

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
      if (writer === undefined) {
        const client = await this.pool.connect();
        writer = { client, transaction: new PgTransaction(client, this.auditKey) };
        this.writer = writer;
      }
      const transaction = writer.transaction;
      await transaction.begin(batch.map((item) => item.reads));
      const outcomes = await runJobs(batch, transaction.tx, (fn, index) =>
        transaction.nested(fn, index),
      );
      await transaction.commit();
      return outcomes;
    } catch (error) {
      // The connection failed or COMMIT was refused: nothing of the batch is known to be stored. The
      // connection is dropped (it may be broken mid-transaction) and the next batch takes a new one.
      writer?.client.release(error instanceof Error ? error : new Error(String(error)));
      this.writer = undefined;
      return batch.map(() => ({ ok: false, error }));
    }
  }

  /** Runs `fn` only if no other instance is running the job of that name; answers undefined if one is. */
  async runExclusive<T>(name: 'sweeper', fn: () => Promise<T>): Promise<T | undefined> {
    const key = exclusiveLockKeys[name];
    assert(key !== undefined, `exclusive job ${name} has a lock key`);
    const client = await this.pool.connect();
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
      client.release();
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
