// The kiosk service against a real hub (real HTTP, real SQLite, the calibrated threshold): the payment
// flow through the kiosk API and the till API, and the failure cases that touch money or faces: bad input,
// the wrong caller, a confirm sent twice, a refused liveness, the hub gone mid-payment, a locked operator.
import { randomBytes } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import type { RunningHub } from '../../src/hub/hub.ts';
import { startHub } from '../../src/hub/hub.ts';
import type { KioskHttpServer } from '../../src/main/kiosk-http.ts';
import { resolveMountedFile } from '../../src/main/electron/app-files.ts';
import { kioskMounts } from '../../src/main/electron/launch.ts';
import { startKioskHttp } from '../../src/main/kiosk-http.ts';
import type { KioskRuntime } from '../../src/main/kiosk-runtime.ts';
import { openHubLink, startKioskRuntime } from '../../src/main/kiosk-runtime.ts';
import type { HubLink } from '../../src/main/hub-link.ts';
import { KioskService } from '../../src/main/kiosk-service.ts';
import { elapsedMs } from '../../src/main/monotonic-clock.ts';
import { HubClient } from '../../src/shared/hub-client.ts';
import { handleKioskCall } from '../../src/shared/kiosk-api.ts';
import type { PaymentView } from '../../src/shared/kiosk-api.ts';
import {
  idempotencyRetentionSeconds,
  kioskPaymentIdleMsMax,
  operatorPinAttemptsMax,
  paymentAuthorizationLifetimeMs,
} from '../../src/shared/limits.ts';
import type { Shop } from '../../scripts/kiosk/deployment.ts';
import { syntheticFace } from '../hub/helpers.ts';
import {
  enrolAtStation,
  isPostTo,
  networkHoldingBack,
  networkLosingFirstAnswer,
  networkToOlderHub,
  sameFaceAs,
  startKioskTestHub,
} from './kiosk-test-hub.ts';

let work: string;
let hub: RunningHub;
let admin: HubClient;
let shop: Shop;
let runtime: KioskRuntime;
let http: KioskHttpServer;
const face = syntheticFace();
const youngFace = syntheticFace();
/** The same face read again: cosine about 0.99 to `face`, well above the calibrated 0.9574. */
const sameFace = () => sameFaceAs(face);
const adminToken = `admin-${randomBytes(12).toString('hex')}`;
const modelId = 'faceapi-recognition-128-b413e420d684';
const live = { passed: true, score: 0.99, checks: ['passive_texture_live', 'blink'] };
/**
 * The hub's clock, and the clock of the kiosks a test builds on it: the wall clock, moved forward past an
 * authorization's lifetime before a lost hold is looked for. It never moves back (the rate limiter).
 */
const hubClock = { offsetMs: 0, now: () => Date.now() + hubClock.offsetMs };
/** Those kiosks' elapsed clock (reconcile's wait): time passes on it as on hubClock. */
const kioskElapsed = () => elapsedMs() + hubClock.offsetMs;
/** Past the lifetime of every authorization issued so far, and the kiosk's margin (reconcile). */
const pastAuthorizations = () => (hubClock.offsetMs += paymentAuthorizationLifetimeMs + 15_000);

beforeAll(async () => {
  ({ work, hub, admin, shop } = await startKioskTestHub({
    prefix: 'facepay-kiosk-service-',
    adminToken,
    clock: hubClock,
    setup: {
      shop: { id: 'shop', name: 'Test Shop' },
      shopper: { id: 'shopper', name: 'Sato Hanako', deposit: 5_000 },
    },
  }));
  await enrolSynthetic();
  runtime = await startKioskRuntime({ config: shop.config });
  http = await startKioskHttp({
    runtime,
    port: 0,
    renderer: { mounts: kioskMounts({ rendererDir: work, modelsDir: work, wasmDir: work }) },
  });
}, 60_000);

afterAll(async () => {
  await http?.close();
  await runtime?.close();
  await hub?.close();
  await rm(work, { recursive: true, force: true });
});

/** An enrolment station enrols synthetic faces (the hub cannot tell them from real ones). */
async function enrolSynthetic(): Promise<void> {
  // 19: an adult (no guardian) but under the age of 20 that alcohol needs.
  await admin.createAccount({ id: 'young', kind: 'person', name: 'Young', currency: 'JPY' });
  await admin.deposit('young', 5_000, 'young-deposit');
  const young = new Date();
  young.setUTCFullYear(young.getUTCFullYear() - 19);
  await enrolAtStation({
    admin,
    hubUrl: hub.url,
    dir: work,
    modelId,
    pin: '4862',
    people: [
      {
        name: 'Sato Hanako',
        born: '1990-01-01',
        account: 'shopper',
        faces: [sameFace(), sameFace()],
      },
      {
        name: 'Ito Ken',
        born: young.toISOString().slice(0, 10),
        account: 'young',
        faces: [Float32Array.from(youngFace), Float32Array.from(youngFace)],
      },
    ],
  });
}

const call = (method: string, payload: unknown) =>
  handleKioskCall(runtime.handlers, method, payload) as Promise<
    | { ok: true; payment: PaymentView }
    | { ok: false; error: { code: string; attemptsLeft?: number } }
  >;

async function till(method: string, url: string, body?: unknown, token = shop.tillToken) {
  const response = await fetch(`${http.url}${url}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return {
    status: response.status,
    body: (await response.json()) as { payment?: PaymentView & { holdId: string | null } },
  };
}

async function openPayment(amount: number): Promise<string> {
  const opened = await till('POST', '/kiosk/v1/payment-requests', {
    amount,
    reference: `ref-${amount}-${Date.now()}`,
  });
  expect(opened.status).toBe(201);
  return opened.body.payment?.id ?? '';
}

async function balance(): Promise<number> {
  return (await admin.getAccount('shopper')).balance;
}

/**
 * A kiosk service of its own on the shop's config, whose hub calls go through `network` (a test's faulty
 * network); with `pendingHoldsFile` it keeps the hold requests whose outcome it does not know on disk.
 */
async function serviceOn(
  network: typeof fetch,
  options: { now?: () => number; pendingHoldsFile?: string } = {},
): Promise<{ service: KioskService; link: HubLink }> {
  const { link } = await openHubLink(shop.config, {
    hubUrl: hub.url,
    fetch: network,
    now: hubClock.now,
    elapsed: kioskElapsed,
  });
  const service = new KioskService({
    config: { ...shop.config, hubUrl: hub.url },
    hub: link,
    modelId,
    now: options.now ?? hubClock.now,
    elapsed: kioskElapsed,
    ...(options.pendingHoldsFile === undefined
      ? {}
      : { pendingHoldsFile: options.pendingHoldsFile }),
  });
  return { service, link };
}

/** What `reconcile` answers when no lost hold request is due. */
const nothingToReconcile = { refunded: [], released: [], notPlaced: [], unresolved: [] };

/** What `reconcile` answers when it refunded the hold of this one payment and did nothing else. */
const refundedOnly = (paymentId: string) => ({ ...nothingToReconcile, refunded: [paymentId] });

/**
 * The till asks `service` for `amount` (under `reference`: its order number, a fresh one unless given);
 * the shopper's face is identified and they tap OK, so the PIN is next. Returns the payment's id.
 */
async function confirmingPayment(
  service: KioskService,
  amount: number,
  reference = `order-${randomBytes(6).toString('hex')}`,
): Promise<string> {
  const opened = service.requestFromTill({ amount, reference });
  if (!opened.ok) throw new Error('kiosk busy');
  const paymentId = opened.payment.id;
  await service.handlers.identify({
    paymentId,
    modelId,
    descriptor: Array.from(sameFace()),
    liveness: live,
  });
  await service.handlers.confirm({ paymentId });
  return paymentId;
}

describe('kiosk service', () => {
  it('pays: till amount, face, PIN, purchase hold; a second confirm pays nothing more', async () => {
    const before = await balance();
    const paymentId = await openPayment(640);
    const identified = await call('identify', {
      paymentId,
      modelId,
      descriptor: Array.from(sameFace()),
      liveness: live,
    });
    expect(identified).toMatchObject({
      ok: true,
      payment: { state: 'confirming', displayNameMasked: 'S*** H*****', pinRequired: true },
    });
    expect(await call('confirm', { paymentId })).toMatchObject({
      ok: true,
      payment: { state: 'pin' },
    });
    const wrong = await call('confirm', { paymentId, pin: '1111' });
    expect(wrong).toMatchObject({ ok: false, error: { code: 'pin_incorrect', attemptsLeft: 2 } });
    const paid = await call('confirm', { paymentId, pin: '4862' });
    expect(paid).toMatchObject({
      ok: true,
      payment: { state: 'paid', receipt: { amount: 640, shopName: 'Test Shop' } },
    });
    expect(await call('confirm', { paymentId, pin: '4862' })).toMatchObject({
      ok: false,
      error: { code: 'payment_closed' },
    });
    expect(await balance()).toBe(before - 640);
    const readBack = await till('GET', `/kiosk/v1/payment-requests/${paymentId}`);
    expect(readBack.body.payment).toMatchObject({ state: 'paid', amount: 640 });
    expect(readBack.body.payment?.holdId).toMatch(/^hold_/);
    expect(JSON.stringify(readBack.body)).not.toContain('S***');
  });

  it('sends nothing to the hub for a face that failed liveness, and a stranger matches nobody', async () => {
    const paymentId = await openPayment(300);
    const refused = await call('identify', {
      paymentId,
      modelId,
      descriptor: Array.from(face),
      liveness: { passed: false, reasons: ['no_blink'] },
    });
    expect(refused).toMatchObject({ ok: false, error: { code: 'liveness_failed' } });
    const stranger = await call('identify', {
      paymentId,
      modelId,
      descriptor: Array.from(syntheticFace()),
      liveness: live,
    });
    expect(stranger).toMatchObject({ ok: false, error: { code: 'no_match' } });
    expect(await call('cancel', { paymentId })).toMatchObject({
      ok: true,
      payment: { state: 'cancelled' },
    });
  });

  it('a payment over the balance is refused by the hub, closed with its reason, and takes nothing', async () => {
    const before = await balance();
    const paymentId = await openPayment(before + 1);
    await call('identify', {
      paymentId,
      modelId,
      descriptor: Array.from(sameFace()),
      liveness: live,
    });
    await call('confirm', { paymentId });
    const refused = await call('confirm', { paymentId, pin: '4862' });
    expect(refused).toMatchObject({ ok: false, error: { code: 'insufficient_funds' } });
    expect(runtime.service.tillPayment(paymentId)).toMatchObject({
      state: 'failed',
      failure: 'insufficient_funds',
    });
    expect(await balance()).toBe(before);
  });

  it("refuses beer (alcohol.beer) to a 19-year-old with the hub's reason, and takes nothing", async () => {
    const before = (await admin.getAccount('young')).balance;
    // A category outside the hub's vocabulary is refused at the till API, before a payment opens.
    const unknown = await till('POST', '/kiosk/v1/payment-requests', {
      amount: 480,
      reference: `beer-${Date.now()}`,
      category: 'beer',
    });
    expect(unknown).toMatchObject({ status: 400, body: { error: { code: 'invalid_request' } } });
    const opened = await till('POST', '/kiosk/v1/payment-requests', {
      amount: 480,
      reference: `beer-${Date.now()}`,
      category: 'alcohol.beer',
    });
    const paymentId = opened.body.payment?.id ?? '';
    await call('identify', {
      paymentId,
      modelId,
      descriptor: Array.from(youngFace),
      liveness: live,
    });
    await call('confirm', { paymentId });
    const refused = await call('confirm', { paymentId, pin: '4862' });
    expect(refused).toMatchObject({ ok: false, error: { code: 'age_restricted' } });
    expect(runtime.service.tillPayment(paymentId)).toMatchObject({
      state: 'failed',
      failure: 'age_restricted',
    });
    expect((await admin.getAccount('young')).balance).toBe(before);
  });

  it('refuses bad input at the door: unknown calls, non-finite descriptors, amounts out of range', async () => {
    expect(await call('drop_tables', {})).toMatchObject({
      ok: false,
      error: { code: 'unknown_method' },
    });
    expect(
      await call('identify', {
        paymentId: 'pay_00000000',
        modelId,
        descriptor: [Number.NaN, ...Array.from(face).slice(1)],
        liveness: live,
      }),
    ).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
    expect(await call('startPayment', { amount: -5 })).toMatchObject({
      ok: false,
      error: { code: 'invalid_request' },
    });
    expect(await call('confirm', { paymentId: 'pay_nosuchpayment1', extra: 1 })).toMatchObject({
      ok: false,
      error: { code: 'invalid_request' },
    });
    const bad = await till('POST', '/kiosk/v1/payment-requests', { amount: 1.5, reference: 'x' });
    expect(bad.status).toBe(400);
  });

  it('till API: a wrong token is 401, a second payment while one is open is 409, DELETE takes it back', async () => {
    expect(
      (
        await till(
          'POST',
          '/kiosk/v1/payment-requests',
          { amount: 100, reference: 'x' },
          'not-the-till-token-000',
        )
      ).status,
    ).toBe(401);
    const paymentId = await openPayment(100);
    expect(
      (await till('POST', '/kiosk/v1/payment-requests', { amount: 200, reference: 'y' })).status,
    ).toBe(409);
    const taken = await till('DELETE', `/kiosk/v1/payment-requests/${paymentId}`);
    expect(taken).toMatchObject({ status: 200, body: { payment: { state: 'cancelled' } } });
    expect((await till('DELETE', `/kiosk/v1/payment-requests/${paymentId}`)).status).toBe(409);
  });

  it('the kiosk API WebSocket answers only its own page (origin and session token)', async () => {
    const session = (await (await fetch(`${http.url}/kiosk/session`)).json()) as { token: string };
    const host = new URL(http.url).host;
    const attempt = (origin: string, token: string) =>
      new Promise<string>((resolve) => {
        const ws = new WebSocket(`ws://${host}/kiosk/v1/ws?token=${token}`, { origin });
        ws.on('open', () => ws.send(JSON.stringify({ id: 1, method: 'status', payload: {} })));
        ws.on('message', (data) => {
          resolve(String(data));
          ws.close();
        });
        ws.on('unexpected-response', (_request, response) =>
          resolve(`http ${response.statusCode}`),
        );
        ws.on('error', () => resolve('error'));
      });
    expect(await attempt('http://evil.example', session.token)).toBe('http 403');
    expect(await attempt(http.url, 'guessed-token')).toBe('http 403');
    expect(await attempt(http.url, session.token)).toContain('"shopName":"Test Shop"');
  });

  it('answers no page that reached it under another host name (DNS rebinding): no session token, no WebSocket', async () => {
    const { port } = new URL(http.url);
    // A page of rebind.example whose name was made to resolve to 127.0.0.1: the browser sends that name.
    const rebound = `rebind.example:${port}`;
    const get = (host: string, path: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const request = httpRequest(
          { host: '127.0.0.1', port, path, headers: { host } },
          (response) => {
            let body = '';
            response.on('data', (chunk: Buffer) => (body += chunk.toString()));
            response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
          },
        );
        request.on('error', reject);
        request.end();
      });
    const stolen = await get(rebound, '/kiosk/session');
    expect(stolen.status).toBe(421);
    expect(stolen.body).not.toContain('token');
    expect((await get(rebound, '/')).status).toBe(421);
    // The kiosk's own names still work.
    expect((await get(`127.0.0.1:${port}`, '/kiosk/session')).body).toContain('token');
    expect((await get(`localhost:${port}`, '/kiosk/session')).body).toContain('token');
    // With a token from the kiosk's own page, a socket opened under the other name is refused too.
    const session = (await (await fetch(`${http.url}/kiosk/session`)).json()) as { token: string };
    const answer = await new Promise<string>((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/kiosk/v1/ws?token=${session.token}`, {
        origin: `http://${rebound}`,
        headers: { host: rebound },
      });
      ws.on('open', () => {
        resolve('open');
        ws.close();
      });
      ws.on('unexpected-response', (_request, response) => resolve(`http ${response.statusCode}`));
      ws.on('error', () => resolve('error'));
    });
    expect(answer).toBe('http 403');
  });

  it('serves no file outside its folders', () => {
    const folders = kioskMounts({
      rendererDir: '/srv/renderer',
      modelsDir: '/srv/models',
      wasmDir: '/srv/wasm',
    });
    const served = (urlPath: string) => {
      const answer = resolveMountedFile(folders, urlPath);
      return answer.ok ? answer.file : null;
    };
    expect(served('/../etc/passwd')).toBeNull();
    expect(served('/models/%2e%2e/secret')).toBeNull();
    expect(served('/.env')).toBeNull();
    expect(served('/models/manifest.json')).toBe('/srv/models/manifest.json');
  });

  it('locks the operator screen after repeated wrong PINs; amounts need the operator', async () => {
    expect(await call('startPayment', { amount: 100 })).toMatchObject({
      ok: false,
      error: { code: 'operator_locked' },
    });
    for (let i = 0; i < operatorPinAttemptsMax; i += 1) {
      expect(await call('operatorUnlock', { pin: '0000' })).toMatchObject({
        ok: false,
        error: { code: 'operator_pin_incorrect' },
      });
    }
    expect(await call('operatorUnlock', { pin: shop.config.operatorPin })).toMatchObject({
      ok: false,
      error: { code: 'operator_locked' },
    });
  });

  it('with the hub gone the kiosk says so, takes no money, and the payment can be tried again', async () => {
    const before = await balance();
    const paymentId = await openPayment(250);
    await hub.close();
    const identified = await call('identify', {
      paymentId,
      modelId,
      descriptor: Array.from(sameFace()),
      liveness: live,
    });
    expect(identified).toMatchObject({ ok: false, error: { code: 'hub_unreachable' } });
    expect(runtime.service.status().hub).toBe('unreachable');
    // The same hub comes back on the same port, as a restarted service would.
    const port = Number(new URL(shop.config.hubUrl).port);
    hub = await startHub({ dataDir: path.join(work, 'hub'), port, adminToken, clock: hubClock });
    admin = new HubClient({ baseUrl: hub.url, token: adminToken });
    expect(await balance()).toBe(before);
    const again = await call('identify', {
      paymentId,
      modelId,
      descriptor: Array.from(sameFace()),
      liveness: live,
    });
    expect(again).toMatchObject({ ok: true, payment: { state: 'confirming' } });
    await call('cancel', { paymentId });
  });

  it('a hold whose answer was lost is found and refunded once the hub answers: no money taken', async () => {
    // The hub commits the hold and the network loses its answer; it is back when the kiosk asks again.
    const { service, link } = await serviceOn(networkLosingFirstAnswer('/v1/holds'));
    const before = await balance();
    const paymentId = await confirmingPayment(service, 820);
    const paid = await service.handlers.confirm({ paymentId, pin: '4862' });
    expect(paid).toMatchObject({ ok: false, error: { code: 'hub_unreachable' } });
    expect(service.tillPayment(paymentId)).toMatchObject({
      state: 'failed',
      failure: 'hub_unreachable',
    });
    expect(await balance()).toBe(before - 820); // the hub did take it
    // Not before its authorization has expired: asking again must never place it.
    expect(await service.reconcile()).toEqual(nothingToReconcile);
    pastAuthorizations();
    expect(await service.reconcile()).toEqual(refundedOnly(paymentId));
    expect(await balance()).toBe(before);
    expect(await service.reconcile()).toEqual(nothingToReconcile);
    link.dispose();
  });
});

describe('a payment whose hold request is in flight', () => {
  afterEach(() => vi.useRealTimers());

  it('cannot be cancelled (till DELETE, the Cancel button, idle expiry) once the money is on its way: the till is never told "cancelled" for a paid payment', async () => {
    const { network, arrived, release } = networkHoldingBack('/v1/holds');
    // The idle timer counts elapsed time (performance.now), which fake timers move on; the rest runs real.
    vi.useFakeTimers({ toFake: ['performance'] });
    const { service, link } = await serviceOn(network);
    const before = await balance();
    const paymentId = await confirmingPayment(service, 410);
    const paying = service.handlers.confirm({ paymentId, pin: '4862' });
    await arrived;
    // The till takes the amount back, and the shopper taps Cancel, while the hold is being placed.
    expect(service.cancelFromTill(paymentId)).toMatchObject({
      ok: false,
      error: { code: 'payment_not_ready' },
    });
    expect(await service.handlers.cancel({ paymentId })).toMatchObject({
      ok: false,
      error: { code: 'payment_not_ready' },
    });
    // A hub slow to answer: the runtime's idle timer must not cancel it either.
    vi.advanceTimersByTime(kioskPaymentIdleMsMax + 1_000);
    service.expireIdle();
    expect(service.tillPayment(paymentId)).toMatchObject({ state: 'pin' });
    vi.useRealTimers();
    release();
    expect(await paying).toMatchObject({ ok: true, payment: { state: 'paid' } });
    expect(service.tillPayment(paymentId)).toMatchObject({ state: 'paid' });
    expect(await balance()).toBe(before - 410);
    link.dispose();
  });

  it('answers a second confirm sent while the first is in flight with payment_not_ready, and the paid payment stays paid', async () => {
    const { network, arrived, release } = networkHoldingBack('/v1/holds');
    const { service, link } = await serviceOn(network);
    const before = await balance();
    const paymentId = await confirmingPayment(service, 370);
    const first = service.handlers.confirm({ paymentId, pin: '4862' });
    await arrived;
    // A double tap on OK: the second confirm must not check the PIN again nor place a second hold.
    const second = service.handlers.confirm({ paymentId, pin: '4862' });
    release();
    expect(await second).toMatchObject({ ok: false, error: { code: 'payment_not_ready' } });
    expect(await first).toMatchObject({ ok: true, payment: { state: 'paid' } });
    expect(service.tillPayment(paymentId)).toMatchObject({ state: 'paid' });
    expect(await balance()).toBe(before - 370);
    link.dispose();
  });
});

describe('a hold request answered by a gateway error', () => {
  it.each([
    {
      answer: 'JSON error',
      type: 'application/json',
      body: JSON.stringify({ error: { code: 'bad_gateway', message: 'upstream timed out' } }),
    },
    {
      answer: 'HTML page',
      type: 'text/html',
      body: '<html><body><h1>502 Bad Gateway</h1></body></html>',
    },
  ])(
    'a 5xx to POST /v1/holds ($answer) is an unknown outcome, not a refusal: the hold the hub did place is found and refunded',
    async ({ type, body }) => {
      // A proxy in front of the hub delivers the request, the hub commits the hold, and the proxy answers
      // 502 (its upstream timed out): nothing says whether the money moved.
      // Only the first: the proxy is well again when the kiosk asks again.
      let failed = false;
      const gateway: typeof fetch = async (input, init) => {
        const response = await fetch(input, init);
        if (!failed && isPostTo('/v1/holds', input, init)) {
          failed = true;
          return new Response(body, { status: 502, headers: { 'content-type': type } });
        }
        return response;
      };
      const { service, link } = await serviceOn(gateway);
      const before = await balance();
      const paymentId = await confirmingPayment(service, 530);
      const paid = await service.handlers.confirm({ paymentId, pin: '4862' });
      expect(paid).toMatchObject({ ok: false, error: { code: 'hub_unreachable' } });
      expect(service.tillPayment(paymentId)).toMatchObject({ state: 'failed' });
      expect(await balance()).toBe(before - 530); // the hub did take it
      pastAuthorizations();
      expect(await service.reconcile()).toEqual(refundedOnly(paymentId));
      expect(await balance()).toBe(before);
      link.dispose();
    },
  );
});

describe('a lost hold request under a till reference used before', () => {
  it("reconcile refunds only the lost request's own hold: an earlier payment under the same reference stays paid", async () => {
    // The till sends the same reference twice (its order number, paid in two parts); the second hold
    // request never reaches the hub (the network drops it on the way out).
    let drop = false;
    const dropping: typeof fetch = async (input, init) => {
      if (drop && isPostTo('/v1/holds', input, init)) throw new TypeError('network is unreachable');
      return fetch(input, init);
    };
    const { service, link } = await serviceOn(dropping);
    const reference = `order-${Date.now()}`;
    const pay = async (amount: number) => {
      const paymentId = await confirmingPayment(service, amount, reference);
      return { paymentId, answer: await service.handlers.confirm({ paymentId, pin: '4862' }) };
    };
    const first = await pay(300);
    expect(first.answer).toMatchObject({ ok: true, payment: { state: 'paid' } });
    const afterFirst = await balance();
    drop = true;
    const second = await pay(200);
    expect(second.answer).toMatchObject({ ok: false, error: { code: 'hub_unreachable' } });
    drop = false;
    pastAuthorizations();
    expect(await service.reconcile()).toEqual({
      ...nothingToReconcile,
      notPlaced: [second.paymentId],
    });
    // The first payment's 300 yen stay with the shop: nothing was refunded.
    expect(await balance()).toBe(afterFirst);
    link.dispose();
  });
});

describe('a lost hold request across a kiosk restart', () => {
  it('is still refunded by the restarted kiosk: the request is kept on disk until reconciled', async () => {
    const file = path.join(work, 'pending-holds.json');
    const kiosk = (network: typeof fetch) => serviceOn(network, { pendingHoldsFile: file });
    const before = await balance();
    const first = await kiosk(networkLosingFirstAnswer('/v1/holds'));
    const paymentId = await confirmingPayment(first.service, 640);
    const paid = await first.service.handlers.confirm({ paymentId, pin: '4862' });
    expect(paid).toMatchObject({ ok: false, error: { code: 'hub_unreachable' } });
    expect(await balance()).toBe(before - 640); // the hub did take it
    // The kiosk goes down before its reconcile ran; a new one starts on the same folder.
    first.link.dispose();
    const restarted = await kiosk(fetch);
    pastAuthorizations();
    expect(await restarted.service.reconcile()).toEqual(refundedOnly(paymentId));
    expect(await balance()).toBe(before);
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual([]);
    restarted.link.dispose();
  });
});

// Last in this file: the hub's clock moves two days on. A hub that finds a hold by its key gets it
// refunded (kiosk-lost-hold-by-key.test.ts); an older one cannot be asked, so staff check the payment.
describe('a lost hold request an older hub may have forgotten', () => {
  it('is never written off as "not placed" once the stored answer may be gone: it waits for staff, who clear it', async () => {
    const file = path.join(work, 'pending-holds-to-check.json');
    const first = await serviceOn(networkToOlderHub(networkLosingFirstAnswer('/v1/holds')), {
      pendingHoldsFile: file,
    });
    const before = await balance();
    const paymentId = await confirmingPayment(first.service, 730, 'order-730');
    const paid = await first.service.handlers.confirm({ paymentId, pin: '4862' });
    expect(paid).toMatchObject({ ok: false, error: { code: 'hub_unreachable' } });
    expect(await balance()).toBe(before - 730); // the hub did take it
    expect(first.service.status().paymentsToCheck).toEqual([]);
    // The kiosk cannot reach the hub for two days; the hub's hourly pruning forgets the stored answer,
    // so asking again with the same key finds nothing (the authorization it carries has long expired).
    hubClock.offsetMs += (idempotencyRetentionSeconds + 3_600) * 1000;
    await hub.store.deleteStoredResponsesBefore(
      hubClock.now() - idempotencyRetentionSeconds * 1000,
    );
    const unresolved = { ...nothingToReconcile, unresolved: [paymentId] };
    expect(await first.service.reconcile()).toEqual(unresolved);
    expect(await first.service.reconcile()).toEqual(unresolved); // kept, not forgotten
    first.link.dispose();
    // Still there after a restart, for staff: the amount and the till's reference to look the hold up by.
    const { service, link } = await serviceOn(networkToOlderHub(), { pendingHoldsFile: file });
    expect(await service.reconcile()).toEqual(unresolved);
    expect(service.status().paymentsToCheck).toMatchObject([
      { paymentId, amount: 730, reference: 'order-730' },
    ]);
    expect(await balance()).toBe(before - 730);
    // Staff checked it with the hub's operator: only an unlocked operator screen may clear it.
    const locked = await service.handlers.operatorClearPaymentToCheck({ paymentId });
    expect(locked).toMatchObject({ ok: false, error: { code: 'operator_locked' } });
    expect(await service.handlers.operatorUnlock({ pin: shop.config.operatorPin })).toMatchObject({
      ok: true,
    });
    const cleared = await service.handlers.operatorClearPaymentToCheck({ paymentId });
    expect(cleared).toMatchObject({ ok: true });
    expect(service.status().paymentsToCheck).toEqual([]);
    expect(await service.reconcile()).toEqual(nothingToReconcile);
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual([]);
    link.dispose();
  });
});
