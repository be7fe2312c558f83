// The enrolment station against a real hub: a left request (nobody works on it) asked again by the
// runtime's tick and refused is dropped only when the refusal is the hub's stored answer replayed, whatever
// its age; a refusal the hub ran again says nothing of the first request, however young, and is listed.
import { writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import type { EnrolmentStationDeployment } from '../../scripts/kiosk/deployment.ts';
import type { KioskService } from '../../src/main/kiosk-service.ts';
import {
  faultyNetwork,
  hubPrunesStoredAnswers,
  lostEnrolment,
  lostTry,
  pending,
  pendingPath,
} from './station-faults.ts';
import { stationHubForFile } from './station-rig.ts';
import {
  atHub,
  licence,
  signIn,
  signedInStation,
  stationService,
  stationLog,
  upToPin,
} from './station-fixture.ts';

const fx = stationHubForFile('facepay-station-abandoned-replayed-');

/** A station of its own (its own pending-persons.json and log) enrolling on `accounts`, signed in. */
async function station(name: string, accounts: string[]) {
  const deployment = await fx.ownStation(name, accounts);
  const { state, network } = faultyNetwork();
  const clock = { ms: Date.now() };
  const service = await signedInStation(fx, deployment, network, () => clock.ms);
  return { deployment, state, network, clock, service };
}

const logKinds = async (deployment: EnrolmentStationDeployment) =>
  (await stationLog(deployment)).map((entry) => entry.kind);

const personsToErase = async (service: KioskService) => {
  await signIn(service);
  const shown = await service.handlers.station({});
  return shown.ok ? shown.station.personsToErase : null;
};

describe("a left request refused when the runtime's tick asks it again (#resolveAbandoned)", () => {
  it('sent moments ago but run again by the hub (its answer pruned): refused as enrolled without a replay, listed, and its faceless person found by the document and erased', async () => {
    const { deployment, state, service } = await station('young-run-again', ['a-young']);
    const lost = await lostEnrolment(fx, service, state, {
      accountId: 'a-young',
      document: licence('Piko Abe'),
    });
    expect(await service.handlers.officerSignOut({})).toMatchObject({ ok: true });
    await hubPrunesStoredAnswers(fx);
    const sent = state.creates;

    await service.lockIdleStation(); // the runtime's tick, the request seconds old
    expect(state.creates).toBe(sent + 1);
    const log = await stationLog(deployment);
    expect(log.filter((entry) => entry.kind === 'enrolment.admin_erase_needed')).toMatchObject([
      { officer: null, data: { accountId: 'a-young' } },
    ]);
    expect(await atHub(fx, lost)).toBe(404);
    const erased = log.filter((e) => e.kind === 'person.erased' && e.data.personId === lost);
    expect(erased).toMatchObject([{ officer: null, data: { reason: 'abandoned' } }]);
    expect(await pending(deployment)).toEqual([]);
    expect(await personsToErase(service)).toEqual([]);
  });

  /** How a left request's age comes to be untrusted (`restarts`: read again from the rewritten file). */
  const untrusted = [
    {
      cause: 'the clock set back after it was sent',
      name: 'replayed-clock-back',
      restarts: false,
      untrust: (_deployment: EnrolmentStationDeployment, clock: { ms: number }) => {
        clock.ms -= 3_600_000;
        return Promise.resolve();
      },
    },
    {
      cause: 'its time not kept (a file written before the station kept it), the station restarted',
      name: 'replayed-no-time',
      restarts: true,
      untrust: async (deployment: EnrolmentStationDeployment, _clock: { ms: number }) => {
        const older = (await pending(deployment)).map(({ sentAtMs: _time, ...rest }) => rest);
        await writeFile(pendingPath(deployment), JSON.stringify(older), { mode: 0o600 });
      },
    },
  ];

  it.each(untrusted)(
    '$cause: its stored refusal replayed proves it enrolled nobody, so it is dropped, never listed for the admin',
    async ({ name, restarts, untrust }) => {
      const { deployment, state, network, clock, service } = await station(name, [
        `a-${name}-assigned`,
      ]);
      // An account the admin never assigned to this station: the hub refuses (403), and that answer is lost.
      const account = `a-${name}`;
      await fx.admin.createAccount({ id: account, name: account, kind: 'person', currency: 'JPY' });
      await upToPin(service.handlers, account, licence('Ren Baba'));
      await lostTry(service, state);
      expect(await service.handlers.officerSignOut({})).toMatchObject({ ok: true });
      await untrust(deployment, clock);
      const ticking = restarts
        ? await stationService(fx, deployment, network, () => clock.ms)
        : service;
      // A listed request would stay on the desk's list: the lookup by document gets no answer.
      state.lookupDown = true;
      const sent = state.creates;

      await ticking.lockIdleStation(); // the runtime's tick
      expect(state.creates).toBe(sent + 1);
      expect(await pending(deployment)).toEqual([]);
      expect(await logKinds(deployment)).not.toContain('enrolment.admin_erase_needed');
      expect(await personsToErase(ticking)).toEqual([]);
    },
  );
});
