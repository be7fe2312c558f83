// `npm run audit:verify -- --data <dir> [--database-url postgres://…]`: checks the audit chain and
// recomputes the ledger from its history; exits 0 when both hold, 1 naming the first problem found.
import { parseArgs } from 'node:util';
import { readCommandLine, usageError } from '../shared/command-line.ts';
import Database from 'better-sqlite3';
import { openDataDir } from './data-dir.ts';
import { verifyAuditChain } from './audit/verify.ts';
import { checkLedgerConsistency } from './storage/consistency.ts';
import { readAuditRows, sqliteReadQuery } from './storage/sqlite/sqlite-store.ts';
import { pgReadQuery, readPgAuditRows } from './storage/postgres/pg-store.ts';
import { databaseUrlFromCommandLine } from './database-url-arg.ts';
import { openPool } from './storage/postgres/pool.ts';

const usage =
  'usage: npm run audit:verify -- --data <dir> [--database-url <postgres://…>] [--json]';
const { values } = readCommandLine(usage, () =>
  parseArgs({
    strict: true,
    options: {
      data: { type: 'string' },
      'database-url': { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  }),
);
if (values.data === undefined) usageError(usage, 'missing --data');
const databaseUrl = databaseUrlFromCommandLine(values['database-url']);
// The audit key lives in <data>/keys on every instance of a deployment; the rows in the database.
const dir = openDataDir(values.data, { create: false });

async function verify() {
  if (databaseUrl === undefined) {
    const db = new Database(dir.databaseFile, { readonly: true, fileMustExist: true });
    try {
      const chain = await verifyAuditChain(dir.auditKey, async (after, limit) =>
        readAuditRows(db, after, limit),
      );
      return { chain, ledger: await checkLedgerConsistency(sqliteReadQuery(db)) };
    } finally {
      db.close();
    }
  }
  const pool = openPool(databaseUrl, { max: 1 });
  try {
    // One REPEATABLE READ transaction: the chain and the ledger are checked at one instant while
    // the instances keep serving.
    const client = await pool.connect();
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const chain = await verifyAuditChain(dir.auditKey, (after, limit) =>
        readPgAuditRows(client, after, limit),
      );
      const ledger = await checkLedgerConsistency(pgReadQuery(client));
      await client.query('COMMIT');
      return { chain, ledger };
    } finally {
      client.release();
    }
  } finally {
    await pool.end();
  }
}

const { chain, ledger } = await verify();
if (values.json) {
  process.stdout.write(`${JSON.stringify({ chain, ledger })}\n`);
} else if (chain.ok) {
  process.stdout.write(`audit chain valid: ${chain.rows} rows\n`);
} else {
  process.stdout.write(
    `audit chain BROKEN at row ${chain.firstBadSeq}: ${chain.reason} (${chain.rows} rows before it verified)\n`,
  );
}
if (!values.json) {
  if (ledger.ok)
    process.stdout.write(`ledger consistent: ${ledger.accounts} accounts, money conserved\n`);
  else
    for (const problem of ledger.problems)
      process.stdout.write(`ledger INCONSISTENT: ${problem}\n`);
}
process.exit(chain.ok && ledger.ok ? 0 : 1);
