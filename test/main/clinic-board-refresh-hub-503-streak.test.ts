// The clinic board's refresh answered the hub's own 503 again and again (its database down while its health
// answers 200): past clinicBoardHubErrorsInARowMax in a row the hub is out of reach, so check-in shuts;
// a read the hub answers between them starts the count again.
import { describe, expect, it } from 'vitest';
import { HubError } from '../../src/hub/errors.ts';
import { errorBody } from '../../src/hub/http/context.ts';
import type { KioskService } from '../../src/main/kiosk-service.ts';
import type { KioskEvent } from '../../src/shared/kiosk-api.ts';
import { clinicBoardHubErrorsInARowMax } from '../../src/shared/limits.ts';
import { clinicForFile, closeOpenVisits } from './clinic-fixture.ts';

const clinic = clinicForFile('facepay-clinic-board-503-streak-');

/** The board's reads: GET /v1/holds (resuming today's visits) and GET /v1/holds/:id (a waiting visit). */
const boardRead = (url: URL, method: string) =>
  method === 'GET' && url.pathname.startsWith('/v1/holds') && !url.searchParams.has('payer');

/** The hub's own 503, as its error handler writes it. */
const hubUnavailable = () =>
  new Response(
    JSON.stringify(errorBody(new HubError('unavailable', 'the database is not answering'))),
    { status: 503, headers: { 'content-type': 'application/json; charset=utf-8' } },
  );

/** The real hub behind a network that answers every board read with the hub's 503 while `down.on`. */
function networkWithDatabaseDown() {
  const down = { on: false, answered503: 0 };
  const network: typeof fetch = async (input, init) => {
    const url = new URL(String(input instanceof Request ? input.url : input));
    if (down.on && boardRead(url, init?.method ?? 'GET')) {
      down.answered503 += 1;
      return hubUnavailable();
    }
    return fetch(input, init);
  };
  return { network, down };
}

/** A reception kiosk whose runtime found the hub, and the hub events it tells its screen. */
function reachableReception(network: typeof fetch) {
  const { service, link } = clinic.reception(network);
  service.setHubState('reachable');
  const hubEvents: KioskEvent[] = [];
  service.subscribe((event) => {
    if (event.type === 'hub') hubEvents.push(event);
  });
  return { service, link, hubEvents };
}

const hubState = (service: KioskService) => service.status().hub;

async function refreshTimes(service: KioskService, times: number): Promise<void> {
  for (let i = 0; i < times; i += 1) await service.refreshVisits();
}

describe("the board's refreshes answered the hub's own 503 in a row", () => {
  it('leave the hub reachable until the bound, then mark it out of reach', async () => {
    const { network, down } = networkWithDatabaseDown();
    const { service, link, hubEvents } = reachableReception(network);
    down.on = true;
    await refreshTimes(service, clinicBoardHubErrorsInARowMax - 1);
    expect(down.answered503).toBe(clinicBoardHubErrorsInARowMax - 1);
    expect(hubState(service)).toBe('reachable');
    expect(hubEvents).toEqual([]);
    await service.refreshVisits();
    expect(down.answered503).toBe(clinicBoardHubErrorsInARowMax);
    expect(hubState(service)).toBe('unreachable');
    expect(hubEvents).toMatchObject([{ type: 'hub', hub: 'unreachable' }]);
    // Marked reachable by hand (the health round no longer clears this mark: clinic-health-round-keeps-board-mark),
    // the next 503 does not wait.
    service.setHubState('reachable');
    await service.refreshVisits();
    expect(hubState(service)).toBe('unreachable');
    link.dispose();
  });

  it('count again from a read the hub answered', async () => {
    const { network, down } = networkWithDatabaseDown();
    const { service, link, hubEvents } = reachableReception(network);
    expect(await clinic.checkIn(service)).toMatchObject({
      ok: true,
      payment: { state: 'checked_in' },
    });
    down.on = true;
    await refreshTimes(service, clinicBoardHubErrorsInARowMax - 1);
    expect(down.answered503).toBe(clinicBoardHubErrorsInARowMax - 1);
    down.on = false;
    await service.refreshVisits(); // the waiting visit's hold, read
    down.on = true;
    await refreshTimes(service, clinicBoardHubErrorsInARowMax - 1);
    expect(down.answered503).toBe(2 * (clinicBoardHubErrorsInARowMax - 1));
    expect(hubState(service)).toBe('reachable');
    expect(hubEvents).toEqual([]);
    expect(await service.handlers.clinicVisits({})).toMatchObject({
      ok: true,
      visits: [{ state: 'waiting' }],
    });
    await service.refreshVisits();
    expect(hubState(service)).toBe('unreachable');
    expect(hubEvents).toMatchObject([{ type: 'hub', hub: 'unreachable' }]);
    down.on = false;
    await closeOpenVisits(clinic.test);
    link.dispose();
  });
});
