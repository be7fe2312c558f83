// A clinic reception takes no check-in while the kiosk takes no payments (the hub refuses its credentials, or
// has been out of reach 15 s), as a shop refuses the till: refused by the service, not only disabled on screen.
// And a check-in whose hold request is answered 429 (not placed) starts again at the face step and checks in once.
import { afterEach, describe, expect, it } from 'vitest';
import { watchHubRound } from '../../src/main/kiosk-runtime.ts';
import { hubOutOfReachRefusedAfterMs } from '../../src/shared/limits.ts';
import {
  cap,
  checkIn,
  checkInAs,
  closeOpenVisits,
  modelId,
  patientPin,
  clinicForFile,
} from './clinic-fixture.ts';
import { isPostTo, sameFaceAs } from './kiosk-test-hub.ts';

const clinic = clinicForFile('facepay-clinic-not-taking-');
const { face, clock } = clinic;

afterEach(async () => {
  clinic.disposeLinks();
  await closeOpenVisits(clinic.test);
});

function receptionBehind(network: typeof fetch) {
  const { service, link } = clinic.reception(network);
  return { service, round: () => watchHubRound(link, service) };
}

const held = async () => (await clinic.test.admin.getAccount('patient')).held;

describe('a clinic reception that takes no payments', () => {
  it('refuses a check-in once the hub has been out of reach 15 s, and takes one again once it answers', async () => {
    const down = { on: false };
    const network: typeof fetch = async (input, init) => {
      if (down.on) throw new TypeError('network is unreachable');
      return fetch(input, init);
    };
    const { service, round } = receptionBehind(network);
    expect(await round()).toBe(true);
    down.on = true;
    expect(await round()).toBe(false);
    // One missed round still takes the check-in (it goes through once the hub answers).
    const early = await service.handlers.startCheckIn({});
    expect(early).toMatchObject({ ok: true, payment: { state: 'waiting_for_face' } });
    if (early.ok) await service.handlers.cancel({ paymentId: early.payment.id });
    clock.offsetMs += hubOutOfReachRefusedAfterMs + 1_000;
    expect(await round()).toBe(false);
    expect(await service.handlers.startCheckIn({})).toMatchObject({
      ok: false,
      error: { code: 'hub_unreachable' },
    });
    // Nobody is sent to the camera for a check-in that cannot go through.
    expect(service.status().payment).toBeNull();
    down.on = false;
    expect(await round()).toBe(true);
    expect(await checkIn(service, face)).toMatchObject({
      ok: true,
      payment: { state: 'checked_in' },
    });
  });

  it("refuses a check-in while the hub refuses the reception's credentials", async () => {
    // A gateway in front of the hub answers every request 401 as the hub does for a revoked token.
    const network: typeof fetch = async (input, init) => {
      const url = new URL(String(input instanceof Request ? input.url : input));
      if (url.pathname === '/v1/health') return fetch(input, init);
      return Response.json(
        { error: { code: 'unauthorized', message: 'token revoked' } },
        { status: 401 },
      );
    };
    const { service, round } = receptionBehind(network);
    expect(await round()).toBe(false);
    expect(service.status().credentialsRefused).toEqual({ status: 401, code: 'unauthorized' });
    expect(await service.handlers.startCheckIn({})).toMatchObject({
      ok: false,
      error: { code: 'hub_refused' },
    });
    expect(service.status().payment).toBeNull();
  });
});

describe('a check-in whose hold request is answered 429', () => {
  it('starts again at the face step under a new key and holds the cap once', async () => {
    const keys: string[] = [];
    const network: typeof fetch = async (input, init) => {
      if (isPostTo('/v1/holds', input, init)) {
        keys.push(new Headers(init?.headers).get('idempotency-key') ?? '');
        if (keys.length === 1) {
          return Response.json({ message: 'API rate limit exceeded' }, { status: 429 });
        }
      }
      return fetch(input, init);
    };
    const { service, round } = receptionBehind(network);
    expect(await round()).toBe(true);
    const before = await held();
    const first = await checkInAs(service, face);
    expect(first.answer).toMatchObject({ ok: false, error: { code: 'rate_limited' } });
    expect(await held()).toBe(before);
    // Kept for reconcile to ask the hub about (kiosk-hold-rate-limited), not for staff.
    expect(service.status().lostPaymentsWaiting).toBe(1);
    expect(service.status().payment).toMatchObject({
      id: first.paymentId,
      state: 'waiting_for_face',
      reference: 'visit',
    });
    // The patient looks at the camera again: the same check-in goes through.
    const paymentId = first.paymentId ?? '';
    const descriptor = Array.from(sameFaceAs(face));
    const liveness = { passed: true, score: 0.99, checks: ['passive_texture_live', 'blink'] };
    await service.handlers.identify({ paymentId, modelId, descriptor, liveness });
    expect(await service.handlers.confirm({ paymentId })).toMatchObject({
      ok: true,
      payment: { state: 'pin' },
    });
    const again = await service.handlers.confirm({ paymentId, pin: patientPin });
    expect(again).toMatchObject({ ok: true, payment: { id: paymentId, state: 'checked_in' } });
    expect(await held()).toBe(before + cap);
    expect(keys).toHaveLength(2);
    expect(new Set(keys).size).toBe(2);
  });
});
