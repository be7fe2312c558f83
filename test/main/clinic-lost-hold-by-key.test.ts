// A clinic reception's lost check-in answer, reconciled after the hub was out of reach for longer than it
// keeps stored answers: the visit is found by the request's key and the clinic's rules apply as before.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KioskIdentity } from '../../src/biometrics/protect/kiosk-identity.node.ts';
import type { KioskService } from '../../src/main/kiosk-service.ts';
import { syntheticFace } from '../hub/helpers.ts';
import {
  cap,
  checkInAs,
  clinicSystem,
  reception as clinicReception,
  closeClinicWithReception,
  startClinicWithReception,
} from './clinic-fixture.ts';
import type { KioskTestHub } from './kiosk-test-hub.ts';
import {
  networkLosingFirstAnswer,
  twoDaysLater as hubPrunedTwoDaysLater,
} from './kiosk-test-hub.ts';
import { clinicDayClock } from './clinic-day-clock.ts';

const face = syntheticFace();
/** The hub's and the kiosks' clock: moves forward only (the hub's rate limiter counts on it). */
const clock = clinicDayClock();

let test: KioskTestHub;
let identity: KioskIdentity;

beforeAll(async () => {
  ({ test, identity } = await startClinicWithReception({
    prefix: 'facepay-clinic-by-key-',
    clock,
    face,
  }));
}, 60_000);

afterAll(async () => {
  await closeClinicWithReception({ test, identity });
});

/** A reception kiosk on the clinic's config whose first check-in answer is lost. */
function reception() {
  const network = networkLosingFirstAnswer('/v1/holds');
  return clinicReception({ test, identity, clock, network });
}

/** The patient checks in (face, OK, PIN); the answer is lost; answers the visit's hold on the hub. */
async function lostCheckIn(service: KioskService) {
  const { paymentId, answer } = await checkInAs(service, face);
  if (paymentId === undefined) throw new Error('no check-in started');
  expect(answer).toMatchObject({ ok: false, error: { code: 'hub_unreachable' } });
  const [visit] = (await test.admin.listHolds({ payer: 'patient', status: 'active' })).items;
  if (visit === undefined) throw new Error('no visit held');
  return { paymentId, visit };
}

/** Two days without the hub: its clock moves past the answer retention and its hourly pruning runs. */
const twoDaysLater = () => hubPrunedTwoDaysLater(test, clock);

const nothing = { refunded: [], released: [], notPlaced: [], unresolved: [] };

describe('a lost check-in asked again after the hub pruned its stored answer', () => {
  it('whose visit lapsed unseen (the no-show deadline released the cap): nothing to undo, no staff', async () => {
    const { service, link } = reception();
    const before = await test.admin.getAccount('patient');
    const { paymentId, visit } = await lostCheckIn(service);
    await twoDaysLater();
    expect(await service.reconcile()).toEqual({ ...nothing, notPlaced: [paymentId] });
    expect(service.status().paymentsToCheck).toEqual([]);
    expect(await test.admin.getHold(visit.id)).toMatchObject({ status: 'expired', settled: 0 });
    const after = await test.admin.getAccount('patient');
    expect({ balance: after.balance, held: after.held }).toEqual({
      balance: before.balance,
      held: before.held,
    });
    link.dispose();
  });

  it('whose visit the clinic settled: found by key, the fee is not refunded, staff check it', async () => {
    const { service, link } = reception();
    const before = await test.admin.getAccount('patient');
    const { paymentId, visit } = await lostCheckIn(service);
    const event = { type: 'consultation.completed', data: { amount: 3_210 } };
    await clinicSystem(test).holdAction(visit.id, 'events', event, `completed-${visit.id}`);
    await twoDaysLater();
    expect(await service.reconcile()).toEqual({ ...nothing, unresolved: [paymentId] });
    expect(service.status().paymentsToCheck).toMatchObject([{ paymentId, amount: cap }]);
    expect((await test.admin.getAccount('patient')).balance).toBe(before.balance - 3_210);
    link.dispose();
  });
});
