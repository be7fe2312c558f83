// A database outage marked the hub out of reach (the clinic board's reads met its 503 in a row), and the
// database came back from a backup without a waiting visit's hold: the board's read of it, refused by the
// hub (its 404), is an answer from its data, so the mark goes and check-in opens again, not shut for good.
import { describe, expect, it } from 'vitest';
import { HubError } from '../../src/hub/errors.ts';
import { errorBody } from '../../src/hub/http/context.ts';
import { watchHubRound } from '../../src/main/kiosk-runtime.ts';
import { clinicBoardHubErrorsInARowMax } from '../../src/shared/limits.ts';
import { clinicForFile, closeOpenVisits, nextCheckInOpens } from './clinic-fixture.ts';

const clinic = clinicForFile('facepay-clinic-board-mark-hub-refusal-');

/** The board's reads: GET /v1/holds (resuming today's visits) and GET /v1/holds/:id (a waiting visit). */
const boardRead = (url: URL, method: string) =>
  method === 'GET' && url.pathname.startsWith('/v1/holds') && !url.searchParams.has('payer');

/** The hub's own error, as its error handler writes it. */
const hubAnswer = (error: HubError, status: number) =>
  new Response(JSON.stringify(errorBody(error)), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8' },
  });

/**
 * The real hub; while `down`, its board reads answered with its 503; once `restored`, a read of the hold
 * `lostHoldId` answered with its 404 (the backup the database came back from never had it).
 */
function networkWithDatabaseRestored() {
  const state = { down: false, restored: false, lostHoldId: '', answered404: 0 };
  const network: typeof fetch = async (input, init) => {
    const url = new URL(String(input instanceof Request ? input.url : input));
    const read = boardRead(url, init?.method ?? 'GET');
    if (state.down && read) {
      return hubAnswer(new HubError('unavailable', 'the database is not answering'), 503);
    }
    if (state.restored && read && url.pathname === `/v1/holds/${state.lostHoldId}`) {
      state.answered404 += 1;
      return hubAnswer(new HubError('not_found', `hold ${state.lostHoldId} not found`), 404);
    }
    return fetch(input, init);
  };
  return { network, state };
}

describe('the board after a database outage, its data restored without a visit', () => {
  it("clears the out-of-reach mark on the hub's refusal of that visit's read", async () => {
    const { network, state } = networkWithDatabaseRestored();
    const { service, link } = clinic.reception(network);
    try {
      expect(await watchHubRound(link, service)).toBe(true);
      const checkedIn = await clinic.checkIn(service);
      expect(checkedIn).toMatchObject({ ok: true, payment: { state: 'checked_in' } });
      const visits = await service.handlers.clinicVisits({});
      if (!visits.ok || visits.visits[0] === undefined) throw new Error('no visit on the board');
      state.lostHoldId = visits.visits[0].holdId;

      state.down = true;
      for (let i = 0; i < clinicBoardHubErrorsInARowMax; i += 1) await service.refreshVisits();
      await watchHubRound(link, service);
      expect(service.status().hub).toBe('unreachable');

      // The database back, restored from a backup taken before the check-in.
      state.down = false;
      state.restored = true;
      await service.refreshVisits();
      expect(state.answered404).toBe(1);
      expect(service.status().hub).toBe('reachable');
      await watchHubRound(link, service);
      expect(service.status().hub).toBe('reachable');
      await nextCheckInOpens(service);
    } finally {
      await closeOpenVisits(clinic.test);
    }
  });
});
