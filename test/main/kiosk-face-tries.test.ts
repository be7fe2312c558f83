// The hub compares at most faceTriesPerPaymentMax faces for one payment: each is one more chance that a
// stranger is taken for a member, so a stranger retrying, or tapping "Not me" and looking again, is bounded.
// A face the kiosk's face session refused (liveness, the challenge, timeout) uses a try too: a replayed
// recording passes the challenge only when the order drawn is the one it performs, so an unbounded retry
// button would let it try draws until one fits.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { HubLink } from '../../src/main/hub-link.ts';
import type { KioskService } from '../../src/main/kiosk-service.ts';
import { faceTriesPerPaymentMax } from '../../src/shared/limits.ts';
import { syntheticFace } from '../hub/helpers.ts';
import type { KioskTestHub, TestClock } from './kiosk-test-hub.ts';
import {
  closeKioskTestHub,
  isPostTo,
  memberPin,
  modelId,
  networkLosingFirstAnswer,
  sameFaceAs,
} from './kiosk-test-hub.ts';
import { shopWithShopperAndKiosk } from './shop-fixture.ts';

const satoFace = syntheticFace();
const strangerFace = syntheticFace();
const clock: TestClock = { offsetMs: 0, now: () => Date.now() + clock.offsetMs };
const live = { passed: true, score: 0.99, checks: ['passive_texture_live', 'blink'] };

let test: KioskTestHub;
let link: HubLink;
let service: KioskService;
let satoMemberNumber: string;
/** Identify requests that reached the hub, whatever became of their answers. */
let identifiesSent = 0;

beforeAll(async () => {
  // The first identify's answer is lost on the way back (the hub compared; the kiosk never heard).
  const losing = networkLosingFirstAnswer('/v1/identify');
  const network: typeof fetch = (input, init) => {
    if (isPostTo('/v1/identify', input, init)) identifiesSent += 1;
    return losing(input, init);
  };
  ({
    test,
    service,
    link,
    memberNumber: satoMemberNumber,
  } = await shopWithShopperAndKiosk({
    prefix: 'facepay-face-tries-',
    clock,
    face: satoFace,
    network,
  }));
}, 60_000);

// Each case counts its own payment's tries: the kiosk-wide pause after failed looks in a row, which these
// cases' looks together would reach, is kiosk-face-checks-paused.test.ts's; staff resume it before each.
beforeEach(async () => {
  expect(
    await service.handlers.operatorUnlock({ pin: test.shop.config.operatorPin }),
  ).toMatchObject({
    ok: true,
  });
  expect(await service.handlers.operatorResumeFaceChecks({})).toMatchObject({ ok: true });
});

afterAll(async () => {
  link?.dispose();
  await closeKioskTestHub(test);
});

const balance = async (account: string) => (await test.admin.getAccount(account)).balance;

function openPayment(amount: number): string {
  const opened = service.requestFromTill({ amount, reference: `order-${amount}` });
  if (!opened.ok) throw new Error(`kiosk: ${opened.code}`);
  expect(opened.payment.faceTriesLeft).toBe(faceTriesPerPaymentMax);
  return opened.payment.id;
}

/** Sato pays the open payment with her member number and PIN: the way on once no face try is left. */
async function expectPaidByMemberNumber(paymentId: string): Promise<void> {
  const paid = await service.handlers.payWithMemberPin({
    paymentId,
    memberNumber: satoMemberNumber,
    pin: memberPin,
  });
  expect(paid).toMatchObject({ ok: true, payment: { state: 'paid' } });
}

function identify(paymentId: string, face: Float32Array, liveness = live) {
  const descriptor = Array.from(sameFaceAs(face));
  return service.handlers.identify({ paymentId, modelId, descriptor, liveness });
}

describe('face tries per payment', () => {
  it('counts a try for a face the kiosk refused itself, none for one whose answer never came back', async () => {
    const paymentId = openPayment(450);
    const refused = await identify(paymentId, strangerFace, { ...live, passed: false });
    expect(refused).toMatchObject({ ok: false, error: { code: 'liveness_failed' } });
    expect(service.status().payment).toMatchObject({ faceTriesLeft: faceTriesPerPaymentMax - 1 });
    const lost = await identify(paymentId, strangerFace);
    expect(lost).toMatchObject({ ok: false, error: { code: 'hub_unreachable' } });
    expect(service.status().payment).toMatchObject({
      id: paymentId,
      state: 'waiting_for_face',
      faceTriesLeft: faceTriesPerPaymentMax - 1,
    });
    expect(await service.handlers.cancel({ paymentId })).toMatchObject({ ok: true });
  }, 60_000);

  it("refuses a stranger's face once the hub compared the payment's last try, without asking the hub; the member number still pays", async () => {
    const satoBefore = await balance('shopper');
    const paymentId = openPayment(720);
    for (let left = faceTriesPerPaymentMax - 1; left >= 0; left -= 1) {
      expect(await identify(paymentId, strangerFace)).toMatchObject({
        ok: false,
        error: { code: 'no_match' },
      });
      expect(service.status().payment).toMatchObject({ id: paymentId, faceTriesLeft: left });
    }
    const sentBefore = identifiesSent;
    // Even Sato's own face is not compared any more: the hub is not asked.
    const used = await identify(paymentId, satoFace);
    expect(used).toMatchObject({ ok: false, error: { code: 'face_tries_used' } });
    expect(identifiesSent).toBe(sentBefore);
    expect(service.status().payment).toMatchObject({
      id: paymentId,
      state: 'waiting_for_face',
      displayNameMasked: null,
      faceTriesLeft: 0,
    });

    await expectPaidByMemberNumber(paymentId);
    expect(await balance('shopper')).toBe(satoBefore - 720);
  }, 60_000);

  it('bounds "Not me" and looking again: each match is a try, and a new payment has its tries again', async () => {
    const satoBefore = await balance('shopper');
    const paymentId = openPayment(530);
    for (let left = faceTriesPerPaymentMax - 1; left >= 0; left -= 1) {
      expect(await identify(paymentId, satoFace)).toMatchObject({
        ok: true,
        payment: { state: 'confirming', faceTriesLeft: left },
      });
      expect(await service.handlers.notMe({ paymentId })).toMatchObject({
        ok: true,
        payment: { state: 'waiting_for_face', displayNameMasked: null, faceTriesLeft: left },
      });
    }
    const sentBefore = identifiesSent;
    expect(await identify(paymentId, satoFace)).toMatchObject({
      ok: false,
      error: { code: 'face_tries_used' },
    });
    expect(identifiesSent).toBe(sentBefore);
    expect(await service.handlers.cancel({ paymentId })).toMatchObject({ ok: true });
    expect(await balance('shopper')).toBe(satoBefore);

    // The next payment starts with every try, and Sato pays it by face.
    const next = openPayment(260);
    expect(await identify(next, satoFace)).toMatchObject({ ok: true });
    await service.handlers.confirm({ paymentId: next });
    const paid = await service.handlers.confirm({ paymentId: next, pin: memberPin });
    expect(paid).toMatchObject({ ok: true, payment: { state: 'paid' } });
    expect(await balance('shopper')).toBe(satoBefore - 260);
  }, 60_000);
});

describe('face refusals count as face tries', () => {
  it("after the last refused face, even the member's own live face is not compared; the member number and PIN pay", async () => {
    const before = await balance('shopper');
    const paymentId = openPayment(380);
    for (let left = faceTriesPerPaymentMax - 1; left >= 0; left -= 1) {
      expect(await service.handlers.reportFaceRefused({ paymentId })).toMatchObject({
        ok: true,
        payment: { id: paymentId, state: 'waiting_for_face', faceTriesLeft: left },
      });
    }
    // One more report (a renderer that ran the camera again) stays at none left.
    expect(await service.handlers.reportFaceRefused({ paymentId })).toMatchObject({
      ok: true,
      payment: { faceTriesLeft: 0 },
    });
    const sentBefore = identifiesSent;
    expect(await identify(paymentId, satoFace)).toMatchObject({
      ok: false,
      error: { code: 'face_tries_used' },
    });
    expect(identifiesSent).toBe(sentBefore);
    expect(await balance('shopper')).toBe(before);

    await expectPaidByMemberNumber(paymentId);
    expect(await balance('shopper')).toBe(before - 380);
  }, 60_000);

  it('a refusal and a comparison share the tries: two refusals leave one look, which pays', async () => {
    const before = await balance('shopper');
    const paymentId = openPayment(240);
    for (let refused = 0; refused < faceTriesPerPaymentMax - 1; refused += 1)
      await service.handlers.reportFaceRefused({ paymentId });
    expect(await identify(paymentId, satoFace)).toMatchObject({
      ok: true,
      payment: { state: 'confirming', faceTriesLeft: 0 },
    });
    await service.handlers.confirm({ paymentId });
    const paid = await service.handlers.confirm({ paymentId, pin: memberPin });
    expect(paid).toMatchObject({ ok: true, payment: { state: 'paid' } });
    expect(await balance('shopper')).toBe(before - 240);

    // The next payment has all its tries again.
    const next = openPayment(120);
    expect(service.status().payment).toMatchObject({
      id: next,
      faceTriesLeft: faceTriesPerPaymentMax,
    });
    expect(await service.handlers.cancel({ paymentId: next })).toMatchObject({ ok: true });
  }, 60_000);

  it('counts nothing for a payment that is not waiting for a face, or not the open one', async () => {
    const paymentId = openPayment(510);
    expect(await identify(paymentId, satoFace)).toMatchObject({
      ok: true,
      payment: { state: 'confirming', faceTriesLeft: faceTriesPerPaymentMax - 1 },
    });
    expect(await service.handlers.reportFaceRefused({ paymentId })).toMatchObject({
      ok: false,
      error: { code: 'payment_not_ready' },
    });
    expect(
      await service.handlers.reportFaceRefused({ paymentId: 'pay_0123456789abcdef' }),
    ).toMatchObject({ ok: false, error: { code: 'no_payment' } });
    expect(service.status().payment).toMatchObject({
      id: paymentId,
      faceTriesLeft: faceTriesPerPaymentMax - 1,
    });
    expect(await service.handlers.cancel({ paymentId })).toMatchObject({ ok: true });
    // A closed payment's refusal is refused as closed.
    expect(await service.handlers.reportFaceRefused({ paymentId })).toMatchObject({
      ok: false,
      error: { code: 'payment_closed' },
    });
  }, 60_000);
});
