// The enrolment station against a real hub when a person it created never got their enrolment finished: the
// faces' answer lost and the erase of that person failing too, then the officer cancels, signs out or the
// station restarts (or the station stops while the faces are on their way). That person stays on the
// station's durable list (pending-persons.json) and its clean-up tick erases them once the hub answers,
// so no person is left on the hub (with a face or without) and the same document enrols again.
import { describe, expect, it } from 'vitest';
import type { KioskService } from '../../src/main/kiosk-service.ts';
import type { EnrolmentStationDeployment } from '../../scripts/kiosk/deployment.ts';
import { isPostTo, networkHoldingBack } from './kiosk-test-hub.ts';
import { stationHubForFile } from './station-rig.ts';
import { atHub, finish, licence, signedInStation, stationLog, upToPin } from './station-fixture.ts';
import { pending } from './station-faults.ts';

const fx = stationHubForFile('facepay-station-unfinished-');

type Picked = (input: Parameters<typeof fetch>[0], init?: RequestInit) => boolean;

const isFaces: Picked = (input, init) =>
  init?.method === 'POST' && new URL(String(input)).pathname.endsWith('/templates');

const isDeleteOfPerson: Picked = (input, init) =>
  init?.method === 'DELETE' && /^\/v1\/persons\/[^/]+$/.test(new URL(String(input)).pathname);

/**
 * The network between the station and the hub: while `losingFaces`, the faces reach the hub (it stores
 * them) and the answer is lost; while `deletesDown`, no DELETE of a person reaches it. `created` collects
 * the ids the hub gave to POST /v1/persons.
 */
function network() {
  const state = { losingFaces: false, deletesDown: false, created: [] as string[] };
  const fetchThrough: typeof fetch = async (input, init) => {
    if (state.deletesDown && isDeleteOfPerson(input, init)) {
      throw new TypeError('fetch failed: connect ECONNREFUSED');
    }
    const response = await fetch(input, init);
    if (isPostTo('/v1/persons', input, init) && response.ok) {
      state.created.push(((await response.clone().json()) as { id: string }).id);
    }
    if (state.losingFaces && isFaces(input, init)) throw new TypeError('socket hang up');
    return response;
  };
  return { state, network: fetchThrough };
}

const ownStation = (name: string) => fx.ownStation(name, [name]);

/**
 * The enrolment of `document` on `accountId` finished with the faces' answer lost and the erase of the
 * person just created failing: the officer is told hub_unreachable, and the hub keeps that person with the
 * faces it stored (payable by face). Answers that person's id.
 */
async function unfinished(
  service: KioskService,
  state: ReturnType<typeof network>['state'],
  enrolment: { accountId: string; document: ReturnType<typeof licence> },
): Promise<string> {
  await upToPin(service.handlers, enrolment.accountId, enrolment.document);
  state.losingFaces = true;
  state.deletesDown = true;
  expect(await finish(service.handlers)).toMatchObject({
    ok: false,
    error: { code: 'hub_unreachable' },
  });
  state.losingFaces = false;
  const [person] = state.created;
  if (person === undefined) throw new Error('the hub created nobody');
  expect(await atHub(fx, person)).toBe(2);
  return person;
}

/** The same document enrolled again on the same account, at once: enrolled, with both faces. */
async function enrolsAgain(
  service: KioskService,
  enrolment: { accountId: string; document: ReturnType<typeof licence> },
  leftBehind: string,
): Promise<void> {
  await upToPin(service.handlers, enrolment.accountId, enrolment.document);
  const again = await finish(service.handlers);
  expect(again).toMatchObject({ ok: true, station: { enrolment: { step: 'enrolled' } } });
  const personId = again.ok ? (again.station.enrolment?.person?.id ?? '') : '';
  expect(personId).not.toBe(leftBehind);
  expect(await atHub(fx, personId)).toBe(2);
}

async function erasedByStation(deployment: EnrolmentStationDeployment, personId: string) {
  return (await stationLog(deployment)).filter(
    (entry) => entry.kind === 'person.erased' && entry.data.personId === personId,
  );
}

describe('a person the station created whose enrolment never finished, the hub then unreachable for the erase', () => {
  it('cancelled: the clean-up tick erases them once the hub answers, and the document enrols again', async () => {
    const deployment = await ownStation('u-cancel');
    const { state, network: net } = network();
    const service = await signedInStation(fx, deployment, net);
    const enrolment = { accountId: 'u-cancel', document: licence('Haruto Ono') };
    const leftBehind = await unfinished(service, state, enrolment);

    expect(await service.handlers.enrolmentCancel({})).toMatchObject({ ok: true });
    expect(await atHub(fx, leftBehind)).toBe(2); // the erase still does not reach the hub

    state.deletesDown = false;
    await service.lockIdleStation(); // the runtime's timer
    expect(await atHub(fx, leftBehind)).toBe(404);
    expect(await erasedByStation(deployment, leftBehind)).toMatchObject([
      { officer: null, data: { reason: 'abandoned', document: 'drivers_licence' } },
    ]);
    expect(await pending(deployment)).toEqual([]);
    await enrolsAgain(service, enrolment, leftBehind);
  });

  it('signed out: the clean-up tick erases them once the hub answers, and the document enrols again', async () => {
    const deployment = await ownStation('u-signed-out');
    const { state, network: net } = network();
    const service = await signedInStation(fx, deployment, net);
    const enrolment = { accountId: 'u-signed-out', document: licence('Sora Imai') };
    const leftBehind = await unfinished(service, state, enrolment);

    expect(await service.handlers.officerSignOut({})).toMatchObject({ ok: true });
    state.deletesDown = false;
    await service.lockIdleStation();
    expect(await atHub(fx, leftBehind)).toBe(404);

    const signedIn = await service.handlers.officerSignIn({ officerId: 'o-sato', pin: '735190' });
    expect(signedIn).toMatchObject({ ok: true });
    await enrolsAgain(service, enrolment, leftBehind);
  });

  it('the station restarted on the same folder: its first tick erases them, and the document enrols again', async () => {
    const deployment = await ownStation('u-restart');
    const { state, network: net } = network();
    const stopped = await signedInStation(fx, deployment, net);
    const enrolment = { accountId: 'u-restart', document: licence('Rin Kudo') };
    const leftBehind = await unfinished(stopped, state, enrolment);

    const restarted = await signedInStation(fx, deployment, fetch);
    await restarted.lockIdleStation();
    expect(await atHub(fx, leftBehind)).toBe(404);
    await enrolsAgain(restarted, enrolment, leftBehind);

    // A completed enrolment is never the clean-up's: restarted again, its first tick leaves that person.
    const completed = (await stationLog(deployment)).findLast(
      (entry) => entry.kind === 'enrolment.completed',
    );
    const personId = String(completed?.data.personId);
    const again = await signedInStation(fx, deployment, fetch);
    await again.lockIdleStation();
    expect(await atHub(fx, personId)).toBe(2);
    expect(await pending(deployment)).toEqual([]);
  });

  it('the station stopped while the faces were on their way: restarted, its first tick erases that person', async () => {
    const deployment = await ownStation('u-stopped');
    const held = networkHoldingBack(isFaces); // never released: the station hears nothing more
    const stopping = await signedInStation(fx, deployment, held.network);
    const enrolment = { accountId: 'u-stopped', document: licence('Mei Sano') };
    await upToPin(stopping.handlers, enrolment.accountId, enrolment.document);
    void finish(stopping.handlers);
    await held.arrived;
    const created = (await stationLog(deployment)).find(
      (entry) => entry.kind === 'enrolment.person_created',
    );
    const personId = String(created?.data.personId);
    expect(await atHub(fx, personId)).toBe(0);

    const restarted = await signedInStation(fx, deployment, fetch);
    await restarted.lockIdleStation();
    expect(await atHub(fx, personId)).toBe(404);
    await enrolsAgain(restarted, enrolment, personId);
  });
});
