// A shop kiosk's lost hold request asked again (reconcile) and refused: only a refusal the hub gives after it
// looked the request's Idempotency-Key up, or replays, proves the first request placed nothing.
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  lostHoldAnswerTrustedMs,
  paymentAuthorizationLifetimeMs,
  reconcileMarginMs,
} from '../../src/shared/limits.ts';
import { syntheticFace } from '../hub/helpers.ts';
import { startHoldingProxy, type HoldingProxy } from './holding-proxy.ts';
import type { KioskTestHub } from './kiosk-test-hub.ts';
import {
  closeKioskTestHub,
  isPostTo,
  networkLosingFirstAnswer,
  networkToOlderHub,
} from './kiosk-test-hub.ts';
import { pay, shopKiosk, startShopWithShopper } from './shop-fixture.ts';

const adminToken = `admin-${randomBytes(12).toString('hex')}`;
const face = syntheticFace();
/** The hub's and the kiosks' clock: moves forward only (the hub's rate limiter counts on it). */
const clock = { offsetMs: 0, now: () => Date.now() + clock.offsetMs };

/** What the hub answers before it looks a request's key up, each as the hub words it (never replayed). */
const beforeTheKey = {
  'a till whose role no longer places holds': [403, 'forbidden', 'this call needs role merchant'],
  'a body a stricter hub refuses': [400, 'invalid_request', 'body.reference: too long'],
  'a body over the size limit': [413, 'payload_too_large', 'request body over 65536 bytes'],
  'a content type refused': [415, 'unsupported_media_type', 'send JSON'],
  'a hub without the route': [404, 'not_found', 'no route POST /v1/holds'],
} as const;
type BeforeTheKey = keyof typeof beforeTheKey;

let test: KioskTestHub;
let proxy: HoldingProxy;
/** While set, the proxy answers every POST /v1/holds itself with this refusal, as the hub would. */
let refusing: BeforeTheKey | null = null;
/** While set, the proxy answers it with the hub's stored refusal replayed (Idempotent-Replayed: true). */
let replaying: BeforeTheKey | null = null;

beforeAll(async () => {
  test = await startShopWithShopper({
    prefix: 'facepay-reconcile-prekey-',
    adminToken,
    clock,
    face,
  });
  proxy = await startHoldingProxy(test.hub.url, {
    answerHere: (method, url) => {
      const refusal = refusing ?? replaying;
      if (refusal === null || !isPostTo('/v1/holds', url, { method })) return undefined;
      const [status, code, message] = beforeTheKey[refusal];
      const headers: Record<string, string> =
        replaying === null ? {} : { 'Idempotent-Replayed': 'true' };
      return Response.json({ error: { code, message } }, { status, headers });
    },
  });
}, 60_000);

afterAll(async () => {
  await proxy?.close();
  await closeKioskTestHub(test);
});

/**
 * The shop's kiosk, reaching the hub through the proxy over `network`, keeping its lost hold requests in
 * `file` (under the test's folder). Its elapsed clock moves as the test's clock does, and `ahead.ms` ahead.
 */
async function kiosk(network: typeof fetch, file: string, ahead = { ms: 0 }) {
  const pendingHoldsFile = path.join(test.work, file);
  const { service, link } = await shopKiosk({
    test,
    clock,
    network,
    pendingHoldsFile,
    hubUrl: proxy.url,
    elapsedAhead: ahead,
  });
  return { service, link, pendingHoldsFile };
}

/** Long enough that the lost request's authorization expired and reconcile asks it again. */
const waitForReconcile = paymentAuthorizationLifetimeMs + reconcileMarginMs + 5_000;
const timePasses = (ms: number) => (clock.offsetMs += ms);
const balance = async () => (await test.admin.getAccount('shopper')).balance;
const nothing = { refunded: [], released: [], notPlaced: [], unresolved: [] };
const pendingIn = async (file: string) => JSON.parse(await readFile(file, 'utf8')) as unknown[];

/** A POST /v1/holds answer as the kiosk received it. */
interface HoldAnswerSeen {
  status: number;
  code: string | undefined;
  replayed: boolean;
}

/**
 * The kiosk's network: while `state.dropping`, every POST /v1/holds is dropped on its way out (the hub never
 * sees it); while `state.losing`, the next one is delivered and its answer lost. `answers` lists the POST
 * /v1/holds answers the kiosk received.
 */
function holdNetwork(state: { dropping: boolean; losing: boolean }) {
  const answers: HoldAnswerSeen[] = [];
  const network: typeof fetch = async (input, init) => {
    const isHold = isPostTo('/v1/holds', input, init);
    if (isHold && state.dropping) throw new TypeError('network is unreachable');
    const response = await fetch(input, init);
    if (!isHold) return response;
    if (state.losing) {
      state.losing = false;
      throw new TypeError('socket hang up');
    }
    const body = (await response.clone().json()) as { error?: { code?: string } };
    const replayed = response.headers.get('idempotent-replayed') === 'true';
    answers.push({ status: response.status, code: body.error?.code, replayed });
    return response;
  };
  return { network, answers };
}

describe('a lost hold request the hub placed and settled, refused before its key is looked up when asked again', () => {
  it.each(Object.keys(beforeTheKey) as BeforeTheKey[])(
    'without the lookup by key: stays, neither written off nor for staff, and is refunded once the hub answers it: %s',
    async (why) => {
      const file = `pending-${beforeTheKey[why][0]}.json`;
      // An older hub: no lookup by key, so only the request asked again can tell what became of it.
      const { service, link, pendingHoldsFile } = await kiosk(
        networkToOlderHub(networkLosingFirstAnswer('/v1/holds')),
        file,
      );
      const before = await balance();
      const amount = 600 + beforeTheKey[why][0];
      const { paymentId, answer } = await pay(service, face, amount);
      expect(answer).toMatchObject({ ok: false, error: { code: 'hub_unreachable' } });
      expect(await balance()).toBe(before - amount); // placed and settled; the shopper was told no
      timePasses(waitForReconcile);
      refusing = why;
      try {
        expect(await service.reconcile()).toEqual(nothing);
        expect(await service.reconcile()).toEqual(nothing);
      } finally {
        refusing = null;
      }
      expect(await pendingIn(pendingHoldsFile)).toHaveLength(1);
      expect(service.status().paymentsToCheck).toEqual([]);
      expect(await balance()).toBe(before - amount);
      expect(await service.reconcile()).toEqual({ ...nothing, refunded: [paymentId] });
      expect(await balance()).toBe(before);
      expect(await pendingIn(pendingHoldsFile)).toEqual([]);
      link.dispose();
    },
  );

  it('without the lookup by key past the answer retention: goes to staff, never written off', async () => {
    const { service, link, pendingHoldsFile } = await kiosk(
      networkToOlderHub(networkLosingFirstAnswer('/v1/holds')),
      'pending-older-past-retention.json',
    );
    const before = await balance();
    const { paymentId } = await pay(service, face, 880);
    refusing = 'a body a stricter hub refuses';
    try {
      timePasses(waitForReconcile);
      expect(await service.reconcile()).toEqual(nothing);
      timePasses(lostHoldAnswerTrustedMs);
      expect(await service.reconcile()).toEqual({ ...nothing, unresolved: [paymentId] });
    } finally {
      refusing = null;
    }
    expect(await pendingIn(pendingHoldsFile)).toHaveLength(1);
    expect(await balance()).toBe(before - 880);
    link.dispose();
  });

  it('is refunded at once, found by its key, however long the refusal lasts', async () => {
    const { service, link, pendingHoldsFile } = await kiosk(
      networkLosingFirstAnswer('/v1/holds'),
      'pending-by-key.json',
    );
    const before = await balance();
    const { paymentId } = await pay(service, face, 870);
    expect(await balance()).toBe(before - 870);
    refusing = 'a body a stricter hub refuses';
    try {
      timePasses(waitForReconcile);
      // Refused before the key, but the hub finds the hold by the request's key: no wait for the refusal.
      expect(await service.reconcile()).toEqual({ ...nothing, refunded: [paymentId] });
    } finally {
      refusing = null;
    }
    expect(await balance()).toBe(before);
    expect(await pendingIn(pendingHoldsFile)).toEqual([]);
    link.dispose();
  });
});

describe('a lost hold request refused after the hub looked its key up', () => {
  it('never reached the hub, asked again once its authorization expired (authorization_invalid): not placed', async () => {
    const state = { dropping: true, losing: false };
    const { network, answers } = holdNetwork(state);
    const { service, link, pendingHoldsFile } = await kiosk(network, 'pending-expired.json');
    const before = await balance();
    const { paymentId, answer } = await pay(service, face, 410);
    expect(answer).toMatchObject({ ok: false, error: { code: 'hub_unreachable' } });
    state.dropping = false;
    timePasses(waitForReconcile);
    expect(await service.reconcile()).toEqual({ ...nothing, notPlaced: [paymentId] });
    expect(answers).toEqual([{ status: 403, code: 'authorization_invalid', replayed: false }]);
    expect(await pendingIn(pendingHoldsFile)).toEqual([]);
    expect(await balance()).toBe(before);
    link.dispose();
  });

  it('never reached the hub, asked again while the payer has not the money (insufficient_funds): not placed', async () => {
    // The kiosk's elapsed clock jumps a wait ahead of the hub's, so the request asked again still carries a
    // live authorization, and the hub's refusal is the payer's money, judged after the key's lookup.
    const state = { dropping: true, losing: false };
    const { network, answers } = holdNetwork(state);
    const ahead = { ms: 0 };
    const { service, link, pendingHoldsFile } = await kiosk(
      network,
      'pending-no-money.json',
      ahead,
    );
    const before = await balance();
    const { paymentId, answer } = await pay(service, face, 390);
    expect(answer).toMatchObject({ ok: false, error: { code: 'hub_unreachable' } });
    state.dropping = false;
    ahead.ms = waitForReconcile;
    const { available } = await test.admin.getAccount('shopper');
    const takesAll = {
      payer: 'shopper',
      payee: 'shop',
      amount: available,
      currency: 'JPY' as const,
    };
    const blocking = await test.admin.placeHold(
      { ...takesAll, reference: 'takes-all', expiresInSeconds: 3_600 },
      `admin-block-${paymentId}`,
    );
    try {
      expect(await service.reconcile()).toEqual({ ...nothing, notPlaced: [paymentId] });
    } finally {
      await test.admin.holdAction(blocking.id, 'release', {}, `admin-unblock-${paymentId}`);
    }
    expect(answers).toEqual([{ status: 422, code: 'insufficient_funds', replayed: false }]);
    expect(await pendingIn(pendingHoldsFile)).toEqual([]);
    expect(await balance()).toBe(before);
    expect((await test.admin.getAccount('shopper')).held).toBe(0);
    link.dispose();
  });

  it('refused when it first reached the hub, and that refusal replayed when asked again, whatever its code: not placed', async () => {
    // The hub stores a refusal from the hold's run (here a till's scope, 403 forbidden) under the key and
    // replays it: that request's own fate, though the same code can come before the key when not replayed.
    const state = { dropping: true, losing: false };
    const { network, answers } = holdNetwork(state);
    const { service, link, pendingHoldsFile } = await kiosk(network, 'pending-replayed-403.json');
    const before = await balance();
    const { paymentId, answer } = await pay(service, face, 480);
    expect(answer).toMatchObject({ ok: false, error: { code: 'hub_unreachable' } });
    state.dropping = false;
    timePasses(waitForReconcile);
    replaying = 'a till whose role no longer places holds';
    try {
      expect(await service.reconcile()).toEqual({ ...nothing, notPlaced: [paymentId] });
    } finally {
      replaying = null;
    }
    expect(answers).toEqual([{ status: 403, code: 'forbidden', replayed: true }]);
    expect(await pendingIn(pendingHoldsFile)).toEqual([]);
    expect(await balance()).toBe(before);
    link.dispose();
  });

  it('reached the hub and was refused, its refusal lost, then replayed when asked again: not placed', async () => {
    const state = { dropping: false, losing: true };
    const { network, answers } = holdNetwork(state);
    const { service, link, pendingHoldsFile } = await kiosk(network, 'pending-replayed.json');
    const before = await balance();
    const { paymentId, answer } = await pay(service, face, before + 1);
    expect(answer).toMatchObject({ ok: false, error: { code: 'hub_unreachable' } });
    timePasses(waitForReconcile);
    expect(await service.reconcile()).toEqual({ ...nothing, notPlaced: [paymentId] });
    expect(answers).toEqual([{ status: 422, code: 'insufficient_funds', replayed: true }]);
    expect(await pendingIn(pendingHoldsFile)).toEqual([]);
    expect(await balance()).toBe(before);
    link.dispose();
  });
});
