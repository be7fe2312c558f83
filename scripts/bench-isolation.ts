// `npm run bench:isolation -- [--rounds 3] [--payments 2] [--threads N] [--json FILE]`: the face worker's
// per-frame engine time with and without cross-origin isolation, alternated in one run of Debian's Chromium.
//
// Every variant is the same built renderer behind the same web shell and hub (bench:e2e's shop flow and
// video). The isolated ones go through a proxy that adds COOP same-origin and COEP require-corp and lets
// the face worker start blob: workers (worker-src and script-src blob:): tfjs-backend-wasm's threaded
// build makes its pthread workers and their script from Blobs, which the kiosk's CSP refuses. That build
// caps its thread pool at navigator.hardwareConcurrency / 2 (tfjs backend.cc: one thread on 2 cores), so
// `--threads N` adds a variant whose face worker is told hardwareConcurrency = 2N (a line the proxy puts
// before the worker's script): what N threads would give here. Each round opens a fresh page per variant
// (the order rotating), pays `--payments` times, reads every frame's worker stages from the page's marks,
// and asks the worker which wasm build runs (tfjs's engine global) and with how many threads.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { IncomingMessage, OutgoingHttpHeaders, Server } from 'node:http';
import { createServer, request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { percentile } from '../src/biometrics/replay/pipeline.ts';
import { startHub } from '../src/hub/hub.ts';
import { repoRoot, startWebShell } from '../src/main/web-shell.ts';
import { buildRenderer } from './kiosk/build-renderer.ts';
import { cameraClip, sampleCameraWindow, sampleEnrolSeconds } from './kiosk/camera-clip.ts';
import { setUpShopWithShopperFromVideo } from './kiosk/deployment.ts';
import {
  clearMarks,
  followPayment,
  launchKioskBrowser,
  marks,
  openKiosk,
  requestPayment,
  waitForScreen,
} from './kiosk/kiosk-browser.ts';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    payments: { type: 'string', default: '2' },
    threads: { type: 'string' },
    json: { type: 'string' },
  },
});
const rounds = Number(values.rounds);
const payments = Number(values.payments);
const threads = values.threads === undefined ? null : Number(values.threads);
const counts = [rounds, payments, threads ?? 1];
if (!counts.every((count) => Number.isInteger(count) && count >= 1)) {
  process.stderr.write(
    'usage: bench:isolation [--rounds N] [--payments N] [--threads N] [--json FILE]\n',
  );
  process.exit(2);
}
const say = (line: string) => process.stdout.write(`${line}\n`);
const video = path.join(repoRoot, '..', 'shared', 'data', 'video', 'talking-face.mp4');

/** 'plain', 'isolated' (tfjs's own thread count), `isolated-${N}t` (--threads N). */
type Variant = string;

/** What the face worker runs, read from tfjs-core's engine global inside it. */
interface WorkerEngine {
  crossOriginIsolated: boolean;
  backend: string;
  /** 'threaded-simd' when the module has emscripten's PThread, else 'simd or plain'. */
  build: string;
  threads: number | null;
}

interface VariantRun {
  variant: Variant;
  round: number;
  pageIsolated: boolean;
  engine: WorkerEngine | null;
  startupMs: number | null;
  paid: number;
  /** Each payment's outcome (paid, error:CODE, timeout...), in order. */
  outcomes: string[];
  frames: Record<string, number>[];
}

const work = await mkdtemp(path.join(os.tmpdir(), 'facepay-bench-isolation-'));
const adminToken = `bench-${randomBytes(12).toString('hex')}`;
const hub = await startHub({ dataDir: path.join(work, 'hub'), port: 0, adminToken });
try {
  const { shop, enrolled } = await setUpShopWithShopperFromVideo({
    hubUrl: hub.url,
    adminToken,
    dir: work,
    shop: { id: 'bench-shop', name: 'Bench Shop' },
    shopper: { id: 'bench-shopper', name: 'Bench Shopper', deposit: 1_000_000 },
    video,
    enrolSeconds: sampleEnrolSeconds,
    dateOfBirth: '1985-05-05',
    pin: '4862',
  });
  const clip = await cameraClip({
    video,
    output: path.join(work, 'camera.y4m'),
    startS: sampleCameraWindow.startS,
    durationS: sampleCameraWindow.durationS,
  });
  const rendererDir = await buildRenderer(path.join(work, 'renderer'));
  const shell = await startWebShell({ config: shop.config, port: 0, rendererDir });
  const urls = new Map<Variant, string>([['plain', shell.url]]);
  const proxies: Server[] = [];
  const isolatedVariants: [Variant, number | null][] = [['isolated', null]];
  if (threads !== null) isolatedVariants.push([`isolated-${threads}t`, 2 * threads]);
  for (const [variant, cores] of isolatedVariants) {
    const proxy = await isolatingProxy(new URL(shell.url), cores);
    proxies.push(proxy.server);
    urls.set(variant, proxy.url);
  }
  const variants = [...urls.keys()];
  const browser = await launchKioskBrowser(clip);
  const runs: VariantRun[] = [];
  try {
    for (let round = 1; round <= rounds; round += 1) {
      // Each variant goes first in turn, so none is always the one after a page start or a warm cache.
      const shift = (round - 1) % variants.length;
      for (const variant of [...variants.slice(shift), ...variants.slice(0, shift)]) {
        const url = urls.get(variant) ?? shell.url;
        const run = await payOnFreshPage(browser, url, {
          variant,
          round,
          tillUrl: shell.url,
          tillToken: shop.tillToken,
          pin: enrolled.pin,
        });
        runs.push(run);
        say(
          `round ${round} ${variant}: page isolated ${run.pageIsolated}, worker ${JSON.stringify(run.engine)}, ` +
            `start-up ${Math.round(run.startupMs ?? -1)} ms, ${run.outcomes.join(' ')}, ${run.frames.length} frames, ` +
            `median ${median(run.frames.map((f) => f['processMs'] ?? 0))} ms a frame (load ${os.loadavg()[0]?.toFixed(2)})`,
        );
      }
    }
  } finally {
    await browser.close();
    for (const server of proxies) await closeServer(server);
    await shell.close();
  }
  report(runs);
} finally {
  await hub.close();
  await rm(work, { recursive: true, force: true });
}

async function payOnFreshPage(
  browser: Browser,
  url: string,
  options: { variant: Variant; round: number; tillUrl: string; tillToken: string; pin: string },
): Promise<VariantRun> {
  const page = await openKiosk(browser, url);
  try {
    const pageIsolated = await page.evaluate(() => self.crossOriginIsolated);
    const ready = (await marks(page)).find((m) => m.name === 'engine_ready');
    const frames: Record<string, number>[] = [];
    let paid = 0;
    const outcomes: string[] = [];
    for (let payment = 1; payment <= payments; payment += 1) {
      await clearMarks(page);
      const requested = await requestPayment(options.tillUrl, options.tillToken, {
        amount: 100 + payment,
        reference: `isolation-${options.variant}-${options.round}-${payment}`,
      });
      const followed = await followPayment(page, { pin: options.pin, timeoutMs: 40_000 });
      frames.push(...frameStages(await marks(page)));
      outcomes.push(
        `${followed.outcome}${followed.errorCode === null ? '' : `:${followed.errorCode}`}`,
      );
      if (followed.outcome === 'paid') {
        paid += 1;
        await page.getByRole('button', { name: /完了|Done/ }).click();
      } else {
        await fetch(
          `${options.tillUrl}/kiosk/v1/payment-requests/${requested.body.payment?.id ?? ''}`,
          { method: 'DELETE', headers: { authorization: `Bearer ${options.tillToken}` } },
        );
      }
      await waitForScreen(page, ['idle'], 15_000);
    }
    return {
      variant: options.variant,
      round: options.round,
      pageIsolated,
      engine: await workerEngine(page),
      startupMs: ready === undefined ? null : Number(ready.detail?.['startupMs'] ?? 0),
      paid,
      outcomes,
      frames,
    };
  } finally {
    await page.context().close();
  }
}

/** Each frame mark's worker stages (ms): processMs and every stage_* (bench:e2e's reading). */
function frameStages(timeline: Awaited<ReturnType<typeof marks>>): Record<string, number>[] {
  return timeline
    .filter((m) => m.name === 'frame')
    .map((m) =>
      Object.fromEntries(
        Object.entries(m.detail ?? {}).flatMap(([key, value]) =>
          key.startsWith('stage_') || key === 'processMs'
            ? [[key.replace(/^stage_/, ''), Number(value)]]
            : [],
        ),
      ),
    );
}

/** The face worker is the page's worker that holds tfjs's engine; null when none does. */
async function workerEngine(page: Page): Promise<WorkerEngine | null> {
  for (const worker of page.workers()) {
    const found = await worker.evaluate(() => {
      interface WasmModule {
        PThread?: unknown;
        tfjs?: { getThreadsCount?: () => number };
      }
      const engine = (
        globalThis as {
          _tfengine?: { backendName: string; registry: Record<string, { wasm?: WasmModule }> };
        }
      )._tfengine;
      if (engine === undefined) return null;
      const wasm = engine.registry[engine.backendName]?.wasm;
      return {
        crossOriginIsolated: self.crossOriginIsolated,
        backend: engine.backendName,
        build: wasm?.PThread === undefined ? 'simd or plain' : 'threaded-simd',
        threads: wasm?.tfjs?.getThreadsCount?.() ?? null,
      };
    });
    if (found !== null) return found;
  }
  return null;
}

/**
 * The web shell behind COOP/COEP: every response gets both headers and a CSP whose worker-src and
 * script-src also allow blob: (what tfjs's threaded build needs); the Host and Origin the shell checks
 * are rewritten to its own; WebSocket upgrades are piped through unchanged otherwise. With `cores`, the
 * face worker's script starts by giving its navigator that hardwareConcurrency.
 */
async function isolatingProxy(
  target: URL,
  cores: number | null,
): Promise<{ url: string; server: Server }> {
  const rewrite = (headers: IncomingMessage['headers']): OutgoingHttpHeaders => ({
    ...headers,
    host: target.host,
    ...(headers.origin === undefined ? {} : { origin: target.origin }),
  });
  const server = createServer((request, response) => {
    const upstream = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        method: request.method,
        path: request.url,
        headers: rewrite(request.headers),
      },
      (answer) => {
        const headers: OutgoingHttpHeaders = { ...answer.headers };
        const csp = headers['content-security-policy'];
        if (typeof csp === 'string') headers['content-security-policy'] = withBlobWorkers(csp);
        headers['cross-origin-opener-policy'] = 'same-origin';
        headers['cross-origin-embedder-policy'] = 'require-corp';
        const faceWorker = /\/assets\/face\.worker-[^/]*\.js$/.test(request.url ?? '');
        if (cores !== null && faceWorker) {
          delete headers['content-length'];
          response.writeHead(answer.statusCode ?? 502, headers);
          response.write(
            `Object.defineProperty(navigator, 'hardwareConcurrency', { value: ${cores} });\n`,
          );
        } else response.writeHead(answer.statusCode ?? 502, headers);
        answer.pipe(response);
      },
    );
    upstream.on('error', () => response.destroy());
    request.pipe(upstream);
  });
  server.on('upgrade', (request: IncomingMessage, socket, head) => {
    const upstream = connect(Number(target.port), target.hostname, () => {
      const lines = [`${request.method} ${request.url} HTTP/1.1`];
      for (const [name, value] of Object.entries(rewrite(request.headers)))
        for (const one of [value].flat()) lines.push(`${name}: ${String(one)}`);
      upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
      upstream.write(head);
      upstream.pipe(socket).pipe(upstream);
    });
    upstream.on('error', () => socket.destroy());
    socket.on('error', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('proxy has no port');
  return { url: `http://127.0.0.1:${address.port}`, server };
}

function withBlobWorkers(csp: string): string {
  return csp
    .split(';')
    .map((directive) => {
      const trimmed = directive.trim();
      return /^(worker-src|script-src)\s/.test(trimmed) ? `${trimmed} blob:` : trimmed;
    })
    .join('; ');
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

function median(list: readonly number[]): number | null {
  return list.length === 0 ? null : Math.round(percentile(list, 0.5) * 10) / 10;
}

function p95(list: readonly number[]): number | null {
  return list.length === 0 ? null : Math.round(percentile(list, 0.95) * 10) / 10;
}

function report(runs: readonly VariantRun[]): void {
  const variants = [...new Set(runs.map((r) => r.variant))];
  const framesOf = (variant: Variant) =>
    runs.filter((r) => r.variant === variant).flatMap((r) => r.frames);
  const stages = [...new Set(runs.flatMap((r) => r.frames.flatMap((f) => Object.keys(f))))];
  const table = Object.fromEntries(
    variants.map((variant) => {
      const frames = framesOf(variant);
      return [
        variant,
        {
          frames: frames.length,
          paid: runs.filter((r) => r.variant === variant).reduce((sum, r) => sum + r.paid, 0),
          startupMedianMs: median(
            runs.flatMap((r) =>
              r.variant === variant && r.startupMs !== null ? [r.startupMs] : [],
            ),
          ),
          engine: runs.find((r) => r.variant === variant)?.engine ?? null,
          stages: Object.fromEntries(
            stages.map((stage) => {
              const list = frames.flatMap((f) => (f[stage] === undefined ? [] : [f[stage] ?? 0]));
              return [stage, { medianMs: median(list), p95Ms: p95(list) }];
            }),
          ),
        },
      ];
    }),
  );
  const plain = table['plain'];
  say(
    `\nbench:isolation  face worker per frame, ${rounds} rounds x ${payments} payments, variants alternated ` +
      `(load average at the end ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')})`,
  );
  for (const variant of variants) {
    const row = table[variant];
    say(
      `${variant}: ${row?.frames} frames, ${row?.paid} paid, worker ${JSON.stringify(row?.engine)}`,
    );
  }
  say(
    `| stage | ${variants.map((v) => `${v} median | ${v} p95`).join(' | ')} | ${variants
      .slice(1)
      .map((v) => `plain/${v} (median)`)
      .join(' | ')} |`,
  );
  say(
    `|---|${variants.map(() => '---|---|').join('')}${variants
      .slice(1)
      .map(() => '---|')
      .join('')}`,
  );
  for (const stage of stages) {
    const cells = variants.map((v) => {
      const cell = table[v]?.stages[stage];
      return `${cell?.medianMs ?? '-'} | ${cell?.p95Ms ?? '-'}`;
    });
    const ratios = variants.slice(1).map((v) => {
      const [a, b] = [plain?.stages[stage]?.medianMs, table[v]?.stages[stage]?.medianMs];
      return a != null && b != null && b > 0 ? (a / b).toFixed(2) : '-';
    });
    say(`| ${stage} | ${cells.join(' | ')} | ${ratios.join(' | ')} |`);
  }
  say(
    `| engine start-up | ${variants.map((v) => `${table[v]?.startupMedianMs ?? '-'} |`).join(' | ')} ${variants
      .slice(1)
      .map(() => '|')
      .join(' ')}`,
  );
  if (values.json !== undefined)
    void writeFile(values.json, `${JSON.stringify({ rounds, payments, table, runs }, null, 2)}\n`);
}
