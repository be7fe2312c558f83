// What a domain part of a PostgreSQL transaction remembers outside the database (the audit chain's
// tail, nonces to keep, template changes to announce): checkpointed at each savepoint, put back after.
export interface PgSavepointHooks {
  /** Called at BEGIN: forget what was cached of the database. */
  reset(): void;
  /** Called at each SAVEPOINT: answers what to do after a ROLLBACK TO it. */
  checkpoint(): () => Promise<void> | void;
}
