// The enrolment station against a real hub when an enrolment whose POST /v1/persons answer was lost is left
// (signed out, another document begun, the station restarted): the station resolves that request itself,
// so no person without a face stays on the hub, and no name or sealed PIN stays on the station's disk.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { KioskService } from '../../src/main/kiosk-service.ts';
import { startKioskRuntime } from '../../src/main/kiosk-runtime.ts';
import {
  stationAbandonedAnswerTrustedMs,
  stationAbandonedResolveEveryMs,
} from '../../src/shared/limits.ts';
import type { EnrolmentStationDeployment } from '../../scripts/kiosk/deployment.ts';
import { faultyNetwork, lostEnrolment as lostEnrolmentOn, pendingPath } from './station-faults.ts';
import { stationHubForFile } from './station-rig.ts';
import {
  atHub,
  finish,
  licence,
  networkStoppingAtCreate,
  personsEnrolledOn,
  signIn,
  signedInStation,
  stationLog,
  upToPin,
} from './station-fixture.ts';

const fx = stationHubForFile('facepay-station-abandoned-');

/** A station's service (as after a start) behind `network`, on the test's clock, an officer signed in. */
const stationOn = (
  deployment: EnrolmentStationDeployment,
  network: typeof fetch,
  clock = { ms: Date.now() },
) => signedInStation(fx, deployment, network, () => clock.ms);

/** The enrolment is tried with its answer lost: the hub has a person on `accountId`, without a face. */
const lostEnrolment = (
  service: KioskService,
  state: { losing: boolean },
  enrolment: { accountId: string; document: ReturnType<typeof licence> },
) => lostEnrolmentOn(fx, service, state, enrolment);

/** The one person the hub enrolled on `accountId` (from its audit log). */
async function personOn(accountId: string): Promise<string> {
  const enrolled = await personsEnrolledOn(fx, accountId);
  expect(enrolled).toHaveLength(1);
  return enrolled[0] ?? '';
}

const pendingFile = (deployment: EnrolmentStationDeployment) =>
  readFile(pendingPath(deployment), 'utf8');

async function erasures(deployment: EnrolmentStationDeployment, personId: string) {
  return (await stationLog(deployment)).filter(
    (entry) => entry.kind === 'person.erased' && entry.data.personId === personId,
  );
}

describe('an enrolment whose POST /v1/persons answer was lost, left by the officer', () => {
  it("signed out: the station's next tick erases the faceless person and empties pending-persons.json", async () => {
    const deployment = await fx.ownStation('signed-out', ['a-signed-out']);
    const { state, network } = faultyNetwork();
    const service = await stationOn(deployment, network);
    const document = licence('Ayumi Kato');
    const lost = await lostEnrolment(service, state, { accountId: 'a-signed-out', document });
    expect(await pendingFile(deployment)).toContain('Ayumi Kato');
    expect(await service.handlers.officerSignOut({})).toMatchObject({ ok: true });

    await service.lockIdleStation(); // the runtime's timer
    expect(await atHub(fx, lost)).toBe(404);
    expect(JSON.parse(await pendingFile(deployment))).toEqual([]);
    const [erased] = await erasures(deployment, lost);
    expect(erased?.data).toMatchObject({ reason: 'abandoned', document: 'drivers_licence' });
  });

  it('another document begun: the left enrolment is resolved, the one on the station left alone', async () => {
    const deployment = await fx.ownStation('in-progress', ['a-left', 'a-current']);
    const { state, network } = faultyNetwork();
    const service = await stationOn(deployment, network);
    const left = await lostEnrolment(service, state, {
      accountId: 'a-left',
      document: licence('Bunta Mori'),
    });
    const current = await lostEnrolment(service, state, {
      accountId: 'a-current',
      document: licence('Chie Noda'),
    });
    const sent = state.creates;

    await service.lockIdleStation();
    expect(await atHub(fx, left)).toBe(404);
    // The station's own act, not the officer's who is signed in.
    expect(await erasures(deployment, left)).toMatchObject([
      { officer: null, data: { reason: 'abandoned' } },
    ]);
    // The enrolment at the PIN step is not asked again: its officer's next try does that.
    expect(state.creates).toBe(sent + 1);
    expect(await atHub(fx, current)).toBe(0);
    expect(await pendingFile(deployment)).toContain('Chie Noda');
    expect(await pendingFile(deployment)).not.toContain('Bunta Mori');

    const finished = await finish(service.handlers);
    expect(finished).toMatchObject({
      ok: true,
      station: { enrolment: { step: 'enrolled', person: { id: current } } },
    });
    expect(await atHub(fx, current)).toBe(2);
    expect(JSON.parse(await pendingFile(deployment))).toEqual([]);
  });
});

describe('a station stopped while POST /v1/persons was on its way, the hub having created the person', () => {
  it('started again, the runtime resolves the request at start: the person erased, the file empty', async () => {
    const deployment = await fx.ownStation('restart', ['a-restart']);
    const { network, delivered } = networkStoppingAtCreate();
    const stopping = await stationOn(deployment, network);
    await upToPin(stopping.handlers, 'a-restart', licence('Daisuke Ono'));
    void finish(stopping.handlers);
    await delivered;
    const lost = await personOn('a-restart');
    expect(await atHub(fx, lost)).toBe(0);

    const runtime = await startKioskRuntime({ config: deployment.config });
    try {
      expect(await atHub(fx, lost)).toBe(404);
      expect(JSON.parse(await pendingFile(deployment))).toEqual([]);
      const [erased] = await erasures(deployment, lost);
      expect(erased?.data).toMatchObject({ reason: 'abandoned' });
    } finally {
      await runtime.close();
    }
  });
});

describe('the hub unreachable while the station resolves a left enrolment', () => {
  it('the request is kept, and resolved at a later tick once the hub answers', async () => {
    const deployment = await fx.ownStation('hub-down', ['a-hub-down']);
    const { state, network } = faultyNetwork();
    const clock = { ms: Date.now() };
    const service = await stationOn(deployment, network, clock);
    const lost = await lostEnrolment(service, state, {
      accountId: 'a-hub-down',
      document: licence('Emiko Sano'),
    });
    expect(await service.handlers.officerSignOut({})).toMatchObject({ ok: true });

    state.down = true;
    await service.lockIdleStation();
    state.down = false;
    expect(await pendingFile(deployment)).toContain('Emiko Sano');
    expect(await atHub(fx, lost)).toBe(0);

    clock.ms += stationAbandonedResolveEveryMs;
    await service.lockIdleStation();
    expect(await atHub(fx, lost)).toBe(404);
    expect(JSON.parse(await pendingFile(deployment))).toEqual([]);
    const [erased] = await erasures(deployment, lost);
    expect(erased?.data).toMatchObject({ reason: 'abandoned' });
  });
});

describe("a left enrolment past the hub's answer retention", () => {
  it("is not asked again: its personal data dropped; a hub without the lookup by document: the desk told which document needs the hub admin's erase", async () => {
    const deployment = await fx.ownStation('past-retention', ['a-past']);
    const { state, network } = faultyNetwork();
    state.noLookup = true;
    const clock = { ms: Date.now() };
    const service = await stationOn(deployment, network, clock);
    const document = licence('Fumio Tani');
    const lost = await lostEnrolment(service, state, { accountId: 'a-past', document });
    expect(await service.handlers.officerSignOut({})).toMatchObject({ ok: true });
    const sent = state.creates;

    clock.ms += stationAbandonedAnswerTrustedMs;
    await service.lockIdleStation();
    expect(state.creates).toBe(sent);
    expect(await atHub(fx, lost)).toBe(0); // only the hub's admin can find them now
    const file = await pendingFile(deployment);
    expect(file).not.toContain('Fumio Tani');
    expect(file).not.toContain('1980-02-03');
    expect(file).not.toContain('sealedPin');
    await signIn(service);
    const shown = await service.handlers.station({});
    expect(shown.ok && shown.station.personsToErase).toEqual([
      {
        accountId: 'a-past',
        documentType: 'drivers_licence',
        documentHash: expect.any(String),
        sentAt: expect.any(String),
      },
    ]);
    const logged = (await stationLog(deployment)).find(
      (e) => e.kind === 'enrolment.admin_erase_needed',
    );
    expect(logged?.data).toMatchObject({ accountId: 'a-past', document: 'drivers_licence' });
    const desk = await service.handlers.personErase({ document });
    expect(desk).toMatchObject({ ok: false, error: { code: 'not_enrolled_here' } });
    expect(desk.ok ? '' : desk.error.message).toContain('admin');

    // The admin erased them: the account enrols again, and the desk's list is cleared.
    await fx.admin.deletePerson(lost);
    await upToPin(service.handlers, 'a-past', document);
    expect(await finish(service.handlers)).toMatchObject({
      ok: true,
      station: { personsToErase: [] },
    });
    expect(JSON.parse(await pendingFile(deployment))).toEqual([]);
  });
});

describe('pending-persons.json as written before the station kept the time and document type', () => {
  it('is read, and its request resolved: asked again, the person erased', async () => {
    const deployment = await fx.ownStation('older-file', ['a-older']);
    const { state, network } = faultyNetwork();
    const service = await stationOn(deployment, network);
    const lost = await lostEnrolment(service, state, {
      accountId: 'a-older',
      document: licence('Goro Ueda'),
    });
    const file = path.join(deployment.config.keysDir, 'pending-persons.json');
    const entries = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>[];
    const older = entries.map(({ sentAtMs: _time, documentType: _type, ...rest }) => rest);
    await writeFile(file, JSON.stringify(older), { mode: 0o600 });

    const restarted = await stationOn(deployment, fetch);
    await restarted.lockIdleStation();
    expect(await atHub(fx, lost)).toBe(404);
    expect(JSON.parse(await pendingFile(deployment))).toEqual([]);
  });
});

describe("the station's credentials refused while it resolves a left enrolment", () => {
  it('a 401 proves nothing about the request: it is kept, and the faceless person is not forgotten', async () => {
    const deployment = await fx.ownStation('revoked', ['a-revoked']);
    const { state, network } = faultyNetwork();
    const service = await stationOn(deployment, network);
    const lost = await lostEnrolment(service, state, {
      accountId: 'a-revoked',
      document: licence('Goro Hayashi'),
    });
    expect(await service.handlers.officerSignOut({})).toMatchObject({ ok: true });

    // The hub's admin revokes the station's client: every call is 401 before the hub looks the key up.
    await fx.admin.revokeClient(deployment.clientId);
    await service.lockIdleStation();
    expect(await atHub(fx, lost)).toBe(0);
    expect(await pendingFile(deployment)).toContain('Goro Hayashi');
    expect((await stationLog(deployment)).map((entry) => entry.kind)).not.toContain(
      'enrolment.admin_erase_needed',
    );
  });
});

describe("a left enrolment whose lost answer was the hub's refusal", () => {
  it('asked again, the refusal is the stored answer replayed: proof that nobody was created, so it is dropped', async () => {
    const deployment = await fx.ownStation('refused-lost', ['a-assigned']);
    // An account the admin never assigned to this station: the hub refuses the enrolment (403).
    await fx.admin.createAccount({
      id: 'a-unassigned',
      name: 'a-unassigned',
      kind: 'person',
      currency: 'JPY',
    });
    const { state, network } = faultyNetwork();
    const service = await stationOn(deployment, network);
    await upToPin(service.handlers, 'a-unassigned', licence('Hana Ishii'));
    state.losing = true;
    expect(await finish(service.handlers)).toMatchObject({
      ok: false,
      error: { code: 'hub_unreachable' },
    });
    state.losing = false;
    expect(await service.handlers.officerSignOut({})).toMatchObject({ ok: true });
    expect(await pendingFile(deployment)).toContain('Hana Ishii');

    await service.lockIdleStation();
    expect(JSON.parse(await pendingFile(deployment))).toEqual([]);
    expect((await stationLog(deployment)).map((entry) => entry.kind)).not.toContain(
      'enrolment.admin_erase_needed',
    );
  });
});
