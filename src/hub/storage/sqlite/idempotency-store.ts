// Idempotency in SQLite: a request's stored answer, written in the transaction that did its work, so a
// replay gets exactly what the first call got; rows older than the retention window are deleted.
import type Database from 'better-sqlite3';
import type { IdempotencyWriter } from '../port.ts';
import type { StoredResponse } from '../records.ts';
import { storedResponseFromRow, type StoredResponseRow } from './rows.ts';

export class SqliteIdempotencyWrites implements IdempotencyWriter {
  private readonly idempotencyW;
  constructor(db: Database.Database) {
    this.idempotencyW = {
      getResponse: db.prepare<[string, string], StoredResponseRow>(
        'SELECT request_hash, status, body, created_at FROM idempotency WHERE client_id = ? AND key = ?',
      ),
      putResponse: db.prepare(
        `INSERT INTO idempotency (client_id, key, request_hash, status, body, created_at, person_id)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      ),
    };
  }

  async getStoredResponse(clientId: string, key: string): Promise<StoredResponse | undefined> {
    const row = this.idempotencyW.getResponse.get(clientId, key);
    return row === undefined ? undefined : storedResponseFromRow(row);
  }
  async putStoredResponse(clientId: string, key: string, r: StoredResponse): Promise<void> {
    this.idempotencyW.putResponse.run(
      clientId,
      key,
      Buffer.from(r.requestHash),
      r.status,
      r.body,
      r.createdAt,
      r.personId ?? null,
    );
  }
}

/** Deletes the stored answers created before `at`; answers how many. */
export function deleteStoredResponsesBefore(db: Database.Database, at: number): number {
  return db.prepare('DELETE FROM idempotency WHERE created_at < ?').run(at).changes;
}
