// Benchmark of 1:N search over synthetic protected templates (issue 3, item 8): p50/p95 per search and memory
// for the gallery: int8 screen in WebAssembly SIMD and in JS, exact scan, and a plain loop, in the same run.
// Usage: npx tsx scripts/bench-search.ts [--sizes 10000,100000,1000000] [--k 5] [--threads 2] [--json f]
import { writeFileSync } from 'node:fs';
import { Gallery } from '../src/biometrics/match/gallery.ts';
import { seededRandom } from '../src/shared/seeded-random.ts';
import { ParallelScreener } from '../src/biometrics/match/parallel-screener.node.ts';

const dimension = 128;
const goalP95MsAt1M = 50;

interface Timing {
  p50: number;
  p95: number;
}

interface SizeReport {
  templates: number;
  searches: number;
  simd: Timing & { bytes: number; rowsScoredExactlyMedian: number };
  screened: Timing & { bytes: number; rowsScoredExactlyMedian: number };
  parallel: (Timing & { threads: number }) | null;
  exact: Timing & { bytes: number };
  baseline: Timing & { bytes: number };
  ratioP50: number;
  ratioP95: number;
  simdRatioP50: number;
  simdRatioP95: number;
  agreement: number;
}

interface Args {
  sizes: number[];
  k: number;
  threads: number;
  json: string | null;
}

function parseArgs(argv: readonly string[]): Args {
  let sizes = [10_000, 100_000, 1_000_000];
  let k = 5;
  let threads = 2;
  let json: string | null = null;
  for (let i = 0; i < argv.length; i++) {
    const value = argv[i + 1] ?? '';
    if (argv[i] === '--sizes') sizes = value.split(',').map(Number);
    else if (argv[i] === '--k') k = Number(value);
    else if (argv[i] === '--threads') threads = Number(value);
    else if (argv[i] === '--json') json = value;
    else continue;
    i++;
  }
  const valid = (n: number): boolean => Number.isSafeInteger(n) && n >= 2;
  if (!sizes.every(valid) || !(k >= 1 && k <= 100) || !(threads === 1 || valid(threads))) {
    throw new Error(
      'usage: bench-search [--sizes N,...] [--k 1..100] [--threads 1|2..] [--json f]',
    );
  }
  return { sizes, k, threads, json };
}

/** mulberry32 (period 2^32, ample for 1M x 128 draws) and Box-Muller, reproducible by seed. */
function makeGaussian(seed: number): () => number {
  const random = seededRandom(seed);
  let spare = Number.NaN;
  // Shifted by half a step into (0, 1): Box-Muller takes the log of it.
  const uniform = (): number => random() + 0.5 / 4_294_967_296;
  return () => {
    if (!Number.isNaN(spare)) {
      const v = spare;
      spare = Number.NaN;
      return v;
    }
    const r = Math.sqrt(-2 * Math.log(uniform()));
    const theta = 2 * Math.PI * uniform();
    spare = r * Math.sin(theta);
    return r * Math.cos(theta);
  };
}

function fillUnit(target: Float32Array, offset: number, gaussian: () => number): void {
  let norm2 = 0;
  for (let j = 0; j < dimension; j++) {
    const g = gaussian();
    target[offset + j] = g;
    norm2 += g * g;
  }
  const inv = 1 / Math.sqrt(norm2);
  for (let j = 0; j < dimension; j++) target[offset + j] = (target[offset + j] ?? 0) * inv;
}

/** The plain loop: one Float32Array per template, one accumulator, best k kept in a sorted array. */
function baselineSearch(rows: readonly Float32Array[], probe: Float32Array, k: number): number[] {
  const bestRows: number[] = [];
  const bestScores: number[] = [];
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r] as Float32Array;
    let score = 0;
    for (let j = 0; j < dimension; j++) score += (row[j] as number) * (probe[j] as number);
    if (bestScores.length === k && score <= (bestScores[k - 1] as number)) continue;
    let at = bestScores.length;
    while (at > 0 && (bestScores[at - 1] as number) < score) at--;
    bestScores.splice(at, 0, score);
    bestRows.splice(at, 0, r);
    if (bestScores.length > k) {
      bestScores.pop();
      bestRows.pop();
    }
  }
  return bestRows;
}

function percentiles(samples: number[]): Timing {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number): number =>
    sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] ?? 0;
  return { p50: at(0.5), p95: at(0.95) };
}

function heapBytes(): number {
  (globalThis as { gc?: () => void }).gc?.();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}

function timed<T>(fn: () => T): { value: T; ms: number } {
  const start = performance.now();
  const value = fn();
  return { value, ms: performance.now() - start };
}

/** Half random strangers, half second captures of enrolled faces (member plus noise, renormalised). */
function makeProbes(options: {
  source: Float32Array;
  n: number;
  count: number;
  gaussian: () => number;
}): Float32Array[] {
  const { source, n, count, gaussian } = options;
  const probes: Float32Array[] = [];
  for (let i = 0; i < count; i++) {
    const probe = new Float32Array(dimension);
    if (i % 2 === 0) fillUnit(probe, 0, gaussian);
    else {
      const member = Math.floor((i * 7919) % n) * dimension;
      for (let j = 0; j < dimension; j++) probe[j] = (source[member + j] ?? 0) + 0.05 * gaussian();
      const norm = Math.hypot(...probe);
      for (let j = 0; j < dimension; j++) probe[j] = (probe[j] ?? 0) / norm;
    }
    probes.push(probe);
  }
  return probes;
}

function benchSize(n: number, k: number, screener: ParallelScreener | null): SizeReport {
  const gaussian = makeGaussian(n);
  const source = new Float32Array(n * dimension);
  for (let r = 0; r < n; r++) fillUnit(source, r * dimension, gaussian);
  const simd = new Gallery({ dimension, capacity: n });
  if (simd.screenKernel !== 'wasm-simd') throw new Error('WebAssembly SIMD is not available here');
  const screened = new Gallery({ dimension, capacity: n, simd: false });
  const exact = new Gallery({ dimension, capacity: n, screening: false });
  const parallel = screener ? new Gallery({ dimension, capacity: n, screener }) : null;
  for (let r = 0; r < n; r++) {
    const template = source.subarray(r * dimension, (r + 1) * dimension);
    simd.add({ templateId: `t${r}`, personId: `p${r}`, template });
    screened.add({ templateId: `t${r}`, personId: `p${r}`, template });
    exact.add({ templateId: `t${r}`, personId: `p${r}`, template });
    parallel?.add({ templateId: `t${r}`, personId: `p${r}`, template });
  }
  const before = heapBytes();
  const rows: Float32Array[] = [];
  for (let r = 0; r < n; r++) rows.push(source.slice(r * dimension, (r + 1) * dimension));
  const baselineBytes = heapBytes() - before;

  const searches = n >= 1_000_000 ? 40 : n >= 100_000 ? 100 : 300;
  const warmup = 5;
  const probes = makeProbes({ source, n, count: searches + warmup, gaussian });
  const times = {
    simd: [] as number[],
    screened: [] as number[],
    parallel: [] as number[],
    exact: [] as number[],
    baseline: [] as number[],
  };
  const rescored: number[] = [];
  const rescoredSimd: number[] = [];
  let agreement = 0;
  probes.forEach((probe, i) => {
    const w = timed(() => simd.search(probe, k));
    const a = timed(() => screened.search(probe, k));
    const d = timed(() => (parallel ?? screened).search(probe, k));
    const b = timed(() => exact.search(probe, k));
    const c = timed(() => baselineSearch(rows, probe, k));
    if (i < warmup) return;
    times.simd.push(w.ms);
    times.screened.push(a.ms);
    times.parallel.push(d.ms);
    times.exact.push(b.ms);
    times.baseline.push(c.ms);
    rescored.push(a.value.rowsScoredExactly);
    rescoredSimd.push(w.value.rowsScoredExactly);
    const ids = (result: typeof a.value): string =>
      result.candidates.map((x) => x.templateId).join();
    const same =
      ids(a.value) === ids(b.value) &&
      ids(a.value) === ids(d.value) &&
      ids(a.value) === ids(w.value);
    if (same && ids(a.value) === c.value.map((r) => `t${r}`).join()) agreement += 1;
  });
  const s = percentiles(times.screened);
  const v = percentiles(times.simd);
  const base = percentiles(times.baseline);
  return {
    templates: n,
    searches,
    simd: {
      ...v,
      bytes: simd.memoryBytes(),
      rowsScoredExactlyMedian: percentiles(rescoredSimd).p50,
    },
    screened: {
      ...s,
      bytes: screened.memoryBytes(),
      rowsScoredExactlyMedian: percentiles(rescored).p50,
    },
    parallel: screener ? { ...percentiles(times.parallel), threads: screener.threads } : null,
    exact: { ...percentiles(times.exact), bytes: exact.memoryBytes() },
    baseline: { ...base, bytes: baselineBytes },
    ratioP50: base.p50 / s.p50,
    ratioP95: base.p95 / s.p95,
    simdRatioP50: base.p50 / v.p50,
    simdRatioP95: base.p95 / v.p95,
    agreement: agreement / searches,
  };
}

function mib(bytes: number): string {
  return `${(bytes / 1_048_576).toFixed(1)} MiB`;
}

function printReport(report: SizeReport): void {
  const line = (name: string, t: Timing & { bytes: number }, extra = ''): void => {
    const times = `p50 ${t.p50.toFixed(2).padStart(7)} ms  p95 ${t.p95.toFixed(2).padStart(7)} ms`;
    console.log(`  ${name.padEnd(27)} ${times}  memory ${mib(t.bytes).padStart(10)}${extra}`);
  };
  console.log(`${report.templates} templates, ${report.searches} searches, dimension ${dimension}`);
  const rs = report.simd.rowsScoredExactlyMedian;
  line('gallery (int8 screen, wasm)', report.simd, `  rows re-scored (median) ${rs}`);
  const r = report.screened.rowsScoredExactlyMedian;
  line('gallery (int8 screen, JS)', report.screened, `  rows re-scored (median) ${r}`);
  if (report.parallel) {
    const p = report.parallel;
    line(`gallery (screen, ${p.threads} threads)`, { ...p, bytes: report.screened.bytes });
  }
  line('gallery (exact f32)', report.exact);
  line('baseline (plain loop)', report.baseline);
  console.log(
    `  speed-up of the wasm SIMD screen vs baseline: p50 ${report.simdRatioP50.toFixed(2)}x,` +
      ` p95 ${report.simdRatioP95.toFixed(2)}x`,
  );
  console.log(
    `  speed-up of the JS screen vs baseline: p50 ${report.ratioP50.toFixed(2)}x,` +
      ` p95 ${report.ratioP95.toFixed(2)}x; every variant gave the baseline's top-k in` +
      ` ${(report.agreement * 100).toFixed(0)}% of searches`,
  );
  if (report.parallel) {
    const p50 = report.baseline.p50 / report.parallel.p50;
    const p95 = report.baseline.p95 / report.parallel.p95;
    console.log(
      `  speed-up of the threaded screen: p50 ${p50.toFixed(2)}x, p95 ${p95.toFixed(2)}x`,
    );
  }
  if (report.templates === 1_000_000) {
    const best = Math.min(
      report.simd.p95,
      report.screened.p95,
      report.parallel?.p95 ?? Number.POSITIVE_INFINITY,
    );
    const met = best <= goalP95MsAt1M ? 'met' : 'NOT met';
    console.log(
      `  goal: 1M templates at most ${goalP95MsAt1M} ms p95 -> ${met} (best p95 ${best.toFixed(1)} ms)`,
    );
  }
}

async function main(): Promise<void> {
  const { sizes, k, threads, json } = parseArgs(process.argv.slice(2));
  console.log(`1:N search benchmark, k=${k}, node ${process.version}`);
  const screener = threads >= 2 ? new ParallelScreener({ threads }) : null;
  const reports: SizeReport[] = [];
  for (const n of sizes) {
    const report = benchSize(n, k, screener);
    printReport(report);
    reports.push(report);
  }
  await screener?.close();
  if (json !== null) writeFileSync(json, `${JSON.stringify({ dimension, k, reports }, null, 2)}\n`);
}

await main();
