// The kiosk status carries the hub's lasting refusal of a lost payment's refund as data (status, code, and
// the hub's message apart), so the operator screen words it in the staff's language by its code.
//
// A real hub (its own refusal: a hold past its refunds) and a proxy in front of it for answers the hub
// gives only when its state says so (the shop's account short of money) or that are not the hub's at all.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { HubLink } from '../../src/main/hub-link.ts';
import type { KioskService } from '../../src/main/kiosk-service.ts';
import { paymentToCheckHubCodes } from '../../src/shared/kiosk-api.ts';
import {
  holdRefundsMax,
  hubRefusalMessageCharsMax,
  paymentAuthorizationLifetimeMs,
  reconcileMarginMs,
} from '../../src/shared/limits.ts';
import { syntheticFace } from '../hub/helpers.ts';
import { startHoldingProxy, type HoldingProxy } from './holding-proxy.ts';
import type { KioskTestHub } from './kiosk-test-hub.ts';
import { closeKioskTestHub, networkLosingFirstAnswer } from './kiosk-test-hub.ts';
import { pay, shopKiosk, startShopWithShopper } from './shop-fixture.ts';

const face = syntheticFace();
/** The hub's and the kiosks' clock: moves forward only (the hub's rate limiter counts on it). */
const clock = { offsetMs: 0, now: () => Date.now() + clock.offsetMs };

let test: KioskTestHub;
let proxy: HoldingProxy;
/** While set, the proxy answers every refund itself: [status, body]. */
let refusing: readonly [number, unknown] | null = null;
/** Refunds the kiosks asked the hub for, through the proxy. */
let refundsAsked = 0;
const links: HubLink[] = [];

beforeAll(async () => {
  test = await startShopWithShopper({
    prefix: 'facepay-refusal-data-',
    adminToken: `admin-${randomBytes(12).toString('hex')}`,
    clock,
    face,
    deposit: 50_000,
  });
  proxy = await startHoldingProxy(test.hub.url, {
    answerHere: (method, url) => {
      const isRefund = /^\/v1\/holds\/[^/]+\/refunds$/.test(new URL(url).pathname);
      if (isRefund && method === 'POST') refundsAsked += 1;
      if (refusing === null || method !== 'POST' || !isRefund) return undefined;
      const [status, body] = refusing;
      return Response.json(body, { status });
    },
  });
}, 60_000);

afterEach(() => {
  refusing = null;
  for (const link of links.splice(0)) link.dispose();
});

afterAll(async () => {
  await proxy?.close();
  await closeKioskTestHub(test);
});

/** The shop's kiosk through the proxy, the first hold request's answer lost, its clock the test's. */
async function kiosk(file: string): Promise<KioskService> {
  const { service, link } = await shopKiosk({
    test,
    clock,
    network: networkLosingFirstAnswer('/v1/holds'),
    pendingHoldsFile: path.join(test.work, file),
    hubUrl: proxy.url,
  });
  links.push(link);
  return service;
}

/** The shopper pays, the answer is lost, the authorization's lifetime passes: reconcile refunds it next. */
async function paidButToldNot(service: KioskService, amount: number) {
  const { paymentId, answer } = await pay(service, face, amount);
  expect(answer).toMatchObject({ ok: false, error: { code: 'hub_unreachable' } });
  clock.offsetMs += paymentAuthorizationLifetimeMs + reconcileMarginMs + 5_000;
  const [hold] = (await test.admin.listHolds({ payer: 'shopper', payee: 'shop', limit: 1 })).items;
  expect(hold).toMatchObject({ amount, settled: amount, refunded: 0 });
  return { paymentId, holdId: hold!.id };
}

/** Two rounds: the first refusal may be a race; the second puts the payment before staff. */
async function refusedTwice(service: KioskService) {
  for (let round = 0; round < 2; round += 1) {
    expect((await service.reconcile()).refunded).toEqual([]);
  }
  return service.status().paymentsToCheck;
}

describe("a lost payment's refund the hub keeps refusing, in the kiosk status", () => {
  it("is the hub's status, code and message apart: a hold that took its most refunds (the real hub)", async () => {
    const service = await kiosk('pending-too-many-refunds.json');
    const amount = holdRefundsMax + 500;
    const { paymentId, holdId } = await paidButToldNot(service, amount);
    // The shop's back office gave back 1 yen at a time until the hold takes no more refunds.
    for (let refund = 0; refund < holdRefundsMax; refund += 1) {
      await test.admin.holdAction(holdId, 'refunds', { amount: 1 }, `back-office-${refund}`);
    }
    expect(await refusedTwice(service)).toEqual([
      expect.objectContaining({
        paymentId,
        amount,
        hubRefusal: {
          status: 422,
          code: 'too_many_refunds',
          hubMessage: `a hold takes at most ${holdRefundsMax} refunds`,
        },
      }),
    ]);
  });

  it("a code the hub link passes on as the kiosk's own (insufficient_funds) keeps the hub's status", async () => {
    const service = await kiosk('pending-insufficient-funds.json');
    const { paymentId } = await paidButToldNot(service, 610);
    const message = 'the payee has not enough available money for this refund';
    refusing = [422, { error: { code: 'insufficient_funds', message } }];
    expect(await refusedTwice(service)).toMatchObject([
      { paymentId, hubRefusal: { status: 422, code: 'insufficient_funds', hubMessage: message } },
    ]);
  });

  it('a code of the hub answered with another status than its table keeps the status and the message as answered', async () => {
    const service = await kiosk('pending-other-status.json');
    const { paymentId } = await paidButToldNot(service, 615);
    // A hub of another version (or its gateway) answering a known code with its own status.
    const message = 'the payee has not enough available money for this refund';
    refusing = [409, { error: { code: 'insufficient_funds', message } }];
    expect(await refusedTwice(service)).toMatchObject([
      { paymentId, hubRefusal: { status: 409, code: 'insufficient_funds', hubMessage: message } },
    ]);
  });

  it("a code that is not the hub's (a proxy's) has no status, and its message keeps what came back", async () => {
    const service = await kiosk('pending-not-the-hubs.json');
    const { paymentId } = await paidButToldNot(service, 620);
    refusing = [418, { error: { code: 'teapot', message: 'short and stout' } }];
    expect(await refusedTwice(service)).toMatchObject([
      {
        paymentId,
        hubRefusal: {
          status: null,
          code: 'hub_refused',
          hubMessage: '418 teapot: short and stout',
        },
      },
    ]);
  });

  it('a long message from the hub is cut at hubRefusalMessageCharsMax', async () => {
    const service = await kiosk('pending-long-message.json');
    const { paymentId } = await paidButToldNot(service, 630);
    refusing = [403, { error: { code: 'forbidden', message: 'x'.repeat(5_000) } }];
    expect(await refusedTwice(service)).toMatchObject([
      {
        paymentId,
        hubRefusal: {
          status: 403,
          code: 'forbidden',
          hubMessage: 'x'.repeat(hubRefusalMessageCharsMax),
        },
      },
    ]);
  });
});

describe('a refusal no retry can undo (too_many_refunds)', () => {
  it('staff mark it checked once the money was given back another way, and the kiosk stops asking; any other refusal they cannot', async () => {
    const final = await kiosk('pending-final-refusal.json');
    const amount = holdRefundsMax + 700;
    const { paymentId, holdId } = await paidButToldNot(final, amount);
    for (let refund = 0; refund < holdRefundsMax; refund += 1) {
      await test.admin.holdAction(holdId, 'refunds', { amount: 1 }, `back-office-final-${refund}`);
    }
    expect(await refusedTwice(final)).toMatchObject([
      { paymentId, hubRefusal: { code: 'too_many_refunds' } },
    ]);
    // Another kiosk's payment the hub refuses for a reason staff can get mended (forbidden).
    const other = await kiosk('pending-forbidden.json');
    const forbidden = await paidButToldNot(other, 640);
    refusing = [403, { error: { code: 'forbidden', message: 'not this merchant' } }];
    expect(await refusedTwice(other)).toMatchObject([
      { paymentId: forbidden.paymentId, hubRefusal: { code: 'forbidden' } },
    ]);

    const pin = test.shop.config.operatorPin;
    expect(await final.handlers.operatorClearPaymentToCheck({ paymentId })).toMatchObject({
      ok: false,
      error: { code: 'operator_locked' },
    });
    await final.handlers.operatorUnlock({ pin });
    await other.handlers.operatorUnlock({ pin });
    expect(
      await other.handlers.operatorClearPaymentToCheck({ paymentId: forbidden.paymentId }),
    ).toMatchObject({ ok: false, error: { code: 'payment_closed' } });
    expect(other.status().paymentsToCheck).toHaveLength(1);

    expect(await final.handlers.operatorClearPaymentToCheck({ paymentId })).toEqual({
      ok: true,
      cleared: true,
    });
    expect(final.status().paymentsToCheck).toEqual([]);
    expect(final.status().lostPaymentsWaiting).toBe(0);
    // Not asked again: no refund request goes out, and the hold keeps the back office's refunds only.
    const asked = refundsAsked;
    expect(asked).toBeGreaterThan(0);
    await final.reconcile();
    expect(refundsAsked).toBe(asked);
    expect((await test.admin.getHold(holdId)).refunded).toBe(holdRefundsMax);
  });
});

describe('the operator screen words', () => {
  const locales = ['ja', 'en'].map(
    (language) =>
      JSON.parse(
        readFileSync(
          path.join(
            import.meta.dirname,
            '..',
            '..',
            'src',
            'renderer',
            'locales',
            `${language}.json`,
          ),
          'utf8',
        ),
      ) as { operator: { toCheckRefusedReason: Record<string, unknown> } },
  );

  it('have a sentence of their own for every code a refund or release meets, and one for any other, in both languages', () => {
    for (const { operator } of locales) {
      const reasons = [...paymentToCheckHubCodes, 'other'].map(
        (code) => operator.toCheckRefusedReason[code],
      );
      reasons.forEach((reason) => expect(reason).toEqual(expect.any(String)));
      expect(new Set(reasons).size).toBe(reasons.length);
      expect(operator.toCheckRefusedReason.other).toContain('{{answer}}');
    }
  });
});
