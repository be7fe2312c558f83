// A payment's 3 face tries are fresh for every payment, so a patient tapping "check in" again (or a till
// opening payment after payment) would give a replayed recording 3 new challenge draws each time. Past
// faceLooksFailedInARowMax failed looks in a row the reception kiosk reads no face until staff resume it;
// only a check-in paid by face starts the count again, not a match alone.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { KioskIdentity } from '../../src/biometrics/protect/kiosk-identity.node.ts';
import type { HubLink } from '../../src/main/hub-link.ts';
import type { KioskService } from '../../src/main/kiosk-service.ts';
import { faceLooksFailedInARowMax, faceTriesPerPaymentMax } from '../../src/shared/limits.ts';
import { syntheticFace } from '../hub/helpers.ts';
import {
  closeClinicWithReception,
  closeOpenVisits,
  modelId,
  patientPin,
  reception,
  startClinicWithReception,
} from './clinic-fixture.ts';
import { clinicDayClock } from './clinic-day-clock.ts';
import type { KioskTestHub } from './kiosk-test-hub.ts';
import { isPostTo, sameFaceAs } from './kiosk-test-hub.ts';

const patientFace = syntheticFace();
const strangerFace = syntheticFace();
const live = { passed: true, score: 0.99, checks: ['passive_texture_live', 'blink'] };
const clock = clinicDayClock();

let test: KioskTestHub;
let identity: KioskIdentity;
let link: HubLink;
let service: KioskService;
let patientMemberNumber: string;
/** Identify requests that reached the hub. */
let identifiesSent = 0;

beforeAll(async () => {
  ({ test, identity } = await startClinicWithReception({
    prefix: 'facepay-face-paused-',
    clock,
    face: patientFace,
  }));
  const network: typeof fetch = (input, init) => {
    if (isPostTo('/v1/identify', input, init)) identifiesSent += 1;
    return fetch(input, init);
  };
  ({ service, link } = reception({ test, identity, clock, network }));
  const [patient] = (await test.admin.findPersons({ accountId: 'patient' })).items;
  if (patient === undefined) throw new Error('the patient is not enrolled');
  patientMemberNumber = patient.memberNumber;
}, 60_000);

afterEach(async () => {
  const open = service?.status().payment;
  if (open != null && ['waiting_for_face', 'confirming', 'pin'].includes(open.state))
    await service.handlers.cancel({ paymentId: open.id });
  if (test !== undefined) await closeOpenVisits(test);
});

afterAll(async () => {
  // The hub's alert of staff resuming may still be on its way: a request the hub answers while it closes
  // keeps its connection open (keep-alive) and the close waits for it.
  await service?.deliverAlerts();
  link?.dispose();
  await closeClinicWithReception({ test, identity });
});

/** The patient taps "check in": the check-in's id and how many face tries it has. */
async function tapCheckIn() {
  const started = await service.handlers.startCheckIn({});
  if (!started.ok) throw new Error(`check-in refused: ${started.error.code}`);
  return started.payment;
}

function identify(paymentId: string, face: Float32Array) {
  const descriptor = Array.from(sameFaceAs(face));
  return service.handlers.identify({ paymentId, modelId, descriptor, liveness: live });
}

/** The face session refused `looks` faces on this check-in (the renderer reports each). */
async function reportRefused(paymentId: string, looks: number): Promise<void> {
  for (let look = 0; look < looks; look += 1) {
    expect(await service.handlers.reportFaceRefused({ paymentId })).toMatchObject({ ok: true });
  }
}

/** The face session refused `looks` faces on this check-in, then the patient cancels. */
async function refusedLooks(paymentId: string, looks: number): Promise<void> {
  await reportRefused(paymentId, looks);
  expect(await service.handlers.cancel({ paymentId })).toMatchObject({ ok: true });
}

/** Refused looks over two check-ins, one short of the pause: the second check-in is left open (its id). */
async function oneLookShortOfThePause(): Promise<string> {
  const first = await tapCheckIn();
  await refusedLooks(first.id, faceTriesPerPaymentMax);
  const second = await tapCheckIn();
  await reportRefused(second.id, faceLooksFailedInARowMax - 1 - faceTriesPerPaymentMax);
  return second.id;
}

/** The patient taps OK on the masked name and types the PIN: checked in. */
async function patientConfirms(paymentId: string): Promise<void> {
  expect(await service.handlers.confirm({ paymentId })).toMatchObject({
    ok: true,
    payment: { state: 'pin' },
  });
  expect(await service.handlers.confirm({ paymentId, pin: patientPin })).toMatchObject({
    ok: true,
    payment: { state: 'checked_in' },
  });
}

async function resumeFaceChecks(): Promise<void> {
  const unlocked = await service.handlers.operatorUnlock({ pin: test.shop.config.operatorPin });
  expect(unlocked).toMatchObject({ ok: true });
  expect(await service.handlers.operatorResumeFaceChecks({})).toEqual({
    ok: true,
    resumed: true,
  });
}

describe('face checks paused after failed looks in a row', () => {
  it('a patient who taps "check in" again gets no fresh draws past the limit: no face is compared until staff resume, the member number still checks in', async () => {
    // Two full check-ins' worth of refused looks (the recording drew a challenge order it does not perform).
    const first = await tapCheckIn();
    expect(first).toMatchObject({ faceTriesLeft: faceTriesPerPaymentMax, faceChecksPaused: false });
    await refusedLooks(first.id, faceTriesPerPaymentMax);
    const second = await tapCheckIn();
    expect(second.faceTriesLeft).toBe(faceTriesPerPaymentMax);
    await refusedLooks(second.id, faceLooksFailedInARowMax - faceTriesPerPaymentMax);
    expect(service.status().faceChecksPaused).toBe(true);

    // The next tap opens a check-in with no face step: even the patient's own face is not compared.
    const third = await tapCheckIn();
    expect(third).toMatchObject({ faceTriesLeft: 0, faceChecksPaused: true });
    const sentBefore = identifiesSent;
    expect(await identify(third.id, patientFace)).toMatchObject({
      ok: false,
      error: { code: 'face_tries_used' },
    });
    expect(identifiesSent).toBe(sentBefore);
    const byNumber = await service.handlers.payWithMemberPin({
      paymentId: third.id,
      memberNumber: patientMemberNumber,
      pin: patientPin,
    });
    expect(byNumber).toMatchObject({ ok: true, payment: { state: 'checked_in' } });
    await closeOpenVisits(test);

    // Only staff resume face checks, behind the operator PIN.
    expect(await service.handlers.operatorResumeFaceChecks({})).toMatchObject({
      ok: false,
      error: { code: 'operator_locked' },
    });
    expect(service.status().faceChecksPaused).toBe(true);
    await resumeFaceChecks();
    expect(service.status().faceChecksPaused).toBe(false);
    const fourth = await tapCheckIn();
    expect(fourth).toMatchObject({
      faceTriesLeft: faceTriesPerPaymentMax,
      faceChecksPaused: false,
    });
    expect(await identify(fourth.id, patientFace)).toMatchObject({
      ok: true,
      payment: { state: 'confirming' },
    });
  }, 60_000);

  it('the look that reaches the limit leaves its own check-in no try either', async () => {
    const second = await oneLookShortOfThePause();
    await service.handlers.cancel({ paymentId: second });
    // One look short of the limit, on a fresh check-in: the refusal that reaches it ends its tries too.
    const third = await tapCheckIn();
    expect(await service.handlers.reportFaceRefused({ paymentId: third.id })).toMatchObject({
      ok: true,
      payment: { faceTriesLeft: 0, faceChecksPaused: true },
    });
    expect(await identify(third.id, patientFace)).toMatchObject({
      ok: false,
      error: { code: 'face_tries_used' },
    });
    await service.handlers.cancel({ paymentId: third.id });
    await resumeFaceChecks();
  }, 60_000);

  it("a stranger's faces the hub matched to nobody count as failed looks; the patient's check-in by face starts the count again", async () => {
    // A stranger tries faceLooksFailedInARowMax - 1 looks over two check-ins: no pause yet.
    const first = await tapCheckIn();
    for (let look = 0; look < faceTriesPerPaymentMax; look += 1)
      expect(await identify(first.id, strangerFace)).toMatchObject({ error: { code: 'no_match' } });
    await service.handlers.cancel({ paymentId: first.id });
    const second = await tapCheckIn();
    for (let look = faceTriesPerPaymentMax; look < faceLooksFailedInARowMax - 1; look += 1)
      expect(await identify(second.id, strangerFace)).toMatchObject({
        error: { code: 'no_match' },
      });
    // The patient checks in by face on the same check-in's last try: the count starts again.
    expect(await identify(second.id, patientFace)).toMatchObject({
      ok: true,
      payment: { state: 'confirming' },
    });
    await patientConfirms(second.id);
    await closeOpenVisits(test);
    // As many failed looks again, less one: still no pause, however many came before the check-in.
    const third = await tapCheckIn();
    await refusedLooks(third.id, faceTriesPerPaymentMax);
    const fourth = await tapCheckIn();
    await refusedLooks(fourth.id, faceLooksFailedInARowMax - faceTriesPerPaymentMax - 1);
    expect(service.status().faceChecksPaused).toBe(false);
    const fifth = await tapCheckIn();
    expect(fifth).toMatchObject({ faceTriesLeft: faceTriesPerPaymentMax, faceChecksPaused: false });
    // The stranger's next look is the limit's.
    expect(await identify(fifth.id, strangerFace)).toMatchObject({ error: { code: 'no_match' } });
    expect(service.status()).toMatchObject({
      faceChecksPaused: true,
      payment: { faceTriesLeft: 0, faceChecksPaused: true },
    });
    await service.handlers.cancel({ paymentId: fifth.id });
    await resumeFaceChecks();
  }, 60_000);

  it('a member\'s own face matched and then "Not me" does not start the count again: a member cannot buy fresh draws with it', async () => {
    const second = await oneLookShortOfThePause();
    // The attacker's own (enrolled) face on the last try: matched, then "Not me".
    expect(await identify(second, patientFace)).toMatchObject({
      ok: true,
      payment: { state: 'confirming' },
    });
    expect(await service.handlers.notMe({ paymentId: second })).toMatchObject({ ok: true });
    await service.handlers.cancel({ paymentId: second });
    // A fresh check-in: its first refused look is the limit's.
    const third = await tapCheckIn();
    expect(await service.handlers.reportFaceRefused({ paymentId: third.id })).toMatchObject({
      ok: true,
      payment: { faceTriesLeft: 0, faceChecksPaused: true },
    });
    await service.handlers.cancel({ paymentId: third.id });
    await resumeFaceChecks();
  }, 60_000);
});
