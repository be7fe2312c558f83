// Clinic reception against a real hub when the hub's answer to a check-in is lost: the patient who taps
// "check in" again must find their visit on the board, and the kiosk must not release the cap it tells
// them is their visit.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KioskIdentity } from '../../src/biometrics/protect/kiosk-identity.node.ts';
import { loadKioskIdentity } from '../../src/biometrics/protect/kiosk-identity.node.ts';
import { HubLink } from '../../src/main/hub-link.ts';
import { KioskService } from '../../src/main/kiosk-service.ts';
import { HubClient } from '../../src/shared/hub-client.ts';
import { paymentAuthorizationLifetimeMs } from '../../src/shared/limits.ts';
import { syntheticFace } from '../hub/helpers.ts';
import type { KioskTestHub } from './kiosk-test-hub.ts';
import {
  closeKioskTestHub,
  networkLosingFirstAnswer,
  sameFaceAs,
  startKioskTestHubWithMember,
} from './kiosk-test-hub.ts';

const adminToken = `admin-${randomBytes(12).toString('hex')}`;
const modelId = 'faceapi-recognition-128-b413e420d684';
const cap = 5_000;
const face = syntheticFace();
/** Moves forward only (the hub's rate limiter counts on it): the test waits out an authorization. */
const clock = { offsetMs: 0, now: () => Date.now() + clock.offsetMs };

let test: KioskTestHub;
let identity: KioskIdentity;

beforeAll(async () => {
  test = await startKioskTestHubWithMember({
    prefix: 'facepay-clinic-lost-',
    adminToken,
    clock,
    setup: {
      shop: { id: 'clinic', name: 'Sakura Clinic' },
      shopper: { id: 'patient', name: 'Suzuki Ichiro', deposit: 20_000 },
      clinic: { cap, noShowAfterSeconds: 3_600 },
    },
    member: { modelId, pin: '4862', born: '1970-05-06', face },
  });
  const loaded = await loadKioskIdentity({ dir: test.shop.config.keysDir, create: false });
  if (!loaded.ok) throw new Error(loaded.error.message);
  identity = loaded.value;
}, 60_000);

afterAll(async () => {
  await closeKioskTestHub(test);
});

/** A reception kiosk on the clinic's config behind `network`. */
function reception(network: typeof fetch) {
  const link = new HubLink({
    hubUrl: test.hub.url,
    hubToken: test.shop.config.hubToken,
    kioskId: test.shop.config.kioskId,
    identity,
    now: clock.now,
    fetch: network,
  });
  const service = new KioskService({
    config: { ...test.shop.config, hubUrl: test.hub.url },
    hub: link,
    modelId,
    now: clock.now,
  });
  return { service, link };
}

/** The patient taps "check in", looks at the camera, taps OK and types the PIN. */
async function checkIn(service: KioskService) {
  const started = await service.handlers.startCheckIn({});
  if (!started.ok) return started;
  const paymentId = started.payment.id;
  const live = { passed: true, score: 0.99, checks: ['passive_texture_live', 'blink'] };
  const descriptor = Array.from(sameFaceAs(face));
  const identified = await service.handlers.identify({
    paymentId,
    modelId,
    descriptor,
    liveness: live,
  });
  if (!identified.ok) return identified;
  const confirmed = await service.handlers.confirm({ paymentId });
  if (!confirmed.ok || confirmed.payment.state !== 'pin') return confirmed;
  return service.handlers.confirm({ paymentId, pin: '4862' });
}

describe('a check-in whose answer was lost', () => {
  it('tapped again at the same kiosk: the patient is told their number, the board shows it, and reconcile leaves its cap held', async () => {
    const { service, link } = reception(networkLosingFirstAnswer('/v1/holds'));
    const before = await test.admin.getAccount('patient');
    const lost = await checkIn(service);
    expect(lost).toMatchObject({ ok: false, error: { code: 'hub_unreachable' } });
    const again = await checkIn(service);
    expect(again).toMatchObject({
      ok: false,
      error: { code: 'already_checked_in', queueNumber: 1 },
    });
    const board = await service.handlers.clinicVisits({});
    expect(board).toMatchObject({
      ok: true,
      visits: [{ queueNumber: 1, state: 'waiting', held: cap }],
    });
    clock.offsetMs += paymentAuthorizationLifetimeMs + 15_000;
    const reconciled = await service.reconcile();
    expect(reconciled).toEqual({ refunded: [], released: [], notPlaced: [], unresolved: [] });
    const open = await test.admin.listHolds({ payer: 'patient', status: 'active' });
    expect(open.items).toMatchObject([{ reference: expect.stringMatching(/^visit:.*:1:/) }]);
    expect((await test.admin.getAccount('patient')).held).toBe(before.held + cap);
    await closeOpenVisits();
    link.dispose();
  });

  it("settled by the clinic's consultation.completed before reconcile ran: the fee is not refunded, staff check it", async () => {
    const { service, link } = reception(networkLosingFirstAnswer('/v1/holds'));
    const before = await test.admin.getAccount('patient');
    const lost = await checkIn(service);
    expect(lost).toMatchObject({ ok: false, error: { code: 'hub_unreachable' } });
    // The clinic's system lists the hub's open visits, not the kiosk's board: the visit is called and billed.
    const [visit] = (await test.admin.listHolds({ payer: 'patient', status: 'active' })).items;
    if (visit === undefined) throw new Error('no visit held');
    const clinicSystem = new HubClient({
      baseUrl: test.hub.url,
      token: test.shop.clinicSystem?.token ?? '',
    });
    const event = { type: 'consultation.completed', data: { amount: 3_210 } };
    await clinicSystem.holdAction(visit.id, 'events', event, `completed-${visit.id}`);
    clock.offsetMs += paymentAuthorizationLifetimeMs + 15_000;
    const reconciled = await service.reconcile();
    expect(reconciled).toMatchObject({ refunded: [], unresolved: [expect.any(String)] });
    expect((await test.admin.getAccount('patient')).balance).toBe(before.balance - 3_210);
    expect(service.status().paymentsToCheck).toMatchObject([{ amount: cap }]);
    link.dispose();
  });
});

/** Releases what the patient still has held, so the next test checks in afresh. */
async function closeOpenVisits(): Promise<void> {
  const open = await test.admin.listHolds({ payer: 'patient', status: 'active' });
  for (const hold of open.items) {
    await test.admin.holdAction(hold.id, 'release', {}, `cleanup-${hold.id}`);
  }
}
