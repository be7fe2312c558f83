// The enrolment station against a real hub: a request listed for the hub's admin is looked up by its
// document, and a faceless person created after that request was sent (another station of the organisation
// enrolling them now) is not that request's person: spared, the request stays listed and the log says why.
import { writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import type { KioskService } from '../../src/main/kiosk-service.ts';
import {
  stationAbandonedAnswerTrustedMs,
  stationAbandonedResolveEveryMs,
} from '../../src/shared/limits.ts';
import {
  faultyNetwork,
  lostEnrolment,
  pending,
  pendingPath,
  secondStationMidEnrolment,
} from './station-faults.ts';
import { stationHubOnSharedClock } from './station-rig.ts';
import { atHub, finish, licence, signIn, stationLog } from './station-fixture.ts';

/** One clock for the hub and every station (their services and hub links): time passes by `shiftMs`. */
const { fx, time, now, stationOn } = stationHubOnSharedClock('facepay-station-created-after-');

/** The runtime's tick, the officer signed out and the next round due. */
async function tick(service: KioskService): Promise<void> {
  await service.handlers.officerSignOut({});
  time.shiftMs += stationAbandonedResolveEveryMs;
  await service.lockIdleStation();
}

const personsToErase = async (service: KioskService) => {
  await signIn(service);
  const shown = await service.handlers.station({});
  return shown.ok ? shown.station.personsToErase : null;
};

describe("a listed request's lookup finds a faceless person created after that request was sent", () => {
  it('another station of the organisation, an hour later, between its POST /v1/persons and its faces: that person is spared, the request stays listed (logged why, once), and is resolved once that station gives them faces', async () => {
    const account = 'a-later';
    const first = await fx.ownStation('later-first', [account]);
    const { state, network } = faultyNetwork();
    const station = await stationOn(first, network);
    const document = licence('Saki Ono');
    const lost = await lostEnrolment(fx, station, state, { accountId: account, document });
    // Listed by its age, its lookup unanswered: then the hub's admin erases its person.
    state.lookupDown = true;
    time.shiftMs += stationAbandonedAnswerTrustedMs;
    await tick(station);
    expect((await stationLog(first)).map((entry) => entry.kind)).toContain(
      'enrolment.admin_erase_needed',
    );
    await fx.admin.deletePerson(lost);
    time.shiftMs += 3_600_000;
    const later = await secondStationMidEnrolment(fx, { first, accountId: account, document, now });

    state.lookupDown = false;
    await tick(station);
    await tick(station);
    expect(await atHub(fx, later.person)).toBe(0);
    const spared = (await stationLog(first)).filter(
      (entry) => entry.kind === 'enrolment.admin_erase_spared',
    );
    expect(spared).toMatchObject([
      { officer: null, data: { accountId: account, personId: later.person } },
    ]);
    expect(await pending(first)).toMatchObject([{ accountId: account, body: null }]);
    expect(await personsToErase(station)).toMatchObject([{ accountId: account }]);

    // That station's officer tries again: the same request, now answered, and the faces sent.
    expect(await finish(later.service.handlers)).toMatchObject({
      ok: true,
      station: { enrolment: { step: 'enrolled', person: { id: later.person } } },
    });
    await tick(station);
    expect(await atHub(fx, later.person)).toBe(2);
    const resolved = (await stationLog(first)).filter(
      (entry) => entry.kind === 'enrolment.admin_erase_resolved',
    );
    expect(resolved).toMatchObject([{ data: { accountId: account, found: 'enrolled' } }]);
    expect(await pending(first)).toEqual([]);
  });

  it('a request whose time was not kept (an older file), listed after a restart: the file is read again at the next start, and a person created after the station read it is spared', async () => {
    const account = 'a-no-time';
    const first = await fx.ownStation('no-time-first', [account]);
    const { state, network } = faultyNetwork();
    const station = await stationOn(first, network);
    const document = licence('Taro Ueno');
    const lost = await lostEnrolment(fx, station, state, { accountId: account, document });
    await station.handlers.officerSignOut({});
    // Its stored answer pruned and the file as an older station wrote it (no time, no bound, no flag):
    // asked again after a restart, the hub runs it again and refuses it as enrolled (no replay), so it is
    // listed; its lookup is unanswered.
    await fx.hub.store.deleteStoredResponsesBefore(now() + 1_000);
    const older = (await pending(first)).map(
      ({ sentAtMs: _time, sentNoLaterThanMs: _bound, refusedNotReplayed: _flag, ...rest }) => rest,
    );
    await writeFile(pendingPath(first), JSON.stringify(older), { mode: 0o600 });
    state.lookupDown = true;
    await tick(await stationOn(first, network));
    expect(await pending(first)).toMatchObject([{ accountId: account, body: null }]);
    await fx.admin.deletePerson(lost);

    const restarted = await stationOn(first, network);
    time.shiftMs += 3_600_000;
    const later = await secondStationMidEnrolment(fx, { first, accountId: account, document, now });
    state.lookupDown = false;
    await tick(restarted);
    expect(await atHub(fx, later.person)).toBe(0);
    const spared = (await stationLog(first)).filter(
      (entry) => entry.kind === 'enrolment.admin_erase_spared',
    );
    expect(spared).toMatchObject([{ data: { accountId: account, personId: later.person } }]);
    expect(await personsToErase(restarted)).toMatchObject([{ accountId: account }]);
  });
});
