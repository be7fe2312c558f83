// A kiosk whose own clock is off pays all the same: it seals the face and PIN and signs its requests by the
// hub's clock, read from each answer (Hub-Time), instead of being refused every payment as stale
// (probeAgeMsMax behind, probeFutureSkewMsMax ahead) and telling the shopper the hub refused the kiosk.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HubLink } from '../../src/main/hub-link.ts';
import { hubClockRoundTripMsMax } from '../../src/shared/limits.ts';
import { syntheticFace } from '../hub/helpers.ts';
import type { KioskTestHub, TestClock } from './kiosk-test-hub.ts';
import { closeKioskTestHub } from './kiosk-test-hub.ts';
import { pay, shopKiosk, startShopWithShopper } from './shop-fixture.ts';

const face = syntheticFace();
/** The hub's clock: the machine's. */
const hubClock: TestClock = { offsetMs: 0, now: () => Date.now() + hubClock.offsetMs };
const links: HubLink[] = [];
let test: KioskTestHub;

beforeAll(async () => {
  test = await startShopWithShopper({
    prefix: 'facepay-clock-off-',
    adminToken: `admin-${randomBytes(12).toString('hex')}`,
    clock: hubClock,
    face,
  });
}, 60_000);

afterAll(async () => {
  for (const link of links) link.dispose();
  await closeKioskTestHub(test);
});

const balance = async () => (await test.admin.getAccount('shopper')).balance;

describe("a kiosk whose clock is off the hub's", () => {
  for (const [name, offsetMs] of [
    ['90 s ahead', 90_000],
    ['10 min behind', -600_000],
  ] as const) {
    it(`pays by face and PIN with its clock ${name}`, async () => {
      const kioskClock: TestClock = { offsetMs, now: () => Date.now() + kioskClock.offsetMs };
      const { service, link } = await shopKiosk({
        test,
        clock: kioskClock,
        network: fetch,
        pendingHoldsFile: path.join(test.work, `pending-${offsetMs}.json`),
      });
      links.push(link);
      const before = await balance();
      const { answer } = await pay(service, face, 430);
      expect(answer).toMatchObject({ ok: true, payment: { state: 'paid' } });
      expect(await balance()).toBe(before - 430);
      // It reads the hub's clock within half a quick answer's round trip.
      expect(Math.abs(link.hubClockOffsetMs + offsetMs)).toBeLessThanOrEqual(
        hubClockRoundTripMsMax / 2,
      );
    }, 60_000);
  }
});
