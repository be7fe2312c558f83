// A till whose wrong PINs of the day reached the hub's cap: the kiosk closes the payment with the hub's
// reason (no retry loop, no money taken) instead of asking the shopper to type the PIN again.
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/hub/clock.ts';
import type { RunningHub } from '../../src/hub/hub.ts';
import type { HubLink } from '../../src/main/hub-link.ts';
import { openHubLink } from '../../src/main/kiosk-runtime.ts';
import { KioskService } from '../../src/main/kiosk-service.ts';
import type { HubClient } from '../../src/shared/hub-client.ts';
import { pinFailuresPerDayPerClientMax } from '../../src/shared/limits.ts';
import { memberNumberFromPayload } from '../../src/shared/member-number.ts';
import type { Shop } from '../../scripts/kiosk/deployment.ts';
import { startKioskTestHub } from './kiosk-test-hub.ts';

const clock = new ManualClock(Date.now());
let work: string;
let hub: RunningHub;
let admin: HubClient;
let shop: Shop;
let link: HubLink;
let service: KioskService;

beforeAll(async () => {
  ({ work, hub, admin, shop } = await startKioskTestHub({
    prefix: 'facepay-kiosk-pin-cap-',
    adminToken: `admin-${randomBytes(12).toString('hex')}`,
    clock,
    setup: {
      shop: { id: 'shop', name: 'Test Shop' },
      shopper: { id: 'shopper', name: 'Sato Hanako', deposit: 5_000 },
    },
  }));
  // The kiosk seals PINs with the hub's clock, so a test that moves it keeps every seal fresh.
  ({ link } = await openHubLink(shop.config, {
    now: () => clock.now(),
    elapsed: () => clock.now(),
  }));
  service = new KioskService({ config: shop.config, hub: link, modelId: null });
}, 60_000);

afterAll(async () => {
  link?.dispose();
  await hub?.close();
  await rm(work, { recursive: true, force: true });
});

describe('wrong PINs per till and day, at the kiosk', () => {
  it('past the cap the payment closes with pin_checks_suspended and takes nothing', async () => {
    const before = (await admin.getAccount('shopper')).balance;
    const opened = service.requestFromTill({ amount: 700, reference: 'cap-1' });
    if (!opened.ok) throw new Error('kiosk busy');
    const paymentId = opened.payment.id;
    // Member numbers nobody holds: every try is a wrong PIN to the hub, and each number only once.
    for (let i = 0; i < pinFailuresPerDayPerClientMax; i++) {
      clock.advance(1_000);
      const wrong = await service.handlers.payWithMemberPin({
        paymentId,
        memberNumber: memberNumberFromPayload(String(200_000_000 + i)),
        pin: '0000',
      });
      expect(wrong).toMatchObject({ ok: false, error: { code: 'pin_incorrect' } });
    }
    clock.advance(1_000);
    const cut = await service.handlers.payWithMemberPin({
      paymentId,
      memberNumber: memberNumberFromPayload('300000000'),
      pin: '0000',
    });
    expect(cut).toMatchObject({ ok: false, error: { code: 'pin_checks_suspended' } });
    expect(service.tillPayment(paymentId)).toMatchObject({
      state: 'failed',
      failure: 'pin_checks_suspended',
    });
    expect((await admin.getAccount('shopper')).balance).toBe(before);
  }, 120_000);
});
