// Reconcile asks the hub again for a lost hold request only once its authorization's lifetime has really
// passed: a kiosk clock set forward must not end the wait early (the re-sent request would place the hold,
// and reconcile refund it), one set back must not stretch it, and a restart neither shortens nor forgets it.
//
// A real hub; the test's clock is time passing (the hub's clock, the kiosk's wall and elapsed clocks move
// together), and `skew` is someone setting the kiosk's wall clock alone.
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { HubLink } from '../../src/main/hub-link.ts';
import type { KioskService } from '../../src/main/kiosk-service.ts';
import { paymentAuthorizationLifetimeMs, reconcileMarginMs } from '../../src/shared/limits.ts';
import { syntheticFace } from '../hub/helpers.ts';
import type { KioskTestHub } from './kiosk-test-hub.ts';
import { closeKioskTestHub, isPostTo } from './kiosk-test-hub.ts';
import { pay as shopperPays, shopKiosk, startShopWithShopper } from './shop-fixture.ts';

const adminToken = `admin-${randomBytes(12).toString('hex')}`;
const face = syntheticFace();
const hourMs = 3_600_000;
/** The wait before a lost request is asked again: its authorization's lifetime and the clocks' margin. */
const waitMs = paymentAuthorizationLifetimeMs + reconcileMarginMs;
/** Time passing: the hub's clock and the kiosks' (moves forward only; the hub's rate limiter counts on it). */
const clock = { offsetMs: 0, now: () => Date.now() + clock.offsetMs };
/** The kiosk's wall clock set forward or back by someone (a wrong NTP step, by hand): the kiosk's alone. */
const skew = { ms: 0 };
const kioskNow = () => clock.now() + skew.ms;
const nothing = { refunded: [], released: [], notPlaced: [], unresolved: [] };

let test: KioskTestHub;
const links: HubLink[] = [];

beforeAll(async () => {
  test = await startShopWithShopper({
    prefix: 'facepay-reconcile-clock-',
    adminToken,
    clock,
    face,
  });
}, 60_000);

afterEach(() => {
  skew.ms = 0;
  for (const link of links.splice(0)) link.dispose();
});

afterAll(async () => {
  await closeKioskTestHub(test);
});

/**
 * A network that loses every hold request before it reaches the hub while `lost.on` (the hub never saw
 * it), and counts the hold requests that went out since.
 */
function networkLosingHoldRequests() {
  const lost = { on: true, sent: 0 };
  const network: typeof fetch = async (input, init) => {
    if (!isPostTo('/v1/holds', input, init)) return fetch(input, init);
    if (lost.on) throw new TypeError('network is unreachable');
    lost.sent += 1;
    return fetch(input, init);
  };
  return { network, lost };
}

/** A start of the shop's kiosk app on `file` (a restart when a run before it used the same file). */
async function startKiosk(network: typeof fetch, file: string): Promise<KioskService> {
  const { service, link } = await shopKiosk({
    test,
    clock,
    network,
    pendingHoldsFile: path.join(test.work, file),
    now: kioskNow,
  });
  links.push(link);
  return service;
}

/** The shopper pays `amount` under `reference`; the request never reaches the hub. Answers the payment. */
async function lostPayment(service: KioskService, amount: number, reference: string) {
  const { paymentId, answer } = await shopperPays(service, face, amount, reference);
  expect(answer).toMatchObject({ ok: false, error: { code: 'hub_unreachable' } });
  return paymentId;
}

const timePasses = (ms: number) => (clock.offsetMs += ms);
const balance = async () => (await test.admin.getAccount('shopper')).balance;
const holdsUnder = async (reference: string) =>
  (await test.admin.listHolds({ payer: 'shopper', reference })).items;

/**
 * `service` has not asked the hub again (nothing re-sent), and the lost request is still kept; then,
 * once `leftMs` more has passed, it asks, the hub refuses (the authorization expired), and nothing was
 * ever held or taken under `reference`. The request is then `decided`: written off (notPlaced), or kept
 * for staff (unresolved) where the kiosk cannot tell which hub client sent it.
 */
async function waitsThenFindsNothing(options: {
  service: KioskService;
  lost: { sent: number };
  paymentId: string;
  reference: string;
  leftMs: number;
  decided?: 'notPlaced' | 'unresolved';
}) {
  const { service, lost, paymentId, reference } = options;
  expect(await service.reconcile()).toEqual(nothing);
  timePasses(options.leftMs - 1_000);
  expect(await service.reconcile()).toEqual(nothing);
  expect(lost.sent).toBe(0);
  timePasses(1_000);
  const decided = options.decided ?? 'notPlaced';
  expect(await service.reconcile()).toEqual({ ...nothing, [decided]: [paymentId] });
  expect(lost.sent).toBe(1);
  expect(await holdsUnder(reference)).toEqual([]);
}

describe('a lost hold request that never reached the hub, and the kiosk clock moved', () => {
  it('set 25 h forward: not asked again before the authorization has really expired, so no hold is placed then refunded', async () => {
    const before = await balance();
    const { network, lost } = networkLosingHoldRequests();
    const service = await startKiosk(network, 'pending-forward.json');
    const paymentId = await lostPayment(service, 640, 'clock-forward');
    lost.on = false;
    skew.ms = 25 * hourMs;
    await waitsThenFindsNothing({
      service,
      lost,
      paymentId,
      reference: 'clock-forward',
      leftMs: waitMs,
    });
    expect(await balance()).toBe(before);
  });

  it('set 25 h forward, then the kiosk restarted on the same folder: the new run waits the whole time left again', async () => {
    const before = await balance();
    const { network, lost } = networkLosingHoldRequests();
    const first = await startKiosk(network, 'pending-forward-restart.json');
    const paymentId = await lostPayment(first, 650, 'clock-forward-restart');
    lost.on = false;
    skew.ms = 25 * hourMs;
    const second = await startKiosk(network, 'pending-forward-restart.json');
    await waitsThenFindsNothing({
      service: second,
      lost,
      paymentId,
      reference: 'clock-forward-restart',
      leftMs: waitMs,
    });
    expect(await balance()).toBe(before);
  });

  it('restarted part way through the wait: the new run waits at least what was left, never less', async () => {
    const { network, lost } = networkLosingHoldRequests();
    const first = await startKiosk(network, 'pending-part-way.json');
    const paymentId = await lostPayment(first, 660, 'clock-part-way');
    lost.on = false;
    timePasses(100_000);
    expect(await first.reconcile()).toEqual(nothing);
    skew.ms = 25 * hourMs;
    const second = await startKiosk(network, 'pending-part-way.json');
    expect(await second.reconcile()).toEqual(nothing);
    timePasses(waitMs - 100_000 - 1_000);
    expect(await second.reconcile()).toEqual(nothing);
    expect(lost.sent).toBe(0);
    // Asked once the time left at the first run's last reconcile (its checkpoint) has passed.
    timePasses(2_000);
    expect(await second.reconcile()).toEqual({ ...nothing, notPlaced: [paymentId] });
    expect(await holdsUnder('clock-part-way')).toEqual([]);
  });

  it('kept by an older kiosk (sentAtMs only), found on a kiosk clock set 25 h forward: the whole wait again from the start', async () => {
    const { network, lost } = networkLosingHoldRequests();
    const first = await startKiosk(network, 'pending-older.json');
    const paymentId = await lostPayment(first, 670, 'clock-older-file');
    lost.on = false;
    const file = path.join(test.work, 'pending-older.json');
    const entries = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>[];
    expect(entries).toMatchObject([{ paymentId, sentAtMs: expect.any(Number) }]);
    const older = entries.map(({ paymentId: id, sentAtMs, sent }) => ({
      paymentId: id,
      sentAtMs,
      sent,
    }));
    writeFileSync(file, JSON.stringify(older));
    skew.ms = 25 * hourMs;
    const second = await startKiosk(network, 'pending-older.json');
    // Nor does it say which hub client sent it (sentBy): "never placed" goes to staff, not written off.
    await waitsThenFindsNothing({
      service: second,
      lost,
      paymentId,
      reference: 'clock-older-file',
      leftMs: waitMs,
      decided: 'unresolved',
    });
  });

  it('set 25 h back: asked again once the wait has passed, not 25 h later', async () => {
    const { network, lost } = networkLosingHoldRequests();
    const service = await startKiosk(network, 'pending-back.json');
    const paymentId = await lostPayment(service, 680, 'clock-back');
    lost.on = false;
    skew.ms = -25 * hourMs;
    await waitsThenFindsNothing({
      service,
      lost,
      paymentId,
      reference: 'clock-back',
      leftMs: waitMs,
    });
  });

  it('set 25 h back, then the kiosk restarted on the same folder: asked again once the wait has passed', async () => {
    const { network, lost } = networkLosingHoldRequests();
    const first = await startKiosk(network, 'pending-back-restart.json');
    const paymentId = await lostPayment(first, 690, 'clock-back-restart');
    lost.on = false;
    skew.ms = -25 * hourMs;
    const second = await startKiosk(network, 'pending-back-restart.json');
    await waitsThenFindsNothing({
      service: second,
      lost,
      paymentId,
      reference: 'clock-back-restart',
      leftMs: waitMs,
    });
  });
});
