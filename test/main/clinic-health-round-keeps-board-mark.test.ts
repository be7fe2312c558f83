// A database outage behind a healthy /v1/health: once the clinic board's reads met the hub's own 503
// clinicBoardHubErrorsInARowMax times in a row, the runtime's health round (the real one, on the real hub's
// health route) leaves the hub out of reach, so check-in stays shut; only a board read answered reopens it.
import { describe, expect, it } from 'vitest';
import { HubError } from '../../src/hub/errors.ts';
import { errorBody } from '../../src/hub/http/context.ts';
import { watchHubRound } from '../../src/main/kiosk-runtime.ts';
import type { KioskEvent } from '../../src/shared/kiosk-api.ts';
import {
  clinicBoardHubErrorsInARowMax,
  hubOutOfReachRefusedAfterMs,
} from '../../src/shared/limits.ts';
import { clinicForFile, closeOpenVisits, nextCheckInOpens } from './clinic-fixture.ts';

const clinic = clinicForFile('facepay-clinic-health-keeps-board-mark-');

/** The board's reads: GET /v1/holds (resuming today's visits) and GET /v1/holds/:id (a waiting visit). */
const boardRead = (url: URL, method: string) =>
  method === 'GET' && url.pathname.startsWith('/v1/holds') && !url.searchParams.has('payer');

/** The hub's own 503, as its error handler writes it when its store does not answer. */
const hubUnavailable = () =>
  new Response(
    JSON.stringify(errorBody(new HubError('unavailable', 'the database is not answering'))),
    { status: 503, headers: { 'content-type': 'application/json; charset=utf-8' } },
  );

/** The real hub, its board reads answered with its 503 while `down.on` (its health route untouched). */
function networkWithDatabaseDown() {
  const down = { on: false, answered503: 0, healthAsked: 0 };
  const network: typeof fetch = async (input, init) => {
    const url = new URL(String(input instanceof Request ? input.url : input));
    if (url.pathname === '/v1/health') down.healthAsked += 1;
    if (down.on && boardRead(url, init?.method ?? 'GET')) {
      down.answered503 += 1;
      return hubUnavailable();
    }
    return fetch(input, init);
  };
  return { network, down };
}

describe("the health round during the hub's database outage", () => {
  it("keeps the board's out-of-reach mark until a board read is answered", async () => {
    const { network, down } = networkWithDatabaseDown();
    const { service, link } = clinic.reception(network);
    const hubEvents: KioskEvent[] = [];
    service.subscribe((event) => {
      if (event.type === 'hub') hubEvents.push(event);
    });
    // The runtime's first round: the hub answers its health, the link connects.
    expect(await watchHubRound(link, service)).toBe(true);
    expect(service.status().hub).toBe('reachable');
    expect(await clinic.checkIn(service)).toMatchObject({
      ok: true,
      payment: { state: 'checked_in' },
    });
    hubEvents.length = 0;

    down.on = true;
    for (let i = 0; i < clinicBoardHubErrorsInARowMax; i += 1) await service.refreshVisits();
    expect(down.answered503).toBe(clinicBoardHubErrorsInARowMax);
    expect(service.status().hub).toBe('unreachable');

    // The health route answers 200 (it reads no database): the round leaves the hub out of reach.
    const asked = down.healthAsked;
    await watchHubRound(link, service);
    expect(down.healthAsked).toBe(asked + 1);
    expect(service.status().hub).toBe('unreachable');
    expect(hubEvents).toMatchObject([{ type: 'hub', hub: 'unreachable' }]);
    // Past hubOutOfReachRefusedAfterMs, another round: still out of reach, and a patient's tap is refused.
    clinic.clock.offsetMs += hubOutOfReachRefusedAfterMs + 1_000;
    await watchHubRound(link, service);
    expect(service.status().hub).toBe('unreachable');
    expect(hubEvents).toHaveLength(1);
    expect(await service.handlers.startCheckIn({})).toMatchObject({
      ok: false,
      error: { code: 'hub_unreachable' },
    });

    // The database back: the board's next read is answered, and the hub is reachable again.
    down.on = false;
    await service.refreshVisits();
    expect(service.status().hub).toBe('reachable');
    expect(hubEvents).toMatchObject([
      { type: 'hub', hub: 'unreachable' },
      { type: 'hub', hub: 'reachable' },
    ]);
    await watchHubRound(link, service);
    expect(service.status().hub).toBe('reachable');
    await nextCheckInOpens(service);
    expect(await service.handlers.clinicVisits({})).toMatchObject({
      ok: true,
      visits: [{ state: 'waiting' }],
    });
    await closeOpenVisits(clinic.test);
    link.dispose();
  });
});
