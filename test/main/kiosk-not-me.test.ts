// "Not me" at the confirm or PIN step: the face matched someone else. The payment goes back to the face
// step with nothing of that person kept (no PIN of theirs can be tried, no hold on their account), and the
// till's payment stays open for the shopper to pay with their own member number and PIN.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HubLink } from '../../src/main/hub-link.ts';
import type { KioskService } from '../../src/main/kiosk-service.ts';
import { syntheticFace } from '../hub/helpers.ts';
import type { KioskTestHub, TestClock } from './kiosk-test-hub.ts';
import {
  closeKioskTestHub,
  enrolAtStation,
  memberPin,
  modelId,
  sameFaceAs,
} from './kiosk-test-hub.ts';
import { atPin, shopWithShopperAndKiosk } from './shop-fixture.ts';

/** The shopper the face matches (Sato, account `shopper`) and the one in front of the kiosk (Ito). */
const satoFace = syntheticFace();
const itoFace = syntheticFace();
const clock: TestClock = { offsetMs: 0, now: () => Date.now() + clock.offsetMs };
const live = { passed: true, score: 0.99, checks: ['passive_texture_live', 'blink'] };

let test: KioskTestHub;
let link: HubLink;
let service: KioskService;
let itoMemberNumber: string;

beforeAll(async () => {
  ({ test, service, link } = await shopWithShopperAndKiosk({
    prefix: 'facepay-not-me-',
    clock,
    face: satoFace,
  }));
  await test.admin.createAccount({ id: 'ito', kind: 'person', name: 'Ito Ken', currency: 'JPY' });
  await test.admin.deposit('ito', 3_000, 'ito-deposit');
  await enrolAtStation({
    admin: test.admin,
    hubUrl: test.hub.url,
    dir: path.join(test.work, 'second-station'),
    modelId,
    pin: memberPin,
    people: [
      {
        name: 'Ito Ken',
        born: '1985-05-05',
        account: 'ito',
        faces: [sameFaceAs(itoFace), sameFaceAs(itoFace)],
      },
    ],
    now: clock.now,
  });
  const [ito] = (await test.admin.findPersons({ accountId: 'ito' })).items;
  if (ito === undefined) throw new Error('Ito is not enrolled');
  itoMemberNumber = ito.memberNumber;
}, 60_000);

afterAll(async () => {
  link?.dispose();
  await closeKioskTestHub(test);
});

const balance = async (account: string) => (await test.admin.getAccount(account)).balance;

/** The till asks for `amount`; Sato's face is read: the kiosk shows Sato's masked name to confirm. */
async function matchedToSato(amount: number): Promise<string> {
  const opened = service.requestFromTill({ amount, reference: `order-${amount}` });
  if (!opened.ok) throw new Error(`kiosk: ${opened.code}`);
  const paymentId = opened.payment.id;
  const descriptor = Array.from(sameFaceAs(satoFace));
  const identified = await service.handlers.identify({
    paymentId,
    modelId,
    descriptor,
    liveness: live,
  });
  expect(identified).toMatchObject({ ok: true, payment: { state: 'confirming' } });
  return paymentId;
}

describe('"not me" after the face matched someone else', () => {
  it('takes the payment back to the face step with nothing of the matched person, and the shopper pays it with their member number', async () => {
    const [satoBefore, itoBefore] = [await balance('shopper'), await balance('ito')];
    const paymentId = await matchedToSato(980);
    expect(service.status().payment?.displayNameMasked).not.toBeNull();

    const notMe = await service.handlers.notMe({ paymentId });
    expect(notMe).toMatchObject({
      ok: true,
      payment: { id: paymentId, state: 'waiting_for_face', displayNameMasked: null },
    });
    // Sato's authorization and PIN step are gone: a confirm with Sato's PIN is refused, no money moves.
    const confirm = await service.handlers.confirm({ paymentId, pin: memberPin });
    expect(confirm).toMatchObject({ ok: false, error: { code: 'payment_not_ready' } });
    expect(await balance('shopper')).toBe(satoBefore);

    const paid = await service.handlers.payWithMemberPin({
      paymentId,
      memberNumber: itoMemberNumber,
      pin: memberPin,
    });
    expect(paid).toMatchObject({ ok: true, payment: { id: paymentId, state: 'paid' } });
    expect(await balance('ito')).toBe(itoBefore - 980);
    expect(await balance('shopper')).toBe(satoBefore);
  }, 60_000);

  it('works from the PIN step too (no PIN of the matched person is tried), and not on a paid payment', async () => {
    const satoBefore = await balance('shopper');
    const paymentId = await atPin(service, satoFace, 640);
    expect(service.status().payment).toMatchObject({ id: paymentId, state: 'pin' });
    const notMe = await service.handlers.notMe({ paymentId });
    expect(notMe).toMatchObject({ ok: true, payment: { state: 'waiting_for_face' } });
    expect(await service.handlers.confirm({ paymentId, pin: memberPin })).toMatchObject({
      ok: false,
      error: { code: 'payment_not_ready' },
    });

    // The face read again (Sato after all), confirmed with Sato's PIN: paid once.
    const descriptor = Array.from(sameFaceAs(satoFace));
    await service.handlers.identify({ paymentId, modelId, descriptor, liveness: live });
    await service.handlers.confirm({ paymentId });
    const paid = await service.handlers.confirm({ paymentId, pin: memberPin });
    expect(paid).toMatchObject({ ok: true, payment: { state: 'paid' } });
    expect(await balance('shopper')).toBe(satoBefore - 640);

    const late = await service.handlers.notMe({ paymentId });
    expect(late).toMatchObject({ ok: false, error: { code: 'payment_closed' } });
    expect(service.status().payment).toBeNull();
  }, 60_000);

  it('is refused before anyone is matched, and for another payment', async () => {
    const opened = service.requestFromTill({ amount: 300, reference: 'order-300' });
    if (!opened.ok) throw new Error(`kiosk: ${opened.code}`);
    const paymentId = opened.payment.id;
    expect(await service.handlers.notMe({ paymentId })).toMatchObject({
      ok: false,
      error: { code: 'payment_not_ready' },
    });
    expect(await service.handlers.notMe({ paymentId: 'pay_notThisOne' })).toMatchObject({
      ok: false,
      error: { code: 'no_payment' },
    });
    expect(service.status().payment).toMatchObject({ id: paymentId, state: 'waiting_for_face' });
    await service.handlers.cancel({ paymentId });
  }, 60_000);
});
