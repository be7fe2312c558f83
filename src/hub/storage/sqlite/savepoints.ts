// What a domain part of a SQLite transaction remembers outside the database (the audit chain's tail,
// nonces to keep): checkpointed at each savepoint and put back when that savepoint rolls back.
export interface SavepointHooks {
  /** Called at BEGIN: forget what was cached of the database. */
  reset(): void;
  /** Called at each SAVEPOINT: answers what to do after a ROLLBACK TO it. */
  checkpoint(): () => void;
}
