// A kiosk as its own node process for crash tests: `npm run kiosk`'s web shell run the way node runs it
// (tsx's loader, its clock moved with the hub's), SIGKILLed, the renderer's side of its API, and what both
// crash tests (shop, clinic) share: the proxy, confirming by face, the wait for reconcile.
import { randomBytes } from 'node:crypto';
import { readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import WebSocket from 'ws';
import { afterAll, beforeAll, expect } from 'vitest';
import { PendingHolds } from '../../src/main/pending-holds.ts';
import { paymentAuthorizationLifetimeMs, reconcileMarginMs } from '../../src/shared/limits.ts';
import type { KioskResult, PaymentView } from '../../src/shared/kiosk-api.ts';
import {
  assertNoProcessLeft,
  nodeScript,
  pidAlive,
  processGroupGone,
  repoRoot,
  runTracked,
  spawnTracked,
} from '../hub/process.ts';
import { startHoldingProxy, type HoldingProxy } from './holding-proxy.ts';
import type { KioskTestHub, TestClock } from './kiosk-test-hub.ts';
import {
  closeKioskTestHub,
  memberPin,
  modelId,
  sameFaceAs,
  startKioskTestHub,
} from './kiosk-test-hub.ts';

export interface KioskProcess {
  pid: number;
  url: string;
  exited: Promise<NodeJS.Signals | number | null>;
}

const clockAhead = pathToFileURL(path.join(import.meta.dirname, 'clock-ahead.ts')).href;
/** How far time moves in a kiosk process at each timePassesIn: past reconcile's wait for a lost request. */
const timeStepMs = paymentAuthorizationLifetimeMs + reconcileMarginMs + 5_000;
/** Every kiosk this test file started and that has not exited yet. */
const running = new Set<KioskProcess>();

/** nodeScript with clock-ahead.ts loaded after tsx's loader (so it may be TypeScript), before `script`. */
export function nodeScriptAhead(script: string, args: string[]): [string, string[]] {
  const [node, argv] = nodeScript(script, args);
  return [node, [...argv.slice(0, 2), '--import', clockAhead, ...argv.slice(2)]];
}

/** What clock-ahead.ts reads: the process's clock `aheadMs` ahead, each SIGUSR2 `stepMs` on. */
export function clockAheadEnv(aheadMs: number, stepMs = 0): Record<string, string> {
  return {
    FACEPAY_TEST_CLOCK_AHEAD_MS: String(aheadMs),
    FACEPAY_TEST_TIME_STEP_MS: String(stepMs),
  };
}

/** A script run to its end (runScriptTracked) on `clock`, as the test's hub runs: clinic:sample's "today". */
export function runScriptOnClock(script: string, args: string[], clock: TestClock) {
  const [node, argv] = nodeScriptAhead(script, args);
  return runTracked(node, argv, { ...process.env, ...clockAheadEnv(clock.offsetMs) });
}

/** A renderer folder in `work` with only an index.html: all the web shell asks for when no page runs. */
export function blankRenderer(work: string): string {
  const dir = path.join(work, 'renderer');
  mkdirSync(dir);
  writeFileSync(path.join(dir, 'index.html'), '<!doctype html>');
  return dir;
}

/**
 * `npm run kiosk -- --config FILE --hub URL` as node itself runs it (tsx's loader, no wrapper): the
 * pid is the process that holds the kiosk service. Its clock runs `clockAheadMs` ahead (clock-ahead.ts).
 * Listening means its first rounds (health, transform key, reconcile; a clinic's visits) have run.
 */
export async function startKioskProcess(options: {
  configFile: string;
  hubUrl: string;
  rendererDir: string;
  clockAheadMs: number;
}): Promise<KioskProcess> {
  const [node, argv] = nodeScriptAhead('src/main/web-shell-cli.ts', [
    ...['--config', options.configFile, '--hub', options.hubUrl],
    ...['--port', '0', '--renderer', options.rendererDir],
  ]);
  const child = spawnTracked(node, argv, {
    cwd: repoRoot,
    env: { ...process.env, ...clockAheadEnv(options.clockAheadMs, timeStepMs) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const pid = child.pid ?? 0;
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) =>
    child.on('exit', (code, signal) => resolve(signal ?? code)),
  );
  const kiosk: KioskProcess = { pid, url: '', exited };
  running.add(kiosk);
  void exited.then(() => running.delete(kiosk));
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  kiosk.url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const url = /kiosk listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
      if (url !== undefined) resolve(url);
    });
    void exited.then((code) => reject(new Error(`kiosk exited ${code}: ${stderr}`)));
  });
  expectKioskProcess(pid);
  return kiosk;
}

/** The process that runs the kiosk service is node itself, running the web shell's script. */
function expectKioskProcess(pid: number): void {
  const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  expect(cmdline[0]).toBe(process.execPath);
  expect(cmdline).toContain(path.join(repoRoot, 'src/main/web-shell-cli.ts'));
}

/**
 * Time passes (clock-ahead.ts): `clock` (the hub's) and the kiosk's wall and elapsed clocks move forward
 * together, past reconcile's wait for a lost request (counted from the kiosk's start: a restart's downtime
 * never counts). Its watch loop (each 10 s) then asks about what it lost.
 */
export function timePassesIn(kiosk: KioskProcess, clock: TestClock): void {
  expectKioskProcess(kiosk.pid);
  clock.offsetMs += timeStepMs;
  process.kill(kiosk.pid, 'SIGUSR2');
}

/** SIGKILL of the kiosk's own process: nothing of it is left, and nothing answers at its address. */
export async function killKioskProcess(kiosk: KioskProcess): Promise<void> {
  // Still the web shell's node process, not a pid reused by something else.
  expectKioskProcess(kiosk.pid);
  process.kill(kiosk.pid, 'SIGKILL');
  expect(await kiosk.exited).toBe('SIGKILL');
  expect(pidAlive(kiosk.pid)).toBe(false);
  expect(await processGroupGone(kiosk.pid)).toBe(true);
  await expect(fetch(`${kiosk.url}/kiosk/session`)).rejects.toThrow();
}

/** For afterAll: a test that failed half way leaves its kiosk running. */
export async function killKioskProcessesLeft(): Promise<void> {
  const left = [...running];
  for (const kiosk of left) if (pidAlive(kiosk.pid)) process.kill(kiosk.pid, 'SIGKILL');
  await Promise.all(left.map((kiosk) => kiosk.exited));
}

/** How the kiosk process ended (its exit code or signal), or 'running' if it has not within 500 ms. */
export function exitOf(kiosk: KioskProcess): Promise<string> {
  const running = new Promise<string>((resolve) => setTimeout(() => resolve('running'), 500));
  return Promise.race([kiosk.exited.then((code) => `exited ${code}`), running]);
}

/**
 * For a test file of the kiosk's own HTTP server: before all, a hub with the shop and its shopper and one
 * kiosk process on it (no proxy, no clock ahead) on a blank renderer, which `beforeStart` may add page files
 * to; after all, whatever kiosk is left killed, the hub closed, and no process of the test left.
 */
export function useKioskProcess(
  prefix: string,
  beforeStart: (rendererDir: string) => void = () => undefined,
): { test: () => KioskTestHub; kiosk: () => KioskProcess } {
  let test: KioskTestHub | undefined;
  let kiosk: KioskProcess | undefined;
  beforeAll(async () => {
    test = await startKioskTestHub({
      prefix,
      adminToken: `admin-${randomBytes(12).toString('hex')}`,
      setup: {
        shop: { id: 'shop', name: 'Test Shop' },
        shopper: { id: 'shopper', name: 'Sato Hanako', deposit: 5_000 },
      },
    });
    const rendererDir = blankRenderer(test.work);
    beforeStart(rendererDir);
    kiosk = await startKioskProcess({
      configFile: test.shop.configFile,
      hubUrl: test.hub.url,
      rendererDir,
      clockAheadMs: 0,
    });
  }, 60_000);
  afterAll(async () => {
    await killKioskProcessesLeft();
    await closeKioskTestHub(test);
    await assertNoProcessLeft();
  });
  return { test: setInBeforeAll(() => test), kiosk: setInBeforeAll(() => kiosk) };
}

/** For a hook-registering helper's accessors: what `read` answers, which its beforeAll has set. */
export function setInBeforeAll<T>(read: () => T | undefined): () => T {
  return () => {
    const value = read();
    if (value === undefined) throw new Error('not started (beforeAll)');
    return value;
  };
}

/** A crash test's kiosks and the proxy in front of its hub (which can hold a request or an answer). */
export interface CrashRig {
  proxy: HoldingProxy;
  /** `npm run kiosk -- --config FILE --hub PROXY` on the test's shop folder, its clock the test's. */
  startKiosk: () => Promise<KioskProcess>;
  /** The kiosk's pending-holds.json: its lost hold requests, written before each goes out, read at a start. */
  pendingHoldsFile: string;
  /**
   * After a kill: the test's clock past the lost request's authorization (the hub can no longer place it),
   * then the kiosk started again on the same folder, its clock as far ahead.
   */
  restartPastAuthorization: () => Promise<KioskProcess>;
  /** Time passes in the restarted `kiosk` past reconcile's wait; resolves once it has reconciled `paymentId`. */
  reconciled: (kiosk: KioskProcess, paymentId: string) => Promise<void>;
}

/** For beforeAll: a proxy in front of `test`'s hub; kiosks reach it on `clock` (clock-ahead.ts). */
export async function startCrashRig(test: KioskTestHub, clock: TestClock): Promise<CrashRig> {
  const proxy = await startHoldingProxy(test.hub.url);
  // The kiosk needs no page: a folder with an index.html is all the web shell asks for.
  const rendererDir = blankRenderer(test.work);
  const pendingHoldsFile = path.join(test.shop.config.keysDir, 'pending-holds.json');
  const startKiosk = () =>
    startKioskProcess({
      configFile: test.shop.configFile,
      hubUrl: proxy.url,
      rendererDir,
      clockAheadMs: clock.offsetMs,
    });
  const restartPastAuthorization = () => {
    clock.offsetMs += paymentAuthorizationLifetimeMs + 15_000;
    return startKiosk();
  };
  const reconciled = async (kiosk: KioskProcess, paymentId: string) => {
    timePassesIn(kiosk, clock);
    await untilReconciled(pendingHoldsFile, paymentId);
  };
  return { proxy, startKiosk, pendingHoldsFile, restartPastAuthorization, reconciled };
}

/**
 * For afterAll: a test that failed half way leaves its kiosk running. Kills what is left, closes the proxy
 * and the hub, and checks that no process of the test is left.
 */
export async function closeCrashRig(
  rig: CrashRig | undefined,
  test: KioskTestHub | undefined,
): Promise<void> {
  await killKioskProcessesLeft();
  await rig?.proxy.close();
  await closeKioskTestHub(test);
  await assertNoProcessLeft();
}

/** The kiosk API socket's address as the page gets it (GET /kiosk/session), the page's token in it. */
export async function pageSocketUrl(kioskUrl: string): Promise<URL> {
  const session = (await (await fetch(`${kioskUrl}/kiosk/session`)).json()) as {
    wsPath: string;
    token: string;
  };
  const url = new URL(session.wsPath, kioskUrl);
  url.protocol = 'ws:';
  url.searchParams.set('token', session.token);
  return url;
}

/** The renderer's side of the kiosk API: the page's session token, a socket of the page's origin. */
export class KioskSocket {
  readonly #socket: WebSocket;
  readonly #waiting = new Map<number, (result: KioskResult<unknown>) => void>();
  #nextId = 1;

  private constructor(socket: WebSocket) {
    this.#socket = socket;
    socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as { kind: string; id: number; result: never };
      if (message.kind !== 'result') return;
      this.#waiting.get(message.id)?.(message.result);
      this.#waiting.delete(message.id);
    });
    // A call the kiosk never answers (it was killed) ends as the renderer's client ends it.
    socket.on('close', () => {
      for (const resolve of this.#waiting.values()) {
        resolve({ ok: false, error: { code: 'internal', message: 'the kiosk service closed' } });
      }
      this.#waiting.clear();
    });
  }

  static async open(kioskUrl: string): Promise<KioskSocket> {
    const socket = new WebSocket(await pageSocketUrl(kioskUrl), { origin: kioskUrl });
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    return new KioskSocket(socket);
  }

  call<T = { payment: PaymentView }>(method: string, payload: unknown): Promise<KioskResult<T>> {
    const id = this.#nextId++;
    const answer = new Promise<KioskResult<unknown>>((resolve) => this.#waiting.set(id, resolve));
    this.#socket.send(JSON.stringify({ id, method, payload }));
    return answer as Promise<KioskResult<T>>;
  }

  close(): void {
    this.#socket.close();
  }
}

/**
 * The member (enrolled with `face`) is identified for `paymentId` at the kiosk behind `socket`, taps OK
 * and gives the PIN when asked. Returns once the confirm that sends the hold request is on its way: its
 * answer to come.
 */
export async function confirmByFace(
  socket: KioskSocket,
  paymentId: string,
  face: Float32Array,
): Promise<KioskResult<{ payment: PaymentView }>> {
  const descriptor = Array.from(sameFaceAs(face));
  const liveness = { passed: true, score: 0.99, checks: ['passive_texture_live', 'blink'] };
  const identified = await socket.call('identify', { paymentId, modelId, descriptor, liveness });
  expect(identified).toMatchObject({ ok: true, payment: { state: 'confirming' } });
  const pinRequired = identified.ok && identified.payment.pinRequired;
  if (pinRequired) {
    const atPin = await socket.call('confirm', { paymentId });
    expect(atPin).toMatchObject({ ok: true, payment: { state: 'pin' } });
  }
  return socket.call('confirm', pinRequired ? { paymentId, pin: memberPin } : { paymentId });
}

/**
 * The restarted kiosk has reconciled `paymentId` (at start, or its watch loop each 10 s): its
 * pending-holds `file` no longer lists it.
 */
export async function untilReconciled(
  file: string,
  paymentId: string,
  withinMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (new PendingHolds(file).get(paymentId) !== undefined) {
    if (Date.now() > deadline) throw new Error(`${paymentId} still pending after ${withinMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
