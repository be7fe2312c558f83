// The shopper's face descriptor leaves the kiosk service's memory zeroed however identify ends, a throw
// included, and a descriptor the service cannot protect is refused at the kiosk API's door as input, not
// thrown inside the service.
//
// Found in review: #identifyFor zeroed its Float32Array copy only after hub.identify returned (no
// finally) and never zeroed the request's number[]; the kiosk API took 8..1024 values while protectProbe
// asserts the transform's 128 and a finite, non-zero norm, so a 512-value descriptor from the renderer
// threw inside the service with the face still in memory. Fixed: try/finally on both copies, and the
// schema takes kioskDescriptorLength values of a finite, non-zero norm.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { HubLink } from '../../src/main/hub-link.ts';
import { openHubLink } from '../../src/main/kiosk-runtime.ts';
import { KioskService } from '../../src/main/kiosk-service.ts';
import { elapsedMs } from '../../src/main/monotonic-clock.ts';
import { handleKioskCall } from '../../src/shared/kiosk-api.ts';
import { syntheticFace } from '../hub/helpers.ts';
import type { KioskTestHub, TestClock } from './kiosk-test-hub.ts';
import { closeKioskTestHub, modelId, sameFaceAs } from './kiosk-test-hub.ts';
import { startShopWithShopper } from './shop-fixture.ts';

/** A member's face: as long as the engine's descriptors (kioskDescriptorLength). */
const face = syntheticFace();
const clock: TestClock = { offsetMs: 0, now: () => Date.now() + clock.offsetMs };
const liveness = { passed: true, score: 0.99, checks: ['passive_texture_live', 'blink'] };

let test: KioskTestHub;
const links: HubLink[] = [];

beforeAll(async () => {
  test = await startShopWithShopper({
    prefix: 'facepay-descriptor-wiped-',
    adminToken: `admin-${randomBytes(12).toString('hex')}`,
    clock,
    face,
  });
}, 60_000);

afterEach(() => {
  for (const link of links.splice(0)) link.dispose();
});

afterAll(async () => {
  await closeKioskTestHub(test);
});

/**
 * The shop's real kiosk service on its real hub link, the link watched, not replaced: every descriptor
 * the service hands to its identify is kept here (to look at afterwards) and the call goes on as it was.
 */
async function watchedKiosk() {
  const config = test.shop.config;
  const { link } = await openHubLink(config, { now: clock.now, elapsed: clock.now });
  links.push(link);
  const handedToLink: Float32Array[] = [];
  const watched = new Proxy(link, {
    get(target, property) {
      if (property === 'identify') {
        return (request: Parameters<HubLink['identify']>[0]) => {
          handedToLink.push(request.descriptor);
          return target.identify(request);
        };
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as () => unknown).bind(target) : value;
    },
  });
  const service = new KioskService({
    config,
    hub: watched,
    modelId,
    now: clock.now,
    elapsed: () => elapsedMs() + clock.offsetMs,
    pendingHoldsFile: path.join(test.work, `pending-${randomBytes(4).toString('hex')}.json`),
  });
  return { service, handedToLink };
}

function openPayment(service: KioskService, amount: number): string {
  const opened = service.requestFromTill({ amount, reference: `order-${amount}` });
  if (!opened.ok) throw new Error(`kiosk: ${opened.code}`);
  return opened.payment.id;
}

const allZero = (values: ArrayLike<number>) => Array.from(values).every((value) => value === 0);

/** Descriptors the link cannot protect (protectProbe asserts), none of them zero to start with. */
const unprotectable = {
  '512 values': () => Array.from({ length: 512 }, (_, index) => Math.sin(index + 1)),
  '128 values whose norm overflows': () => Array.from({ length: face.length }, () => 1e200),
} as const;
type Unprotectable = keyof typeof unprotectable;

describe('a descriptor the hub link throws on, handed to the service past the door', () => {
  it.each(Object.keys(unprotectable) as Unprotectable[])(
    '%s: the array handed over and the copy the link was given are zeroed, and the service goes on',
    async (which) => {
      const { service, handedToLink } = await watchedKiosk();
      const paymentId = openPayment(service, 410);
      const descriptor = unprotectable[which]();
      await expect(
        service.handlers.identify({ paymentId, modelId, descriptor, liveness }),
      ).rejects.toThrow(/descriptor/);
      expect(allZero(descriptor)).toBe(true);
      expect(handedToLink).toHaveLength(1);
      expect(allZero(handedToLink[0] ?? [1])).toBe(true);
      // The throw left the payment free for the next face, which pays as ever and is zeroed too.
      const good = Array.from(sameFaceAs(face));
      expect(
        await service.handlers.identify({ paymentId, modelId, descriptor: good, liveness }),
      ).toMatchObject({ ok: true, payment: { state: 'confirming' } });
      expect(allZero(good)).toBe(true);
      expect(allZero(handedToLink[1] ?? [1])).toBe(true);
    },
  );
});

describe("a descriptor the service cannot protect, from the renderer through the kiosk API's door", () => {
  const refused = {
    ...unprotectable,
    '64 values': () => Array.from({ length: 64 }, (_, index) => Math.cos(index + 1)),
    '128 zeros': () => Array.from({ length: face.length }, () => 0),
  };
  it.each(Object.keys(refused) as (keyof typeof refused)[])(
    '%s: refused as invalid_request, nothing sent to the hub, no face try used',
    async (which) => {
      const { service, handedToLink } = await watchedKiosk();
      const paymentId = openPayment(service, 420);
      const tries = service.tillPayment(paymentId)?.faceTriesLeft;
      const payload = { paymentId, modelId, descriptor: refused[which](), liveness };
      expect(await handleKioskCall(service.handlers, 'identify', payload)).toMatchObject({
        ok: false,
        error: { code: 'invalid_request' },
      });
      expect(handedToLink).toHaveLength(0);
      expect(service.tillPayment(paymentId)).toMatchObject({
        state: 'waiting_for_face',
        faceTriesLeft: tries,
      });
      const good = { ...payload, descriptor: Array.from(sameFaceAs(face)) };
      expect(await handleKioskCall(service.handlers, 'identify', good)).toMatchObject({
        ok: true,
        payment: { state: 'confirming' },
      });
    },
  );
});
