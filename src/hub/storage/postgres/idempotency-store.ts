// Idempotency in PostgreSQL: a request's stored answer, written in the transaction that did its work
// (its primary key makes a key one answer, whichever instance took it first).
import type pg from 'pg';
import { idempotencyRetentionSeconds } from '../../../shared/limits.ts';
import type { IdempotencyWriter } from '../port.ts';
import type { StoredResponse } from '../records.ts';
import { storedResponseFromRow, type StoredResponseRow } from '../sqlite/rows.ts';
import { integerLiteral, one, preparedWrite, type Queryable, type Statement } from './queries.ts';
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

/** Stored answers one purge transaction deletes at most (its hold on the head's lock: a few ms). */
export const defaultPurgeChunkRows = 5_000;

/**
 * Deletes the stored answers created before `at`, but none younger than the retention by the
 * database's clock: the instances share these answers, and one whose clock runs ahead must not delete
 * what the others still replay. It runs under the chain head's lock, as a write transaction does, so it
 * waits for (and never deadlocks with) a transaction that changes stored answers (an erasure's); it
 * waits `limits.lockMs` at most for that lock and `limits.statementMs` for its statements. The rows go
 * `limits.chunkRows` at a time (oldest first, by the created_at index), each chunk in its own short
 * transaction: the head's lock, which every instance's writes wait on, is held for one chunk only, and a
 * backlog of any size never runs into the statement timeout. Answers how many it deleted.
 */
export async function deletePgStoredResponsesBefore(
  pool: pg.Pool,
  at: number,
  limits: { lockMs: number; statementMs: number; chunkRows?: number },
): Promise<number> {
  const chunkRows = limits.chunkRows ?? defaultPurgeChunkRows;
  const cutoff = `LEAST(${integerLiteral(at)},
    (EXTRACT(EPOCH FROM now()) * 1000)::BIGINT - ${integerLiteral(idempotencyRetentionSeconds * 1000)})`;
  const client = await pool.connect();
  let deleted = 0;
  try {
    for (;;) {
      const results = (await client.query(
        [
          'BEGIN ISOLATION LEVEL READ COMMITTED',
          `SET LOCAL lock_timeout = ${integerLiteral(limits.lockMs)}`,
          `SET LOCAL statement_timeout = ${integerLiteral(limits.statementMs)}`,
          'SELECT 1 FROM audit_head WHERE id = 1 FOR UPDATE',
          `DELETE FROM idempotency WHERE (client_id, key) IN (
             SELECT client_id, key FROM idempotency WHERE created_at < ${cutoff}
             ORDER BY created_at LIMIT ${integerLiteral(chunkRows)})`,
          'COMMIT',
        ].join('; '),
      )) as unknown as pg.QueryResult[];
      const chunk = results[4]?.rowCount ?? 0;
      deleted += chunk;
      if (chunk < chunkRows) break;
    }
    client.release();
    return deleted;
  } catch (error) {
    // The transaction may be open (aborted): the connection goes, and the server rolls it back. The
    // chunks committed before it stay deleted.
    client.release(error instanceof Error ? error : new Error(String(error)));
    throw error;
  }
}
