// The enrolment station against a real hub: a request listed for the hub's admin (its answer lost, past the
// hub's answer retention) is looked up by its document (GET /v1/persons) at the runtime's tick, so the
// faceless person it created is erased by the station itself, the desk's list empties and the account enrols
// again at once; a hub that cannot answer leaves it listed for the admin.
import { describe, expect, it } from 'vitest';
import type { KioskService } from '../../src/main/kiosk-service.ts';
import type { EnrolmentStationDeployment } from '../../scripts/kiosk/deployment.ts';
import {
  stationAbandonedAnswerTrustedMs,
  stationAbandonedResolveEveryMs,
} from '../../src/shared/limits.ts';
import { faultyNetwork, lostEnrolment } from './station-faults.ts';
import { stationHubForFile } from './station-rig.ts';
import {
  atHub,
  finish,
  licence,
  signIn,
  signedInStation,
  stationLog,
  upToPin,
} from './station-fixture.ts';

const fx = stationHubForFile('facepay-station-lookup-');

/**
 * An enrolment of `document` on `accountId` whose answer is lost, the officer gone, and the runtime's
 * tick only after the hub's answer retention: its request is listed for the hub's admin. The faceless
 * person the hub created is returned.
 */
async function listedForAdmin(
  deployment: EnrolmentStationDeployment,
  service: KioskService,
  state: { losing: boolean },
  clock: { ms: number },
  enrolment: { accountId: string; document: ReturnType<typeof licence> },
): Promise<string> {
  const lost = await lostEnrolment(fx, service, state, enrolment);
  expect(await service.handlers.officerSignOut({})).toMatchObject({ ok: true });
  clock.ms += stationAbandonedAnswerTrustedMs;
  await service.lockIdleStation(); // the runtime's tick
  const kinds = (await stationLog(deployment)).map((entry) => entry.kind);
  expect(kinds).toContain('enrolment.admin_erase_needed');
  return lost;
}

/** A station of its own (its own files and log) enrolling on `accountId`, behind faultyNetwork, signed in. */
async function station(name: string, accountId: string) {
  const deployment = await fx.ownStation(name, [accountId]);
  const { state, network } = faultyNetwork();
  const clock = { ms: Date.now() };
  const service = await signedInStation(fx, deployment, network, () => clock.ms);
  return { deployment, state, clock, service };
}

const personsToErase = async (service: KioskService) => {
  await signIn(service);
  const shown = await service.handlers.station({});
  return shown.ok ? shown.station.personsToErase : null;
};

describe("a request listed for the hub's admin, looked up by its document", () => {
  it('its faceless person is erased by the station at the same tick, and nothing is left listed', async () => {
    const { deployment, state, clock, service } = await station('found', 'a-found');
    const lost = await listedForAdmin(deployment, service, state, clock, {
      accountId: 'a-found',
      document: licence('Hana Kudo'),
    });

    expect(await atHub(fx, lost)).toBe(404);
    const log = await stationLog(deployment);
    expect(log.filter((e) => e.data.personId === lost).map((e) => [e.kind, e.officer])).toEqual([
      ['enrolment.person_created', null],
      ['person.erased', null],
    ]);
    expect(log.find((e) => e.kind === 'person.erased')?.data).toMatchObject({
      reason: 'abandoned',
    });
    expect(await personsToErase(service)).toEqual([]);
  });

  it('the lookup not answered: listed for the admin and the person kept, then erased at a later tick', async () => {
    const { deployment, state, clock, service } = await station('unanswered', 'a-unanswered');
    state.lookupDown = true;
    const lost = await listedForAdmin(deployment, service, state, clock, {
      accountId: 'a-unanswered',
      document: licence('Isao Maki'),
    });
    expect(await atHub(fx, lost)).toBe(0);
    expect(await personsToErase(service)).toMatchObject([{ accountId: 'a-unanswered' }]);

    state.lookupDown = false;
    await service.handlers.officerSignOut({});
    clock.ms += stationAbandonedResolveEveryMs;
    await service.lockIdleStation();
    expect(await atHub(fx, lost)).toBe(404);
    expect(await personsToErase(service)).toEqual([]);
  });

  it('the officer then enrols the same person again at once: no refusal as enrolled, no admin needed', async () => {
    const { deployment, state, clock, service } = await station('again', 'a-again');
    const document = licence('Jun Oda');
    const lost = await listedForAdmin(deployment, service, state, clock, {
      accountId: 'a-again',
      document,
    });
    expect(await atHub(fx, lost)).toBe(404);

    await signIn(service);
    await upToPin(service.handlers, 'a-again', document);
    const enrolled = await finish(service.handlers);
    expect(enrolled).toMatchObject({
      ok: true,
      station: { enrolment: { step: 'enrolled' }, personsToErase: [] },
    });
    const person = enrolled.ok ? enrolled.station.enrolment?.person?.id : undefined;
    expect(await atHub(fx, person ?? '')).toBe(2);
  });
});
