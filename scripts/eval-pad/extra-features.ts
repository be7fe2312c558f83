// What eval:pad-human and eval:pad-deep share: extra features (a pretrained net's outputs) alone and
// appended to each v3 feature set in eval:pad's table, and the per-domain table of several methods.
import type {
  DomainSummary,
  FeatureTable,
  OuterFoldResult,
  PadCandidate,
} from '../../src/biometrics/liveness/pad-cv.ts';
import { nestedCrossValidation, summariseDomain } from '../../src/biometrics/liveness/pad-cv.ts';
import type { PadProtocolData } from '../../src/biometrics/liveness/pad-protocol.node.ts';
import {
  domainNames,
  padCandidates,
  padCvOptions,
  padFeatureSets,
} from '../../src/biometrics/liveness/pad-protocol.node.ts';
import { assert } from '../../src/shared/assert.ts';

/** Per sample index, the extra row (null: failed to acquire). */
export type ExtraRow = (index: number) => readonly number[] | null;

/**
 * `table` plus `key` (the extra rows alone) and `${set}+${key}` for each v3 set (its row, then the
 * extra row; null where either is).
 */
export function withExtraFeatures(
  data: PadProtocolData,
  table: FeatureTable,
  key: string,
  extra: ExtraRow,
): FeatureTable {
  const out = new Map(table);
  // Rows are indexed by sample index; a thinned sample list leaves the others' rows null.
  const length = Math.max(0, ...data.samples.map((s) => s.index + 1));
  const column = (row: (index: number) => Float64Array | null) => {
    const rows: (Float64Array | null)[] = new Array<Float64Array | null>(length).fill(null);
    for (const s of data.samples) rows[s.index] = row(s.index);
    return rows;
  };
  out.set(
    key,
    column((index) => {
      const row = extra(index);
      return row === null ? null : Float64Array.from(row);
    }),
  );
  for (const set of padFeatureSets) {
    const rows = data.table.get(set.key);
    assert(rows !== undefined, `features of ${set.key}`);
    out.set(
      `${set.key}+${key}`,
      column((index) => {
        const v3 = rows[index];
        const row = extra(index);
        return v3 === null || v3 === undefined || row === null
          ? null
          : Float64Array.from([...v3, ...row]);
      }),
    );
  }
  return out;
}

/** eval:pad's candidates on `${set}+${key}` (same L2 grid). */
export function v3CandidatesWith(key: string): PadCandidate[] {
  return padCandidates.map((c) => ({
    ...c,
    name: c.name.replace(' l2=', `+${key} l2=`),
    features: `${c.features}+${key}`,
  }));
}

export interface Method {
  readonly name: string;
  readonly folds: readonly OuterFoldResult[];
}

/** eval:pad's nested choice over `candidates`, timed in the log. */
export function nestedMethod(options: {
  name: string;
  data: PadProtocolData;
  table: FeatureTable;
  candidates: readonly PadCandidate[];
  log: (line: string) => void;
}): Method {
  const started = performance.now();
  const folds = nestedCrossValidation(
    options.data.samples,
    options.table,
    options.candidates,
    padCvOptions,
  );
  options.log(`${options.name}: ${((performance.now() - started) / 1000).toFixed(0)} s`);
  return { name: options.name, folds };
}

const pct = (v: number): string => `${(100 * v).toFixed(1)}%`.padStart(6);
const spreadText = (s: { worst: number; median: number } | null): string =>
  s === null ? '     -/-     ' : `${pct(s.worst)}/${pct(s.median)}`;

export function printDomain(domain: string, methods: readonly Method[]): void {
  console.log('');
  console.log(
    `${domainNames[domain] ?? domain}: out of sample, each score from a fold that never saw its group`,
  );
  console.log(
    `${'method'.padEnd(34)} reals att FTA | shipped point: APCER  BPCER  worst/med APCER  worst/med BPCER |` +
      ` own-domain threshold: APCER  BPCER  worst/med APCER  worst/med BPCER |  AUC`,
  );
  for (const method of methods) {
    const d: DomainSummary = summariseDomain(method.folds, domain);
    const r = d.pooled;
    const own = d.ownThreshold;
    const ownText =
      own === null
        ? ' '.repeat(70)
        : `${pct(own.pooled.apcer)} ${pct(own.pooled.bpcer)}  ${spreadText(own.apcerFolds)}  ${spreadText(own.bpcerFolds)}`;
    console.log(
      `${method.name.padEnd(34)} ${String(r.reals).padStart(5)} ${String(r.attacks).padStart(3)} ${String(r.failedToAcquire).padStart(3)} |` +
        `                ${pct(r.apcer)} ${pct(r.bpcer)}  ${spreadText(d.apcerFolds)}  ${spreadText(d.bpcerFolds)} |` +
        `                       ${ownText} | ${r.auc === null ? '  n/a' : r.auc.toFixed(3)}`,
    );
  }
}

/** Which candidate each outer fold chose, most often first. */
export function choices(method: Method): string {
  const counts = new Map<string, number>();
  for (const fold of method.folds) {
    const name = fold.choice.candidate.name;
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return [...counts]
    .sort((a, b) => b[1] - a[1])
    .map(([name, n]) => `${name} x${n}`)
    .join(', ');
}

/** The JSON report's methods: each domain's summary and each fold's choice. */
export function methodsReport(methods: readonly Method[], domains: readonly string[]) {
  return methods.map((method) => ({
    name: method.name,
    domains: domains.map((domain) => summariseDomain(method.folds, domain)),
    folds: method.folds.map((f) => ({
      testGroups: f.testGroups,
      candidate: f.choice.candidate.name,
      point: f.choice.point,
    })),
  }));
}
