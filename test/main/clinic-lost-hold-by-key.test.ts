// A clinic reception's lost check-in answer, reconciled after the hub was out of reach for longer than it
// keeps stored answers: the visit is found by the request's key and the clinic's rules apply as before.
import { describe, expect, it } from 'vitest';
import type { KioskService } from '../../src/main/kiosk-service.ts';
import { cap, checkInAs, clinicSystem, clinicForFile } from './clinic-fixture.ts';
import {
  networkLosingFirstAnswer,
  twoDaysLater as hubPrunedTwoDaysLater,
} from './kiosk-test-hub.ts';

const clinic = clinicForFile('facepay-clinic-by-key-');
const { face, clock } = clinic;

/** A reception kiosk on the clinic's config whose first check-in answer is lost. */
const reception = () => clinic.reception(networkLosingFirstAnswer('/v1/holds'));

/** The patient checks in (face, OK, PIN); the answer is lost; answers the visit's hold on the hub. */
async function lostCheckIn(service: KioskService) {
  const { paymentId, answer } = await checkInAs(service, face);
  if (paymentId === undefined) throw new Error('no check-in started');
  expect(answer).toMatchObject({ ok: false, error: { code: 'hub_unreachable' } });
  const [visit] = (await clinic.test.admin.listHolds({ payer: 'patient', status: 'active' })).items;
  if (visit === undefined) throw new Error('no visit held');
  return { paymentId, visit };
}

/** Two days without the hub: its clock moves past the answer retention and its hourly pruning runs. */
const twoDaysLater = () => hubPrunedTwoDaysLater(clinic.test, clock);

const nothing = { refunded: [], released: [], notPlaced: [], unresolved: [] };

describe('a lost check-in asked again after the hub pruned its stored answer', () => {
  it('whose visit lapsed unseen (the no-show deadline released the cap): nothing to undo, no staff', async () => {
    const { service, link } = reception();
    const before = await clinic.test.admin.getAccount('patient');
    const { paymentId, visit } = await lostCheckIn(service);
    await twoDaysLater();
    expect(await service.reconcile()).toEqual({ ...nothing, notPlaced: [paymentId] });
    expect(service.status().paymentsToCheck).toEqual([]);
    expect(await clinic.test.admin.getHold(visit.id)).toMatchObject({
      status: 'expired',
      settled: 0,
    });
    const after = await clinic.test.admin.getAccount('patient');
    expect({ balance: after.balance, held: after.held }).toEqual({
      balance: before.balance,
      held: before.held,
    });
    link.dispose();
  });

  it('whose visit the clinic settled: found by key, the fee is not refunded, staff check it', async () => {
    const { service, link } = reception();
    const before = await clinic.test.admin.getAccount('patient');
    const { paymentId, visit } = await lostCheckIn(service);
    const event = { type: 'consultation.completed', data: { amount: 3_210 } };
    await clinicSystem(clinic.test).holdAction(visit.id, 'events', event, `completed-${visit.id}`);
    await twoDaysLater();
    expect(await service.reconcile()).toEqual({ ...nothing, unresolved: [paymentId] });
    expect(service.status().paymentsToCheck).toMatchObject([{ paymentId, amount: cap }]);
    expect((await clinic.test.admin.getAccount('patient')).balance).toBe(before.balance - 3_210);
    link.dispose();
  });
});
