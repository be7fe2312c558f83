// The enrolment station against a real hub when an enrolment whose POST /v1/persons answer was lost is left
// (signed out, another document begun, the station restarted): the station resolves that request itself,
// so no person without a face stays on the hub, and no name or sealed PIN stays on the station's disk.
import { randomBytes, randomInt } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { disposeKioskIdentity } from '../../src/biometrics/protect/kiosk-identity.node.ts';
import type { RunningHub } from '../../src/hub/hub.ts';
import { startHub } from '../../src/hub/hub.ts';
import type { HubLink } from '../../src/main/hub-link.ts';
import { KioskService } from '../../src/main/kiosk-service.ts';
import { openHubLink, startKioskRuntime } from '../../src/main/kiosk-runtime.ts';
import { loadPhotoVsLiveGate } from '../../src/main/photo-vs-live-gate.ts';
import { StationLog } from '../../src/main/station-log.ts';
import { HubClient, HubRequestError } from '../../src/shared/hub-client.ts';
import { enrolmentConsentVersion } from '../../src/shared/kiosk-api.ts';
import {
  stationAbandonedAnswerTrustedMs,
  stationAbandonedResolveEveryMs,
} from '../../src/shared/limits.ts';
import type { EnrolmentStationDeployment } from '../../scripts/kiosk/deployment.ts';
import { setUpEnrolmentStation } from '../../scripts/kiosk/deployment.ts';
import { syntheticFace } from '../hub/helpers.ts';
import { isPostTo, sameFaceAs } from './kiosk-test-hub.ts';

const adminToken = `admin-${randomBytes(12).toString('hex')}`;
const modelId = 'faceapi-recognition-128-b413e420d684';
const officer = { id: 'o-sato', pin: '735190' };

let work: string;
let hub: RunningHub;
let admin: HubClient;
const links: { link: HubLink; identity: Parameters<typeof disposeKioskIdentity>[0] }[] = [];

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'facepay-station-abandoned-'));
  hub = await startHub({ dataDir: path.join(work, 'hub'), port: 0, adminToken });
  admin = new HubClient({ baseUrl: hub.url, token: adminToken });
}, 60_000);

afterAll(async () => {
  for (const { link, identity } of links) {
    link.dispose();
    disposeKioskIdentity(identity);
  }
  await hub?.close();
  await rm(work, { recursive: true, force: true });
});

/** A station of its own (its own pending-persons.json and log), enrolling on `accounts`. */
async function deployStation(name: string, accounts: string[]) {
  const dir = path.join(work, name);
  return setUpEnrolmentStation({
    hubUrl: hub.url,
    adminToken,
    dir,
    name,
    officers: [officer],
    accounts: accounts.map((id) => ({ id, name: id, deposit: 0 })),
  });
}

/**
 * The network between the station and the hub: while `losing`, each POST /v1/persons is carried out and its
 * answer lost; while `down`, nothing reaches the hub. `creates` counts the POST /v1/persons sent.
 */
function faultyNetwork() {
  const state = { losing: false, down: false, creates: 0 };
  const network: typeof fetch = async (input, init) => {
    if (state.down) throw new TypeError('fetch failed: connect ECONNREFUSED');
    const create = isPostTo('/v1/persons', input, init);
    if (create) state.creates += 1;
    const response = await fetch(input, init);
    if (create && state.losing) throw new TypeError('socket hang up');
    return response;
  };
  return { state, network };
}

/** Delivers the first POST /v1/persons and never answers it: the station is stopped while it waits. */
function networkStoppingAtCreate() {
  let stopped = false;
  let answered = () => {};
  const delivered = new Promise<void>((resolve) => (answered = resolve));
  const network: typeof fetch = async (input, init) => {
    if (stopped || !isPostTo('/v1/persons', input, init)) return fetch(input, init);
    stopped = true;
    await fetch(input, init);
    answered();
    return new Promise<Response>(() => {});
  };
  return { network, delivered };
}

/** A station's service (as after a start) behind `network`, on the test's clock, an officer signed in. */
async function stationOn(
  deployment: EnrolmentStationDeployment,
  network: typeof fetch,
  clock = { ms: Date.now() },
) {
  const opened = await openHubLink(deployment.config, { hubUrl: hub.url, fetch: network });
  links.push(opened);
  const service = new KioskService({
    config: deployment.config,
    hub: opened.link,
    modelId,
    now: () => clock.ms,
    station: {
      log: new StationLog(deployment.config.enrolment?.logFile ?? ''),
      photoVsLive: await loadPhotoVsLiveGate(),
    },
  });
  await signIn(service);
  return service;
}

async function signIn(service: KioskService) {
  const signedIn = await service.handlers.officerSignIn({
    officerId: officer.id,
    pin: officer.pin,
  });
  expect(signedIn).toMatchObject({ ok: true });
}

function licence(name: string) {
  return {
    type: 'drivers_licence' as const,
    number: String(randomInt(1e11, 1e12)),
    name,
    dateOfBirth: '1980-02-03',
    expiry: '2035-01-01',
  };
}

/** Document, ID photo and live face: the station then waits for the PIN. */
async function upToPin(
  service: KioskService,
  accountId: string,
  document: ReturnType<typeof licence>,
) {
  const { handlers } = service;
  const face = syntheticFace();
  expect(await handlers.enrolmentDocument({ accountId, document })).toMatchObject({ ok: true });
  expect(await handlers.enrolmentIdPhoto({ modelId, descriptor: Array.from(face) })).toMatchObject({
    ok: true,
  });
  const descriptors = [sameFaceAs(face), sameFaceAs(face)].map((d) => Array.from(d));
  const liveness = { passed: true, score: 0.99, checks: ['passive_texture_live', 'blink'] };
  expect(await handlers.enrolmentLiveFace({ modelId, descriptors, liveness })).toMatchObject({
    ok: true,
    station: { enrolment: { step: 'pin' } },
  });
}

const finish = (service: KioskService, pin = '5829') =>
  service.handlers.enrolmentFinish({
    pin,
    pinAgain: pin,
    consent: { version: enrolmentConsentVersion, language: 'ja', accepted: true },
  });

/** The enrolment is tried with its answer lost: the hub has a person on `accountId`, without a face. */
async function lostEnrolment(
  service: KioskService,
  state: { losing: boolean },
  enrolment: { accountId: string; document: ReturnType<typeof licence> },
): Promise<string> {
  await upToPin(service, enrolment.accountId, enrolment.document);
  state.losing = true;
  expect(await finish(service)).toMatchObject({ ok: false, error: { code: 'hub_unreachable' } });
  state.losing = false;
  const person = await personOn(enrolment.accountId);
  expect(await atHub(person)).toBe(0);
  return person;
}

/** The one person the hub enrolled on `accountId` (from its audit log). */
async function personOn(accountId: string): Promise<string> {
  const rows = await hub.store.auditRows(0, 100_000);
  const enrolled = rows
    .filter((row) => row.kind === 'person.enrolled')
    .filter((row) => (JSON.parse(row.data) as { accountId?: string }).accountId === accountId)
    .map((row) => row.subject);
  expect(enrolled).toHaveLength(1);
  return enrolled[0] ?? '';
}

/** The hub's templates for a person, or the status that says there is no such person. */
async function atHub(personId: string): Promise<number | string> {
  try {
    return (await admin.getPerson(personId)).templates;
  } catch (error) {
    if (error instanceof HubRequestError) return error.status;
    throw error;
  }
}

async function pendingFile(deployment: EnrolmentStationDeployment): Promise<string> {
  return readFile(path.join(deployment.config.keysDir, 'pending-persons.json'), 'utf8');
}

async function logOf(
  deployment: EnrolmentStationDeployment,
): Promise<{ kind: string; officer: string | null; data: Record<string, unknown> }[]> {
  const text = await readFile(deployment.config.enrolment?.logFile ?? '', 'utf8');
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Awaited<ReturnType<typeof logOf>>[number]);
}

async function erasures(deployment: EnrolmentStationDeployment, personId: string) {
  return (await logOf(deployment)).filter(
    (entry) => entry.kind === 'person.erased' && entry.data.personId === personId,
  );
}

describe('an enrolment whose POST /v1/persons answer was lost, left by the officer', () => {
  it("signed out: the station's next tick erases the faceless person and empties pending-persons.json", async () => {
    const deployment = await deployStation('signed-out', ['a-signed-out']);
    const { state, network } = faultyNetwork();
    const service = await stationOn(deployment, network);
    const document = licence('Ayumi Kato');
    const lost = await lostEnrolment(service, state, { accountId: 'a-signed-out', document });
    expect(await pendingFile(deployment)).toContain('Ayumi Kato');
    expect(await service.handlers.officerSignOut({})).toMatchObject({ ok: true });

    await service.lockIdleStation(); // the runtime's timer
    expect(await atHub(lost)).toBe(404);
    expect(JSON.parse(await pendingFile(deployment))).toEqual([]);
    const [erased] = await erasures(deployment, lost);
    expect(erased?.data).toMatchObject({ reason: 'abandoned', document: 'drivers_licence' });
  });

  it('another document begun: the left enrolment is resolved, the one on the station left alone', async () => {
    const deployment = await deployStation('in-progress', ['a-left', 'a-current']);
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
    expect(await atHub(left)).toBe(404);
    // The station's own act, not the officer's who is signed in.
    expect(await erasures(deployment, left)).toMatchObject([
      { officer: null, data: { reason: 'abandoned' } },
    ]);
    // The enrolment at the PIN step is not asked again: its officer's next try does that.
    expect(state.creates).toBe(sent + 1);
    expect(await atHub(current)).toBe(0);
    expect(await pendingFile(deployment)).toContain('Chie Noda');
    expect(await pendingFile(deployment)).not.toContain('Bunta Mori');

    const finished = await finish(service);
    expect(finished).toMatchObject({
      ok: true,
      station: { enrolment: { step: 'enrolled', person: { id: current } } },
    });
    expect(await atHub(current)).toBe(2);
    expect(JSON.parse(await pendingFile(deployment))).toEqual([]);
  });
});

describe('a station stopped while POST /v1/persons was on its way, the hub having created the person', () => {
  it('started again, the runtime resolves the request at start: the person erased, the file empty', async () => {
    const deployment = await deployStation('restart', ['a-restart']);
    const { network, delivered } = networkStoppingAtCreate();
    const stopping = await stationOn(deployment, network);
    await upToPin(stopping, 'a-restart', licence('Daisuke Ono'));
    void finish(stopping);
    await delivered;
    const lost = await personOn('a-restart');
    expect(await atHub(lost)).toBe(0);

    const runtime = await startKioskRuntime({ config: deployment.config });
    try {
      expect(await atHub(lost)).toBe(404);
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
    const deployment = await deployStation('hub-down', ['a-hub-down']);
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
    expect(await atHub(lost)).toBe(0);

    clock.ms += stationAbandonedResolveEveryMs;
    await service.lockIdleStation();
    expect(await atHub(lost)).toBe(404);
    expect(JSON.parse(await pendingFile(deployment))).toEqual([]);
    const [erased] = await erasures(deployment, lost);
    expect(erased?.data).toMatchObject({ reason: 'abandoned' });
  });
});

describe("a left enrolment past the hub's answer retention", () => {
  it("is not asked again: its personal data dropped, the desk told which document needs the hub admin's erase", async () => {
    const deployment = await deployStation('past-retention', ['a-past']);
    const { state, network } = faultyNetwork();
    const clock = { ms: Date.now() };
    const service = await stationOn(deployment, network, clock);
    const document = licence('Fumio Tani');
    const lost = await lostEnrolment(service, state, { accountId: 'a-past', document });
    expect(await service.handlers.officerSignOut({})).toMatchObject({ ok: true });
    const sent = state.creates;

    clock.ms += stationAbandonedAnswerTrustedMs;
    await service.lockIdleStation();
    expect(state.creates).toBe(sent);
    expect(await atHub(lost)).toBe(0); // only the hub's admin can find them now
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
    const logged = (await logOf(deployment)).find((e) => e.kind === 'enrolment.admin_erase_needed');
    expect(logged?.data).toMatchObject({ accountId: 'a-past', document: 'drivers_licence' });
    const desk = await service.handlers.personErase({ document });
    expect(desk).toMatchObject({ ok: false, error: { code: 'not_enrolled_here' } });
    expect(desk.ok ? '' : desk.error.message).toContain('admin');

    // The admin erased them: the account enrols again, and the desk's list is cleared.
    await admin.deletePerson(lost);
    await upToPin(service, 'a-past', document);
    expect(await finish(service)).toMatchObject({ ok: true, station: { personsToErase: [] } });
    expect(JSON.parse(await pendingFile(deployment))).toEqual([]);
  });
});

describe('pending-persons.json as written before the station kept the time and document type', () => {
  it('is read, and its request resolved: asked again, the person erased', async () => {
    const deployment = await deployStation('older-file', ['a-older']);
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
    expect(await atHub(lost)).toBe(404);
    expect(JSON.parse(await pendingFile(deployment))).toEqual([]);
  });
});

describe("the station's credentials refused while it resolves a left enrolment", () => {
  it('a 401 proves nothing about the request: it is kept, and the faceless person is not forgotten', async () => {
    const deployment = await deployStation('revoked', ['a-revoked']);
    const { state, network } = faultyNetwork();
    const service = await stationOn(deployment, network);
    const lost = await lostEnrolment(service, state, {
      accountId: 'a-revoked',
      document: licence('Goro Hayashi'),
    });
    expect(await service.handlers.officerSignOut({})).toMatchObject({ ok: true });

    // The hub's admin revokes the station's client: every call is 401 before the hub looks the key up.
    await admin.revokeClient(deployment.clientId);
    await service.lockIdleStation();
    expect(await atHub(lost)).toBe(0);
    expect(await pendingFile(deployment)).toContain('Goro Hayashi');
    expect((await logOf(deployment)).map((entry) => entry.kind)).not.toContain(
      'enrolment.admin_erase_needed',
    );
  });
});

describe("a left enrolment whose lost answer was the hub's refusal", () => {
  it('asked again, the refusal is the stored answer replayed: proof that nobody was created, so it is dropped', async () => {
    const deployment = await deployStation('refused-lost', ['a-assigned']);
    // An account the admin never assigned to this station: the hub refuses the enrolment (403).
    await admin.createAccount({
      id: 'a-unassigned',
      name: 'a-unassigned',
      kind: 'person',
      currency: 'JPY',
    });
    const { state, network } = faultyNetwork();
    const service = await stationOn(deployment, network);
    await upToPin(service, 'a-unassigned', licence('Hana Ishii'));
    state.losing = true;
    expect(await finish(service)).toMatchObject({ ok: false, error: { code: 'hub_unreachable' } });
    state.losing = false;
    expect(await service.handlers.officerSignOut({})).toMatchObject({ ok: true });
    expect(await pendingFile(deployment)).toContain('Hana Ishii');

    await service.lockIdleStation();
    expect(JSON.parse(await pendingFile(deployment))).toEqual([]);
    expect((await logOf(deployment)).map((entry) => entry.kind)).not.toContain(
      'enrolment.admin_erase_needed',
    );
  });
});
