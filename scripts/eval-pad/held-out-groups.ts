// eval:pad's per-group view: each held-out group (a NUAA person, a pad/ camera) scored by the fold that left
// it out, the figures whose worst and median the domain table shows, so the camera that fails is named.
import type { OuterFoldResult, Rates } from '../../src/biometrics/liveness/pad-cv.ts';
import { ratesOf } from '../../src/biometrics/liveness/pad-cv.ts';

export interface HeldOutGroupRow {
  /** The fold's held-out group(s), joined with '+'. */
  readonly group: string;
  readonly domain: string;
  /** At the fold's shipped operating point (the one its training groups chose). */
  readonly rates: Rates;
}

/** One row per held-out group and domain, in fold order, domains sorted within a fold. */
export function heldOutGroupRows(folds: readonly OuterFoldResult[]): HeldOutGroupRow[] {
  return folds.flatMap((fold) => {
    const domains = [...new Set(fold.scored.map((s) => s.sample.domain))].sort();
    return domains.map((domain) => ({
      group: fold.testGroups.join('+'),
      domain,
      rates: ratesOf(fold.scored.filter((s) => s.sample.domain === domain)),
    }));
  });
}

/** Per domain: how many held-out groups with attacks had at least one attack scored live, of how many. */
export function groupsWithAcceptedAttacks(
  rows: readonly HeldOutGroupRow[],
): Map<string, { readonly accepted: number; readonly withAttacks: number }> {
  const out = new Map<string, { accepted: number; withAttacks: number }>();
  for (const row of rows) {
    if (row.rates.attacks === 0) continue;
    const entry = out.get(row.domain) ?? { accepted: 0, withAttacks: 0 };
    entry.withAttacks += 1;
    if (row.rates.apcer > 0) entry.accepted += 1;
    out.set(row.domain, entry);
  }
  return out;
}

const pct = (value: number, of: number): string =>
  of === 0 ? '     -' : `${(100 * value).toFixed(1).padStart(5)}%`;

/** The table eval:pad prints after the kiosk policies. */
export function formatHeldOutGroups(rows: readonly HeldOutGroupRow[]): string[] {
  const lines = [
    '',
    'PER HELD-OUT GROUP, out of sample (each scored by the fold that left it out; the worst/median above are over these):',
    `${'group'.padEnd(32)} ${'domain'.padEnd(10)} reals attacks FTA  APCER  BPCER`,
  ];
  for (const { group, domain, rates } of rows) {
    lines.push(
      `${group.padEnd(32)} ${domain.padEnd(10)} ${String(rates.reals).padStart(5)} ${String(rates.attacks).padStart(7)} ` +
        `${String(rates.failedToAcquire).padStart(3)} ${pct(rates.apcer, rates.attacks)} ${pct(rates.bpcer, rates.reals)}`,
    );
  }
  for (const [domain, { accepted, withAttacks }] of groupsWithAcceptedAttacks(rows)) {
    lines.push(
      `${domain}: ${accepted} of ${withAttacks} held-out groups had an attack presentation scored live`,
    );
  }
  return lines;
}
