// The clinic tests' shared set-up: a real hub with Sakura Clinic and its one patient, a reception kiosk in
// the test's process, the patient's check-in and the clean-up of visits, once instead of a copy per file.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect } from 'vitest';
import type { KioskIdentity } from '../../src/biometrics/protect/kiosk-identity.node.ts';
import {
  disposeKioskIdentity,
  loadKioskIdentity,
} from '../../src/biometrics/protect/kiosk-identity.node.ts';
import { HubLink } from '../../src/main/hub-link.ts';
import { KioskService } from '../../src/main/kiosk-service.ts';
import { elapsedMs } from '../../src/main/monotonic-clock.ts';
import { HubClient } from '../../src/shared/hub-client.ts';
import { syntheticFace } from '../hub/helpers.ts';
import { clinicDayClock } from './clinic-day-clock.ts';
import type { KioskTestHub, TestClock } from './kiosk-test-hub.ts';
import {
  closeKioskTestHub,
  memberPin,
  modelId,
  sameFaceAs,
  startKioskTestHubWithMember,
} from './kiosk-test-hub.ts';

export { modelId };
export const patientPin = memberPin;
/** The clinic's cap: what a check-in holds until the consultation settles it. */
export const cap = 5_000;

/** A hub with the clinic (cap, no-show after an hour) and its patient, enrolled with `face`. */
export function startClinicWithPatient(options: {
  prefix: string;
  adminToken: string;
  clock: TestClock;
  face: Float32Array;
}): Promise<KioskTestHub> {
  return startKioskTestHubWithMember({
    prefix: options.prefix,
    adminToken: options.adminToken,
    clock: options.clock,
    setup: {
      shop: { id: 'clinic', name: 'Sakura Clinic' },
      shopper: { id: 'patient', name: 'Suzuki Ichiro', deposit: 20_000 },
      clinic: { cap, noShowAfterSeconds: 3_600 },
    },
    member: { modelId, pin: patientPin, born: '1970-05-06', face: options.face },
  });
}

/** The reception kiosk's keys, as the clinic's set-up wrote them. */
export async function receptionIdentity(test: KioskTestHub): Promise<KioskIdentity> {
  const loaded = await loadKioskIdentity({ dir: test.shop.config.keysDir, create: false });
  if (!loaded.ok) throw new Error(loaded.error.message);
  return loaded.value;
}

/** A clinic test file's hub (the clinic and its patient) and its reception kiosk's keys. */
export interface ClinicWithReception {
  test: KioskTestHub;
  identity: KioskIdentity;
}

/** For beforeAll: startClinicWithPatient (under an admin token of its own) and the reception's keys. */
export async function startClinicWithReception(options: {
  prefix: string;
  clock: TestClock;
  face: Float32Array;
}): Promise<ClinicWithReception> {
  const adminToken = `admin-${randomBytes(12).toString('hex')}`;
  const test = await startClinicWithPatient({ ...options, adminToken });
  try {
    return { test, identity: await receptionIdentity(test) };
  } catch (error) {
    await closeKioskTestHub(test);
    throw error;
  }
}

/** For afterAll (after a set-up that may have failed half way): the keys zeroed, the hub closed. */
export async function closeClinicWithReception(
  clinic: Partial<ClinicWithReception>,
): Promise<void> {
  if (clinic.identity !== undefined) disposeKioskIdentity(clinic.identity);
  await closeKioskTestHub(clinic.test);
}

/**
 * A reception kiosk on the clinic's config behind `network`, on `clock` (the hub's: its wall clock, and
 * its elapsed clock moves as `clock` does, besides the machine's own); with `pendingHoldsFile`, it keeps
 * its lost requests there (as a started kiosk does).
 */
export function reception(options: {
  test: KioskTestHub;
  identity: KioskIdentity;
  clock: TestClock;
  network: typeof fetch;
  pendingHoldsFile?: string;
}) {
  const { test, clock } = options;
  const now = clock.now;
  const link = new HubLink({
    hubUrl: test.hub.url,
    hubToken: test.shop.config.hubToken,
    kioskId: test.shop.config.kioskId,
    identity: options.identity,
    now,
    elapsed: now,
    fetch: options.network,
  });
  const service = new KioskService({
    config: { ...test.shop.config, hubUrl: test.hub.url },
    hub: link,
    modelId,
    now,
    elapsed: () => elapsedMs() + clock.offsetMs,
    ...(options.pendingHoldsFile === undefined
      ? {}
      : { pendingHoldsFile: options.pendingHoldsFile }),
  });
  return { service, link };
}

/** The patient (enrolled with `face`) taps "check in", looks at the camera, taps OK and types the PIN. */
export async function checkIn(service: KioskService, face: Float32Array) {
  return (await checkInAs(service, face)).answer;
}

/** checkIn, with the id of the payment it started (none when the kiosk refused to start one). */
export async function checkInAs(service: KioskService, face: Float32Array) {
  const started = await service.handlers.startCheckIn({});
  if (!started.ok) return { paymentId: undefined, answer: started };
  const paymentId = started.payment.id;
  const liveness = { passed: true, score: 0.99, checks: ['passive_texture_live', 'blink'] };
  const descriptor = Array.from(sameFaceAs(face));
  const identified = await service.handlers.identify({ paymentId, modelId, descriptor, liveness });
  if (!identified.ok) return { paymentId, answer: identified };
  const confirmed = await service.handlers.confirm({ paymentId });
  if (!confirmed.ok || confirmed.payment.state !== 'pin') return { paymentId, answer: confirmed };
  return { paymentId, answer: await service.handlers.confirm({ paymentId, pin: patientPin }) };
}

/**
 * checkInAs, which must fail as could not be confirmed: internal, the payment failed with its hold request
 * sent (the hub may hold the cap). Answers the payment's id.
 */
export async function checkInUnconfirmed(service: KioskService, face: Float32Array) {
  const { paymentId, answer } = await checkInAs(service, face);
  expect(answer).toMatchObject({ ok: false, error: { code: 'internal' } });
  expect(service.tillPayment(paymentId ?? '')).toMatchObject({
    state: 'failed',
    failure: 'internal',
    holdRequestSent: true,
  });
  return paymentId;
}

/** The last check-in is closed: the next tap opens one (an open one is refused), cancelled again. */
export async function nextCheckInOpens(service: KioskService): Promise<void> {
  const next = await service.handlers.startCheckIn({});
  expect(next).toMatchObject({ ok: true, payment: { state: 'waiting_for_face' } });
  if (next.ok) await service.handlers.cancel({ paymentId: next.payment.id });
}

/** The clinic's system (clinic:sample's token): it bills visits on the hub, not through the kiosk. */
export function clinicSystem(test: KioskTestHub): HubClient {
  return new HubClient({ baseUrl: test.hub.url, token: test.shop.clinicSystem?.token ?? '' });
}

/** Releases what the patient still has held, so the next test checks in afresh. */
export async function closeOpenVisits(test: KioskTestHub): Promise<void> {
  const open = await test.admin.listHolds({ payer: 'patient', status: 'active' });
  for (const hold of open.items) {
    await test.admin.holdAction(hold.id, 'release', {}, `cleanup-${hold.id}`);
  }
}

/** A clinic test file's hub and reception keys (there once its beforeAll has run), its patient's face and clock. */
export interface ClinicRig extends ClinicWithReception {
  face: Float32Array;
  /** The hub's and the receptions' clock: within one local day, forward only (the hub's rate limiter counts on it). */
  clock: TestClock;
  /** `reception` on the file's hub, keys and clock: its link is disposed by disposeLinks, else after the file. */
  reception(
    network: typeof fetch,
    pendingHoldsFile?: string,
  ): { service: KioskService; link: HubLink };
  /** The patient taps "check in", looks at the camera, taps OK and types the PIN. */
  checkIn(service: KioskService): ReturnType<typeof checkIn>;
  disposeLinks(): void;
}

/**
 * Registers the file's beforeAll (startClinicWithReception under `prefix`, a fresh face, clinicDayClock) and
 * afterAll (the receptions' links disposed, closeClinicWithReception); answers the rig they fill.
 */
export function clinicForFile(prefix: string): ClinicRig {
  const face = syntheticFace();
  const clock = clinicDayClock();
  const links: HubLink[] = [];
  const rig = {
    face,
    clock,
    reception(network: typeof fetch, pendingHoldsFile?: string) {
      const opened = reception({
        test: rig.test,
        identity: rig.identity,
        clock,
        network,
        ...(pendingHoldsFile === undefined ? {} : { pendingHoldsFile }),
      });
      links.push(opened.link);
      return opened;
    },
    checkIn: (service: KioskService) => checkIn(service, face),
    disposeLinks: () => {
      for (const link of links.splice(0)) link.dispose();
    },
  } as ClinicRig;
  beforeAll(async () => {
    Object.assign(rig, await startClinicWithReception({ prefix, clock, face }));
  }, 60_000);
  afterAll(async () => {
    rig.disposeLinks();
    await closeClinicWithReception(rig);
  });
  return rig;
}
