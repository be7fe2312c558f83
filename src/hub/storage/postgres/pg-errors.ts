// PostgreSQL faults that are the database's state at that moment, not the request's or the hub's: a
// lock or statement timeout, a serialization failure or deadlock, a server shutting down, too many
// connections, a lost or refused connection. Each is answered `503 unavailable` (try again; the request's
// idempotency key makes the retry safe), as SQLite's write lock held past its busy timeout is, and told
// on one line of stderr; anything else passes as it is (500 internal, logged with its stack).
import { HubError } from '../../errors.ts';

/** SQLSTATEs that a retry may not meet (class 08, connection exception, is matched by its prefix). */
const transientSqlStates: ReadonlySet<string> = new Set([
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  '55P03', // lock_not_available (lock_timeout)
  '57014', // query_canceled (statement_timeout)
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '53300', // too_many_connections
  '25P03', // idle_in_transaction_session_timeout
]);

/** Socket errors of a connection to the server that failed or was lost. */
const transientSocketCodes: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
]);

/** node-postgres's own errors (no code) for a connection that timed out or ended under a query. */
const transientClientMessages = [
  'timeout exceeded when trying to connect',
  'Connection terminated',
  'Client has encountered a connection error and is not queryable',
];

/** The SQLSTATE (or socket code) of a transient fault; undefined for anything else. */
export function transientPgFault(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (transientSqlStates.has(code) || code.startsWith('08') || transientSocketCodes.has(code))
      return code;
    return undefined;
  }
  return transientClientMessages.some((m) => error.message.startsWith(m))
    ? 'connection'
    : undefined;
}

/** `503 unavailable` for a transient fault; undefined for anything else. */
export function transientRefusal(error: unknown): HubError | undefined {
  const fault = transientPgFault(error);
  if (fault === undefined) return undefined;
  return new HubError('unavailable', `the database could not take this now (${fault}); try again`);
}

/** The message of a fault, on one line. */
export function faultLine(error: unknown): string {
  const fault = transientPgFault(error) ?? 'error';
  const message = error instanceof Error ? error.message : String(error);
  return `${fault} ${message.replace(/\s+/g, ' ')}`;
}
