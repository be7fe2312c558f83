// Crash safety of a clinic check-in: the reception kiosk's own node process is SIGKILLed while its
// clinic_visit hold request is held at the network, restarted on the same folder: a cap the patient was never
// told about is released, a visit the patient saw stays on the board until the clinic's consultation settles it.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PendingHolds } from '../../src/main/pending-holds.ts';
import type { VisitView } from '../../src/shared/kiosk-api.ts';
import { syntheticFace } from '../hub/helpers.ts';
import type { HoldingProxy } from './holding-proxy.ts';
import {
  closeCrashRig,
  confirmByFace,
  killKioskProcess,
  killKioskProcessesLeft,
  KioskSocket,
  runScriptOnClock,
  startCrashRig,
  type CrashRig,
  type KioskProcess,
} from './kiosk-process.ts';
import { cap, closeOpenVisits, startClinicWithPatient } from './clinic-fixture.ts';
import type { KioskTestHub } from './kiosk-test-hub.ts';
import { clinicDayClock } from './clinic-day-clock.ts';

const adminToken = `admin-${randomBytes(12).toString('hex')}`;
const face = syntheticFace();
/** The hub's clock and every kiosk process's (clock-ahead.ts): moved forward together, never back. */
const clock = clinicDayClock();

let test: KioskTestHub;
let rig: CrashRig;
let proxy: HoldingProxy;

beforeAll(async () => {
  test = await startClinicWithPatient({ prefix: 'facepay-clinic-crash-', adminToken, clock, face });
  rig = await startCrashRig(test, clock);
  proxy = rig.proxy;
}, 60_000);

afterAll(async () => {
  await closeCrashRig(rig, test);
});

// A test that failed half way leaves no kiosk running on the folder and no visit open (the next check-in
// would be refused as a second one).
afterEach(async () => {
  await killKioskProcessesLeft();
  await closeOpenVisits(test);
});

/** The reception kiosk on the clinic's folder, reaching the hub through the test's proxy. */
const startKiosk = () => rig.startKiosk();

/**
 * The patient taps "check in", is identified by face, taps OK and types the PIN when asked. Returns once
 * the confirm that sends the clinic_visit hold request is on its way, with its answer to come.
 */
async function checkIn(kiosk: KioskProcess) {
  const socket = await KioskSocket.open(kiosk.url);
  const started = await socket.call('startCheckIn', {});
  expect(started).toMatchObject({ ok: true, payment: { purpose: 'clinic_visit', amount: cap } });
  const paymentId = started.ok ? started.payment.id : '';
  const checkingIn = confirmByFace(socket, paymentId, face);
  return { paymentId, checkingIn, socket };
}

async function account() {
  const { balance, held } = await test.admin.getAccount('patient');
  return { balance, held };
}

/**
 * What the killed kiosk left on disk is a list the next start reads (the kiosk's own reader) naming this
 * check-in's request: written before it went out. Returns the visit's reference (its queue number).
 */
function expectWrittenAhead(paymentId: string): string {
  expect(existsSync(`${rig.pendingHoldsFile}.tmp`)).toBe(false);
  const onDisk = new PendingHolds(rig.pendingHoldsFile).get(paymentId);
  expect(onDisk?.sent).toMatchObject({
    template: 'clinic_visit',
    request: {
      payer: 'patient',
      payee: 'clinic',
      amount: cap,
      reference: expect.stringMatching(/^visit:\d{4}-\d{2}-\d{2}:\d+:/),
      idempotencyKey: `kiosk-${test.shop.config.kioskId}-${paymentId}`,
    },
  });
  return onDisk?.sent.request.reference ?? '';
}

/** The visits the hub holds under `reference` (one per check-in: the kiosk's idempotency key). */
async function visitsUnder(reference: string) {
  return (await test.admin.listHolds({ payer: 'patient', reference })).items;
}

/** The reception board of a running kiosk, as its idle screen asks for it. */
async function board(kiosk: KioskProcess): Promise<VisitView[]> {
  const socket = await KioskSocket.open(kiosk.url);
  const answer = await socket.call<{ visits: VisitView[] }>('clinicVisits', {});
  socket.close();
  if (!answer.ok) throw new Error(`clinicVisits: ${answer.error.code}`);
  return answer.visits;
}

/** A cap the restarted kiosk released: its board may list the visit as released, never as waiting. */
async function expectNotWaitingOnBoard(kiosk: KioskProcess, reference: string): Promise<void> {
  const [hold] = await visitsUnder(reference);
  expect(hold).toBeDefined();
  const waiting = (await board(kiosk)).filter((visit) => visit.state === 'waiting');
  expect(waiting.map((visit) => visit.holdId)).not.toContain(hold?.id);
}

/**
 * The kiosk killed after the hub held the cap, the patient told nothing: its restart reconciles `paymentId`
 * and releases the visit under `reference` (the account back to `before`, the board never showing it waiting).
 */
async function restartReleases(
  paymentId: string,
  reference: string,
  before: Awaited<ReturnType<typeof account>>,
): Promise<void> {
  const second = await rig.restartPastAuthorization();
  await rig.reconciled(second, paymentId);
  expect(await account()).toEqual(before);
  expect(await visitsUnder(reference)).toMatchObject([
    { template: 'clinic_visit', amount: cap, status: 'released', settled: 0 },
  ]);
  await expectNotWaitingOnBoard(second, reference);
  await killKioskProcess(second);
}

describe('a clinic reception kiosk SIGKILLed during a check-in, restarted on the same folder', () => {
  it('killed while its hold request waits at the network, which then loses it: nothing is held, and the restart forgets it', async () => {
    const before = await account();
    const first = await startKiosk();
    const held = proxy.holdNextRequest();
    const { paymentId, checkingIn } = await checkIn(first);
    await held.arrived;
    await killKioskProcess(first);
    // The patient's screen heard nothing but its kiosk going away: never a queue number.
    expect(await checkingIn).toMatchObject({ ok: false });
    const reference = expectWrittenAhead(paymentId);
    held.drop();
    expect(await account()).toEqual(before);

    const second = await rig.restartPastAuthorization();
    await rig.reconciled(second, paymentId);
    expect(await account()).toEqual(before);
    expect(await visitsUnder(reference)).toEqual([]);
    await killKioskProcess(second);
  }, 120_000);

  it('killed while its hold request waits at the network, which delivers it afterwards: the hub holds the cap, the restart releases it', async () => {
    const before = await account();
    const first = await startKiosk();
    const held = proxy.holdNextRequest();
    const { paymentId, checkingIn } = await checkIn(first);
    await held.arrived;
    await killKioskProcess(first);
    expect(await checkingIn).toMatchObject({ ok: false });
    const reference = expectWrittenAhead(paymentId);
    expect(await held.forward()).toBe(201);
    // The hub did hold the cap; nobody was told a queue number.
    expect(await account()).toEqual({ balance: before.balance, held: before.held + cap });

    await restartReleases(paymentId, reference, before);
  }, 120_000);

  it('killed after the hub held the cap, before the answer reached it: the restart releases it (the patient was told nothing)', async () => {
    const before = await account();
    const first = await startKiosk();
    const held = proxy.holdNextAnswer();
    const { paymentId, checkingIn } = await checkIn(first);
    expect(await held.answered).toBe(201);
    await killKioskProcess(first);
    expect(await checkingIn).toMatchObject({ ok: false });
    const reference = expectWrittenAhead(paymentId);
    expect(await account()).toEqual({ balance: before.balance, held: before.held + cap });

    await restartReleases(paymentId, reference, before);
  }, 120_000);

  it('killed just after the patient saw their queue number: the restart keeps the visit on its board, never releases it, and the consultation settles the fee', async () => {
    const before = await account();
    const first = await startKiosk();
    const { paymentId, checkingIn, socket } = await checkIn(first);
    const checkedIn = await checkingIn;
    expect(checkedIn).toMatchObject({
      ok: true,
      payment: { state: 'checked_in', visit: { state: 'waiting', held: cap } },
    });
    socket.close();
    const visit = checkedIn.ok ? checkedIn.payment.visit : null;
    if (visit === null) throw new Error('no visit');
    await killKioskProcess(first);
    expect(new PendingHolds(rig.pendingHoldsFile).get(paymentId)).toBeUndefined();

    // Listening: its first reconcile (the authorization long expired) and its recovery of today's visits have run.
    const second = await rig.restartPastAuthorization();
    const { queueNumber, holdId } = visit;
    expect(await board(second)).toContainEqual(
      expect.objectContaining({ queueNumber, holdId, state: 'waiting', held: cap }),
    );
    expect(await test.admin.getHold(holdId)).toMatchObject({ status: 'active', settled: 0 });
    expect(await account()).toEqual({ balance: before.balance, held: before.held + cap });

    // The clinic's system (clinic:sample) sends consultation.completed to the hub, not to the kiosk.
    const completed = await runScriptOnClock(
      'scripts/clinic-sample.ts',
      [
        ...['--hub', test.hub.url, '--token', test.shop.clinicSystem?.token ?? ''],
        ...['--complete', String(queueNumber), '--amount', '3210'],
      ],
      clock,
    );
    expect(completed.code, completed.out).toBe(0);
    expect(completed.out.trim()).toBe(`No. ${queueNumber}: paid ¥3,210, released ¥1,790`);
    // The kiosk reads its waiting visits' holds back every 3 s (clinicVisitPollMs).
    const shown = async () => (await board(second)).find((seen) => seen.holdId === holdId);
    await expect
      .poll(shown, { timeout: 20_000, interval: 200 })
      .toMatchObject({ queueNumber, state: 'paid', paid: 3_210, released: 1_790 });
    expect(await account()).toEqual({ balance: before.balance - 3_210, held: before.held });
    await killKioskProcess(second);
  }, 120_000);
});
