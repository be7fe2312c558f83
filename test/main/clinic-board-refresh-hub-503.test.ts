// The clinic board's background refresh (every few seconds) answered the hub's own 503 (its database busy
// while its health answers 200): "try again" at the next refresh, the hub still reachable, so check-in stays
// open; only no answer at all marks the hub out of reach, as before.
import { describe, expect, it } from 'vitest';
import { HubError } from '../../src/hub/errors.ts';
import { errorBody } from '../../src/hub/http/context.ts';
import type { KioskService } from '../../src/main/kiosk-service.ts';
import type { KioskEvent } from '../../src/shared/kiosk-api.ts';
import { clinicForFile, closeOpenVisits } from './clinic-fixture.ts';

const clinic = clinicForFile('facepay-clinic-board-503-');

/** The board's reads: GET /v1/holds (resuming today's visits) and GET /v1/holds/:id (a waiting visit). */
const boardRead = (url: URL, method: string) =>
  method === 'GET' && url.pathname.startsWith('/v1/holds') && !url.searchParams.has('payer');

/** The real hub behind a network whose next board read, once `armed.on`, is answered by `answer`. */
function networkFailingNextBoardRead(answer: () => Promise<Response>) {
  const armed = { on: false };
  const network: typeof fetch = async (input, init) => {
    const url = new URL(String(input instanceof Request ? input.url : input));
    if (armed.on && boardRead(url, init?.method ?? 'GET')) {
      armed.on = false;
      return answer();
    }
    return fetch(input, init);
  };
  return { network, armed };
}

/** The hub's own 503, as its error handler writes it. */
const hubUnavailable = async () =>
  new Response(
    JSON.stringify(errorBody(new HubError('unavailable', 'the database is busy; try again'))),
    { status: 503, headers: { 'content-type': 'application/json; charset=utf-8' } },
  );
const noAnswer = () => Promise.reject(new TypeError('network is unreachable'));

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

describe("the board's refresh answered the hub's own 503", () => {
  it('as it resumes the day: the hub stays reachable, and the next refresh resumes', async () => {
    const { network, armed } = networkFailingNextBoardRead(hubUnavailable);
    const { service, link, hubEvents } = reachableReception(network);
    armed.on = true;
    await service.refreshVisits();
    expect(armed.on).toBe(false); // the read was answered 503
    expect(hubState(service)).toBe('reachable');
    expect(hubEvents).toEqual([]);
    await service.refreshVisits();
    expect(await service.handlers.clinicVisits({})).toMatchObject({ ok: true });
    expect(hubState(service)).toBe('reachable');
    link.dispose();
  });

  it("reading a waiting visit: the hub stays reachable, the patient's visit stays on the board", async () => {
    const { network, armed } = networkFailingNextBoardRead(hubUnavailable);
    const { service, link, hubEvents } = reachableReception(network);
    expect(await clinic.checkIn(service)).toMatchObject({
      ok: true,
      payment: { state: 'checked_in' },
    });
    armed.on = true;
    await service.refreshVisits();
    expect(armed.on).toBe(false);
    expect(hubState(service)).toBe('reachable');
    expect(hubEvents).toEqual([]);
    expect(await service.handlers.clinicVisits({})).toMatchObject({
      ok: true,
      visits: [{ state: 'waiting' }],
    });
    await closeOpenVisits(clinic.test);
    link.dispose();
  });
});

describe("the board's refresh that gets no answer at all", () => {
  it("marks the hub out of reach, as the runtime's health round would", async () => {
    const { network, armed } = networkFailingNextBoardRead(noAnswer);
    const { service, link, hubEvents } = reachableReception(network);
    armed.on = true;
    await service.refreshVisits();
    expect(armed.on).toBe(false);
    expect(hubState(service)).toBe('unreachable');
    expect(hubEvents).toMatchObject([{ type: 'hub', hub: 'unreachable' }]);
    link.dispose();
  });
});
