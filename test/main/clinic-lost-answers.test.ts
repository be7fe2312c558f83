// Clinic reception against a real hub when the hub's answer to a check-in is lost: the patient who taps
// "check in" again must find their visit on the board, and the kiosk must not release the cap it tells
// them is their visit, even when reconcile looks at that check-in at the same time.
import { describe, expect, it } from 'vitest';
import { paymentAuthorizationLifetimeMs } from '../../src/shared/limits.ts';
import { cap, clinicSystem, closeOpenVisits, clinicForFile } from './clinic-fixture.ts';
import { networkLosingFirstAnswer } from './kiosk-test-hub.ts';

const clinic = clinicForFile('facepay-clinic-lost-');
const { clock, checkIn } = clinic;
const reception = (network: typeof fetch) => clinic.reception(network);

describe('a check-in whose answer was lost', () => {
  it('tapped again at the same kiosk: the patient is told their number, the board shows it, and reconcile leaves its cap held', async () => {
    const { service, link } = reception(networkLosingFirstAnswer('/v1/holds'));
    const before = await clinic.test.admin.getAccount('patient');
    const lost = await checkIn(service);
    expect(lost).toMatchObject({ ok: false, error: { code: 'hub_unreachable' } });
    const again = await checkIn(service);
    expect(again).toMatchObject({
      ok: false,
      error: { code: 'already_checked_in', queueNumber: 1 },
    });
    const board = await service.handlers.clinicVisits({});
    expect(board).toMatchObject({
      ok: true,
      visits: [{ queueNumber: 1, state: 'waiting', held: cap }],
    });
    clock.offsetMs += paymentAuthorizationLifetimeMs + 15_000;
    const reconciled = await service.reconcile();
    expect(reconciled).toEqual({ refunded: [], released: [], notPlaced: [], unresolved: [] });
    const open = await clinic.test.admin.listHolds({ payer: 'patient', status: 'active' });
    expect(open.items).toMatchObject([{ reference: expect.stringMatching(/^visit:.*:1:/) }]);
    expect((await clinic.test.admin.getAccount('patient')).held).toBe(before.held + cap);
    await closeOpenVisits(clinic.test);
    link.dispose();
  });

  it("settled by the clinic's consultation.completed before reconcile ran: the fee is not refunded, staff check it", async () => {
    const { service, link } = reception(networkLosingFirstAnswer('/v1/holds'));
    const before = await clinic.test.admin.getAccount('patient');
    const lost = await checkIn(service);
    expect(lost).toMatchObject({ ok: false, error: { code: 'hub_unreachable' } });
    // The clinic's system lists the hub's open visits, not the kiosk's board: the visit is called and billed.
    const [visit] = (await clinic.test.admin.listHolds({ payer: 'patient', status: 'active' }))
      .items;
    if (visit === undefined) throw new Error('no visit held');
    const event = { type: 'consultation.completed', data: { amount: 3_210 } };
    await clinicSystem(clinic.test).holdAction(visit.id, 'events', event, `completed-${visit.id}`);
    clock.offsetMs += paymentAuthorizationLifetimeMs + 15_000;
    const reconciled = await service.reconcile();
    expect(reconciled).toMatchObject({ refunded: [], unresolved: [expect.any(String)] });
    expect((await clinic.test.admin.getAccount('patient')).balance).toBe(before.balance - 3_210);
    expect(service.status().paymentsToCheck).toMatchObject([{ amount: cap }]);
    link.dispose();
  });
});

type RequestTest = (url: URL, method: string) => boolean;

/** At most `ms` for something that should happen before it, if it happens at all. */
const atMost = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The first POST /v1/holds's answer is lost (the check-in). Once armed, a request `waits` picks is held
 * before the hub until a request `first` picks has had its answer from the hub, and that answer is held
 * until the waiting request's answer came back: the order a slow network could give them. Each wait is at
 * most a second, as the kiosk may rightly keep one of them from being sent until the other is done.
 */
function networkOrdering(first: RequestTest, waits: RequestTest) {
  const losing = networkLosingFirstAnswer('/v1/holds');
  let armed = false;
  let firstAnswered = () => {};
  let waitingAnswered = () => {};
  const firstDone = new Promise<void>((resolve) => (firstAnswered = resolve));
  const waitingDone = new Promise<void>((resolve) => (waitingAnswered = resolve));
  const network: typeof fetch = async (input, init) => {
    const url = new URL(String(input instanceof Request ? input.url : input));
    const method = init?.method ?? 'GET';
    if (armed && waits(url, method)) {
      await Promise.race([firstDone, atMost(1_000)]);
      const response = await losing(input, init);
      waitingAnswered();
      return response;
    }
    const response = await losing(input, init);
    if (armed && first(url, method)) {
      firstAnswered();
      await Promise.race([waitingDone, atMost(1_000)]);
    }
    return response;
  };
  return { network, arm: () => (armed = true) };
}

/** The tap's look for the patient's open visits (GET /v1/holds?payer=&status=active). */
const tapsListOfOpenVisits: RequestTest = (url, method) =>
  method === 'GET' && url.pathname === '/v1/holds' && url.searchParams.get('status') === 'active';
/** Reconcile's read of the hold its lost request placed. */
const reconcileReadsTheHold: RequestTest = (url, method) =>
  method === 'GET' && /^\/v1\/holds\/hold_/.test(url.pathname);
/** Reconcile's release of the visit it found. */
const reconcileReleases: RequestTest = (url, method) =>
  method === 'POST' && /^\/v1\/holds\/hold_\w+\/release$/.test(url.pathname);

/**
 * The queue number the patient was told is theirs: already checked in as No. N, or checked in now as No. N.
 */
function toldQueueNumber(answer: Awaited<ReturnType<typeof checkIn>>): number | undefined {
  if (answer.ok) return 'visit' in answer.payment ? answer.payment.visit?.queueNumber : undefined;
  return answer.error.code === 'already_checked_in'
    ? (answer.error as { queueNumber?: number }).queueNumber
    : undefined;
}

/**
 * Loses a check-in, waits out its authorization, runs reconcile and a second check-in together on
 * `ordering`'s network, and checks that the patient's told visit is the one visit held at the hub.
 */
async function lostCheckInRacedByReconcile(
  ordering: ReturnType<typeof networkOrdering>,
): Promise<void> {
  const { service, link } = reception(ordering.network);
  const lost = await checkIn(service);
  expect(lost).toMatchObject({ ok: false, error: { code: 'hub_unreachable' } });
  clock.offsetMs += paymentAuthorizationLifetimeMs + 15_000;
  // The runtime's health round found the hub again (it reconciles only then).
  service.setHubState('reachable');
  ordering.arm();

  const [told] = await Promise.all([checkIn(service), service.reconcile()]);

  const queueNumber = toldQueueNumber(told);
  expect(queueNumber, JSON.stringify(told)).toBeDefined();
  const open = await clinic.test.admin.listHolds({ payer: 'patient', status: 'active' });
  expect(open.items.filter((hold) => hold.template === 'clinic_visit')).toMatchObject([
    { reference: expect.stringMatching(new RegExp(`^visit:.*:${queueNumber}:`)) },
  ]);
  const board = await service.handlers.clinicVisits({});
  if (!board.ok) throw new Error(board.error.message);
  expect(board.visits.filter((visit) => visit.state === 'waiting')).toMatchObject([
    { queueNumber },
  ]);
  await closeOpenVisits(clinic.test);
  link.dispose();
}

describe('a lost check-in: reconcile and the patient tapping again at the same time', () => {
  it("the tap finds the visit while reconcile reads it: the patient's told visit stays held", async () => {
    await lostCheckInRacedByReconcile(networkOrdering(tapsListOfOpenVisits, reconcileReadsTheHold));
  });

  it("reconcile releases the visit while the tap's list of it is on its way back: the patient is not told of a released visit", async () => {
    await lostCheckInRacedByReconcile(networkOrdering(tapsListOfOpenVisits, reconcileReleases));
  });
});
