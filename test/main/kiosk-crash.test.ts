// Crash safety of a shop payment: the kiosk's own node process (`npm run kiosk`'s web shell, which holds
// pending-holds.json) is SIGKILLed while its hold request is held at the network, restarted on the same folder,
// and the payer must end where the shopper was told: nothing taken, or paid once and never refunded.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PendingHolds } from '../../src/main/pending-holds.ts';
import type { KioskResult, PaymentView } from '../../src/shared/kiosk-api.ts';
import { paymentAuthorizationLifetimeMs } from '../../src/shared/limits.ts';
import { syntheticFace } from '../hub/helpers.ts';
import {
  assertNoProcessLeft,
  nodeScript,
  pidAlive,
  processGroupGone,
  repoRoot,
  spawnTracked,
} from '../hub/process.ts';
import { startHoldingProxy, type HoldingProxy } from './holding-proxy.ts';
import {
  closeKioskTestHub,
  sameFaceAs,
  startKioskTestHubWithMember,
  type KioskTestHub,
} from './kiosk-test-hub.ts';

const adminToken = `admin-${randomBytes(12).toString('hex')}`;
const modelId = 'faceapi-recognition-128-b413e420d684';
const pin = '4862';
const face = syntheticFace();
/**
 * The hub's clock, and every kiosk process's (clock-ahead.ts): moved forward together, past an
 * authorization's lifetime, so the restarted kiosk's reconcile asks about the lost request at once.
 */
const clock = { offsetMs: 0, now: () => Date.now() + clock.offsetMs };
const clockAhead = pathToFileURL(path.join(import.meta.dirname, 'clock-ahead.ts')).href;

let test: KioskTestHub;
let proxy: HoldingProxy;
let rendererDir: string;
const kiosks = new Set<KioskProcess>();

beforeAll(async () => {
  test = await startKioskTestHubWithMember({
    prefix: 'facepay-kiosk-crash-',
    adminToken,
    clock,
    setup: {
      shop: { id: 'shop', name: 'Test Shop' },
      shopper: { id: 'shopper', name: 'Sato Hanako', deposit: 50_000 },
    },
    member: { modelId, pin, born: '1990-01-01', face },
  });
  proxy = await startHoldingProxy(test.hub.url);
  // The payment needs no page: a folder with an index.html is all the web shell asks for.
  rendererDir = path.join(test.work, 'renderer');
  mkdirSync(rendererDir);
  writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html>');
}, 60_000);

afterAll(async () => {
  // A test that failed half way leaves its kiosk running.
  for (const kiosk of kiosks) if (pidAlive(kiosk.pid)) process.kill(kiosk.pid, 'SIGKILL');
  await Promise.all([...kiosks].map((kiosk) => kiosk.exited));
  await proxy?.close();
  await closeKioskTestHub(test);
  await assertNoProcessLeft();
});

interface KioskProcess {
  pid: number;
  url: string;
  exited: Promise<NodeJS.Signals | number | null>;
}

/**
 * `npm run kiosk -- --config FILE --hub PROXY` as node itself runs it (tsx's loader, no wrapper): the
 * pid is the process that holds the kiosk service. Its clock is the hub's. Listening means its first
 * watch (health, transform key, reconcile) has run.
 */
async function startKiosk(): Promise<KioskProcess> {
  const [node, args] = nodeScript('src/main/web-shell-cli.ts', [
    '--config',
    test.shop.configFile,
    '--hub',
    proxy.url,
    '--port',
    '0',
    '--renderer',
    rendererDir,
  ]);
  // After tsx's loader (args[0..1]), so the clock file may be TypeScript.
  const argv = [...args.slice(0, 2), '--import', clockAhead, ...args.slice(2)];
  const child = spawnTracked(node, argv, {
    cwd: repoRoot,
    env: { ...process.env, FACEPAY_TEST_CLOCK_AHEAD_MS: String(clock.offsetMs) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const pid = child.pid ?? 0;
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) =>
    child.on('exit', (code, signal) => resolve(signal ?? code)),
  );
  const kiosk: KioskProcess = { pid, url: '', exited };
  kiosks.add(kiosk);
  void exited.then(() => kiosks.delete(kiosk));
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
  // The process that runs the kiosk service is node itself, running the web shell's script.
  const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  expect(cmdline[0]).toBe(process.execPath);
  expect(cmdline).toContain(path.join(repoRoot, 'src/main/web-shell-cli.ts'));
  return kiosk;
}

/** SIGKILL of the kiosk's own process: nothing of it is left, and nothing answers at its address. */
async function killKiosk(kiosk: KioskProcess): Promise<void> {
  process.kill(kiosk.pid, 'SIGKILL');
  expect(await kiosk.exited).toBe('SIGKILL');
  expect(pidAlive(kiosk.pid)).toBe(false);
  expect(await processGroupGone(kiosk.pid)).toBe(true);
  await expect(fetch(`${kiosk.url}/kiosk/session`)).rejects.toThrow();
}

/** The renderer's side of the kiosk API: the page's session token, a socket of the page's origin. */
class KioskSocket {
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
    const session = (await (await fetch(`${kioskUrl}/kiosk/session`)).json()) as {
      wsPath: string;
      token: string;
    };
    const url = new URL(session.wsPath, kioskUrl);
    url.protocol = 'ws:';
    url.searchParams.set('token', session.token);
    const socket = new WebSocket(url, { origin: kioskUrl });
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    return new KioskSocket(socket);
  }

  call(method: string, payload: unknown): Promise<KioskResult<{ payment: PaymentView }>> {
    const id = this.#nextId++;
    const answer = new Promise<KioskResult<unknown>>((resolve) => this.#waiting.set(id, resolve));
    this.#socket.send(JSON.stringify({ id, method, payload }));
    return answer as Promise<KioskResult<{ payment: PaymentView }>>;
  }

  close(): void {
    this.#socket.close();
  }
}

/**
 * The till asks for `amount`; the shopper's face is identified, they tap OK (and give the PIN when
 * asked). Returns once the confirm that sends the hold request is on its way, with its answer to come.
 */
async function pay(kiosk: KioskProcess, amount: number, reference: string) {
  const response = await fetch(`${kiosk.url}/kiosk/v1/payment-requests`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${test.shop.tillToken}`,
      'content-type': 'application/json',
    },
    body: JSON.stringify({ amount, reference }),
  });
  expect(response.status).toBe(201);
  const paymentId = ((await response.json()) as { payment: { id: string } }).payment.id;
  const socket = await KioskSocket.open(kiosk.url);
  const descriptor = Array.from(sameFaceAs(face));
  const liveness = { passed: true, score: 0.99, checks: ['passive_texture_live', 'blink'] };
  const identified = await socket.call('identify', { paymentId, modelId, descriptor, liveness });
  expect(identified).toMatchObject({ ok: true, payment: { state: 'confirming' } });
  const pinRequired = identified.ok && identified.payment.pinRequired;
  if (pinRequired) {
    const atPin = await socket.call('confirm', { paymentId });
    expect(atPin).toMatchObject({ ok: true, payment: { state: 'pin' } });
  }
  const paying = socket.call('confirm', pinRequired ? { paymentId, pin } : { paymentId });
  return { paymentId, paying, socket };
}

const pendingFile = () => path.join(test.shop.config.keysDir, 'pending-holds.json');
const balance = async () => (await test.admin.getAccount('shopper')).balance;

/** The holds placed on the shopper under `reference` (one per payment: the kiosk's idempotency key). */
async function holdsOf(reference: string) {
  return (await test.admin.listHolds({ payer: 'shopper', reference })).items;
}

/**
 * (c) What the killed kiosk left on disk is a list the next start reads (the kiosk's own reader), and
 * it names this payment's request: written before the request went out, not after.
 */
function expectWrittenAhead(paymentId: string, amount: number, reference: string): void {
  expect(existsSync(`${pendingFile()}.tmp`)).toBe(false);
  const onDisk = new PendingHolds(pendingFile()).get(paymentId);
  expect(onDisk?.sent).toMatchObject({
    template: 'purchase',
    request: {
      payer: 'shopper',
      amount,
      reference,
      idempotencyKey: `kiosk-${test.shop.config.kioskId}-${paymentId}`,
    },
  });
}

/** The restarted kiosk's watch loop (each 10 s) has reconciled `paymentId`: its file no longer lists it. */
async function untilReconciled(paymentId: string, withinMs = 30_000): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (new PendingHolds(pendingFile()).get(paymentId) !== undefined) {
    if (Date.now() > deadline) throw new Error(`${paymentId} still pending after ${withinMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Past the lost request's authorization on both clocks: the hub can no longer place it. */
function moveClocksPastAuthorization(): void {
  clock.offsetMs += paymentAuthorizationLifetimeMs + 15_000;
}

describe('a kiosk process SIGKILLed during a shop payment, restarted on the same folder', () => {
  it('killed while its hold request waits at the network, which then loses it: nothing is taken, and the restart forgets it', async () => {
    const before = await balance();
    const first = await startKiosk();
    const held = proxy.holdNextRequest();
    const { paymentId, paying } = await pay(first, 810, 'crash-lost');
    await held.arrived;
    await killKiosk(first);
    // The shopper's screen heard nothing but its kiosk going away: never "paid".
    expect(await paying).toMatchObject({ ok: false });
    expectWrittenAhead(paymentId, 810, 'crash-lost');
    held.drop();
    expect(await balance()).toBe(before);

    moveClocksPastAuthorization();
    const second = await startKiosk();
    await untilReconciled(paymentId);
    expect(await balance()).toBe(before);
    expect(await holdsOf('crash-lost')).toEqual([]);
    await killKiosk(second);
  }, 120_000);

  it('killed while its hold request waits at the network, which delivers it afterwards: the hub takes it, the restart refunds it once', async () => {
    const before = await balance();
    const first = await startKiosk();
    const held = proxy.holdNextRequest();
    const { paymentId, paying } = await pay(first, 920, 'crash-late');
    await held.arrived;
    await killKiosk(first);
    expect(await paying).toMatchObject({ ok: false });
    expectWrittenAhead(paymentId, 920, 'crash-late');
    expect(await held.forward()).toBe(201);
    expect(await balance()).toBe(before - 920); // the hub did take it; nobody was told

    moveClocksPastAuthorization();
    const second = await startKiosk();
    await untilReconciled(paymentId);
    expect(await balance()).toBe(before);
    expect(await holdsOf('crash-late')).toMatchObject([
      { amount: 920, settled: 920, refunded: 920 },
    ]);
    await killKiosk(second);
  }, 120_000);

  it('killed after the hub settled its purchase, before the answer reached it: the restart refunds it once', async () => {
    const before = await balance();
    const first = await startKiosk();
    const held = proxy.holdNextAnswer();
    const { paymentId, paying } = await pay(first, 1_030, 'crash-answer-lost');
    expect(await held.answered).toBe(201);
    await killKiosk(first);
    expect(await paying).toMatchObject({ ok: false });
    expectWrittenAhead(paymentId, 1_030, 'crash-answer-lost');
    expect(await balance()).toBe(before - 1_030);

    moveClocksPastAuthorization();
    const second = await startKiosk();
    await untilReconciled(paymentId);
    expect(await balance()).toBe(before);
    expect(await holdsOf('crash-answer-lost')).toMatchObject([
      { amount: 1_030, settled: 1_030, refunded: 1_030 },
    ]);
    await killKiosk(second);
  }, 120_000);

  it('killed just after telling the shopper "paid": the restart never refunds it', async () => {
    const before = await balance();
    const first = await startKiosk();
    const { paymentId, paying, socket } = await pay(first, 1_140, 'crash-after-paid');
    expect(await paying).toMatchObject({ ok: true, payment: { state: 'paid' } });
    socket.close();
    await killKiosk(first);
    expect(new PendingHolds(pendingFile()).get(paymentId)).toBeUndefined();

    moveClocksPastAuthorization();
    // Listening: its first reconcile, with the authorization long expired, has run.
    const second = await startKiosk();
    expect(await balance()).toBe(before - 1_140);
    expect(await holdsOf('crash-after-paid')).toMatchObject([
      { amount: 1_140, settled: 1_140, refunded: 0 },
    ]);
    await killKiosk(second);
  }, 120_000);
});
