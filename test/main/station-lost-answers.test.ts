// The enrolment station against a real hub when the hub's answer is lost: an erasure the hub carried out
// must not be refused for ever, and faces the hub stored for an enrolment the officer was told failed must
// not stay behind, payable by face and unknown to the station, while the retry is refused.
import { describe, expect, it } from 'vitest';
import { networkHoldingBack, networkLosingFirstAnswer } from './kiosk-test-hub.ts';
import { stationHubForFile } from './station-rig.ts';
import {
  atHub,
  finish,
  licence,
  networkDroppingAfterFaces,
  signedInStation,
  stationLog,
  upToPin,
} from './station-fixture.ts';

const fx = stationHubForFile('facepay-station-lost-', {
  station: {
    name: 'Ward office station 2',
    accounts: ['erased', 'faces', 'cancelled', 'gateway', 'stopped'],
  },
});

/** The station behind `network`, an officer signed in; its 1:1 gate is the repository's calibration. */
const stationOn = async (network: typeof fetch) =>
  (await signedInStation(fx, fx.station, network)).handlers;

const isDeleteOfPerson = (input: Parameters<typeof fetch>[0], init?: RequestInit) =>
  init?.method === 'DELETE' && /^\/v1\/persons\/[^/]+$/.test(new URL(String(input)).pathname);

const logKinds = async () => (await stationLog(fx.station)).map((entry) => entry.kind);

describe('an erasure whose answer was lost', () => {
  it('asked again, is reported done and recorded, not refused because the hub no longer knows the person', async () => {
    const handlers = await stationOn(networkLosingFirstAnswer(isDeleteOfPerson));
    const document = licence('Erika Mori');
    await upToPin(handlers, 'erased', document);
    const enrolled = await finish(handlers);
    if (!enrolled.ok) throw new Error(enrolled.error.message);
    const personId = enrolled.station.enrolment?.person?.id ?? '';
    const lost = await handlers.personErase({ document });
    expect(lost).toMatchObject({ ok: false, error: { code: 'hub_unreachable' } });
    expect(await atHub(fx, personId)).toBe(404); // the hub did erase them
    const again = await handlers.personErase({ document });
    expect(again).toMatchObject({ ok: true, personId });
    expect((await logKinds()).at(-1)).toBe('person.erased');
  });
});

describe('an enrolment whose faces were stored but whose answer was lost, the network still down', () => {
  it('tried again, enrols the person once: the faces left behind are erased first, not kept while the retry is refused', async () => {
    const { network, created } = networkDroppingAfterFaces(isDeleteOfPerson);
    const handlers = await stationOn(network);
    await upToPin(handlers, 'faces', licence('Fumi Aoki'));
    const lost = await finish(handlers);
    expect(lost).toMatchObject({ ok: false, error: { code: 'hub_unreachable' } });
    const [leftBehind] = created;
    if (leftBehind === undefined) throw new Error('no person created');
    expect(await atHub(fx, leftBehind)).toBe(2); // enrolled with their face, payable by it
    const again = await finish(handlers);
    expect(again).toMatchObject({ ok: true, station: { enrolment: { step: 'enrolled' } } });
    const personId = again.ok ? (again.station.enrolment?.person?.id ?? '') : '';
    expect(personId).not.toBe(leftBehind);
    expect(await atHub(fx, leftBehind)).toBe(404);
    expect(await atHub(fx, personId)).toBe(2);
    expect((await logKinds()).at(-1)).toBe('enrolment.completed');
  });
});

describe('faces left behind by a lost answer, the enrolment then cancelled', () => {
  it('can be erased at the desk by the document shown, not refused not_enrolled_here', async () => {
    const { network, created } = networkDroppingAfterFaces(isDeleteOfPerson);
    // The cancel erases that person itself when the hub answers: here its erase is lost too, so the desk
    // is what erases them (test/main/station-unfinished-person.test.ts: the clean-up tick, if not).
    const cancelling = { down: false };
    const handlers = await stationOn(async (input, init) => {
      if (cancelling.down && isDeleteOfPerson(input, init)) throw new TypeError('fetch failed');
      return network(input, init);
    });
    const document = licence('Kaito Ueda');
    await upToPin(handlers, 'cancelled', document);
    expect(await finish(handlers)).toMatchObject({ ok: false, error: { code: 'hub_unreachable' } });
    cancelling.down = true;
    expect(await handlers.enrolmentCancel({})).toMatchObject({ ok: true });
    cancelling.down = false;
    const [leftBehind] = created;
    if (leftBehind === undefined) throw new Error('no person created');
    expect(await atHub(fx, leftBehind)).toBe(2);
    const erased = await handlers.personErase({ document });
    expect(erased).toMatchObject({ ok: true, personId: leftBehind });
    expect(await atHub(fx, leftBehind)).toBe(404);
  });
});

/** Delivers the first request `which` picks (the hub carries it out), then answers it as a gateway's JSON 502. */
function networkAnswering502After(
  which: (input: Parameters<typeof fetch>[0], init?: RequestInit) => boolean,
): typeof fetch {
  let answered = false;
  return async (input, init) => {
    const response = await fetch(input, init);
    if (answered || !which(input, init)) return response;
    answered = true;
    const error = { error: { code: 'bad_gateway', message: 'upstream closed the connection' } };
    return Response.json(error, { status: 502 });
  };
}

describe('a desk action answered by a gateway 502 after the hub carried it out', () => {
  it('is an unknown outcome to try again, not a refusal: PIN unlock, then erasure', async () => {
    const isUnlockOrErase = (input: Parameters<typeof fetch>[0], init?: RequestInit) =>
      isDeleteOfPerson(input, init) || new URL(String(input)).pathname.endsWith('/unlock-pin');
    const setUp = await stationOn(fetch);
    const document = licence('Goro Hara');
    await upToPin(setUp, 'gateway', document);
    expect(await finish(setUp)).toMatchObject({ ok: true });
    const handlers = await stationOn(networkAnswering502After(isUnlockOrErase));
    const unlocked = await handlers.personUnlockPin({ document });
    expect(unlocked).toMatchObject({ ok: false, error: { code: 'hub_unreachable' } });
    expect(await handlers.personUnlockPin({ document })).toMatchObject({ ok: true });
    const handlers2 = await stationOn(networkAnswering502After(isUnlockOrErase));
    const erased = await handlers2.personErase({ document });
    expect(erased).toMatchObject({ ok: false, error: { code: 'hub_unreachable' } });
    expect(await handlers2.personErase({ document })).toMatchObject({ ok: true });
  });
});

describe("a station stopped while an enrolment's faces are on their way", () => {
  it('restarted, erases at the desk the person the hub created, by the document shown, not refused not_enrolled_here', async () => {
    const isFaces = (input: Parameters<typeof fetch>[0], init?: RequestInit) =>
      init?.method === 'POST' && new URL(String(input)).pathname.endsWith('/templates');
    // Never released: the station stops with the faces on their way and hears nothing more.
    const { network, arrived } = networkHoldingBack(isFaces);
    const stopping = await stationOn(network);
    const document = licence('Jun Sakai');
    await upToPin(stopping, 'stopped', document);
    void finish(stopping);
    await arrived;
    const restarted = await stationOn(fetch);
    const erased = await restarted.personErase({ document });
    expect(erased).toMatchObject({ ok: true, personId: expect.any(String) });
    expect(await atHub(fx, erased.ok ? erased.personId : '')).toBe(404);
  });
});
