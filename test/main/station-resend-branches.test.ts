// The enrolment station against a real hub when an unanswered POST /v1/persons, sent again under its key,
// gets no answer again or a refusal: each caller of the re-send keeps, drops or lists that request for the
// hub's admin as the person it may have created requires (never a faceless person forgotten, nor a name kept).
import { writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import type { KioskService } from '../../src/main/kiosk-service.ts';
import { stationAbandonedResolveEveryMs } from '../../src/shared/limits.ts';
import type { EnrolmentStationDeployment } from '../../scripts/kiosk/deployment.ts';
import {
  expectRefusedAsEarlierTryUnresolved,
  faultyNetwork,
  hubPrunesStoredAnswers,
  lostEnrolment as lostEnrolmentOn,
  lostTry,
  pending,
  pendingPath,
} from './station-faults.ts';
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

const fx = stationHubForFile('facepay-station-resend-');

/** A person account the hub's admin never assigned to a station: the hub refuses to enrol on it (403). */
const unassignedAccount = (id: string) =>
  fx.admin.createAccount({ id, name: id, kind: 'person', currency: 'JPY' });

/** A station's service (as after a start) behind `network`, on the test's clock, an officer signed in. */
const stationOn = (
  deployment: EnrolmentStationDeployment,
  network: typeof fetch,
  clock = { ms: Date.now() },
) => signedInStation(fx, deployment, network, () => clock.ms);

const lostEnrolment = (
  service: KioskService,
  state: { losing: boolean },
  enrolment: { accountId: string; document: ReturnType<typeof licence> },
) => lostEnrolmentOn(fx, service, state, enrolment);

const pendingKeys = async (deployment: EnrolmentStationDeployment) =>
  (await pending(deployment)).map((entry) => entry.idempotencyKey);

const logKinds = async (deployment: EnrolmentStationDeployment) =>
  (await stationLog(deployment)).map((entry) => entry.kind);

describe("an officer's retry of an enrolment whose answer was lost (#askAgain)", () => {
  it('the hub still unreachable: the try waits, the person and the request under its key kept, then that person enrolled', async () => {
    const deployment = await fx.ownStation('retry-down', ['a-retry-down']);
    const { state, network } = faultyNetwork();
    const service = await stationOn(deployment, network);
    const lost = await lostEnrolment(service, state, {
      accountId: 'a-retry-down',
      document: licence('Akane Doi'),
    });
    const keys = await pendingKeys(deployment);
    expect(keys).toHaveLength(1);

    state.down = true;
    const waiting = await finish(service.handlers);
    state.down = false;
    expect(waiting).toMatchObject({ ok: false, error: { code: 'hub_unreachable' } });
    const shown = await service.handlers.station({});
    expect(shown).toMatchObject({ ok: true, station: { enrolment: { step: 'pin' } } });
    // Nothing erased, nothing forgotten: the same request, under the same key, is asked at the next try.
    expect(await atHub(fx, lost)).toBe(0);
    expect(await pendingKeys(deployment)).toEqual(keys);
    expect(await logKinds(deployment)).not.toContain('person.erased');

    const enrolled = await finish(service.handlers);
    expect(enrolled).toMatchObject({
      ok: true,
      station: { enrolment: { step: 'enrolled', person: { id: lost } } },
    });
    expect(await atHub(fx, lost)).toBe(2);
    expect(await personsEnrolledOn(fx, 'a-retry-down')).toEqual([lost]);
    expect(await pending(deployment)).toEqual([]);
  });

  it('the document begun again, the lost answer since pruned by the hub: refused as enrolled, its faceless person found by the document and erased, and this try enrols', async () => {
    const deployment = await fx.ownStation('retry-pruned', ['a-retry-pruned']);
    const { state, network } = faultyNetwork();
    const service = await stationOn(deployment, network);
    const document = licence('Bin Endo');
    const lost = await lostEnrolment(service, state, { accountId: 'a-retry-pruned', document });
    await hubPrunesStoredAnswers(fx);

    // A new enrolment of the same document: none of its own tries went unanswered.
    await upToPin(service.handlers, 'a-retry-pruned', document);
    const sent = state.creates;
    const enrolled = await finish(service.handlers);
    expect(enrolled).toMatchObject({
      ok: true,
      station: { enrolment: { step: 'enrolled' }, personsToErase: [] },
    });
    // The earlier request asked again (refused as enrolled), then this try's own.
    expect(state.creates).toBe(sent + 2);
    expect(await atHub(fx, lost)).toBe(404);
    const kinds = await logKinds(deployment);
    expect(kinds).toContain('enrolment.admin_erase_needed');
    expect(kinds).toContain('person.erased');
    expect(await pending(deployment)).toEqual([]);
  });

  it('the same, the lookup by document unanswered: refused already_enrolled, the officer told why, the request data dropped and listed', async () => {
    const deployment = await fx.ownStation('retry-pruned-down', ['a-retry-pruned-down']);
    const { state, network } = faultyNetwork();
    const service = await stationOn(deployment, network);
    const document = licence('Bin Endo');
    const lost = await lostEnrolment(service, state, {
      accountId: 'a-retry-pruned-down',
      document,
    });
    await hubPrunesStoredAnswers(fx);

    await upToPin(service.handlers, 'a-retry-pruned-down', document);
    state.lookupDown = true;
    const sent = state.creates;
    const refused = await finish(service.handlers);
    await expectRefusedAsEarlierTryUnresolved(service, refused, 'a-retry-pruned-down');
    // The earlier request asked again (refused as enrolled), then this try's own (refused the same way).
    expect(state.creates).toBe(sent + 2);
    // Nothing of that request (name, sealed PIN) is asked again: its personal data is off the disk.
    const file = JSON.stringify(await pending(deployment));
    expect(file).not.toContain('Bin Endo');
    expect(file).not.toContain('sealedPin');
    expect(await atHub(fx, lost)).toBe(0); // found by a later lookup, or by the hub's admin
  });
});

describe('an enrolment cancelled after its answer was lost (#dropUnanswered)', () => {
  it('the lost answer was the hub refusal: replayed, it proves nobody was created, and the request is dropped from disk', async () => {
    const deployment = await fx.ownStation('cancel-refused', ['a-cancel-assigned']);
    await unassignedAccount('a-cancel-unassigned');
    const { state, network } = faultyNetwork();
    const service = await stationOn(deployment, network);
    await upToPin(service.handlers, 'a-cancel-unassigned', licence('Chiaki Fuse'));
    await lostTry(service, state);
    expect(JSON.stringify(await pending(deployment))).toContain('Chiaki Fuse');
    const sent = state.creates;

    const cancelled = await service.handlers.enrolmentCancel({});
    expect(cancelled).toMatchObject({
      ok: true,
      station: { enrolment: null, personsToErase: [] },
    });
    expect(state.creates).toBe(sent + 1);
    expect(await pending(deployment)).toEqual([]);
    const kinds = await logKinds(deployment);
    expect(kinds).not.toContain('enrolment.admin_erase_needed');
    expect(kinds).not.toContain('person.erased');
  });

  it('the hub still unreachable: the request kept, and the desk erases its person by the document once the hub answers', async () => {
    const deployment = await fx.ownStation('cancel-down', ['a-cancel-down']);
    const { state, network } = faultyNetwork();
    const service = await stationOn(deployment, network);
    const document = licence('Daiki Goto');
    const lost = await lostEnrolment(service, state, { accountId: 'a-cancel-down', document });
    const keys = await pendingKeys(deployment);

    state.down = true;
    const cancelled = await service.handlers.enrolmentCancel({});
    state.down = false;
    expect(cancelled).toMatchObject({ ok: true, station: { enrolment: null } });
    expect(await atHub(fx, lost)).toBe(0);
    expect(await pendingKeys(deployment)).toEqual(keys);
    expect(await logKinds(deployment)).not.toContain('person.erased');

    const erased = await service.handlers.personErase({ document });
    expect(erased).toMatchObject({ ok: true, personId: lost });
    expect(await atHub(fx, lost)).toBe(404);
    expect(await pending(deployment)).toEqual([]);
  });
});

describe('the desk, by the document, after a station stopped while POST /v1/persons was on its way (#unansweredPerson)', () => {
  it('restarted with the hub unreachable: answers hub_unreachable and keeps the request, then erases its person once the hub answers', async () => {
    const deployment = await fx.ownStation('desk-down', ['a-desk-down']);
    const { network: stopping, delivered } = networkStoppingAtCreate();
    const before = await stationOn(deployment, stopping);
    const document = licence('Eri Hara');
    await upToPin(before.handlers, 'a-desk-down', document);
    void finish(before.handlers);
    await delivered;
    const [lost] = await personsEnrolledOn(fx, 'a-desk-down');
    const keys = await pendingKeys(deployment);
    expect(keys).toHaveLength(1);

    const { state, network } = faultyNetwork();
    const restarted = await stationOn(deployment, network);
    state.down = true;
    const unknown = await restarted.handlers.personErase({ document });
    state.down = false;
    expect(unknown).toMatchObject({ ok: false, error: { code: 'hub_unreachable' } });
    expect(await atHub(fx, lost ?? '')).toBe(0);
    expect(await pendingKeys(deployment)).toEqual(keys);

    const erased = await restarted.handlers.personErase({ document });
    expect(erased).toMatchObject({ ok: true, personId: lost });
    expect(await atHub(fx, lost ?? '')).toBe(404);
    expect(await pending(deployment)).toEqual([]);
  });

  it('the request the hub refused: the replayed refusal drops it, and the desk answers that nobody was enrolled here', async () => {
    const deployment = await fx.ownStation('desk-refused', ['a-desk-assigned']);
    await unassignedAccount('a-desk-unassigned');
    const { network: stopping, delivered } = networkStoppingAtCreate();
    const before = await stationOn(deployment, stopping);
    const document = licence('Fumika Ide');
    await upToPin(before.handlers, 'a-desk-unassigned', document);
    void finish(before.handlers);
    await delivered;
    expect(JSON.stringify(await pending(deployment))).toContain('Fumika Ide');

    const { state, network } = faultyNetwork();
    const restarted = await stationOn(deployment, network);
    const desk = await restarted.handlers.personErase({ document });
    expect(desk).toMatchObject({
      ok: false,
      error: {
        code: 'not_enrolled_here',
        message: 'nobody enrolled at this station shows this document',
      },
    });
    expect(state.creates).toBe(1); // asked again: the hub's stored refusal is the proof
    expect(await pending(deployment)).toEqual([]);
    expect(await logKinds(deployment)).not.toContain('enrolment.admin_erase_needed');
  });
});

/**
 * How a left request's age comes to be unknown or negative: the station's clock set back after it was sent,
 * or no time kept with it (`restarts`: the station reads the rewritten file at its next start). Whether a
 * refusal is believed no longer depends on it (only a replay is): these show that the age does not let a
 * refusal run again pass as the request's own.
 */
const untrusted = [
  {
    cause: 'the clock set back after it was sent',
    name: 'clock-back',
    restarts: false,
    untrust: (_deployment: EnrolmentStationDeployment, clock: { ms: number }) => {
      clock.ms -= 3_600_000;
      return Promise.resolve();
    },
  },
  {
    cause: 'its time not kept (a file written before the station kept it), the station restarted',
    name: 'no-time',
    restarts: true,
    untrust: async (deployment: EnrolmentStationDeployment, _clock: { ms: number }) => {
      const older = (await pending(deployment)).map(({ sentAtMs: _time, ...rest }) => rest);
      await writeFile(pendingPath(deployment), JSON.stringify(older), { mode: 0o600 });
    },
  },
];

describe('a left enrolment whose age is unknown or negative, asked again after the hub pruned its answer (#resolveAbandoned)', () => {
  it.each(untrusted)(
    "$cause: refused as enrolled without its stored answer replayed (the hub ran it again), it is listed for the hub's admin, not dropped; its faceless person is then found by the document and erased",
    async ({ name, restarts, untrust }) => {
      const account = `a-${name}`;
      const deployment = await fx.ownStation(name, [account]);
      const { state, network } = faultyNetwork();
      const clock = { ms: Date.now() };
      let service = await stationOn(deployment, network, clock);
      const document = licence('Goro Iwata');
      const lost = await lostEnrolment(service, state, { accountId: account, document });
      expect(await service.handlers.officerSignOut({})).toMatchObject({ ok: true });
      // Its stored answer pruned: asked again, the hub refuses it as enrolled (that very person holds it).
      await hubPrunesStoredAnswers(fx);
      await untrust(deployment, clock);
      if (restarts) service = await stationOn(deployment, network, clock);
      const sent = state.creates;

      await service.lockIdleStation(); // the runtime's timer
      expect(state.creates).toBe(sent + 1);
      const file = JSON.stringify(await pending(deployment));
      expect(file).not.toContain('Goro Iwata');
      expect(file).not.toContain('1980-02-03');
      expect(file).not.toContain('sealedPin');
      const log = await stationLog(deployment);
      const listed = log.filter((entry) => entry.kind === 'enrolment.admin_erase_needed');
      expect(listed).toMatchObject([{ officer: null, data: { accountId: account } }]);
      // Listed, the request is looked up by its document (GET /v1/persons): its person, without a face,
      // is erased by the station, and nothing is left for the admin.
      expect(await atHub(fx, lost)).toBe(404);
      const erased = log.filter(
        (entry) => entry.kind === 'person.erased' && entry.data.personId === lost,
      );
      expect(erased).toMatchObject([{ officer: null, data: { reason: 'abandoned' } }]);
      expect(await pending(deployment)).toEqual([]);
      await signIn(service);
      const shown = await service.handlers.station({});
      expect(shown.ok && shown.station.personsToErase).toEqual([]);
    },
  );
});

describe("a station restarted after its client was revoked, a left enrolment's answer lost (#resend)", () => {
  it('the refused connection proves nothing about the request: it is kept, and the faceless person is not forgotten', async () => {
    const deployment = await fx.ownStation('revoked-restart', ['a-revoked-restart']);
    const { state, network } = faultyNetwork();
    const service = await stationOn(deployment, network);
    const lost = await lostEnrolment(service, state, {
      accountId: 'a-revoked-restart',
      document: licence('Hiro Kubo'),
    });
    expect(await service.handlers.officerSignOut({})).toMatchObject({ ok: true });
    await fx.admin.revokeClient(deployment.clientId);

    // Started again: its link connects (hub key, transform key) on its first call, and is refused (401).
    const restarted = await stationOn(deployment, network);
    await restarted.lockIdleStation(); // the runtime's timer at start
    expect(await atHub(fx, lost)).toBe(0);
    expect(JSON.stringify(await pending(deployment))).toContain('Hiro Kubo');
    expect(await logKinds(deployment)).not.toContain('enrolment.admin_erase_needed');
  });
});

describe('a request asked again after the hub pruned its answer, refused (#dropUnanswered, #unansweredPerson)', () => {
  it('on a cancel: the refusal proves nothing, so it is listed for the admin, and the tick erases its faceless person', async () => {
    const deployment = await fx.ownStation('cancel-pruned', ['a-cancel-pruned']);
    const { state, network } = faultyNetwork();
    const clock = { ms: Date.now() };
    const service = await stationOn(deployment, network, clock);
    const lost = await lostEnrolment(service, state, {
      accountId: 'a-cancel-pruned',
      document: licence('Kei Mori'),
    });
    await hubPrunesStoredAnswers(fx);

    state.lookupDown = true;
    const cancelled = await service.handlers.enrolmentCancel({});
    expect(cancelled).toMatchObject({
      ok: true,
      station: { enrolment: null, personsToErase: [{ accountId: 'a-cancel-pruned' }] },
    });
    expect(JSON.stringify(await pending(deployment))).not.toContain('Kei Mori');
    expect(await atHub(fx, lost)).toBe(0);

    state.lookupDown = false;
    clock.ms += stationAbandonedResolveEveryMs;
    await service.lockIdleStation(); // the runtime's tick
    expect(await atHub(fx, lost)).toBe(404);
    expect(await pending(deployment)).toEqual([]);
  });

  it('at the desk after a restart: the refusal proves nothing, so it is listed for the admin, and the tick erases its faceless person', async () => {
    const deployment = await fx.ownStation('desk-pruned', ['a-desk-pruned']);
    const { network: stopping, delivered } = networkStoppingAtCreate();
    const before = await stationOn(deployment, stopping);
    const document = licence('Rin Sato');
    await upToPin(before.handlers, 'a-desk-pruned', document);
    void finish(before.handlers);
    await delivered;
    const [lost] = await personsEnrolledOn(fx, 'a-desk-pruned');
    await hubPrunesStoredAnswers(fx);

    const { state, network } = faultyNetwork();
    const clock = { ms: Date.now() };
    state.lookupDown = true;
    const restarted = await stationOn(deployment, network, clock);
    const desk = await restarted.handlers.personErase({ document });
    expect(desk).toMatchObject({ ok: false, error: { code: 'not_enrolled_here' } });
    const shown = await restarted.handlers.station({});
    expect(shown).toMatchObject({
      ok: true,
      station: { personsToErase: [{ accountId: 'a-desk-pruned' }] },
    });
    expect(await atHub(fx, lost ?? '')).toBe(0);

    state.lookupDown = false;
    clock.ms += stationAbandonedResolveEveryMs;
    await restarted.lockIdleStation(); // the runtime's tick
    expect(await atHub(fx, lost ?? '')).toBe(404);
    expect(await pending(deployment)).toEqual([]);
  });
});
