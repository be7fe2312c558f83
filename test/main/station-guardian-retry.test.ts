// A child's enrolment at the station against a real hub when the guardian's consent meets a failure that
// another try can mend: a 5xx on the consent (the hub may have granted it: unused, it lapses), and a consent
// spent by the person an earlier try created and then erased. Neither may end the enrolment.
import { randomBytes, randomInt } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
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
import { isPostTo, sameFaceAs } from './kiosk-test-hub.ts';

const adminToken = `admin-${randomBytes(12).toString('hex')}`;
const modelId = 'faceapi-recognition-128-b413e420d684';
const officer = { id: 'o-sato', pin: '735190' };
const liveness = { passed: true, score: 0.99, checks: ['passive_texture_live', 'blink'] };
const guardianTerms = { limits: { perPaymentMax: 800, dailyMax: 2_000 }, blockedCategories: [] };

let work: string;
let hub: RunningHub;
let admin: HubClient;
let station: EnrolmentStationDeployment;
const links: { link: HubLink; identity: Parameters<typeof disposeKioskIdentity>[0] }[] = [];

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'facepay-station-guardian-'));
  hub = await startHub({ dataDir: path.join(work, 'hub'), port: 0, adminToken });
  admin = new HubClient({ baseUrl: hub.url, token: adminToken });
  station = await setUpEnrolmentStation({
    hubUrl: hub.url,
    adminToken,
    dir: work,
    name: 'Ward office station 4',
    officers: [officer],
    accounts: ['mother', 'aki', 'father', 'ken'].map((id) => ({ id, name: id, deposit: 0 })),
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

function licence(name: string, dateOfBirth: string) {
  const number = String(randomInt(1e11, 1e12));
  return { type: 'drivers_licence' as const, number, name, dateOfBirth, expiry: '2035-01-01' };
}

/** ID photo and live face of `face`: the station then waits for the PIN. */
async function faces(handlers: Handlers, face: Float32Array) {
  expect(await handlers.enrolmentIdPhoto({ modelId, descriptor: Array.from(face) })).toMatchObject({
    ok: true,
  });
  const descriptors = [sameFaceAs(face), sameFaceAs(face)].map((d) => Array.from(d));
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

/** An adult enrolled at the station with `face` and PIN 5829: a guardian. */
async function guardianEnrolled(accountId: string, face: Float32Array): Promise<void> {
  const handlers = await stationOn(fetch);
  const document = licence(`Guardian ${accountId}`, '1980-02-03');
  expect(await handlers.enrolmentDocument({ accountId, document })).toMatchObject({ ok: true });
  await faces(handlers, face);
  expect(await finish(handlers)).toMatchObject({ ok: true });
}

const consent = (handlers: Handlers, guardian: Float32Array) =>
  handlers.enrolmentGuardian({
    modelId,
    descriptor: Array.from(sameFaceAs(guardian)),
    liveness,
    pin: '5829',
    ...guardianTerms,
  });

async function atHub(personId: string): Promise<number | string> {
  try {
    return (await admin.getPerson(personId)).templates;
  } catch (error) {
    if (error instanceof HubRequestError) return error.status;
    throw error;
  }
}

describe("a guardian's consent answered by a gateway 502 after the hub granted it", () => {
  it('is an unknown outcome the guardian tries again, not a refusal that ends the enrolment', async () => {
    const mother = syntheticFace();
    await guardianEnrolled('mother', mother);
    let answered = false;
    const network: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      if (answered || !isPostTo('/v1/guardian-consents', input, init)) return response;
      answered = true;
      return Response.json(
        { error: { code: 'bad_gateway', message: 'upstream' } },
        { status: 502 },
      );
    };
    const handlers = await stationOn(network);
    const document = licence('Aki Mori', '2016-05-05');
    expect(await handlers.enrolmentDocument({ accountId: 'aki', document })).toMatchObject({
      ok: true,
      station: { enrolment: { step: 'guardian' } },
    });
    expect(await consent(handlers, mother)).toMatchObject({
      ok: false,
      error: { code: 'hub_unreachable' },
    });
    expect(await handlers.station({})).toMatchObject({
      station: { enrolment: { step: 'guardian', refusal: null } },
    });
    expect(await consent(handlers, mother)).toMatchObject({
      ok: true,
      station: { enrolment: { step: 'id_photo' } },
    });
    await faces(handlers, syntheticFace());
    const done = await finish(handlers);
    expect(done).toMatchObject({ ok: true, station: { enrolment: { step: 'enrolled' } } });
    expect(await atHub(done.ok ? (done.station.enrolment?.person?.id ?? '') : '')).toBe(2);
  });
});

/**
 * Delivers the child's faces (the hub stores them) and loses the answer, then is down for the station's
 * next DELETE of a person: the person stays behind, and the consent they spent with them.
 */
function networkDroppingAfterFaces() {
  const created: string[] = [];
  let lost = false;
  let downForDelete = false;
  const network: typeof fetch = async (input, init) => {
    const pathname = new URL(String(input)).pathname;
    if (downForDelete && init?.method === 'DELETE' && pathname.startsWith('/v1/persons/')) {
      downForDelete = false;
      throw new TypeError('fetch failed');
    }
    const response = await fetch(input, init);
    if (isPostTo('/v1/persons', input, init) && response.ok) {
      created.push(((await response.clone().json()) as { id: string }).id);
    }
    if (init?.method === 'POST' && pathname.endsWith('/templates') && !lost) {
      lost = true;
      downForDelete = true;
      throw new TypeError('socket hang up');
    }
    return response;
  };
  return { network, created };
}

describe("a child's retry after the person an earlier try created was erased, their consent spent", () => {
  it('asks the guardian to consent again and then enrols the child once, not refused guardian_consent_invalid', async () => {
    const father = syntheticFace();
    await guardianEnrolled('father', father);
    const { network, created } = networkDroppingAfterFaces();
    const handlers = await stationOn(network);
    const document = licence('Ken Abe', '2015-09-09');
    expect(await handlers.enrolmentDocument({ accountId: 'ken', document })).toMatchObject({
      ok: true,
    });
    expect(await consent(handlers, father)).toMatchObject({ ok: true });
    const child = syntheticFace();
    await faces(handlers, child);
    expect(await finish(handlers)).toMatchObject({ ok: false, error: { code: 'hub_unreachable' } });
    const [leftBehind] = created;
    expect(await atHub(leftBehind ?? '')).toBe(2);
    // The retry erases the person left behind; the consent they spent is asked for again.
    const retried = await finish(handlers);
    expect(retried).toMatchObject({ ok: false, error: { code: 'guardian_consent_invalid' } });
    expect(await atHub(leftBehind ?? '')).toBe(404);
    expect(await handlers.station({})).toMatchObject({
      station: { enrolment: { step: 'guardian', guardian: null, refusal: null, templates: 0 } },
    });
    expect(await consent(handlers, father)).toMatchObject({
      ok: true,
      station: { enrolment: { step: 'id_photo' } },
    });
    await faces(handlers, child);
    const done = await finish(handlers);
    expect(done).toMatchObject({ ok: true, station: { enrolment: { step: 'enrolled' } } });
    const personId = done.ok ? (done.station.enrolment?.person?.id ?? '') : '';
    expect(await atHub(personId)).toBe(2);
    expect(created).toEqual([leftBehind, personId]);
  });
});
