// A check-in whose hold answer is not a waiting visit (a buggy hub or gateway answers another hold than the
// one asked for): the patient is told it could not be confirmed, the kiosk takes the next patient, and
// reconcile releases the cap the hub holds, as for a lost answer.
import { describe, expect, it } from 'vitest';
import type { HoldView } from '../../src/shared/hub-api.ts';
import { paymentAuthorizationLifetimeMs } from '../../src/shared/limits.ts';
import { cap, checkInAs, clinicForFile, closeOpenVisits } from './clinic-fixture.ts';
import { isPostTo } from './kiosk-test-hub.ts';

const clinic = clinicForFile('facepay-clinic-answer-unexpected-');
const { clock, face } = clinic;

/** The real hub behind a network whose first hold answer comes back with `change` made to the hold. */
function networkChangingHoldAnswer(change: Partial<HoldView>): typeof fetch {
  let changed = false;
  return async (input, init) => {
    const response = await fetch(input, init);
    if (changed || !isPostTo('/v1/holds', input, init) || !response.ok) return response;
    changed = true;
    const hold = (await response.json()) as HoldView;
    return new Response(JSON.stringify({ ...hold, ...change }), {
      status: response.status,
      headers: { 'content-type': 'application/json' },
    });
  };
}

describe('a check-in answered with a hold that is no waiting visit', () => {
  it('fails as could not be confirmed, takes the next patient, and reconcile releases the cap held', async () => {
    const { service, link } = clinic.reception(networkChangingHoldAnswer({ status: 'released' }));
    const before = await clinic.test.admin.getAccount('patient');
    const { paymentId, answer } = await checkInAs(service, face);
    expect(answer).toMatchObject({ ok: false, error: { code: 'internal' } });
    expect(service.tillPayment(paymentId ?? '')).toMatchObject({
      state: 'failed',
      failure: 'internal',
      holdRequestSent: true,
    });
    // The hub holds the cap all the same.
    expect((await clinic.test.admin.getAccount('patient')).held).toBe(before.held + cap);
    const board = await service.handlers.clinicVisits({});
    expect(board).toMatchObject({ ok: true, visits: [] });
    // Closed, failed with the request sent: the next tap opens a check-in (an open one is refused).
    const next = await service.handlers.startCheckIn({});
    expect(next).toMatchObject({ ok: true, payment: { state: 'waiting_for_face' } });
    if (next.ok) await service.handlers.cancel({ paymentId: next.payment.id });
    clock.offsetMs += paymentAuthorizationLifetimeMs + 15_000;
    const reconciled = await service.reconcile();
    expect(reconciled).toMatchObject({ released: [paymentId], unresolved: [] });
    expect((await clinic.test.admin.getAccount('patient')).held).toBe(before.held);
    await closeOpenVisits(clinic.test);
    link.dispose();
  });
});
