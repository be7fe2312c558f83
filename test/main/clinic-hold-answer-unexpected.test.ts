// A check-in whose hold answer is not a waiting visit (a buggy hub or gateway answers another hold than the
// one asked for): the patient is told it could not be confirmed, the kiosk takes the next patient, and
// reconcile releases the cap the hub holds, as for a lost answer.
import { describe, expect, it } from 'vitest';
import { paymentAuthorizationLifetimeMs } from '../../src/shared/limits.ts';
import {
  cap,
  checkInUnconfirmed,
  clinicForFile,
  closeOpenVisits,
  nextCheckInOpens,
} from './clinic-fixture.ts';
import { networkChangingHoldAnswer } from './kiosk-test-hub.ts';

const clinic = clinicForFile('facepay-clinic-answer-unexpected-');
const { clock, face } = clinic;

describe('a check-in answered with a hold that is no waiting visit', () => {
  it('fails as could not be confirmed, takes the next patient, and reconcile releases the cap held', async () => {
    const { service, link } = clinic.reception(networkChangingHoldAnswer({ status: 'released' }));
    const before = await clinic.test.admin.getAccount('patient');
    const paymentId = await checkInUnconfirmed(service, face);
    // The hub holds the cap all the same.
    expect((await clinic.test.admin.getAccount('patient')).held).toBe(before.held + cap);
    const board = await service.handlers.clinicVisits({});
    expect(board).toMatchObject({ ok: true, visits: [] });
    // Closed, failed with the request sent: the next tap opens a check-in (an open one is refused).
    await nextCheckInOpens(service);
    clock.offsetMs += paymentAuthorizationLifetimeMs + 15_000;
    const reconciled = await service.reconcile();
    expect(reconciled).toMatchObject({ released: [paymentId], unresolved: [] });
    expect((await clinic.test.admin.getAccount('patient')).held).toBe(before.held);
    await closeOpenVisits(clinic.test);
    link.dispose();
  });
});
