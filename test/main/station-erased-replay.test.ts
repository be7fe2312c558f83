// The enrolment station against a real hub: a request whose answer was lost created a person, whom the hub's
// admin erased since; asked again under its key, the hub answers 410 person_erased, replayed (the key's own
// fate). Wherever the station asks, that drops the request: nothing is listed for the admin, nobody looked up.
import { readFile, writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import type { EnrolmentStationDeployment } from '../../scripts/kiosk/deployment.ts';
import { readKioskConfig } from '../../src/main/kiosk-config.ts';
import type { KioskService } from '../../src/main/kiosk-service.ts';
import { stationAbandonedResolveEveryMs } from '../../src/shared/limits.ts';
import { faultyNetwork, lostEnrolment, pending } from './station-faults.ts';
import { stationHubForFile } from './station-rig.ts';
import {
  atHub,
  finish,
  licence,
  personsEnrolledOn,
  signIn,
  signedInStation,
  stationLog,
  stationService,
} from './station-fixture.ts';

const fx = stationHubForFile('facepay-station-erased-replay-');

const ownStation = (name: string, account: string) => fx.ownStation(name, [account]);

/**
 * A station whose POST /v1/persons answer was lost on `account` (`clock` its time), then the person that
 * request created erased by the hub's admin. The lookup by document is down from then on: a request
 * wrongly listed stays listed, and one that is looked up shows in the log.
 */
async function lostThenErased(name: string, account: string, clock = { ms: Date.now() }) {
  const deployment = await ownStation(name, account);
  const { state, network } = faultyNetwork();
  const service = await signedInStation(fx, deployment, network, () => clock.ms);
  const document = licence('Nao Sakai');
  const lost = await lostEnrolment(fx, service, state, { accountId: account, document });
  await fx.admin.deletePerson(lost);
  expect(await atHub(fx, lost)).toBe(404);
  state.lookupDown = true;
  return { deployment, state, network, service, document, lost, clock };
}

/** Dropped: off the file and never listed for the hub's admin (in the log or on the desk). */
async function dropped(deployment: EnrolmentStationDeployment, service: KioskService) {
  expect(await pending(deployment)).toEqual([]);
  const kinds = (await stationLog(deployment)).map((entry) => entry.kind);
  expect(kinds).not.toContain('enrolment.admin_erase_needed');
  const shown = await service.handlers.station({});
  expect(shown).toMatchObject({ ok: true, station: { personsToErase: [] } });
}

describe('a lost enrolment whose person the hub admin erased, asked again (410 person_erased, replayed)', () => {
  it("at the officer's retry: dropped, and the retry enrols the person anew", async () => {
    const { deployment, state, service, lost } = await lostThenErased('retry', 'a-retry');
    const sent = state.creates;
    const retried = await finish(service.handlers);
    expect(retried).toMatchObject({ ok: true, station: { enrolment: { step: 'enrolled' } } });
    // The lost request asked again (410), then this try's own.
    expect(state.creates).toBe(sent + 2);
    const enrolled = await personsEnrolledOn(fx, 'a-retry');
    expect(enrolled).toHaveLength(2);
    expect(enrolled[0]).toBe(lost);
    expect(await atHub(fx, enrolled[1] ?? '')).toBe(2);
    await dropped(deployment, service);
  });

  it('on a cancel: dropped, the station empty', async () => {
    const { deployment, state, service } = await lostThenErased('cancel', 'a-cancel');
    const sent = state.creates;
    const cancelled = await service.handlers.enrolmentCancel({});
    expect(cancelled).toMatchObject({ ok: true, station: { enrolment: null } });
    expect(state.creates).toBe(sent + 1);
    await dropped(deployment, service);
  });

  it('at the desk, by the document: dropped, and the desk answers that nobody enrolled here shows it', async () => {
    const { deployment, state, service, document } = await lostThenErased('desk', 'a-desk');
    const sent = state.creates;
    const desk = await service.handlers.personErase({ document });
    expect(desk).toMatchObject({
      ok: false,
      error: {
        code: 'not_enrolled_here',
        message: 'nobody enrolled at this station shows this document',
      },
    });
    expect(state.creates).toBe(sent + 1);
    await dropped(deployment, service);
  });

  it("at the runtime's tick, the officer gone: dropped", async () => {
    const { deployment, state, service } = await lostThenErased('tick', 'a-tick');
    expect(await service.handlers.officerSignOut({})).toMatchObject({ ok: true });
    const sent = state.creates;
    await service.lockIdleStation();
    expect(state.creates).toBe(sent + 1);
    await signIn(service);
    await dropped(deployment, service);
  });

  it("at the tick after an earlier ask was refused by the hub's client checks (its token rotated, 401): the replayed 410 still drops it", async () => {
    const clock = { ms: Date.now() };
    const deployment = await ownStation('rotated', 'a-rotated');
    const { state, network } = faultyNetwork();
    const service = await signedInStation(fx, deployment, network, () => clock.ms);
    const lost = await lostEnrolment(fx, service, state, {
      accountId: 'a-rotated',
      document: licence('Ren Tsuji'),
    });
    expect(await service.handlers.officerSignOut({})).toMatchObject({ ok: true });

    // The client's token rotated while the station runs: asked again, refused 401 (before the hub looks
    // the key up), so the entry is marked: a later replay may be a refusal of a run again.
    const rotated = await fx.admin.rotateClientToken(deployment.clientId);
    await service.lockIdleStation();
    expect(await pending(deployment)).toMatchObject([{ refusedNotReplayed: true }]);

    // The station given the new token (same client: the key's stored answer is its own), and the
    // person erased by the admin: asked again, 410 person_erased replayed.
    const restarted = await stationService(
      fx,
      await withToken(deployment, rotated.token),
      network,
      () => clock.ms,
    );
    await fx.admin.deletePerson(lost);
    state.lookupDown = true;
    clock.ms += stationAbandonedResolveEveryMs;
    const sent = state.creates;
    await restarted.lockIdleStation();
    expect(state.creates).toBe(sent + 1);
    await signIn(restarted);
    await dropped(deployment, restarted);
  });
});

/** `deployment` with its config's hub token replaced (the file rewritten, read again). */
async function withToken(
  deployment: EnrolmentStationDeployment,
  hubToken: string,
): Promise<EnrolmentStationDeployment> {
  const file = JSON.parse(await readFile(deployment.configFile, 'utf8')) as object;
  await writeFile(deployment.configFile, JSON.stringify({ ...file, hubToken }), { mode: 0o600 });
  return { ...deployment, config: await readKioskConfig(deployment.configFile) };
}
