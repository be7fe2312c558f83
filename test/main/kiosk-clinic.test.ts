// The clinic reception mode of the kiosk service against a real hub (real HTTP, real SQLite): check-in by
// face + PIN holds the cap, the clinic system's consultation.completed (sent by clinic:sample) settles the
// fee, the board and the balance agree; and what must take no money: the hub down, a second check-in,
// a bad amount, a no-show past the deadline.
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunningHub } from '../../src/hub/hub.ts';
import { startHub } from '../../src/hub/hub.ts';
import { loadKioskIdentity } from '../../src/biometrics/protect/kiosk-identity.node.ts';
import type { KioskIdentity } from '../../src/biometrics/protect/kiosk-identity.node.ts';
import { localDay, visitReference } from '../../src/main/clinic-visits.ts';
import { HubLink } from '../../src/main/hub-link.ts';
import { kioskConfigSchema } from '../../src/main/kiosk-config.ts';
import type { KioskConfig } from '../../src/main/kiosk-config.ts';
import { KioskService } from '../../src/main/kiosk-service.ts';
import { elapsedMs } from '../../src/main/monotonic-clock.ts';
import type { HubRequestError } from '../../src/shared/hub-client.ts';
import { HubClient } from '../../src/shared/hub-client.ts';
import type { KioskEvent, KioskResult, PaymentView } from '../../src/shared/kiosk-api.ts';
import { paymentAuthorizationLifetimeMs } from '../../src/shared/limits.ts';
import type { Shop } from '../../scripts/kiosk/deployment.ts';
import { syntheticFace } from '../hub/helpers.ts';
import {
  enrolAtStation,
  networkLosingFirstAnswer,
  sameFaceAs,
  startKioskTestHub,
} from './kiosk-test-hub.ts';
import { assertNoProcessLeft } from '../hub/process.ts';
import { runScriptOnClock } from './kiosk-process.ts';
import { clinicDayClock } from './clinic-day-clock.ts';

const adminToken = `admin-${randomBytes(12).toString('hex')}`;
const modelId = 'faceapi-recognition-128-b413e420d684';
const live = { passed: true, score: 0.99, checks: ['passive_texture_live', 'blink'] };
const cap = 5_000;
const noShowAfterSeconds = 3_600;
const face = syntheticFace();
/** The patient's face read again: cosine about 0.99 to `face`. */
const sameFace = () => sameFaceAs(face);
/**
 * The hub's (and the kiosks') clock follows the wall clock; the no-show test moves it past the deadline.
 * It only ever moves forward: the hub's rate limiter counts on that.
 */
const hubClock = clinicDayClock();

let work: string;
let hub: RunningHub;
let admin: HubClient;
let clinic: Shop;
let identity: KioskIdentity;
const links: HubLink[] = [];

beforeAll(async () => {
  ({
    work,
    hub,
    admin,
    shop: clinic,
  } = await startKioskTestHub({
    prefix: 'facepay-kiosk-clinic-',
    adminToken,
    clock: hubClock,
    setup: {
      shop: { id: 'clinic', name: 'Sakura Clinic' },
      shopper: { id: 'patient', name: 'Suzuki Ichiro', deposit: 20_000 },
      clinic: { cap, noShowAfterSeconds },
    },
  }));
  await enrolPatient();
  const loaded = await loadKioskIdentity({ dir: clinic.config.keysDir, create: false });
  if (!loaded.ok) throw new Error(loaded.error.message);
  identity = loaded.value;
}, 60_000);

afterAll(async () => {
  for (const link of links) link.dispose();
  await hub?.close();
  await rm(work, { recursive: true, force: true });
  await assertNoProcessLeft();
});

// A test that failed half-way leaves no visit open for the next one.
afterEach(async () => {
  await closeOpenVisits();
});

async function enrolPatient(): Promise<void> {
  await enrolAtStation({
    admin,
    hubUrl: hub.url,
    dir: work,
    modelId,
    pin: '4862',
    now: hubClock.now,
    people: [
      {
        name: 'Suzuki Ichiro',
        born: '1970-05-06',
        account: 'patient',
        faces: [sameFace(), sameFace()],
      },
    ],
  });
}

/** A reception kiosk on the clinic's config; `fetch` lets a test lose the hub's answers. */
function reception(options: { config?: Partial<KioskConfig>; fetch?: typeof fetch } = {}) {
  const link = new HubLink({
    hubUrl: hub.url,
    hubToken: clinic.config.hubToken,
    kioskId: clinic.config.kioskId,
    identity,
    now: hubClock.now,
    elapsed: hubClock.now,
    ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
  });
  links.push(link);
  const service = new KioskService({
    config: { ...clinic.config, hubUrl: hub.url, ...options.config },
    hub: link,
    modelId,
    now: hubClock.now,
    // Reconcile's wait counts elapsed time: it passes as hubClock moves.
    elapsed: () => elapsedMs() + hubClock.offsetMs,
  });
  const events: KioskEvent[] = [];
  service.subscribe((event) => events.push(event));
  return { service, events };
}

type Answer = KioskResult<{ payment: PaymentView }>;

/** The patient taps "check in", looks at the camera, taps OK and types the PIN when asked. */
async function checkIn(service: KioskService): Promise<Answer> {
  const started = await service.handlers.startCheckIn({});
  if (!started.ok) return started;
  const paymentId = started.payment.id;
  const identified = await service.handlers.identify({
    paymentId,
    modelId,
    descriptor: Array.from(sameFace()),
    liveness: live,
  });
  if (!identified.ok) return identified;
  const confirmed = await service.handlers.confirm({ paymentId });
  if (!confirmed.ok || confirmed.payment.state !== 'pin') return confirmed;
  return service.handlers.confirm({ paymentId, pin: '4862' });
}

async function account() {
  const { balance, held } = await admin.getAccount('patient');
  return { balance, held };
}

/** The clinic's IT person's sample: `npm run clinic:sample -- --hub URL --token T ...`. */
async function clinicSample(args: string[]): Promise<{ code: number | null; out: string }> {
  const token = clinic.clinicSystem?.token ?? '';
  return runScriptOnClock(
    'scripts/clinic-sample.ts',
    ['--hub', hub.url, '--token', token, ...args],
    hubClock,
  );
}

/** Closes whatever visit the patient has open, so each test starts with none. */
async function closeOpenVisits(): Promise<void> {
  const open = await admin.listHolds({ payer: 'patient', status: 'active' });
  for (const hold of open.items) {
    await admin.holdAction(hold.id, 'release', {}, `cleanup-${hold.id}`);
  }
}

describe('clinic reception kiosk service', () => {
  it('checks in by face + PIN: a clinic_visit hold for the cap; the clinic event settles the fee, and board and balance agree', async () => {
    const { service, events } = reception();
    const before = await account();
    const checkedIn = await checkIn(service);
    expect(checkedIn).toMatchObject({
      ok: true,
      payment: {
        purpose: 'clinic_visit',
        state: 'checked_in',
        visit: { queueNumber: 1, state: 'waiting', held: cap, paid: 0 },
      },
    });
    if (!checkedIn.ok || checkedIn.payment.visit === null) throw new Error('not checked in');
    const { holdId } = checkedIn.payment.visit;
    const hold = await admin.getHold(holdId);
    expect(hold).toMatchObject({
      status: 'active',
      template: 'clinic_visit',
      payer: 'patient',
      payee: 'clinic',
      amount: cap,
      category: 'medical.consultation',
      reference: `visit:${checkedIn.payment.reference.split(':')[1]}:1:${clinic.config.kioskId}`,
    });
    expect(Date.parse(hold.expiresAt) - Date.parse(hold.createdAt)).toBe(noShowAfterSeconds * 1000);
    expect(await account()).toEqual({ balance: before.balance, held: before.held + cap });

    const listed = await clinicSample([]);
    expect(listed.code, listed.out).toBe(0);
    expect(listed.out).toContain(`No. 1  ¥5,000 held`);
    const completed = await clinicSample(['--complete', '1', '--amount', '3210']);
    expect(completed.code, completed.out).toBe(0);
    expect(completed.out.trim()).toBe('No. 1: paid ¥3,210, released ¥1,790');

    await service.refreshVisits();
    const board = events.filter((event) => event.type === 'visits').at(-1);
    expect(board).toMatchObject({
      type: 'visits',
      visits: [{ queueNumber: 1, holdId, state: 'paid', held: cap, paid: 3_210, released: 1_790 }],
    });
    expect(await account()).toEqual({ balance: before.balance - 3_210, held: before.held });
    expect(await service.handlers.clinicVisits({})).toMatchObject({
      ok: true,
      visits: [{ queueNumber: 1, state: 'paid', paid: 3_210 }],
    });
  });

  it("clinic:sample will not charge a queue number two reception kiosks both gave out today: it asks for the hold's id", async () => {
    // Each reception kiosk numbers its visits from 1 every day: No. 7 at two kiosks is two patients.
    const visits: string[] = [];
    for (const kiosk of ['reception-a', 'reception-b']) {
      const placed = await admin.placeHold(
        {
          payer: 'patient',
          payee: 'clinic',
          amount: 1_000,
          currency: 'JPY',
          reference: visitReference({
            day: localDay(hubClock.now()),
            queueNumber: 7,
            kioskId: kiosk,
          }),
          expiresInSeconds: noShowAfterSeconds,
          template: { name: 'clinic_visit' },
          category: 'medical.consultation',
        },
        `two-sevens-${kiosk}-${Date.now()}`,
      );
      visits.push(placed.id);
    }
    const before = await account();
    const ambiguous = await clinicSample(['--complete', '7', '--amount', '800']);
    expect(ambiguous.code, ambiguous.out).toBe(1);
    expect(ambiguous.out).toContain('No. 7 is waiting at 2 kiosks today');
    for (const id of visits) expect(ambiguous.out).toContain(id);
    expect(await account()).toEqual(before); // nothing charged
    const byId = await clinicSample(['--complete', visits[1] ?? '', '--amount', '800']);
    expect(byId.code, byId.out).toBe(0);
    expect(await admin.getHold(visits[1] ?? '')).toMatchObject({ status: 'settled', settled: 800 });
    expect(await admin.getHold(visits[0] ?? '')).toMatchObject({ status: 'active', settled: 0 });
  });
  it('a second check-in of the same patient while one is open is refused with its number and holds nothing more', async () => {
    const { service } = reception();
    const first = await checkIn(service);
    if (!first.ok || first.payment.visit === null) throw new Error('first check-in failed');
    const after = await account();
    const second = await checkIn(service);
    expect(second).toMatchObject({
      ok: false,
      error: { code: 'already_checked_in', queueNumber: first.payment.visit.queueNumber },
    });
    expect(await account()).toEqual(after);
    const open = await admin.listHolds({ payer: 'patient', status: 'active' });
    expect(open.items.map((hold) => hold.id)).toEqual([first.payment.visit.holdId]);
    await closeOpenVisits();
  });

  it("a bad amount from the clinic changes nothing (over the cap, zero), the visit still waits; the clinic's fee then settles", async () => {
    const { service } = reception();
    const checkedIn = await checkIn(service);
    if (!checkedIn.ok || checkedIn.payment.visit === null) throw new Error('not checked in');
    const { holdId, queueNumber } = checkedIn.payment.visit;
    const clinicSystem = new HubClient({
      baseUrl: hub.url,
      token: clinic.clinicSystem?.token ?? '',
    });
    const send = (amount: number) =>
      clinicSystem
        .holdAction(
          holdId,
          'events',
          { type: 'consultation.completed', data: { amount } },
          `c-${amount}`,
        )
        .then(
          (hold) => ({ status: 200, code: hold.status }),
          (error: HubRequestError) => ({ status: error.status, code: error.code }),
        );
    const held = await account();
    expect(await send(cap + 1)).toEqual({ status: 422, code: 'exceeds_remaining' });
    expect(await send(0)).toEqual({ status: 400, code: 'invalid_request' });
    const typo = await clinicSample(['--complete', String(queueNumber), '--amount', '32.10']);
    expect(typo.code).toBe(2);
    expect(typo.out).toContain('--amount must be a whole number of yen');
    await service.refreshVisits();
    const board = await service.handlers.clinicVisits({});
    expect(board.ok && board.visits.find((visit) => visit.holdId === holdId)).toMatchObject({
      queueNumber,
      state: 'waiting',
      paid: 0,
    });
    expect(await account()).toEqual(held);
    expect(await send(cap)).toEqual({ status: 200, code: 'settled' });
    expect(await account()).toEqual({ balance: held.balance - cap, held: held.held - cap });
  });

  it('with the hub down a check-in takes no money, and one whose answer was lost is released once the hub answers', async () => {
    const before = await account();
    const { service } = reception();
    const started = await service.handlers.startCheckIn({});
    if (!started.ok) throw new Error('no check-in');
    await hub.close();
    const down = await service.handlers.identify({
      paymentId: started.payment.id,
      modelId,
      descriptor: Array.from(sameFace()),
      liveness: live,
    });
    expect(down).toMatchObject({ ok: false, error: { code: 'hub_unreachable' } });
    hub = await startHub({
      dataDir: path.join(work, 'hub'),
      port: Number(new URL(clinic.config.hubUrl).port),
      adminToken,
      clock: hubClock,
    });
    expect(await account()).toEqual(before);
    await service.handlers.cancel({ paymentId: started.payment.id });

    // A network that delivers POST /v1/holds and loses the hub's answer: the cap was held.
    // Only the first answer is lost: the network is back when the kiosk asks again.
    const lossyKiosk = reception({ fetch: networkLosingFirstAnswer('/v1/holds') }).service;
    const lost = await checkIn(lossyKiosk);
    expect(lost).toMatchObject({ ok: false, error: { code: 'hub_unreachable' } });
    expect(await account()).toEqual({ balance: before.balance, held: before.held + cap });
    // Asked again only once the check-in's authorization has expired (it can then place nothing).
    hubClock.offsetMs += paymentAuthorizationLifetimeMs + 15_000;
    const reconciled = await lossyKiosk.reconcile();
    expect(reconciled.released).toHaveLength(1);
    expect(reconciled).toMatchObject({ refunded: [], notPlaced: [] });
    expect(await account()).toEqual(before);
  });

  it('a kiosk restarted the same day shows the visits it placed and numbers on from them', async () => {
    const first = reception().service;
    const visit = await checkIn(first);
    if (!visit.ok || visit.payment.visit === null) throw new Error('not checked in');
    await closeOpenVisits();
    const restarted = reception();
    await restarted.service.refreshVisits();
    const board = await restarted.service.handlers.clinicVisits({});
    if (!board.ok) throw new Error('no board');
    const numbers = board.visits.map((v) => v.queueNumber);
    expect(numbers[0]).toBe(visit.payment.visit.queueNumber);
    expect(board.visits[0]).toMatchObject({ state: 'released', released: cap });
    const next = await checkIn(restarted.service);
    expect(next).toMatchObject({
      ok: true,
      payment: { visit: { queueNumber: visit.payment.visit.queueNumber + 1 } },
    });
    await closeOpenVisits();
  });

  it('no-show: past the deadline the hold releases itself, the board says so and nothing is taken', async () => {
    const { service, events } = reception();
    const before = await account();
    const checkedIn = await checkIn(service);
    if (!checkedIn.ok || checkedIn.payment.visit === null) throw new Error('not checked in');
    const { queueNumber, holdId } = checkedIn.payment.visit;
    expect(await account()).toEqual({ balance: before.balance, held: before.held + cap });
    hubClock.offsetMs += (noShowAfterSeconds + 1) * 1000;
    await service.refreshVisits();
    const board = events.filter((event) => event.type === 'visits').at(-1);
    const visits = board?.type === 'visits' ? board.visits : [];
    expect(visits.find((visit) => visit.holdId === holdId)).toMatchObject({
      queueNumber,
      state: 'expired',
      paid: 0,
      released: cap,
    });
    expect(await account()).toEqual(before);
    const late = await clinicSample(['--complete', String(queueNumber), '--amount', '3000']);
    expect(late.code).toBe(1);
    expect(await account()).toEqual(before);
  });

  it('belongs to its mode: no check-in at a shop counter, no till amount or operator charge at a clinic', async () => {
    const shop = reception({ config: { mode: 'shop' } }).service;
    expect(await shop.handlers.startCheckIn({})).toMatchObject({
      ok: false,
      error: { code: 'wrong_mode' },
    });
    const reception_ = reception().service;
    expect(reception_.requestFromTill({ amount: 500, reference: 'till' })).toMatchObject({
      ok: false,
      status: 409,
      code: 'wrong_mode',
    });
    const file: Record<string, unknown> = { ...clinic.config };
    delete file['clinic'];
    delete file['configDir'];
    const noClinic = kioskConfigSchema.safeParse({ ...file, mode: 'clinic' });
    expect(noClinic.success).toBe(false);
    expect(noClinic.error?.issues[0]?.path).toEqual(['clinic']);
    const zeroCap = kioskConfigSchema.safeParse({
      ...file,
      mode: 'clinic',
      clinic: { cap: 0, noShowAfterSeconds },
    });
    expect(zeroCap.success).toBe(false);
  });
});
