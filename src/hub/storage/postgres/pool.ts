// Connections to PostgreSQL for one hub instance: a pool whose BIGINT columns read back as numbers
// (money and epoch milliseconds stay well inside 2^53, and a value that is not is refused, not rounded).
import pg from 'pg';
import { assert } from '../../../shared/assert.ts';
import { pgPoolConnectionsMax } from '../../../shared/limits.ts';

const int8Oid = 20;

function parseSafeInteger(text: string): number {
  const value = Number(text);
  assert(Number.isSafeInteger(value), `BIGINT ${text} is beyond a safe integer`);
  return value;
}

/** Type parsers for this pool only: the pg module's global parsers stay untouched. */
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === int8Oid && format !== 'binary') return parseSafeInteger;
    return pg.types.getTypeParser(oid, format);
  },
} as pg.CustomTypesConfig;

/**
 * How long a checkout waits for a connection (a new one to open, or one of a full pool to come back)
 * before it fails (pg-errors.ts: 503): a database that does not answer stops no request for ever.
 */
export const defaultConnectTimeoutMs = 10_000;

export function openPool(
  databaseUrl: string,
  options: { max?: number; connectTimeoutMs?: number } = {},
): pg.Pool {
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: options.max ?? pgPoolConnectionsMax,
    types,
    connectionTimeoutMillis: options.connectTimeoutMs ?? defaultConnectTimeoutMs,
    // A dropped idle connection is reported here; the pool replaces it on the next checkout.
    idleTimeoutMillis: 30_000,
  });
  pool.on('error', (error) => process.stderr.write(`postgres pool: ${error.message}\n`));
  return pool;
}

/** A client outside the pool (LISTEN, advisory session locks): same type parsers. */
export function openClient(databaseUrl: string): pg.Client {
  return new pg.Client({ connectionString: databaseUrl, types });
}

/** Whether `url` names a PostgreSQL database (postgres:// or postgresql://). */
export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//.test(url);
}
