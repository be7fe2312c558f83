// A reception kiosk restarted while a check-in's answer was lost rebuilds its board from the hub's holds:
// that check-in, whose patient was told it failed, must not appear on it (a queue number nobody was given,
// shown as waiting until reconcile releases it); an answered one must, and numbering goes past both.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { KioskService } from '../../src/main/kiosk-service.ts';
import { paymentAuthorizationLifetimeMs, reconcileMarginMs } from '../../src/shared/limits.ts';
import { clinicSystem, closeOpenVisits, clinicForFile } from './clinic-fixture.ts';
import { isPostTo } from './kiosk-test-hub.ts';

const clinic = clinicForFile('facepay-clinic-restart-board-');
const { clock, checkIn } = clinic;

/** A reception kiosk (as after a start) keeping its lost requests in `file`, behind `network`. */
function reception(file: string, network: typeof fetch = fetch) {
  const { service } = clinic.reception(network, path.join(clinic.test.work, file));
  // Its runtime's first round found the hub, as at a start: else, once the test's clock has moved past the
  // authorization, a kiosk whose hub was never reached counts as out of reach and refuses check-ins (636b373).
  service.setHubState('reachable');
  return service;
}

async function board(service: KioskService) {
  const answer = await service.handlers.clinicVisits({});
  if (!answer.ok) throw new Error('no board');
  return answer.visits.map(({ queueNumber, state }) => ({ queueNumber, state }));
}

describe('a reception kiosk restarted with a check-in whose answer was lost', () => {
  it('its rebuilt board never shows that visit (nobody was told its number); the answered one is there, and numbering goes on', async () => {
    const first = reception('pending-restart-board.json', networkLosingSecondHoldAnswer());
    await first.refreshVisits();
    // No. 1: told, seen and billed by the clinic's system.
    const told = await checkIn(first);
    expect(told).toMatchObject({ ok: true });
    const [visit] = (await clinic.test.admin.listHolds({ payer: 'patient', status: 'active' }))
      .items;
    if (visit === undefined) throw new Error('no visit held');
    const completed = { type: 'consultation.completed', data: { amount: 1_200 } };
    await clinicSystem(clinic.test).holdAction(
      visit.id,
      'events',
      completed,
      `completed-${visit.id}`,
    );
    // No. 2: held at the hub, its answer lost: the patient is told the check-in failed.
    const lost = await checkIn(first);
    expect(lost).toMatchObject({ ok: false, error: { code: 'hub_unreachable' } });

    // Restarted: the board is rebuilt from the hub's holds, before reconcile may ask about No. 2.
    const second = reception('pending-restart-board.json');
    await second.refreshVisits();
    expect((await board(second)).map((entry) => entry.queueNumber)).toEqual([1]);

    clock.offsetMs += paymentAuthorizationLifetimeMs + reconcileMarginMs + 1_000;
    expect(await second.reconcile()).toMatchObject({ released: [expect.any(String)] });
    await second.refreshVisits();
    expect((await board(second)).map((entry) => entry.queueNumber)).toEqual([1]);
    // The next check-in is No. 3: No. 2 is taken at the hub even though nobody was told it.
    const next = await checkIn(second);
    expect(next).toMatchObject({ ok: true });
    expect(await board(second)).toMatchObject([
      { queueNumber: 3, state: 'waiting' },
      { queueNumber: 1 },
    ]);
    await closeOpenVisits(clinic.test);
  });
});

/** Carries every request; the answer to the second POST /v1/holds is lost after the hub committed it. */
function networkLosingSecondHoldAnswer(): typeof fetch {
  let holds = 0;
  return async (input, init) => {
    const response = await fetch(input, init);
    if (isPostTo('/v1/holds', input, init) && ++holds === 2) throw new TypeError('socket hang up');
    return response;
  };
}
