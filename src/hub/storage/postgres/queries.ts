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

/**
 * An integer as an SQL literal, for statements sent as simple queries (no parameters there); in
 * parentheses when negative, so `- $1` or `-$1` never reads as `--` (a comment).
 */
export function integerLiteral(value: number): string {
  assert(Number.isSafeInteger(value), `${value} is a safe integer`);
  return value < 0 ? `(${value})` : String(value);
}

/** Bytes as an SQL literal (BYTEA). */
export function bytesLiteral(value: Uint8Array): string {
  return `decode('${Buffer.from(value).toString('hex')}', 'hex')`;
}

/** Whether literal() writes `value` (else it asserts): a statement with such values may be inlined. */
export function hasLiteral(value: unknown): boolean {
  if (value === null || value === undefined || value instanceof Uint8Array) return true;
  if (typeof value === 'number') return Number.isSafeInteger(value);
  return typeof value === 'string' && !value.includes('\u0000');
}

const quoteOrBackslash = /['\\]/;

/**
 * Text as an SQL literal, the same as pg.escapeLiteral's: that one appends the text a character at a
 * time, and a stored answer or an audit row's data (a few hundred characters each) became that many
 * string pieces to collect: a measurable share of a request's CPU and GC. Here the common text with no
 * quote or backslash is one concatenation, the rest two replaces.
 */
export function textLiteral(value: string): string {
  if (!quoteOrBackslash.test(value)) return `'${value}'`;
  const quoted = value.replaceAll("'", "''");
  if (!value.includes('\\')) return `'${quoted}'`;
  return ` E'${quoted.replaceAll('\\', '\\\\')}'`;
}

/** A parameter's value as an SQL literal: the values the adapter binds (text, integers, bytes, NULL). */
export function literal(value: unknown): string {
  if (value === null || value === undefined) return 'NULL'; // as pg binds undefined
  if (typeof value === 'string') {
    // A NUL would end the simple query's text early; PostgreSQL stores no NUL in TEXT either. Refused
    // here, in the job that wrote it, not later in a round trip shared with other jobs' writes.
    assert(!value.includes('\u0000'), 'a text value without NUL characters');
    return textLiteral(value);
  }
  if (typeof value === 'number') return integerLiteral(value);
  if (value instanceof Uint8Array) return bytesLiteral(value);
  assert(false, `no SQL literal for a ${typeof value}`);
}

/** A statement's text cut at its $n: the text between them, and each one's value index. */
interface SplitText {
  parts: string[];
  indexes: number[];
}

/**
 * Texts already cut (the adapter's statements are a few constant texts, and the few built per call
 * repeat): scanning every text for $n on each call was a measurable share of a request's CPU. Cleared
 * when full, so texts built from ever-new parts cannot grow it without bound.
 */
const splitTexts = new Map<string, SplitText>();
const splitTextsMax = 1024;

function splitText(text: string): SplitText {
  const known = splitTexts.get(text);
  if (known !== undefined) return known;
  const parts: string[] = [];
  const indexes: number[] = [];
  let from = 0;
  for (const match of text.matchAll(/\$(\d+)/g)) {
    parts.push(text.slice(from, match.index));
    indexes.push(Number(match[1]) - 1);
    from = match.index + match[0].length;
  }
  parts.push(text.slice(from));
  if (splitTexts.size >= splitTextsMax) splitTexts.clear();
  const split = { parts, indexes };
  splitTexts.set(text, split);
  return split;
}

/** `text` with each $n replaced by the literal of values[n-1] (one pass: a value is never rescanned). */
export function inlineValues(text: string, values: unknown[]): string {
  const { parts, indexes } = splitText(text);
  let out = parts[0] ?? '';
  for (let i = 0; i < indexes.length; i++) {
    const index = indexes[i] ?? -1;
    assert(index >= 0 && index < values.length, `parameter $${index + 1} is given`);
    out += literal(values[index]) + (parts[i + 1] ?? '');
  }
  return out;
}

/**
 * The writes a transaction defers (PgDeferredWrites), by name: PREPAREd once on the writer's connection
 * (PgTransaction.begin), then sent as `EXECUTE name(literals)`. Their texts (a transfer's is 600
 * characters) were sent again with every job's values inlined, to be built, sent, parsed and planned
 * each time; now only the values travel.
 */
const preparedWrites = new Map<string, string>();

/** A deferred write's statement: its EXECUTE with `values` as literals (asserts as literal() does). */
export type PreparedWrite = (values: unknown[]) => string;

/** Registers a write to PREPARE on the writer's connection; `text` takes $1..$n as a named statement. */
export function preparedWrite(name: string, text: string): PreparedWrite {
  assert(/^w_[a-z_]+$/.test(name), `${name}: a prepared write's name is w_ and lowercase`);
  assert(!preparedWrites.has(name), `${name} is registered once`);
  preparedWrites.set(name, text);
  const count = Math.max(0, ...[...text.matchAll(/\$(\d+)/g)].map((match) => Number(match[1])));
  return (values) => {
    assert(values.length === count, `${name} takes ${count} values, given ${values.length}`);
    return `EXECUTE ${name}(${values.map(literal).join(', ')})`;
  };
}

/** The PREPARE statements of every registered write, for a connection that has none of them yet. */
export function prepareWrites(): string[] {
  return [...preparedWrites].map(([name, text]) => `PREPARE ${name} AS ${text}`);
}

/** A named statement with its values: sent prepared, or read ahead with its values as literals. */
export interface Statement {
  name: string;
  text: string;
  values: unknown[];
}
