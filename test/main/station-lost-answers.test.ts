// The enrolment station against a real hub when the hub's answer is lost: an erasure the hub carried out
// must not be refused for ever, and faces the hub stored for an enrolment the officer was told failed must
// not stay behind, payable by face and unknown to the station, while the retry is refused.
import { randomBytes, randomInt } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { disposeKioskIdentity } from '../../src/biometrics/protect/kiosk-identity.node.ts';
import type { RunningHub } from '../../src/hub/hub.ts';
import { startHub } from '../../src/hub/hub.ts';
import type { HubLink } from '../../src/main/hub-link.ts';
import { KioskService } from '../../src/main/kiosk-service.ts';
import { openHubLink } from '../../src/main/kiosk-runtime.ts';
import { loadPhotoVsLiveGate } from '../../src/main/photo-vs-live-gate.ts';
import { StationLog } from '../../src/main/station-log.ts';
import { HubClient, HubRequestError } from '../../src/shared/hub-client.ts';
import { enrolmentConsentVersion } from '../../src/shared/kiosk-api.ts';
import type { EnrolmentStationDeployment } from '../../scripts/kiosk/deployment.ts';
import { setUpEnrolmentStation } from '../../scripts/kiosk/deployment.ts';
import { syntheticFace } from '../hub/helpers.ts';
import {
  isPostTo,
  networkHoldingBack,
  networkLosingFirstAnswer,
  sameFaceAs,
} from './kiosk-test-hub.ts';

const adminToken = `admin-${randomBytes(12).toString('hex')}`;
const modelId = 'faceapi-recognition-128-b413e420d684';
const officer = { id: 'o-sato', pin: '735190' };

let work: string;
let hub: RunningHub;
let admin: HubClient;
let station: EnrolmentStationDeployment;
const links: { link: HubLink; identity: Parameters<typeof disposeKioskIdentity>[0] }[] = [];

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'facepay-station-lost-'));
  hub = await startHub({ dataDir: path.join(work, 'hub'), port: 0, adminToken });
  admin = new HubClient({ baseUrl: hub.url, token: adminToken });
  station = await setUpEnrolmentStation({
    hubUrl: hub.url,
    adminToken,
    dir: work,
    name: 'Ward office station 2',
    officers: [officer],
    accounts: ['erased', 'faces', 'cancelled', 'gateway', 'stopped'].map((id) => ({
      id,
      name: id,
      deposit: 0,
    })),
  });
}, 60_000);

afterAll(async () => {
  for (const { link, identity } of links) {
    link.dispose();
    disposeKioskIdentity(identity);
  }
  await hub?.close();
  await rm(work, { recursive: true, force: true });
});

/** The station behind `network`, an officer signed in; its 1:1 gate is the repository's calibration. */
async function stationOn(network: typeof fetch) {
  const opened = await openHubLink(station.config, { hubUrl: hub.url, fetch: network });
  links.push(opened);
  const service = new KioskService({
    config: station.config,
    hub: opened.link,
    modelId,
    station: {
      log: new StationLog(station.config.enrolment?.logFile ?? ''),
      photoVsLive: await loadPhotoVsLiveGate(),
    },
  });
  const signedIn = await service.handlers.officerSignIn({
    officerId: officer.id,
    pin: officer.pin,
  });
  expect(signedIn).toMatchObject({ ok: true });
  return service.handlers;
}

type Handlers = Awaited<ReturnType<typeof stationOn>>;

/** An adult's driver's licence of a fresh number. */
function licence(name: string) {
  const number = String(randomInt(1e11, 1e12));
  return {
    type: 'drivers_licence' as const,
    number,
    name,
    dateOfBirth: '1980-02-03',
    expiry: '2035-01-01',
  };
}

/** Document, ID photo and live face of `face`: the station then waits for the PIN. */
async function upToPin(
  handlers: Handlers,
  accountId: string,
  document: ReturnType<typeof licence>,
) {
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

const finish = (handlers: Handlers) =>
  handlers.enrolmentFinish({
    pin: '5829',
    pinAgain: '5829',
    consent: { version: enrolmentConsentVersion, language: 'ja', accepted: true },
  });

const isDeleteOfPerson = (input: Parameters<typeof fetch>[0], init?: RequestInit) =>
  init?.method === 'DELETE' && /^\/v1\/persons\/[^/]+$/.test(new URL(String(input)).pathname);

/** The hub's answer for a person: its templates, or the status that says there is none. */
async function atHub(personId: string): Promise<number | string> {
  try {
    return (await admin.getPerson(personId)).templates;
  } catch (error) {
    if (error instanceof HubRequestError) return error.status;
    throw error;
  }
}

async function logKinds(): Promise<string[]> {
  const text = await readFile(path.join(station.config.configDir, 'enrolment-log.jsonl'), 'utf8');
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => (JSON.parse(line) as { kind: string }).kind);
}

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
    expect(await atHub(personId)).toBe(404); // the hub did erase them
    const again = await handlers.personErase({ document });
    expect(again).toMatchObject({ ok: true, personId });
    expect((await logKinds()).at(-1)).toBe('person.erased');
  });
});

/**
 * A network that delivers an enrolment's faces (POST /v1/persons/:id/templates: the hub stores them) and
 * loses the answer, then is still down for the station's next DELETE of a person (never sent); `created`
 * collects the ids the hub gave to POST /v1/persons.
 */
function networkDroppingAfterFaces() {
  const created: string[] = [];
  let lost = false;
  let downForDelete = false;
  const network: typeof fetch = async (input, init) => {
    if (downForDelete && isDeleteOfPerson(input, init)) {
      downForDelete = false;
      throw new TypeError('fetch failed');
    }
    const response = await fetch(input, init);
    if (isPostTo('/v1/persons', input, init) && response.ok) {
      created.push(((await response.clone().json()) as { id: string }).id);
    }
    const faces = init?.method === 'POST' && new URL(String(input)).pathname.endsWith('/templates');
    if (faces && !lost) {
      lost = true;
      downForDelete = true;
      throw new TypeError('socket hang up');
    }
    return response;
  };
  return { network, created };
}

describe('an enrolment whose faces were stored but whose answer was lost, the network still down', () => {
  it('tried again, enrols the person once: the faces left behind are erased first, not kept while the retry is refused', async () => {
    const { network, created } = networkDroppingAfterFaces();
    const handlers = await stationOn(network);
    await upToPin(handlers, 'faces', licence('Fumi Aoki'));
    const lost = await finish(handlers);
    expect(lost).toMatchObject({ ok: false, error: { code: 'hub_unreachable' } });
    const [leftBehind] = created;
    if (leftBehind === undefined) throw new Error('no person created');
    expect(await atHub(leftBehind)).toBe(2); // enrolled with their face, payable by it
    const again = await finish(handlers);
    expect(again).toMatchObject({ ok: true, station: { enrolment: { step: 'enrolled' } } });
    const personId = again.ok ? (again.station.enrolment?.person?.id ?? '') : '';
    expect(personId).not.toBe(leftBehind);
    expect(await atHub(leftBehind)).toBe(404);
    expect(await atHub(personId)).toBe(2);
    expect((await logKinds()).at(-1)).toBe('enrolment.completed');
  });
});

describe('faces left behind by a lost answer, the enrolment then cancelled', () => {
  it('can be erased at the desk by the document shown, not refused not_enrolled_here', async () => {
    const { network, created } = networkDroppingAfterFaces();
    const handlers = await stationOn(network);
    const document = licence('Kaito Ueda');
    await upToPin(handlers, 'cancelled', document);
    expect(await finish(handlers)).toMatchObject({ ok: false, error: { code: 'hub_unreachable' } });
    expect(await handlers.enrolmentCancel({})).toMatchObject({ ok: true });
    const [leftBehind] = created;
    if (leftBehind === undefined) throw new Error('no person created');
    expect(await atHub(leftBehind)).toBe(2);
    const erased = await handlers.personErase({ document });
    expect(erased).toMatchObject({ ok: true, personId: leftBehind });
    expect(await atHub(leftBehind)).toBe(404);
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
    expect(await atHub(erased.ok ? erased.personId : '')).toBe(404);
  });
});
