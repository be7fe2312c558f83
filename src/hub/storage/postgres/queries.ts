// Statements on a PostgreSQL connection for the adapter's domain parts: named (prepared once per
// connection) queries answering rows, one row, or the count of rows changed.
import type pg from 'pg';
import { assert } from '../../../shared/assert.ts';

export type Queryable = Pick<pg.Pool, 'query'> | Pick<pg.PoolClient, 'query'>;

/** Runs a named (prepared once per connection) statement and returns its rows. */
export async function rows<R extends pg.QueryResultRow>(
  db: Queryable,
  name: string,
  text: string,
  values: unknown[],
): Promise<R[]> {
  const result = await db.query<R>({ name, text, values });
  return result.rows;
}

export async function one<R extends pg.QueryResultRow>(
  db: Queryable,
  name: string,
  text: string,
  values: unknown[],
): Promise<R | undefined> {
  return (await rows<R>(db, name, text, values))[0];
}

/** Rows changed by a named statement. */
export async function changes(db: Queryable, name: string, text: string, values: unknown[]) {
  const result = await db.query({ name, text, values });
  return result.rowCount ?? 0;
}

/** A cursor past every row. */
export const maxSeq = Number.MAX_SAFE_INTEGER;

/** Reads over the pool (committed state) or over the writer's connection inside a transaction. */

/** Named parameters of a row mapper, in the order of `columns`, for a positional INSERT. */
export function insertStatement(table: string, columns: string[]): string {
  const placeholders = columns.map((_, i) => `$${i + 1}`).join(', ');
  return `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${placeholders})`;
}
export function valuesOf(params: Record<string, unknown>, keys: string[]): unknown[] {
  return keys.map((key) => {
    assert(key in params, `parameter ${key} is given`);
    return params[key];
  });
}
