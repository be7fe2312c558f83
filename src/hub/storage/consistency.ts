// Recomputes the ledger from its history and compares it with the stored projections:
// balances from entries, held from active holds, holds' settled/refunded from entries, money conserved.
// The SQL is common to SQLite and PostgreSQL (sums cast to BIGINT so both read back integers).

/** Runs one read-only statement and answers its rows (SQLite or PostgreSQL, see the adapters). */
export type ReadQuery = <R>(sql: string) => Promise<R[]>;

export interface ConsistencyReport {
  ok: boolean;
  problems: string[];
  accounts: number;
  totalBalance: number;
}

/** A sum as BIGINT, 0 when there is nothing to sum (PostgreSQL's SUM of BIGINT is NUMERIC). */
function total(expression: string): string {
  return `CAST(COALESCE(${expression}, 0) AS BIGINT)`;
}

export async function checkLedgerConsistency(query: ReadQuery): Promise<ConsistencyReport> {
  const problems: string[] = [];
  const balances = await query<{ id: string; balance: number; computed: number }>(
    `SELECT a.id, a.balance,
       ${total('(SELECT SUM(amount) FROM entries e WHERE e.account_id = a.id)')} AS computed
     FROM accounts a`,
  );
  for (const row of balances.filter((r) => r.balance !== r.computed))
    problems.push(`account ${row.id}: balance ${row.balance}, entries say ${row.computed}`);

  const helds = await query<{ id: string; held: number; computed: number }>(
    `SELECT a.id, a.held,
       ${total("(SELECT SUM(h.amount - h.settled) FROM holds h WHERE h.payer = a.id AND h.status = 'active')")} AS computed
     FROM accounts a`,
  );
  for (const row of helds.filter((r) => r.held !== r.computed))
    problems.push(`account ${row.id}: held ${row.held}, active holds say ${row.computed}`);

  const holds = await query<{
    id: string;
    settled: number;
    refunded: number;
    s: number;
    r: number;
  }>(
    `SELECT h.id, h.settled, h.refunded,
       ${total("(SELECT SUM(e.amount) FROM entries e WHERE e.hold_id = h.id AND e.kind = 'settlement' AND e.amount > 0)")} AS s,
       ${total("(SELECT SUM(e.amount) FROM entries e WHERE e.hold_id = h.id AND e.kind = 'refund' AND e.amount > 0)")} AS r
     FROM holds h`,
  );
  for (const row of holds.filter((r) => r.settled !== r.s || r.refunded !== r.r))
    problems.push(
      `hold ${row.id}: settled/refunded ${row.settled}/${row.refunded}, entries say ${row.s}/${row.r}`,
    );

  const [totals] = await query<{ total: number; accounts: number }>(
    `SELECT ${total('SUM(balance)')} AS total, CAST(COUNT(*) AS BIGINT) AS accounts FROM accounts`,
  );
  const totalBalance = totals?.total ?? 0;
  if (totalBalance !== 0)
    problems.push(
      `money not conserved: balances sum to ${totalBalance}, expected 0 (issuer included)`,
    );
  const overdrawn = await query<{ id: string }>(
    "SELECT id FROM accounts WHERE kind <> 'issuer' AND (balance < held OR balance < 0)",
  );
  for (const row of overdrawn) problems.push(`account ${row.id}: overdrawn`);
  return { ok: problems.length === 0, problems, accounts: totals?.accounts ?? 0, totalBalance };
}
