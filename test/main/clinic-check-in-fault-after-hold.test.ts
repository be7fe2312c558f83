// A check-in whose hold the hub placed, and the kiosk's own code throws as it tells it: before the patient
// is told, the check-in fails as could not be confirmed and reconcile releases the cap; once told (a screen's
// listener throws at "checked in"), the patient stays checked in and the screen's board still gets the visit.
import { describe, expect, it } from 'vitest';
import type { VisitView } from '../../src/shared/kiosk-api.ts';
import { paymentAuthorizationLifetimeMs } from '../../src/shared/limits.ts';
import {
  cap,
  checkInAs,
  checkInUnconfirmed,
  clinicForFile,
  closeOpenVisits,
  nextCheckInOpens,
} from './clinic-fixture.ts';
import { networkChangingHoldAnswer } from './kiosk-test-hub.ts';

const clinic = clinicForFile('facepay-clinic-fault-after-hold-');
const { clock, face } = clinic;
const nothing = { refunded: [], released: [], notPlaced: [], unresolved: [] };
const held = async () => (await clinic.test.admin.getAccount('patient')).held;

describe('a check-in whose hold was placed, and the kiosk throws before the patient is told', () => {
  it('fails as could not be confirmed (internal, request sent), and reconcile releases the cap held', async () => {
    // Waiting, for the cap, as asked, but not a clinic visit: the board's visitFromHold throws on it.
    const { service, link } = clinic.reception(networkChangingHoldAnswer({ template: 'purchase' }));
    const before = await held();
    const paymentId = await checkInUnconfirmed(service, face);
    // The hub holds the cap: the hold was placed before the throw.
    expect(await held()).toBe(before + cap);
    expect(await service.handlers.clinicVisits({})).toMatchObject({ ok: true, visits: [] });
    // Closed: the next tap opens a check-in.
    await nextCheckInOpens(service);
    clock.offsetMs += paymentAuthorizationLifetimeMs + 15_000;
    expect(await service.reconcile()).toEqual({ ...nothing, released: [paymentId] });
    expect(await held()).toBe(before);
    link.dispose();
  });
});

describe('a check-in told, and a listener throws at "checked in"', () => {
  it('stays checked in and closed, the screen gets the board with its number, nothing is released', async () => {
    const { service, link } = clinic.reception(fetch);
    const boards: VisitView[][] = [];
    service.subscribe((event) => {
      if (event.type === 'visits') boards.push([...event.visits]);
      if (event.type === 'payment' && event.payment.state === 'checked_in') {
        throw new Error('a screen that failed to draw the queue number');
      }
    });
    const before = await held();
    const { paymentId, answer } = await checkInAs(service, face);
    expect(answer).toMatchObject({ ok: true, payment: { id: paymentId, state: 'checked_in' } });
    if (!answer.ok || !('payment' in answer)) throw new Error('not checked in');
    const queueNumber = answer.payment.visit?.queueNumber;
    expect(queueNumber).toBeGreaterThan(0);
    // The screen's board was told of the new visit.
    const shown = boards.at(-1)?.find((visit) => visit.queueNumber === queueNumber);
    expect(shown).toMatchObject({ holdId: answer.payment.visit?.holdId, state: 'waiting' });
    expect(await held()).toBe(before + cap);
    // Closed: the next tap opens a check-in.
    await nextCheckInOpens(service);
    clock.offsetMs += paymentAuthorizationLifetimeMs + 15_000;
    expect(await service.reconcile()).toEqual(nothing);
    expect(await held()).toBe(before + cap);
    await closeOpenVisits(clinic.test);
    link.dispose();
  });
});
