// The hub's command lines (hub, audit:verify) choose their database the same way: PostgreSQL when one is
// named by --database-url or FACEPAY_DATABASE_URL, SQLite in --data otherwise.
import { isPostgresUrl } from './storage/postgres/pool.ts';

/**
 * The PostgreSQL database a command line names (its --database-url, else FACEPAY_DATABASE_URL; empty
 * means none): undefined for SQLite. A URL that is not postgres:// stops the command (exit 2).
 */
export function databaseUrlFromCommandLine(flag: string | undefined): string | undefined {
  const named = flag ?? process.env['FACEPAY_DATABASE_URL'];
  if (named === undefined || named === '') return undefined;
  if (!isPostgresUrl(named)) {
    process.stderr.write('--database-url is postgres://USER@HOST:PORT/DB\n');
    process.exit(2);
  }
  return named;
}
