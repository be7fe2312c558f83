// Recomputes the ledger from its history and compares it with the stored projections:
// balances from entries, held from active holds, holds' settled/refunded from entries, money conserved.
import type Database from 'better-sqlite3';

export interface ConsistencyReport {
  ok: boolean;
  problems: string[];
  accounts: number;
  totalBalance: number;
}

export function checkLedgerConsistency(db: Database.Database): ConsistencyReport {
  const problems: string[] = [];
  const balanceMismatches = db
    .prepare<[], { id: string; balance: number; computed: number }>(
      `SELECT a.id, a.balance, COALESCE((SELECT SUM(amount) FROM entries e WHERE e.account_id = a.id), 0) AS computed
       FROM accounts a`,
    )
    .all()
    .filter((row) => row.balance !== row.computed);
  for (const row of balanceMismatches)
    problems.push(`account ${row.id}: balance ${row.balance}, entries say ${row.computed}`);

  const heldMismatches = db
    .prepare<[], { id: string; held: number; computed: number }>(
      `SELECT a.id, a.held,
         COALESCE((SELECT SUM(h.amount - h.settled) FROM holds h WHERE h.payer = a.id AND h.status = 'active'), 0) AS computed
       FROM accounts a`,
    )
    .all()
    .filter((row) => row.held !== row.computed);
  for (const row of heldMismatches)
    problems.push(`account ${row.id}: held ${row.held}, active holds say ${row.computed}`);

  const holdMismatches = db
    .prepare<[], { id: string; settled: number; refunded: number; s: number; r: number }>(
      `SELECT h.id, h.settled, h.refunded,
         COALESCE((SELECT SUM(e.amount) FROM entries e WHERE e.hold_id = h.id AND e.kind = 'settlement' AND e.amount > 0), 0) AS s,
         COALESCE((SELECT SUM(e.amount) FROM entries e WHERE e.hold_id = h.id AND e.kind = 'refund' AND e.amount > 0), 0) AS r
       FROM holds h`,
    )
    .all()
    .filter((row) => row.settled !== row.s || row.refunded !== row.r);
  for (const row of holdMismatches)
    problems.push(
      `hold ${row.id}: settled/refunded ${row.settled}/${row.refunded}, entries say ${row.s}/${row.r}`,
    );

  const totals = db
    .prepare<[], { total: number | null; accounts: number }>(
      'SELECT SUM(balance) AS total, COUNT(*) AS accounts FROM accounts',
    )
    .get();
  const totalBalance = totals?.total ?? 0;
  if (totalBalance !== 0)
    problems.push(
      `money not conserved: balances sum to ${totalBalance}, expected 0 (issuer included)`,
    );
  const overdrawn = db
    .prepare<[], { id: string }>(
      "SELECT id FROM accounts WHERE kind <> 'issuer' AND (balance < held OR balance < 0)",
    )
    .all();
  for (const row of overdrawn) problems.push(`account ${row.id}: overdrawn`);
  return { ok: problems.length === 0, problems, accounts: totals?.accounts ?? 0, totalBalance };
}
