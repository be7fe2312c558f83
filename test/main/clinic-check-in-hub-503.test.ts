// A clinic check-in while the hub answers 503 (its own `unavailable`: its database busy, or Fastify's while
// a hub restarts): the read before the hold is "try again", so the check-in fails as out of reach with
// nothing placed, never as the hub's refusal; the hold request's 503 stays an unknown outcome for reconcile.
import { describe, expect, it } from 'vitest';
import { HubError } from '../../src/hub/errors.ts';
import { errorBody } from '../../src/hub/http/context.ts';
import { paymentAuthorizationLifetimeMs } from '../../src/shared/limits.ts';
import { checkInAs, clinicForFile, closeOpenVisits } from './clinic-fixture.ts';

const clinic = clinicForFile('facepay-clinic-hub-503-');
const { clock, face } = clinic;
const nothing = { refunded: [], released: [], notPlaced: [], unresolved: [] };

/** The hub's own 503, as its error handler writes it. */
const hubUnavailable = () =>
  JSON.stringify(errorBody(new HubError('unavailable', 'the database is busy; try again')));
/** Fastify's 503 to a request that reaches a hub while it closes (return503OnClosing), as it writes it. */
const hubClosing = () =>
  '{"error":"Service Unavailable","message":"Service Unavailable","statusCode":503}';

/** The real hub behind a network that answers the first request `picked` chooses 503 with `body`. */
function network503Once(
  picked: (url: URL, method: string) => boolean,
  body: () => string,
): typeof fetch {
  let answered = false;
  return async (input, init) => {
    const url = new URL(String(input instanceof Request ? input.url : input));
    if (!answered && picked(url, init?.method ?? 'GET')) {
      answered = true;
      return new Response(body(), {
        status: 503,
        headers: { 'content-type': 'application/json; charset=utf-8' },
      });
    }
    return fetch(input, init);
  };
}

/** The check-in's look for the patient's open visit: GET /v1/holds?...&status=active. */
const openVisitsRead = (url: URL, method: string) =>
  method === 'GET' && url.pathname === '/v1/holds' && url.searchParams.get('status') === 'active';

describe("a check-in whose read of the patient's open visits is answered 503", () => {
  for (const [what, body] of [
    ['the hub\'s own "unavailable"', hubUnavailable],
    ["Fastify's while the hub closes", hubClosing],
  ] as const) {
    it(`(${what}) fails as out of reach, nothing placed, and the next check-in goes through`, async () => {
      const { service, link } = clinic.reception(network503Once(openVisitsRead, body));
      const before = await clinic.test.admin.getAccount('patient');
      const { paymentId, answer } = await checkInAs(service, face);
      expect(answer).toMatchObject({ ok: false, error: { code: 'hub_unreachable' } });
      // Nothing was sent: the screen may say no money was taken.
      expect(service.tillPayment(paymentId ?? '')).toMatchObject({
        state: 'failed',
        failure: 'hub_unreachable',
        holdRequestSent: false,
      });
      expect((await clinic.test.admin.getAccount('patient')).held).toBe(before.held);
      // The patient taps again while the hub answers: checked in.
      const again = await checkInAs(service, face);
      expect(again.answer).toMatchObject({ ok: true, payment: { state: 'checked_in' } });
      await closeOpenVisits(clinic.test);
      // No request of the failed check-in was kept: reconcile has nothing to look for.
      clock.offsetMs += paymentAuthorizationLifetimeMs + 15_000;
      expect(await service.reconcile()).toEqual(nothing);
      link.dispose();
    });
  }
});

describe("a check-in's hold request answered the hub's own 503", () => {
  it('is an unknown outcome: could not be confirmed, kept for reconcile, which finds nothing placed', async () => {
    const holdRequest = (url: URL, method: string) =>
      method === 'POST' && url.pathname === '/v1/holds';
    const { service, link } = clinic.reception(network503Once(holdRequest, hubUnavailable));
    const { paymentId, answer } = await checkInAs(service, face);
    expect(answer).toMatchObject({ ok: false, error: { code: 'hub_unreachable' } });
    expect(service.tillPayment(paymentId ?? '')).toMatchObject({
      state: 'failed',
      holdRequestSent: true,
    });
    clock.offsetMs += paymentAuthorizationLifetimeMs + 15_000;
    expect(await service.reconcile()).toEqual({ ...nothing, notPlaced: [paymentId] });
    link.dispose();
  });
});
