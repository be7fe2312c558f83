// `npm run audit:verify -- --data <dir>`: checks the audit chain and recomputes the ledger from its
// history; exits 0 when both hold, 1 naming the first tampered row or the first inconsistency.
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { openDataDir } from './data-dir.ts';
import { verifyAuditChain } from './audit/verify.ts';
import { checkLedgerConsistency } from './storage/sqlite/consistency.ts';
import { readAuditRows } from './storage/sqlite/sqlite-store.ts';

const { values } = parseArgs({
  options: { data: { type: 'string' }, json: { type: 'boolean', default: false } },
});
if (values.data === undefined) {
  process.stderr.write('usage: npm run audit:verify -- --data <dir> [--json]\n');
  process.exit(2);
}
const dir = openDataDir(values.data, { create: false });
const db = new Database(dir.databaseFile, { readonly: true, fileMustExist: true });
const readRows = async (afterSeq: number, limit: number) => readAuditRows(db, afterSeq, limit);
const chain = await verifyAuditChain(dir.auditKey, readRows);
const ledger = checkLedgerConsistency(db);
db.close();

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
