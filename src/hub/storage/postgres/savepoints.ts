// What a domain part of a PostgreSQL transaction remembers outside the database (the audit chain's
// tail, nonces to keep, template changes to announce): checkpointed at each savepoint, put back after.
import type { WriteEffect } from './batch-reads.ts';
export interface PgSavepointHooks {
  /** Called at BEGIN: forget what was cached of the database. */
  reset(): void;
  /** Called at each SAVEPOINT: answers what to do after a ROLLBACK TO it. */
  checkpoint(): () => Promise<void> | void;
}

/**
 * Writes a domain part hands to the transaction instead of sending them: SQL with its values as
 * literals (an EXECUTE of a write prepared on the connection, queries.ts preparedWrite), sent in one
 * simple query with the writes deferred before and after it: at
 * the job's end, or later with other jobs' writes when what the batch read ahead proves the write's
 * check passes (BatchReads). Any other statement on the transaction's connection sends them first, so
 * statements still run in the order the jobs made them; only the round trips are fewer. `effect` says
 * what the write changes of the rows a batch reads ahead; `check` sees the rows the write changed (an
 * assert, as when the statement was sent alone).
 */
export interface PgDeferredWrites {
  defer(sql: string, effect: WriteEffect, check?: (rowCount: number) => void): void;
}
