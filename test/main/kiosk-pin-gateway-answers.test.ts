// A shopper's PIN check (verify-pin after a face, or member number + PIN) that a gateway forwarded to the hub
// and then answered itself: a 502 or 504 in its own JSON, its own 429, a 408 with an empty body. None is
// the hub's refusal, so the payment stays open at the PIN, the shopper is told the service could not be
// reached, and pays with the PIN typed again (after a face, looking at the camera again too:
// the hub spent the identification on the authorization the gateway lost).
//
// Found in review: verify-pin and pin-authorizations read any answer in the hub's error shape, or in none,
// as the hub's refusal (hub_refused): the kiosk closed the payment and told the shopper "the payment
// service refused this kiosk's request; ask a member of staff", for a gateway's passing fault.
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { HubLink } from '../../src/main/hub-link.ts';
import type { KioskService } from '../../src/main/kiosk-service.ts';
import { syntheticFace } from '../hub/helpers.ts';
import { startHoldingProxy, type HoldingProxy } from './holding-proxy.ts';
import type { KioskTestHub } from './kiosk-test-hub.ts';
import { closeKioskTestHub, isPostTo, memberPin } from './kiosk-test-hub.ts';
import { atPin, lookAndConfirm, shopKioskAt, startShopWithShopper } from './shop-fixture.ts';

const adminToken = `admin-${randomBytes(12).toString('hex')}`;
const face = syntheticFace();
/** The hub's and the kiosk's clock: the machine's (the hub's PIN limiter refills as real time passes). */
const clock = { offsetMs: 0, now: () => Date.now() + clock.offsetMs };

/** What the gateway answers a PIN check after forwarding it, each not the hub's own, and the kiosk's code. */
const gatewayAnswers = {
  'a 502 in the gateway’s own JSON': {
    answer: () => Response.json({ message: 'Bad Gateway' }, { status: 502 }),
    code: 'hub_unreachable',
  },
  'a 504 in the hub’s shape with a code the hub does not have': {
    answer: () =>
      Response.json({ error: { code: 'upstream_timeout', message: 'no answer' } }, { status: 504 }),
    code: 'hub_unreachable',
  },
  'a 429 of the gateway’s own': {
    answer: () => Response.json({ message: 'Too Many Requests' }, { status: 429 }),
    code: 'hub_unreachable',
  },
  'a 408 with an empty body': {
    answer: () => new Response(null, { status: 408 }),
    code: 'hub_unreachable',
  },
} as const;
type GatewayAnswer = keyof typeof gatewayAnswers;

let test: KioskTestHub;
let proxy: HoldingProxy;
let memberNumber = '';
/** While set, the gateway answers the next POST to `route` itself, once the hub has answered it. */
const answering: { route: string; which: GatewayAnswer | null; answered: number } = {
  route: '',
  which: null,
  answered: 0,
};
const links: HubLink[] = [];

beforeAll(async () => {
  test = await startShopWithShopper({ prefix: 'facepay-pin-gateway-', adminToken, clock, face });
  const [shopper] = (await test.admin.findPersons({ accountId: 'shopper' })).items;
  memberNumber = shopper?.memberNumber ?? '';
  proxy = await startHoldingProxy(test.hub.url, {
    answerAfter: (method, url) => {
      const { which } = answering;
      if (which === null || !isPostTo(answering.route, url, { method })) return undefined;
      answering.which = null;
      answering.answered += 1;
      return gatewayAnswers[which].answer();
    },
  });
}, 60_000);

afterEach(() => {
  answering.which = null;
  answering.answered = 0;
  for (const link of links.splice(0)) link.dispose();
});

afterAll(async () => {
  await proxy?.close();
  await closeKioskTestHub(test);
});

const balance = async () => (await test.admin.getAccount('shopper')).balance;

async function kioskBehindGateway(): Promise<KioskService> {
  const { service, link } = await shopKioskAt(test, clock, proxy.url);
  links.push(link);
  return service;
}

describe('a PIN check a gateway forwarded, then answered itself', () => {
  it.each(Object.keys(gatewayAnswers) as GatewayAnswer[])(
    'after a face, %s leaves the payment at the PIN; typed again, the face is asked again (its identification spent), then they pay',
    async (which) => {
      // The till's PIN checks a second apart at most: the burst is whole, and the hub answers the
      // forwarded check itself (not with its own 429 to the case before).
      clock.offsetMs += 2_000;
      const service = await kioskBehindGateway();
      const before = await balance();
      const paymentId = await atPin(
        service,
        face,
        610,
        `pin-gateway-${randomBytes(3).toString('hex')}`,
      );
      answering.route = '/v1/verify-pin';
      answering.which = which;
      const first = await service.handlers.confirm({ paymentId, pin: memberPin });
      // Answered as it came: one request (a gateway's 429 may come after the hub counted a try).
      expect(answering.answered).toBe(1);
      expect(first).toMatchObject({ ok: false, error: { code: gatewayAnswers[which].code } });
      expect(service.status().payment).toMatchObject({ id: paymentId, state: 'pin' });
      expect(await balance()).toBe(before);

      // The runtime's next round finds the hub again; the shopper types the PIN again. The hub spent its
      // identification on the authorization the gateway lost: the kiosk asks for the face again, no try
      // counted, and the face and PIN then pay.
      service.setHubState('reachable');
      const again = await service.handlers.confirm({ paymentId, pin: memberPin });
      expect(again).toMatchObject({ ok: false, error: { code: 'identification_required' } });
      expect(service.status().payment).toMatchObject({ id: paymentId, state: 'waiting_for_face' });
      await lookAndConfirm(service, face, paymentId);
      const paid = await service.handlers.confirm({ paymentId, pin: memberPin });
      expect(paid).toMatchObject({ ok: true, payment: { id: paymentId, state: 'paid' } });
      expect(await balance()).toBe(before - 610);
    },
    30_000,
  );

  it.each(['a 502 in the gateway’s own JSON', 'a 429 of the gateway’s own'] as GatewayAnswer[])(
    'with the member number, %s leaves the payment open, and the PIN typed again pays',
    async (which) => {
      clock.offsetMs += 2_000;
      const service = await kioskBehindGateway();
      const before = await balance();
      const opened = service.requestFromTill({
        amount: 540,
        reference: `member-gateway-${randomBytes(3).toString('hex')}`,
      });
      if (!opened.ok) throw new Error(`kiosk: ${opened.code}`);
      const paymentId = opened.payment.id;
      answering.route = '/v1/pin-authorizations';
      answering.which = which;
      const first = await service.handlers.payWithMemberPin({
        paymentId,
        memberNumber,
        pin: memberPin,
      });
      expect(answering.answered).toBe(1);
      expect(first).toMatchObject({ ok: false, error: { code: gatewayAnswers[which].code } });
      expect(service.status().payment).toMatchObject({ id: paymentId, state: 'waiting_for_face' });
      expect(await balance()).toBe(before);

      service.setHubState('reachable');
      const paid = await service.handlers.payWithMemberPin({
        paymentId,
        memberNumber,
        pin: memberPin,
      });
      expect(paid).toMatchObject({ ok: true, payment: { id: paymentId, state: 'paid' } });
      expect(await balance()).toBe(before - 540);
    },
    30_000,
  );
});
