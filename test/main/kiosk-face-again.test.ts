// Two refusals of the PIN step that the shopper's face can still mend, with the till's payment kept open
// and no PIN try counted, instead of closing it as a refusal of the kiosk ("ask staff", the till rings the
// amount again): a member number and PIN above pinOnlyAmountMax (the hub's face_required), and a PIN typed
// after the hub stopped remembering the face (identificationMemoryMs: identification_required).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HubLink } from '../../src/main/hub-link.ts';
import type { KioskService } from '../../src/main/kiosk-service.ts';
import {
  identificationMemoryMs,
  pinAttemptsMax,
  pinOnlyAmountMax,
} from '../../src/shared/limits.ts';
import { syntheticFace } from '../hub/helpers.ts';
import type { KioskTestHub, TestClock } from './kiosk-test-hub.ts';
import { closeKioskTestHub, memberPin, modelId, sameFaceAs } from './kiosk-test-hub.ts';
import { shopWithShopperAndKiosk } from './shop-fixture.ts';

const satoFace = syntheticFace();
const clock: TestClock = { offsetMs: 0, now: () => Date.now() + clock.offsetMs };

let test: KioskTestHub;
let link: HubLink;
let service: KioskService;
let satoMemberNumber: string;

beforeAll(async () => {
  ({
    test,
    service,
    link,
    memberNumber: satoMemberNumber,
  } = await shopWithShopperAndKiosk({
    prefix: 'facepay-face-again-',
    clock,
    face: satoFace,
    deposit: 50_000,
  }));
}, 60_000);

afterAll(async () => {
  link?.dispose();
  await closeKioskTestHub(test);
});

const balance = async () => (await test.admin.getAccount('shopper')).balance;

/** Sato's face read for `paymentId`: the confirm screen. */
async function faceRead(paymentId: string) {
  const descriptor = Array.from(sameFaceAs(satoFace));
  const liveness = { passed: true, score: 0.99, checks: ['passive_texture_live', 'blink'] };
  const identified = await service.handlers.identify({ paymentId, modelId, descriptor, liveness });
  expect(identified).toMatchObject({ ok: true, payment: { state: 'confirming' } });
}

describe('member number and PIN above what they pay alone', () => {
  it('is face_required with the payment still open, no PIN try counted, and the face then pays it', async () => {
    const before = await balance();
    const amount = pinOnlyAmountMax + 2_000;
    const opened = service.requestFromTill({ amount, reference: 'order-big' });
    if (!opened.ok) throw new Error(`kiosk: ${opened.code}`);
    const paymentId = opened.payment.id;

    // As often as the PIN's tries: were any counted, Sato's PIN would be locked before the face pays.
    for (let attempt = 0; attempt < pinAttemptsMax; attempt += 1) {
      const refused = await service.handlers.payWithMemberPin({
        paymentId,
        memberNumber: satoMemberNumber,
        pin: attempt === 0 ? memberPin : '0000',
      });
      expect(refused).toMatchObject({ ok: false, error: { code: 'face_required' } });
      expect(service.status().payment).toMatchObject({ id: paymentId, state: 'waiting_for_face' });
    }
    expect(service.tillPayment(paymentId)).toMatchObject({ state: 'waiting_for_face' });
    expect(await balance()).toBe(before);

    await faceRead(paymentId);
    await service.handlers.confirm({ paymentId });
    const paid = await service.handlers.confirm({ paymentId, pin: memberPin });
    expect(paid).toMatchObject({ ok: true, payment: { state: 'paid' } });
    expect(await balance()).toBe(before - amount);
  }, 60_000);

  it('at the limit itself the member number and PIN still pay', async () => {
    const before = await balance();
    const opened = service.requestFromTill({ amount: pinOnlyAmountMax, reference: 'order-at' });
    if (!opened.ok) throw new Error(`kiosk: ${opened.code}`);
    const paid = await service.handlers.payWithMemberPin({
      paymentId: opened.payment.id,
      memberNumber: satoMemberNumber,
      pin: memberPin,
    });
    expect(paid).toMatchObject({ ok: true, payment: { state: 'paid' } });
    expect(await balance()).toBe(before - pinOnlyAmountMax);
  }, 60_000);
});

describe('a PIN typed after the hub stopped remembering the face', () => {
  it('sends the payment back to the face step, open, with nothing of the match kept; the face and PIN then pay', async () => {
    const before = await balance();
    const opened = service.requestFromTill({ amount: 880, reference: 'order-slow' });
    if (!opened.ok) throw new Error(`kiosk: ${opened.code}`);
    const paymentId = opened.payment.id;
    await faceRead(paymentId);
    await service.handlers.confirm({ paymentId });
    // The shopper took longer at the confirm and PIN screens than the hub remembers a face.
    clock.offsetMs += identificationMemoryMs + 5_000;
    const late = await service.handlers.confirm({ paymentId, pin: memberPin });
    expect(late).toMatchObject({ ok: false, error: { code: 'identification_required' } });
    expect(service.status().payment).toMatchObject({
      id: paymentId,
      state: 'waiting_for_face',
      displayNameMasked: null,
    });
    expect(service.tillPayment(paymentId)).toMatchObject({ state: 'waiting_for_face' });
    // Nothing of the match is kept: the PIN is not sent again for the forgotten person.
    expect(await service.handlers.confirm({ paymentId, pin: memberPin })).toMatchObject({
      ok: false,
      error: { code: 'payment_not_ready' },
    });
    expect(await balance()).toBe(before);

    await faceRead(paymentId);
    await service.handlers.confirm({ paymentId });
    const paid = await service.handlers.confirm({ paymentId, pin: memberPin });
    expect(paid).toMatchObject({ ok: true, payment: { state: 'paid' } });
    expect(await balance()).toBe(before - 880);
  }, 60_000);
});
