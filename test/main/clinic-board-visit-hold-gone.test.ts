// A waiting visit whose hold the hub no longer has (its 404: its data restored without it) closes as gone on
// the clinic board, is not asked again, and the visits behind it are still read; the hub's 404 for a route
// it lacks says nothing of the hold: that visit stays waiting, and it is no answer that clears an outage mark.
import { describe, expect, it } from 'vitest';
import { HubError } from '../../src/hub/errors.ts';
import { errorBody } from '../../src/hub/http/context.ts';
import { watchHubRound } from '../../src/main/kiosk-runtime.ts';
import type { KioskService } from '../../src/main/kiosk-service.ts';
import type { KioskEvent, VisitView } from '../../src/shared/kiosk-api.ts';
import { clinicBoardHubErrorsInARowMax } from '../../src/shared/limits.ts';
import { clinicForFile, clinicSystem, closeOpenVisits } from './clinic-fixture.ts';

const clinic = clinicForFile('facepay-clinic-board-hold-gone-');

/** The hub's own error, as its error handler writes it. */
const hubAnswer = (error: HubError, status: number) =>
  new Response(JSON.stringify(errorBody(error)), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8' },
  });

/**
 * The real hub, but any request for the hold `goneHoldId` answered with the hub's 404 for a hold it does
 * not have; `asked` counts those requests. While `down`, the board's reads answered with its 503; with
 * `noRoute`, a hold read goes to a path the real hub has no route for (its own "no route" 404).
 */
function networkWithoutHold() {
  const state = { goneHoldId: '', asked: 0, down: false, noRoute: false };
  const network: typeof fetch = async (input, init) => {
    const url = new URL(String(input instanceof Request ? input.url : input));
    const method = init?.method ?? 'GET';
    if (state.goneHoldId !== '' && url.pathname.startsWith(`/v1/holds/${state.goneHoldId}`)) {
      state.asked += 1;
      return hubAnswer(new HubError('not_found', `hold ${state.goneHoldId} not found`), 404);
    }
    const boardRead =
      method === 'GET' && url.pathname.startsWith('/v1/holds') && !url.searchParams.has('payer');
    if (state.down && boardRead) {
      return hubAnswer(new HubError('unavailable', 'the database is not answering'), 503);
    }
    if (state.noRoute && boardRead && url.pathname.startsWith('/v1/holds/')) {
      url.pathname = `/v1/no-such-route${url.pathname}`;
      return fetch(url, init);
    }
    return fetch(input, init);
  };
  return { network, state };
}

async function board(service: KioskService): Promise<VisitView[]> {
  const answer = await service.handlers.clinicVisits({});
  if (!answer.ok) throw new Error('no board');
  return answer.visits;
}

/** The board's state of the visit on `holdId` (the board also shows the file's earlier visits, resumed). */
async function stateOf(service: KioskService, holdId: string) {
  return (await board(service)).find((visit) => visit.holdId === holdId)?.state;
}

/** The patient checks in; answers the visit's hold id. */
async function checkedIn(service: KioskService): Promise<string> {
  const answer = await clinic.checkIn(service);
  const visit = answer.ok && 'payment' in answer ? (answer.payment.visit ?? null) : null;
  if (visit === null) throw new Error('not checked in');
  return visit.holdId;
}

describe("the clinic board, a waiting visit's hold gone from the hub", () => {
  it('shows that visit gone and still reads the visits behind it; the gone hold is not asked again', async () => {
    const { network, state } = networkWithoutHold();
    const { service, link } = clinic.reception(network);
    const shown: VisitView[][] = [];
    service.subscribe((event: KioskEvent) => {
      if (event.type === 'visits') shown.push(event.visits);
    });
    try {
      expect(await watchHubRound(link, service)).toBe(true);
      // No. 1 waits on the board; at the hub it is closed, so the patient may check in again (No. 2). The
      // board was not refreshed in between: both wait on it, No. 1 first.
      const older = await checkedIn(service);
      await clinic.test.admin.holdAction(older, 'release', {}, `release-${older}`);
      const newer = await checkedIn(service);
      expect((await board(service)).map((visit) => [visit.holdId, visit.state])).toEqual([
        [newer, 'waiting'],
        [older, 'waiting'],
      ]);

      // The hub then no longer has No. 1's hold (its data restored without it); the clinic bills No. 2.
      state.goneHoldId = older;
      const completed = { type: 'consultation.completed', data: { amount: 1_200 } };
      await clinicSystem(clinic.test).holdAction(newer, 'events', completed, `done-${newer}`);
      const heldBefore = (await clinic.test.admin.getAccount('patient')).held;

      await service.refreshVisits();
      expect(state.asked).toBe(1);
      const after = await board(service);
      expect(after).toMatchObject([
        { holdId: newer, state: 'paid', paid: 1_200 },
        { holdId: older, state: 'gone', paid: 0, released: 0 },
      ]);
      expect(shown.at(-1)).toEqual(after);
      expect(service.status().hub).toBe('reachable');

      await service.refreshVisits();
      expect(state.asked).toBe(1);
      expect(await board(service)).toEqual(after);
      // The kiosk released or settled nothing for it: nothing held moved.
      expect((await clinic.test.admin.getAccount('patient')).held).toBe(heldBefore);
    } finally {
      await closeOpenVisits(clinic.test);
    }
  });

  it("a hold read answered by the hub's 404 for a route it lacks: the visit waits, the outage mark stays", async () => {
    const { network, state } = networkWithoutHold();
    const { service, link } = clinic.reception(network);
    try {
      expect(await watchHubRound(link, service)).toBe(true);
      const holdId = await checkedIn(service);

      state.down = true;
      for (let i = 0; i < clinicBoardHubErrorsInARowMax; i += 1) await service.refreshVisits();
      expect(service.status().hub).toBe('unreachable');

      state.down = false;
      state.noRoute = true;
      await service.refreshVisits();
      expect(service.status().hub).toBe('unreachable');
      expect(await stateOf(service, holdId)).toBe('waiting');

      // The hub's route back: the read is answered, the mark goes.
      state.noRoute = false;
      await service.refreshVisits();
      expect(service.status().hub).toBe('reachable');
      expect(await stateOf(service, holdId)).toBe('waiting');
    } finally {
      await closeOpenVisits(clinic.test);
    }
  });
});
