// `npm run audit:verify -- --data <dir> [--database-url postgres://…] [--expect-head SEQ:HASH]`: checks
// the audit chain and recomputes the ledger from its history; exits 0 when both hold, 1 naming the first
// problem found. The chain must hold the heads recorded outside its rows: PostgreSQL's audit_head (read
// in the same snapshot: the last row), the anchor the hub writes in keys/ beside a SQLite database, and
// the one given with --expect-head; it prints its own tail for the operator to keep.
import { parseArgs } from 'node:util';
import { readCommandLine, usageError } from '../shared/command-line.ts';
import Database from 'better-sqlite3';
import { keyFile, openDataDir } from './data-dir.ts';
import { verifyAuditChain, type AuditVerdict, type ExpectedHead } from './audit/verify.ts';
import { auditAnchorName, AuditAnchorError, readAuditAnchor } from './audit/anchor.ts';
import { checkLedgerConsistency } from './storage/consistency.ts';
import { readAuditRows, sqliteReadQuery } from './storage/sqlite/sqlite-store.ts';
import { pgReadQuery, readPgAuditRows } from './storage/postgres/pg-store.ts';
import { databaseUrlFromCommandLine } from './database-url-arg.ts';
import { openPool } from './storage/postgres/pool.ts';

const usage =
  'usage: npm run audit:verify -- --data <dir> [--database-url <postgres://…>] ' +
  '[--expect-head <seq>:<hash hex>] [--json]';
const { values } = readCommandLine(usage, () =>
  parseArgs({
    strict: true,
    options: {
      data: { type: 'string' },
      'database-url': { type: 'string' },
      'expect-head': { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  }),
);
if (values.data === undefined) usageError(usage, 'missing --data');
const expectHead = parseExpectedHead(values['expect-head']);
const databaseUrl = databaseUrlFromCommandLine(values['database-url']);
// The audit key lives in <data>/keys on every instance of a deployment; the rows in the database.
const dir = await openDataDir(values.data, { create: false });

/** `--expect-head SEQ:HASH`: a tail this tool printed before, which the log must still hold. */
function parseExpectedHead(text: string | undefined): ExpectedHead[] {
  if (text === undefined) return [];
  const match = /^(\d{1,15}):([0-9a-fA-F]{64})$/.exec(text);
  if (match === null) usageError(usage, '--expect-head is <seq>:<64 hex digits of the hash>');
  const [, seq, hash] = match as unknown as [string, string, string];
  return [
    {
      seq: Number(seq),
      hash: new Uint8Array(Buffer.from(hash, 'hex')),
      source: '--expect-head',
      exact: false,
    },
  ];
}

/** The hub's anchor beside a SQLite database; one that is there but does not check out fails. */
function anchorHeads(): { heads: ExpectedHead[]; note?: string } | { broken: string } {
  const path = keyFile(dir.root, auditAnchorName);
  try {
    const anchor = readAuditAnchor(path, dir.auditKey);
    if (anchor === undefined)
      return { heads: [], note: `no audit anchor at ${path} (a hub of this version writes one)` };
    return { heads: [{ ...anchor, source: 'anchor in keys/', exact: false }] };
  } catch (error) {
    if (error instanceof AuditAnchorError) return { broken: error.message };
    throw error;
  }
}

async function verify() {
  if (databaseUrl === undefined) {
    const anchor = anchorHeads();
    if ('note' in anchor && anchor.note !== undefined && !values.json)
      process.stdout.write(`${anchor.note}\n`);
    // No transaction around the reads: a long read snapshot on the file would hold off the hub's
    // checkpoints (and its erasures' scrub); each page of rows is its own short read.
    const db = new Database(dir.databaseFile, { readonly: true, fileMustExist: true });
    try {
      const chain: AuditVerdict =
        'broken' in anchor
          ? { ok: false, rows: 0, firstBadSeq: 0, reason: anchor.broken }
          : await verifyAuditChain(
              dir.auditKey,
              async (after, limit) => readAuditRows(db, after, limit),
              [...anchor.heads, ...expectHead],
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
      // The head every write transaction moves with its rows: in this snapshot, the last row.
      const head = await client.query<{ seq: string; hash: Buffer }>(
        'SELECT seq, hash FROM audit_head WHERE id = 1',
      );
      const headRow = head.rows[0];
      const heads: ExpectedHead[] =
        headRow === undefined
          ? []
          : [
              {
                seq: Number(headRow.seq),
                hash: new Uint8Array(headRow.hash),
                source: 'audit_head',
                exact: true,
              },
            ];
      const chain: AuditVerdict =
        headRow === undefined
          ? { ok: false, rows: 0, firstBadSeq: 0, reason: 'audit_head has no row' }
          : await verifyAuditChain(
              dir.auditKey,
              (after, limit) => readPgAuditRows(client, after, limit),
              [...heads, ...expectHead],
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
if (!values.json && chain.tail !== undefined)
  process.stdout.write(
    `audit tail: ${chain.tail.seq}:${chain.tail.hash} (keep it; --expect-head checks it later)\n`,
  );
if (!values.json) {
  if (ledger.ok)
    process.stdout.write(`ledger consistent: ${ledger.accounts} accounts, money conserved\n`);
  else
    for (const problem of ledger.problems)
      process.stdout.write(`ledger INCONSISTENT: ${problem}\n`);
}
process.exit(chain.ok && ledger.ok ? 0 : 1);
