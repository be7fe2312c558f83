// The hub's own limit of one PIN check a second per till, hit for real: a second kiosk on the same till token
// checks a PIN just before each of this kiosk's tries. The kiosk's answer says the PIN was not checked
// (pinNotChecked), the payment stays at the PIN, no try is counted, and the PIN typed again pays.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { HubLink } from '../../src/main/hub-link.ts';
import { memberNumberFromPayload } from '../../src/shared/member-number.ts';
import { syntheticFace } from '../hub/helpers.ts';
import type { KioskTestHub, TestClock } from './kiosk-test-hub.ts';
import { closeKioskTestHub, isPostTo, memberPin } from './kiosk-test-hub.ts';
import { atPin, shopKiosk, startShopWithShopper } from './shop-fixture.ts';

const face = syntheticFace();
/**
 * The hub's and the kiosks' clock: the machine's, held still (frozenAtMs) while the other kiosk crowds
 * this one's PIN checks. The hub's limiter refills with this clock, so a loaded machine (Argon2id taking
 * 0.5 s a check) cannot refill the till's second between the other kiosk's check and this kiosk's.
 */
const clock: TestClock & { frozenAtMs: number | null } = {
  offsetMs: 0,
  frozenAtMs: null,
  now: () => clock.frozenAtMs ?? Date.now() + clock.offsetMs,
};

/** Holds the clock still until `thaw`. */
function freeze(): void {
  clock.frozenAtMs = clock.now();
}

/** The clock runs again from `aheadMs` past the moment it was held at (never back). */
function thaw(aheadMs: number): void {
  const from = (clock.frozenAtMs ?? clock.now()) + aheadMs;
  clock.frozenAtMs = null;
  clock.offsetMs = from - Date.now();
}

let test: KioskTestHub;
const links: HubLink[] = [];
let unknownMembers = 0;

beforeAll(async () => {
  test = await startShopWithShopper({
    prefix: 'facepay-pin-429-',
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

const balance = async () => (await test.admin.getAccount('shopper')).balance;

describe("a PIN check refused by the hub's per-till limit", () => {
  it('answers rate_limited with pinNotChecked, keeps the payment at the PIN, counts no try, and the PIN typed again pays', async () => {
    // The other kiosk of the same till: its PIN check (a member number nobody holds) takes the till's second.
    const other = await shopKiosk({
      test,
      clock,
      network: fetch,
      pendingHoldsFile: path.join(test.work, 'pending-other.json'),
    });
    links.push(other.link);
    const crowd = { on: false, checks: [] as string[], refused: 0 };
    const network: typeof fetch = async (input, init) => {
      if (!crowd.on || !isPostTo('/v1/verify-pin', input, init)) return fetch(input, init);
      // The hub lets a till have a burst of two, then one a second: the other kiosk takes what is there.
      // The kiosk's retry comes after its own wait: the held clock moves on that one second, no more.
      if (crowd.checks.length > 0 && clock.frozenAtMs !== null) clock.frozenAtMs += 1_000;
      for (let i = crowd.checks.length === 0 ? 2 : 1; i > 0; i--) {
        unknownMembers += 1;
        const before = await other.link.pinAuthorization({
          memberNumber: memberNumberFromPayload(String(400_000_000 + unknownMembers)),
          pin: '0000',
          payee: 'shop',
          amount: 100,
        });
        crowd.checks.push(before.ok ? 'ok' : before.error.code);
      }
      const answer = await fetch(input, init);
      if (answer.status === 429) crowd.refused += 1;
      return answer;
    };
    const kiosk = await shopKiosk({
      test,
      clock,
      network,
      pendingHoldsFile: path.join(test.work, 'pending-kiosk.json'),
    });
    links.push(kiosk.link);
    const { service } = kiosk;
    const before = await balance();
    const paymentId = await atPin(service, face, 760);

    crowd.on = true;
    freeze();
    const refused = await service.handlers.confirm({ paymentId, pin: memberPin });
    crowd.on = false;
    // Two seconds on: the till's burst is back, for the wrong PIN and the right one below.
    thaw(2_000);
    // Both of the kiosk's tries (its own wait and retry) met the hub's 429; the other kiosk's checks went in.
    expect(crowd.checks).toEqual(['pin_incorrect', 'pin_incorrect', 'pin_incorrect']);
    expect(crowd.refused).toBe(2);
    expect(refused).toMatchObject({
      ok: false,
      error: { code: 'rate_limited', pinNotChecked: true },
    });
    expect(service.status().payment).toMatchObject({ id: paymentId, state: 'pin' });
    expect(await balance()).toBe(before);

    // Nothing was counted: a wrong PIN now is the first of three.
    const wrong = await service.handlers.confirm({ paymentId, pin: '1357' });
    expect(wrong).toMatchObject({ ok: false, error: { code: 'pin_incorrect', attemptsLeft: 2 } });
    expect(wrong.ok ? {} : wrong.error).not.toHaveProperty('pinNotChecked');
    const paid = await service.handlers.confirm({ paymentId, pin: memberPin });
    expect(paid).toMatchObject({ ok: true, payment: { id: paymentId, state: 'paid' } });
    expect(await balance()).toBe(before - 760);
  }, 60_000);
});
