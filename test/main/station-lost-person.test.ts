// The enrolment station against a real hub when the answer to POST /v1/persons is lost (the network, a
// gateway's 502, the station stopped while waiting): the officer's retry must end with exactly one person
// on the account, with their faces, whom the station knows; never a person without a face nobody can find.
import { describe, expect, it } from 'vitest';
import { isPostTo, networkLosingFirstAnswer } from './kiosk-test-hub.ts';
import { stationHubForFile } from './station-rig.ts';
import {
  atHub,
  finish,
  licence,
  networkStoppingAtCreate,
  personsEnrolledOn,
  signedInStation,
  stationLog,
  upToPin,
} from './station-fixture.ts';

const accounts = ['lost', 'gateway', 'restart', 'desk', 'cancel', 'corrected', 'repin', 'erased'];

const fx = stationHubForFile('facepay-station-person-', {
  station: { name: 'Ward office station 3', accounts },
});

/** A station (a fresh service: as after a restart) behind `network`, an officer signed in. */
const stationOn = async (network: typeof fetch) =>
  (await signedInStation(fx, fx.station, network)).handlers;

const isCreate = (input: Parameters<typeof fetch>[0], init?: RequestInit) =>
  isPostTo('/v1/persons', input, init);

/** Delivers the first POST /v1/persons (the hub creates the person), then answers it as a gateway's 502. */
function networkAnswering502AfterCreate(): typeof fetch {
  let answered = false;
  return async (input, init) => {
    const response = await fetch(input, init);
    if (answered || !isCreate(input, init)) return response;
    answered = true;
    return Response.json({ error: { code: 'bad_gateway', message: 'upstream' } }, { status: 502 });
  };
}

/** Who the hub enrolled on `accountId` and who of them was erased since, from its audit log. */
async function enrolledOn(accountId: string): Promise<{ enrolled: string[]; erased: string[] }> {
  const enrolled = await personsEnrolledOn(fx, accountId);
  const rows = await fx.hub.store.auditRows(0, 100_000);
  const erased = rows
    .filter((row) => row.kind === 'person.erased' && enrolled.includes(row.subject))
    .map((row) => row.subject);
  return { enrolled, erased };
}

const logEntries = () => stationLog(fx.station);

function personOf(answer: Awaited<ReturnType<typeof finish>>): string {
  expect(answer).toMatchObject({ ok: true, station: { enrolment: { step: 'enrolled' } } });
  return answer.ok ? (answer.station.enrolment?.person?.id ?? '') : '';
}

describe('POST /v1/persons carried out by the hub, its answer lost', () => {
  it.each([
    { account: 'lost', network: () => networkLosingFirstAnswer('/v1/persons') },
    { account: 'gateway', network: networkAnswering502AfterCreate },
  ])(
    "$account: the officer's retry enrols that same person with their faces, not refused already_enrolled",
    async ({ account, network }) => {
      const handlers = await stationOn(network());
      await upToPin(handlers, account, licence('Chika Endo'));
      expect(await finish(handlers)).toMatchObject({
        ok: false,
        error: { code: 'hub_unreachable' },
      });
      const { enrolled: before } = await enrolledOn(account);
      expect(before).toHaveLength(1); // the hub has them, without a face
      expect(await atHub(fx, before[0] ?? '')).toBe(0);
      const personId = personOf(await finish(handlers));
      expect(personId).toBe(before[0]);
      expect(await atHub(fx, personId)).toBe(2);
      expect(await enrolledOn(account)).toEqual({ enrolled: [personId], erased: [] });
      const kinds = (await logEntries()).map((entry) => entry.kind);
      expect(kinds.slice(-2)).toEqual(['enrolment.person_created', 'enrolment.completed']);
    },
  );
});

describe('a station stopped while POST /v1/persons was on its way, the hub having created the person', () => {
  it("restarted, the officer's retry finds that person and ends with one person on the account, with faces", async () => {
    const { network, delivered } = networkStoppingAtCreate();
    const stopping = await stationOn(network);
    const document = licence('Daichi Kudo');
    await upToPin(stopping, 'restart', document);
    void finish(stopping);
    await delivered;
    const [lostPerson] = (await enrolledOn('restart')).enrolled;
    expect(await atHub(fx, lostPerson ?? '')).toBe(0);

    const restarted = await stationOn(fetch);
    await upToPin(restarted, 'restart', document);
    const personId = personOf(await finish(restarted));
    expect(await atHub(fx, personId)).toBe(2);
    // The PIN typed after the restart is the person's: the station keeps no PIN, so it cannot prove the
    // first request's was the same, and erases the person that request created rather than guess.
    const { enrolled, erased } = await enrolledOn('restart');
    expect(enrolled.filter((id) => !erased.includes(id))).toEqual([personId]);
    expect(await atHub(fx, lostPerson ?? '')).toBe(404);
    const log = await logEntries();
    expect(log.filter((entry) => entry.data.personId === lostPerson).map((e) => e.kind)).toEqual([
      'enrolment.person_created',
      'person.erased',
    ]);
    // And the desk finds the one enrolled by the document.
    expect(await restarted.personUnlockPin({ document })).toMatchObject({ ok: true, personId });
  });
});

describe('a station stopped while POST /v1/persons was on its way, the enrolment not tried again', () => {
  it('restarted, erases at the desk the person the hub created, found by the document shown', async () => {
    const { network, delivered } = networkStoppingAtCreate();
    const stopping = await stationOn(network);
    const document = licence('Eita Hoshi');
    await upToPin(stopping, 'desk', document);
    void finish(stopping);
    await delivered;
    const [lostPerson] = (await enrolledOn('desk')).enrolled;

    const restarted = await stationOn(fetch);
    expect(await restarted.personErase({ document })).toMatchObject({
      ok: true,
      personId: lostPerson,
    });
    expect(await atHub(fx, lostPerson ?? '')).toBe(404);
    const log = await logEntries();
    expect(log.filter((entry) => entry.data.personId === lostPerson).map((e) => e.kind)).toEqual([
      'enrolment.person_created',
      'person.erased',
    ]);
    // Nothing of that request is left to trouble the next enrolment on the account.
    await upToPin(restarted, 'desk', document);
    expect(await atHub(fx, personOf(await finish(restarted)))).toBe(2);
  });
});

describe('an enrolment whose POST /v1/persons answer was lost, then cancelled', () => {
  it('leaves no person without a face: the one the hub created is found and erased, logged', async () => {
    const handlers = await stationOn(networkLosingFirstAnswer('/v1/persons'));
    const document = licence('Hana Iida');
    await upToPin(handlers, 'cancel', document);
    expect(await finish(handlers)).toMatchObject({ ok: false, error: { code: 'hub_unreachable' } });
    const [lostPerson] = (await enrolledOn('cancel')).enrolled;
    expect(await handlers.enrolmentCancel({})).toMatchObject({
      ok: true,
      station: { enrolment: null },
    });
    expect(await atHub(fx, lostPerson ?? '')).toBe(404);
    const erasure = (await logEntries()).find(
      (entry) => entry.kind === 'person.erased' && entry.data.personId === lostPerson,
    );
    expect(erasure?.data).toMatchObject({ reason: 'cancelled' });
  });
});

describe('a retry that is not the request whose answer was lost', () => {
  it('the officer corrected the name: the person of the lost answer is erased, the corrected one enrolled', async () => {
    const handlers = await stationOn(networkLosingFirstAnswer('/v1/persons'));
    const typo = licence('Emi Fujta');
    await upToPin(handlers, 'corrected', typo);
    expect(await finish(handlers)).toMatchObject({ ok: false, error: { code: 'hub_unreachable' } });
    const [lostPerson] = (await enrolledOn('corrected')).enrolled;
    await upToPin(handlers, 'corrected', { ...typo, name: 'Emi Fujita' });
    const personId = personOf(await finish(handlers));
    expect(personId).not.toBe(lostPerson);
    expect(await atHub(fx, lostPerson ?? '')).toBe(404);
    expect(await atHub(fx, personId)).toBe(2);
    expect((await fx.hub.store.reader.getPerson(personId))?.displayName).toBe('Emi Fujita');
    const { enrolled, erased } = await enrolledOn('corrected');
    expect(enrolled.filter((id) => !erased.includes(id))).toEqual([personId]);
    const erasure = (await logEntries()).find(
      (entry) => entry.kind === 'person.erased' && entry.data.personId === lostPerson,
    );
    expect(erasure?.data).toMatchObject({ reason: 'earlier_try' });
  });

  it('another PIN typed at the retry: that PIN is the one enrolled, on one person with faces', async () => {
    const handlers = await stationOn(networkLosingFirstAnswer('/v1/persons'));
    await upToPin(handlers, 'repin', licence('Fuka Goto'));
    expect(await finish(handlers, '5829')).toMatchObject({
      ok: false,
      error: { code: 'hub_unreachable' },
    });
    const [lostPerson] = (await enrolledOn('repin')).enrolled;
    const personId = personOf(await finish(handlers, '6031'));
    expect(personId).not.toBe(lostPerson);
    expect(await atHub(fx, lostPerson ?? '')).toBe(404);
    expect(await atHub(fx, personId)).toBe(2);
  });

  it("the person of the lost answer erased meanwhile by the hub's admin: the retry, told 410, enrols anew", async () => {
    const handlers = await stationOn(networkLosingFirstAnswer('/v1/persons'));
    await upToPin(handlers, 'erased', licence('Gen Ishii'));
    expect(await finish(handlers)).toMatchObject({ ok: false, error: { code: 'hub_unreachable' } });
    const [lostPerson] = (await enrolledOn('erased')).enrolled;
    await fx.admin.deletePerson(lostPerson ?? '');
    const personId = personOf(await finish(handlers));
    expect(personId).not.toBe(lostPerson);
    expect(await atHub(fx, personId)).toBe(2);
  });
});
