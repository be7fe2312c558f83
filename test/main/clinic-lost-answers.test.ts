// Clinic reception against a real hub when the hub's answer to a check-in is lost: the patient who taps
// "check in" again must find their visit on the board, and the kiosk must not release the cap it tells
// them is their visit.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KioskIdentity } from '../../src/biometrics/protect/kiosk-identity.node.ts';
import type { KioskService } from '../../src/main/kiosk-service.ts';
import { paymentAuthorizationLifetimeMs } from '../../src/shared/limits.ts';
import { syntheticFace } from '../hub/helpers.ts';
import {
  cap,
  checkIn as patientChecksIn,
  clinicSystem,
  closeOpenVisits,
  reception as clinicReception,
  closeClinicWithReception,
  startClinicWithReception,
} from './clinic-fixture.ts';
import type { KioskTestHub } from './kiosk-test-hub.ts';
import { networkLosingFirstAnswer } from './kiosk-test-hub.ts';
import { clinicDayClock } from './clinic-day-clock.ts';

const face = syntheticFace();
/** Moves forward only (the hub's rate limiter counts on it): the test waits out an authorization. */
const clock = clinicDayClock();

let test: KioskTestHub;
let identity: KioskIdentity;

beforeAll(async () => {
  ({ test, identity } = await startClinicWithReception({
    prefix: 'facepay-clinic-lost-',
    clock,
    face,
  }));
}, 60_000);

afterAll(async () => {
  await closeClinicWithReception({ test, identity });
});

/** A reception kiosk on the clinic's config behind `network`. */
function reception(network: typeof fetch) {
  return clinicReception({ test, identity, clock, network });
}

/** The patient taps "check in", looks at the camera, taps OK and types the PIN. */
const checkIn = (service: KioskService) => patientChecksIn(service, face);

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
    await closeOpenVisits(test);
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
    const event = { type: 'consultation.completed', data: { amount: 3_210 } };
    await clinicSystem(test).holdAction(visit.id, 'events', event, `completed-${visit.id}`);
    clock.offsetMs += paymentAuthorizationLifetimeMs + 15_000;
    const reconciled = await service.reconcile();
    expect(reconciled).toMatchObject({ refunded: [], unresolved: [expect.any(String)] });
    expect((await test.admin.getAccount('patient')).balance).toBe(before.balance - 3_210);
    expect(service.status().paymentsToCheck).toMatchObject([{ amount: cap }]);
    link.dispose();
  });
});
