// The enrolment station against a real hub: a lost request asked again under a new hub client (the station
// provisioned again) is run again, and that run's refusal is stored under the key: replayed at the next ask,
// it is still not the first request's fate, and must not drop the request while its faceless person stays.
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { EnrolmentStationDeployment } from '../../scripts/kiosk/deployment.ts';
import {
  disposeKioskIdentity,
  kioskPublicKeys,
  loadKioskIdentity,
} from '../../src/biometrics/protect/kiosk-identity.node.ts';
import { sodium } from '../../src/biometrics/protect/sodium.ts';
import { readKioskConfig } from '../../src/main/kiosk-config.ts';
import type { KioskService } from '../../src/main/kiosk-service.ts';
import {
  stationAbandonedAnswerTrustedMs,
  stationAbandonedResolveEveryMs,
} from '../../src/shared/limits.ts';
import { faultyNetwork, lostEnrolment, pending, pendingPath } from './station-faults.ts';
import { stationHubForFile } from './station-rig.ts';
import {
  atHub,
  licence,
  signIn,
  signedInStation,
  stationLog,
  stationService,
} from './station-fixture.ts';

const fx = stationHubForFile('facepay-station-rerun-refusal-');

/**
 * The station provisioned again under a new enrolment client: new device keys registered to it, its
 * config's token and kiosk id changed, its pending-persons.json carried over to the new keys' folder. The
 * account stays assigned to the old client.
 */
async function provisionedAgain(
  deployment: EnrolmentStationDeployment,
): Promise<EnrolmentStationDeployment> {
  const client = await fx.admin.createClient({ name: 'reprovisioned', role: 'enrollment' });
  const keysDir = 'station-kiosk-keys-2';
  const dir = path.dirname(deployment.configFile);
  await sodium.ready;
  const identity = await loadKioskIdentity({ dir: path.join(dir, keysDir), create: true });
  if (!identity.ok) throw new Error(identity.error.message);
  const kiosk = await fx.admin.registerKiosk({
    name: 'reprovisioned',
    clientId: client.id,
    ...kioskPublicKeys(identity.value),
  });
  disposeKioskIdentity(identity.value);
  await copyFile(pendingPath(deployment), path.join(dir, keysDir, 'pending-persons.json'));
  const file = JSON.parse(await readFile(deployment.configFile, 'utf8')) as object;
  const config = { ...file, hubToken: client.token, kioskId: kiosk.id, keysDir };
  await writeFile(deployment.configFile, JSON.stringify(config), { mode: 0o600 });
  const configFile = deployment.configFile;
  return { config: await readKioskConfig(configFile), configFile, clientId: client.id };
}

const personsToErase = async (service: KioskService) => {
  await signIn(service);
  const shown = await service.handlers.station({});
  return shown.ok ? shown.station.personsToErase : null;
};

describe('a refusal the hub stored from running a lost request again, replayed at a later ask', () => {
  it("the station's client changed since it was sent: the run-again 403 and its replay after a restart both keep the request (never dropped), and once listed it stays on the desk's list while its faceless person is still at the hub", async () => {
    const account = 'a-reprovisioned';
    const first = await fx.ownStation('reprovisioned', [account]);
    const { state, network } = faultyNetwork();
    const clock = { ms: Date.now() };
    const service = await signedInStation(fx, first, network, () => clock.ms);
    const lost = await lostEnrolment(fx, service, state, {
      accountId: account,
      document: licence('Yui Kon'),
    });
    expect(await service.handlers.officerSignOut({})).toMatchObject({ ok: true });

    // Restarted under its new client: asked again, the request is run again (no answer stored for this
    // client) and refused 403 (the account is the old client's), a refusal the hub stores under the key.
    const deployment = await provisionedAgain(first);
    const restarted = await stationService(fx, deployment, network, () => clock.ms);
    await restarted.lockIdleStation(); // the runtime's tick
    expect(state.creates).toBe(2);
    expect(await pending(deployment)).toMatchObject([{ accountId: account, body: {} }]);

    const again = await stationService(fx, deployment, network, () => clock.ms);
    clock.ms += stationAbandonedResolveEveryMs;
    await again.lockIdleStation(); // the same refusal, now replayed from the hub's store
    expect(state.creates).toBe(3);
    expect(await pending(deployment)).toMatchObject([{ accountId: account, body: {} }]);

    // Past the time the hub answers for it: listed; the new client's lookup cannot see the old client's
    // person, so "nobody" proves nothing: it stays listed for the hub's admin.
    clock.ms += stationAbandonedAnswerTrustedMs;
    await again.lockIdleStation();
    expect(await atHub(fx, lost)).toBe(0);
    expect(await pending(deployment)).toMatchObject([{ accountId: account, body: null }]);
    const kinds = (await stationLog(deployment)).map((entry) => entry.kind);
    expect(kinds).toContain('enrolment.admin_erase_needed');
    expect(kinds).not.toContain('enrolment.admin_erase_resolved');
    expect(await personsToErase(again)).toMatchObject([{ accountId: account }]);
  });
});
