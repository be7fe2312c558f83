// One PostgreSQL write transaction of a batch of jobs (group commit): the chain head locked at BEGIN,
// the jobs' declared reads read ahead for the whole batch, and their writes sent together at the end.
import type pg from 'pg';
import { assert } from '../../../shared/assert.ts';
import type { JobReads, StoreTx } from '../port.ts';
import { compose } from '../compose.ts';
import { PgLedgerWrites } from './ledger-store.ts';
import { PgAccessWrites } from './access-store.ts';
import { PgIdentityWrites } from './identity-store.ts';
import { PgAuditWrites } from './audit-store.ts';
import { PgIdempotencyWrites } from './idempotency-store.ts';
import { BatchReads, type WriteEffect } from './batch-reads.ts';
import { templateChannel } from './template-feed.ts';
import { hasLiteral, inlineValues, prepareWrites, type Statement } from './queries.ts';
import type { PgDeferredWrites, PgSavepointHooks } from './savepoints.ts';

/** A deferred write not sent yet: its check of the rows it changed; whether it is known to succeed. */
interface QueuedWrite {
  sql: string;
  check: ((rowCount: number) => void) | undefined;
  proven: boolean;
}

/** One nested() level: a job (the outermost) or a savepoint a job took inside itself. */
interface Level {
  /** Where its writes start in `pending` (those before it are an earlier job's or level's). */
  mark: number;
  /** Where its effects start in `effects`. */
  effectsMark: number;
  /** Its savepoint, once sent: only a level that sent something has one to roll back to. */
  savepoint: string | undefined;
}

/**
 * Round trips: BEGIN, the head's lock and the batch's reads in one; the writes of every job in one at
 * the end; COMMIT. A job whose writes are all proven by what the batch read (BatchReads: the accounts
 * it moves exist and stay within their checks, the hold is at the version it updates) sends nothing
 * itself: its writes wait for the batch's end, and a refusal only drops them from the queue. A job that
 * reads something not read ahead sends the queued writes first (so it sees them), under a savepoint of
 * its own placed before its first write; a job with a write not proven sends its writes at its end, so
 * its check fails inside its savepoint and undoes only itself, as before. A write of an earlier job that
 * fails once sent (proven, so a programmer error) fails the whole batch: no COMMIT.
 */
export class PgTransaction {
  readonly tx: StoreTx;
  private readonly audit: PgAuditWrites;
  private readonly identity: PgIdentityWrites;
  private readonly hooks: PgSavepointHooks[];
  private pending: QueuedWrite[] = [];
  /** The effects of the running job's writes, in order (a refusal drops what they changed). */
  private effects: WriteEffect[] = [];
  private levels: Level[] = [];
  /** Savepoints taken in this transaction: the next one is named s<savepoints>. */
  private savepoints = 0;
  private reads = new BatchReads();
  /** Why this transaction must not commit (an earlier job's write failed once sent). */
  private broken: { error: unknown } | undefined;
  /**
   * Whether the connection has the deferred writes PREPAREd (queries.ts preparedWrite): set once the
   * first BEGIN that sent them answered. A batch that fails drops the connection (PgStore.runBatch),
   * so a connection that has them is never asked to prepare them twice.
   */
  private writesPrepared = false;

  constructor(
    private readonly db: pg.PoolClient,
    auditKey: Uint8Array,
    lockTimeoutMs: number,
  ) {
    const deferred: PgDeferredWrites = {
      defer: (sql, effect, check) => {
        const proven = this.reads.apply(effect);
        this.effects.push(effect);
        this.pending.push({ sql, check, proven });
      },
    };
    const query = (...args: unknown[]): Promise<unknown> => this.statement(args);
    const conn = { query } as unknown as Pick<pg.PoolClient, 'query'>;
    this.identity = new PgIdentityWrites(conn);
    this.audit = new PgAuditWrites(conn, auditKey, deferred, lockTimeoutMs);
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
   * A domain part's statement: answered from the batch's reads when they know every row it reads;
   * else sent after the queued writes (the database sees every statement in the order the jobs made
   * them), under the job's savepoint: in the same round trip, with its values as literals, when it has
   * only values that have one. A statement other than a SELECT may change rows read ahead: they are read
   * again after it.
   */
  private async statement(args: unknown[]): Promise<unknown> {
    const [config, given] = args;
    if (typeof config === 'object' && config !== null) {
      const served = this.reads.answer(config as Partial<Statement>);
      if (served !== undefined) return served;
    }
    // A plain text without values may hold several statements (BEGIN's): sent as it is.
    const { text, values } =
      typeof config === 'string'
        ? { text: config, values: Array.isArray(given) ? (given as unknown[]) : undefined }
        : (config as { text: string; values?: unknown[] });
    if (!/^\s*SELECT\b/i.test(text)) this.reads.clear();
    if (values !== undefined && values.every(hasLiteral)) {
      const [result] = await this.send([inlineValues(text, values)]);
      assert(result !== undefined, 'the statement answered');
      return result;
    }
    // Any statement that fails aborts the transaction: the job's savepoint goes first, always.
    if (this.pending.length > 0 || this.levels[0]?.savepoint === undefined) await this.send([]);
    return (this.db.query as (...a: unknown[]) => Promise<unknown>)(...args);
  }

  /** BEGIN, take the chain head's row lock (from here this instance is the only writer), read ahead. */
  async begin(jobReads: Array<JobReads | undefined>): Promise<void> {
    for (const hooks of this.hooks) hooks.reset();
    this.pending = [];
    this.effects = [];
    this.levels = [];
    this.savepoints = 0;
    this.broken = undefined;
    const load = BatchReads.load(jobReads);
    const prepares = this.writesPrepared ? [] : prepareWrites();
    const results = await this.audit.beginAndLockHead([...prepares, ...load.statements]);
    this.writesPrepared = true;
    this.reads = load.keep(results.slice(prepares.length));
  }

  /**
   * Sends the queued writes with the chain's new head and the template changes (NOTIFY inside the
   * transaction is delivered at COMMIT, and only if it commits), checks them, then commits.
   */
  async commit(): Promise<void> {
    assert(this.levels.length === 0, 'every job ended before the commit');
    this.refuseIfBroken();
    const notifies = this.identity
      .templateChanges()
      .map(
        (change) =>
          `SELECT pg_notify(${this.db.escapeLiteral(templateChannel)}, ${this.db.escapeLiteral(
            JSON.stringify(change),
          )})`,
      );
    await this.send([this.audit.headUpdate(), ...notifies]);
    this.refuseIfBroken();
    const done = await this.db.query('COMMIT');
    // An aborted transaction answers COMMIT with ROLLBACK, not an error.
    assert(done.command === 'COMMIT', `the transaction committed (${done.command})`);
  }

  private refuseIfBroken(): void {
    if (this.broken !== undefined) throw this.broken.error;
  }

  /**
   * The queued writes, then `statements`, in one simple query; then the writes' checks. The running
   * job's savepoint goes in first before its own writes, so a failure of its part undoes only it.
   * Answers the results of `statements`.
   */
  private async send(statements: string[]): Promise<pg.QueryResult[]> {
    const job = this.levels[0];
    if (job !== undefined && job.savepoint === undefined) {
      job.savepoint = `s${this.savepoints++}`;
      const savepoint = { sql: `SAVEPOINT ${job.savepoint}`, check: undefined, proven: true };
      this.pending.splice(job.mark, 0, savepoint);
    }
    const earlier = job?.mark ?? this.pending.length;
    const writes = this.pending;
    this.pending = [];
    for (const level of this.levels) level.mark = 0;
    const sql = [...writes.map((write) => write.sql), ...statements].join('; ');
    if (sql === '') return [];
    const answer = (await this.db.query(sql)) as unknown as pg.QueryResult | pg.QueryResult[];
    const results = Array.isArray(answer) ? answer : [answer];
    writes.forEach((write, i) => {
      try {
        write.check?.(results[i]?.rowCount ?? 0);
      } catch (error) {
        if (i < earlier) this.broken ??= { error };
        throw error;
      }
    });
    return results.slice(writes.length);
  }

  /** Runs `fn` under a savepoint: a job (outermost) or a savepoint inside one. */
  async nested<T>(fn: () => Promise<T>): Promise<T> {
    const outermost = this.levels.length === 0;
    const restores = this.hooks.map((hooks) => hooks.checkpoint());
    const level: Level = {
      mark: this.pending.length,
      effectsMark: this.effects.length,
      savepoint: undefined,
    };
    this.levels.push(level);
    try {
      if (!outermost) {
        const name = `s${this.savepoints++}`;
        await this.send([`SAVEPOINT ${name}`]);
        level.savepoint = name;
      }
      const value = await fn();
      // A write whose check the batch does not prove fails inside this job's savepoint, as if alone.
      if (this.pending.slice(level.mark).some((write) => !write.proven)) await this.send([]);
      if (outermost) this.effects = [];
      return value;
    } catch (error) {
      await this.undo(level, restores);
      throw error;
    } finally {
      this.levels.pop();
    }
  }

  /**
   * Undoes a refused level: its queued writes dropped, what they changed of the batch's reads read
   * again later, its sent statements rolled back (ROLLBACK TO keeps the savepoint; unused after),
   * and the domain parts' memory put back.
   */
  private async undo(level: Level, restores: Array<() => Promise<void> | void>): Promise<void> {
    this.pending.length = Math.min(this.pending.length, level.mark);
    for (const effect of this.effects.slice(level.effectsMark)) this.reads.forget(effect);
    this.effects.length = level.effectsMark;
    if (level.savepoint !== undefined) {
      try {
        await this.db.query(`ROLLBACK TO SAVEPOINT ${level.savepoint}`);
      } catch (error) {
        // The failure came before the savepoint (an earlier job's write): nothing can be kept.
        this.broken ??= { error };
        throw error;
      }
    }
    for (const restore of restores) await restore();
  }
}
