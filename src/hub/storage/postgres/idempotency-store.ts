// Idempotency in PostgreSQL: a request's stored answer, written in the transaction that did its work
// (its primary key makes a key one answer, whichever instance took it first).
import type { IdempotencyWriter } from '../port.ts';
import type { StoredResponse } from '../records.ts';
import { storedResponseFromRow, type StoredResponseRow } from '../sqlite/rows.ts';
import { changes, one, preparedWrite, type Queryable, type Statement } from './queries.ts';
import type { PgDeferredWrites } from './savepoints.ts';

/** The stored-answer lookup (a transaction may read it ahead: PgTransaction). */
export function storedResponseStatement(clientId: string, key: string): Statement {
  return {
    name: 'getResponse',
    text: 'SELECT request_hash, status, body, created_at FROM idempotency WHERE client_id = $1 AND key = $2',
    values: [clientId, key],
  };
}

/** A stored answer (queries.ts preparedWrite: prepared once on the writer's connection). */
const insertStoredResponse = preparedWrite(
  'w_stored_response',
  `INSERT INTO idempotency (client_id, key, request_hash, status, body, created_at, person_id)
   VALUES ($1, $2, $3, $4, $5, $6, $7)`,
);

export class PgIdempotencyWrites implements IdempotencyWriter {
  constructor(
    private readonly db: Queryable,
    private readonly deferred: PgDeferredWrites,
  ) {}

  async getStoredResponse(clientId: string, key: string): Promise<StoredResponse | undefined> {
    const { name, text, values } = storedResponseStatement(clientId, key);
    const row = await one<StoredResponseRow>(this.db, name, text, values);
    return row === undefined ? undefined : storedResponseFromRow(row);
  }
  /**
   * Deferred (PgDeferredWrites): it is the job's last write; a later job of the batch with the same key
   * finds it no longer read ahead (BatchReads drops it) and reads it from the database, which sends it
   * first.
   */
  async putStoredResponse(clientId: string, key: string, r: StoredResponse): Promise<void> {
    this.deferred.defer(
      insertStoredResponse([
        clientId,
        key,
        r.requestHash,
        r.status,
        r.body,
        r.createdAt,
        r.personId ?? null,
      ]),
      { kind: 'storedResponse', clientId, key },
    );
  }
}

/** Deletes the stored answers created before `at`; answers how many. */
export function deletePgStoredResponsesBefore(db: Queryable, at: number): Promise<number> {
  return changes(db, 'deleteResponses', 'DELETE FROM idempotency WHERE created_at < $1', [at]);
}
