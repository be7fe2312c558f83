// `npx tsx scripts/bench-hub/profile-summary.ts DIR`: reads the V8 CPU profiles that
// `npm run bench:hub -- --cpu-prof DIR` had each server write, keeps each one's measurement window,
// and prints where a request's main-thread CPU went: self time grouped by what the code is for.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}
interface WindowEntry {
  label: string;
  pids: number[];
  window: { startMicros: number; endMicros: number };
  requests: number[];
  cpuMicros: number[];
}

/**
 * Groups, tried from the sampled frame up to its callers: the first that claims a frame wins. Node's
 * own frames (sockets, streams, crypto) and native ones claim nothing, so a socket write counts for
 * whoever wrote (the pg driver, Fastify's reply) and an HMAC for the audit chain that asked for it.
 */
const groups: Array<{ name: string; claims: (frame: CallFrame) => boolean }> = [
  { name: 'GC', claims: (f) => f.functionName === '(garbage collector)' },
  { name: 'V8 (program)', claims: (f) => f.functionName === '(program)' },
  {
    name: 'JSON serialisation',
    claims: (f) =>
      /\/node_modules\/(fast-json-stringify|secure-json-parse)\//.test(f.url) ||
      (f.url === '' && (f.functionName === 'stringify' || f.functionName === 'parse')),
  },
  { name: 'audit hashing', claims: (f) => /\/src\/hub\/audit\//.test(f.url) },
  {
    name: 'token + idempotency hashing',
    claims: (f) => /\/src\/hub\/http\/(canonical-json|tokens)\.ts/.test(f.url),
  },
  { name: 'validation (zod)', claims: (f) => /\/node_modules\/zod\//.test(f.url) },
  { name: 'logging', claims: (f) => /\/node_modules\/(pino|thread-stream|sonic-boom)/.test(f.url) },
  {
    name: 'SQL: pg driver and its socket I/O',
    claims: (f) =>
      /\/node_modules\/(pg|pg-protocol|pg-pool|pg-types|pg-connection-string|postgres-[a-z-]+)\//.test(
        f.url,
      ),
  },
  {
    name: 'SQL: storage adapter (SQLite: better-sqlite3 runs inside it; PostgreSQL: its own code)',
    claims: (f) => /\/src\/hub\/storage\/|\/node_modules\/better-sqlite3\//.test(f.url),
  },
  {
    name: 'Fastify + Node HTTP (parse, route, send)',
    claims: (f) =>
      /\/node_modules\/(fastify|find-my-way|avvio|light-my-request|@fastify|fast-querystring|toad-cache|fast-decode-uri-component|abstract-logging|rfdc)\//.test(
        f.url,
      ) || /^node:_http/.test(f.url),
  },
  {
    name: 'hub code (routes, ledger, identity)',
    claims: (f) => /\/src\/(hub|shared)\//.test(f.url),
  },
];
/** Frames with no owner of their own (Node internals, natives): their caller's group. */
const transparent = (f: CallFrame) => f.url === '' || f.url.startsWith('node:');

function summarise(profile: Profile, window: WindowEntry['window']) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes)
    for (const child of node.children ?? []) parent.set(child, node.id);
  const groupOf = new Map<number, string>();
  const classify = (id: number): string => {
    const known = groupOf.get(id);
    if (known !== undefined) return known;
    const node = byId.get(id);
    let name = 'other';
    if (node !== undefined) {
      const frame = node.callFrame;
      const claimed = groups.find((g) => g.claims(frame));
      const up = parent.get(id);
      if (claimed !== undefined) name = claimed.name;
      else if (up !== undefined && transparent(frame)) name = classify(up);
      else if (up !== undefined && frame.url === '') name = classify(up);
      else name = transparent(frame) ? 'Node internals (event loop, timers, microtasks)' : 'other';
    }
    groupOf.set(id, name);
    return name;
  };
  const byGroup = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let at = profile.startTime;
  let total = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    at += profile.timeDeltas[i] ?? 0;
    // A sample stands for the time until the next one.
    const micros = profile.timeDeltas[i + 1] ?? 0;
    if (at < window.startMicros || at > window.endMicros) continue;
    const node = byId.get(profile.samples[i] ?? -1);
    if (node === undefined || node.callFrame.functionName === '(idle)') continue;
    total += micros;
    const group = classify(node.id);
    byGroup.set(group, (byGroup.get(group) ?? 0) + micros);
    const f = node.callFrame;
    const where =
      f.url === ''
        ? '(native)'
        : `${f.url.replace(/^.*\/(node_modules|src)\//, '$1/')}:${f.lineNumber + 1}`;
    const key = `${f.functionName || '(anonymous)'} ${where} [${group}]`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + micros);
  }
  return { byGroup, byFunction, total };
}

const dir = process.argv[2];
if (dir === undefined) {
  process.stderr.write(
    'usage: tsx scripts/bench-hub/profile-summary.ts <--cpu-prof DIR of bench:hub>\n',
  );
  process.exit(2);
}
const windows = JSON.parse(readFileSync(join(dir, 'windows.json'), 'utf8')) as WindowEntry[];
const files = readdirSync(dir).filter((name) => name.endsWith('.cpuprofile'));
for (const entry of windows) {
  const byGroup = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let sampled = 0;
  for (const pid of entry.pids) {
    // CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile: one per thread (the main one and workers).
    for (const file of files.filter((name) => name.split('.')[3] === String(pid))) {
      const summary = summarise(
        JSON.parse(readFileSync(join(dir, file), 'utf8')) as Profile,
        entry.window,
      );
      sampled += summary.total;
      for (const [k, v] of summary.byGroup) byGroup.set(k, (byGroup.get(k) ?? 0) + v);
      for (const [k, v] of summary.byFunction) byFunction.set(k, (byFunction.get(k) ?? 0) + v);
    }
  }
  const requests = entry.requests.reduce((a, b) => a + b, 0);
  const measured = entry.cpuMicros.reduce((a, b) => a + b, 0);
  const perRequest = (micros: number) => (micros / requests).toFixed(0).padStart(5);
  const lines = [
    `${entry.label}: ${requests} requests; /proc: ${(measured / requests).toFixed(0)} µs/request (all threads), profile: ${(sampled / requests).toFixed(0)} µs/request sampled (JS threads; not GC helper or libuv threads)`,
    ...[...byGroup.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(
        ([name, micros]) =>
          `  ${perRequest(micros)} µs/req  ${((100 * micros) / sampled).toFixed(1).padStart(5)}%  ${name}`,
      ),
    '  top self time:',
    ...[...byFunction.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 40)
      .map(([name, micros]) => `  ${perRequest(micros)} µs/req  ${name}`),
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}
