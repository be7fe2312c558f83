// The set-up the enrolment-station tests share (a real hub, a deployed station, an officer signed in, an
// adult's enrolment up to the PIN): one copy, so a change to how a station starts is made once.
import { randomBytes, randomInt } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import {
  disposeKioskIdentity,
  kioskPublicKeys,
  loadKioskIdentity,
} from '../../src/biometrics/protect/kiosk-identity.node.ts';
import { sodium } from '../../src/biometrics/protect/sodium.ts';
import type { Clock } from '../../src/hub/clock.ts';
import type { RunningHub } from '../../src/hub/hub.ts';
import { startHub } from '../../src/hub/hub.ts';
import type { HubLink } from '../../src/main/hub-link.ts';
import { readKioskConfig } from '../../src/main/kiosk-config.ts';
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

export const modelId = 'faceapi-recognition-128-b413e420d684';
export const officer = { id: 'o-sato', pin: '735190' };
export const liveness = { passed: true, score: 0.99, checks: ['passive_texture_live', 'blink'] };

/** A real hub in a temp folder of its own, its admin client, and the hub links the test opened on it. */
export interface StationHub {
  work: string;
  hub: RunningHub;
  adminToken: string;
  admin: HubClient;
  links: { link: HubLink; identity: Parameters<typeof disposeKioskIdentity>[0] }[];
}

/**
 * Starts a hub (an ephemeral port, a fresh admin token) in a new temp folder whose name begins `prefix`, on
 * `clock` when one is given (else the system's).
 */
export async function startStationHub(prefix: string, clock?: Clock): Promise<StationHub> {
  const adminToken = `admin-${randomBytes(12).toString('hex')}`;
  const work = await mkdtemp(path.join(os.tmpdir(), prefix));
  const hub = await startHub({
    dataDir: path.join(work, 'hub'),
    port: 0,
    adminToken,
    ...(clock === undefined ? {} : { clock }),
  });
  const admin = new HubClient({ baseUrl: hub.url, token: adminToken });
  return { work, hub, adminToken, admin, links: [] };
}

/** Disposes the links (and their kiosk identities), closes the hub and removes its temp folder. */
export async function closeStationHub(fixture: StationHub | undefined): Promise<void> {
  if (fixture === undefined) return;
  for (const { link, identity } of fixture.links) {
    link.dispose();
    disposeKioskIdentity(identity);
  }
  await fixture.hub.close();
  await rm(fixture.work, { recursive: true, force: true });
}

/** A station named `name` in `dir`, its officers enrolling on `accounts` (each a fresh account, no deposit). */
export function deployStation(
  fixture: StationHub,
  station: {
    dir: string;
    name: string;
    accounts: string[];
    officers?: { id: string; pin: string }[];
  },
): Promise<EnrolmentStationDeployment> {
  return setUpEnrolmentStation({
    hubUrl: fixture.hub.url,
    adminToken: fixture.adminToken,
    dir: station.dir,
    name: station.name,
    officers: station.officers ?? [officer],
    accounts: station.accounts.map((id) => ({ id, name: id, deposit: 0 })),
  });
}

/**
 * Another station of `deployment`'s organisation: its own kiosk keys, registered to the same hub client (so
 * the lookup by document shows each the other's persons), the same document-hash key, its own files and log.
 */
export async function sameClientStation(
  fixture: StationHub,
  deployment: EnrolmentStationDeployment,
  name: string,
): Promise<EnrolmentStationDeployment> {
  const dir = path.join(fixture.work, name);
  // A kiosk's folder, 0700 as a set-up makes it: the station refuses a config others may reach.
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await sodium.ready;
  const identity = await loadKioskIdentity({
    dir: path.join(dir, 'station-kiosk-keys'),
    create: true,
  });
  if (!identity.ok) throw new Error(identity.error.message);
  const kiosk = await fixture.admin.registerKiosk({
    name,
    clientId: deployment.clientId,
    ...kioskPublicKeys(identity.value),
  });
  disposeKioskIdentity(identity.value);
  const file = JSON.parse(await readFile(deployment.configFile, 'utf8')) as object;
  const configFile = path.join(dir, 'station.json');
  const config = { ...file, kioskId: kiosk.id, shopName: name };
  await writeFile(configFile, JSON.stringify(config), { mode: 0o600 });
  return { config: await readKioskConfig(configFile), configFile, clientId: deployment.clientId };
}

/**
 * A fresh service of `deployment` (as after a start) behind `network`, its 1:1 gate the repository's
 * calibration, on the clock `now` when one is given; not signed in.
 */
export function stationService(
  fixture: StationHub,
  deployment: EnrolmentStationDeployment,
  network: typeof fetch,
  now?: () => number,
): Promise<KioskService> {
  return serviceOn(fixture, deployment, network, now === undefined ? {} : { service: now });
}

/**
 * `signedInStation` on the clock of a hub started on `now`: the service and its hub link (the time its
 * requests and sealed PINs carry) both read it, so time moved for the hub moves for the station too.
 */
export async function signedInStationOnHubClock(
  fixture: StationHub,
  deployment: EnrolmentStationDeployment,
  network: typeof fetch,
  now: () => number,
): Promise<KioskService> {
  const service = await serviceOn(fixture, deployment, network, { service: now, link: now });
  await signIn(service);
  return service;
}

async function serviceOn(
  fixture: StationHub,
  deployment: EnrolmentStationDeployment,
  network: typeof fetch,
  clocks: { service?: () => number; link?: () => number },
): Promise<KioskService> {
  const opened = await openHubLink(deployment.config, {
    hubUrl: fixture.hub.url,
    fetch: network,
    ...(clocks.link === undefined ? {} : { now: clocks.link, elapsed: clocks.link }),
  });
  fixture.links.push(opened);
  return new KioskService({
    config: deployment.config,
    hub: opened.link,
    modelId,
    ...(clocks.service === undefined ? {} : { now: clocks.service }),
    station: {
      log: new StationLog(deployment.config.enrolment?.logFile ?? ''),
      photoVsLive: await loadPhotoVsLiveGate(),
    },
  });
}

/** `stationService` with an officer signed in. */
export async function signedInStation(
  fixture: StationHub,
  deployment: EnrolmentStationDeployment,
  network: typeof fetch,
  now?: () => number,
): Promise<KioskService> {
  const service = await stationService(fixture, deployment, network, now);
  await signIn(service);
  return service;
}

export async function signIn(service: KioskService): Promise<void> {
  const signedIn = await service.handlers.officerSignIn({
    officerId: officer.id,
    pin: officer.pin,
  });
  expect(signedIn).toMatchObject({ ok: true });
}

export type Handlers = KioskService['handlers'];

/** A driver's licence of a fresh number (an adult's, unless `dateOfBirth` says otherwise). */
export function licence(name: string, dateOfBirth = '1980-02-03') {
  const number = String(randomInt(1e11, 1e12));
  return { type: 'drivers_licence' as const, number, name, dateOfBirth, expiry: '2035-01-01' };
}

/** ID photo and live face of `face`: the station then waits for the PIN. */
export async function faces(handlers: Handlers, face: Float32Array): Promise<void> {
  expect(await handlers.enrolmentIdPhoto({ modelId, descriptor: Array.from(face) })).toMatchObject({
    ok: true,
  });
  const descriptors = [sameFaceAs(face), sameFaceAs(face)].map((d) => Array.from(d));
  expect(await handlers.enrolmentLiveFace({ modelId, descriptors, liveness })).toMatchObject({
    ok: true,
    station: { enrolment: { step: 'pin' } },
  });
}

/** Document, ID photo and live face of a fresh face: the station then waits for the PIN. */
export async function upToPin(
  handlers: Handlers,
  accountId: string,
  document: ReturnType<typeof licence>,
): Promise<void> {
  expect(await handlers.enrolmentDocument({ accountId, document })).toMatchObject({ ok: true });
  await faces(handlers, syntheticFace());
}

/** PIN twice and consent: the enrolment's last step. */
export const finish = (handlers: Handlers, pin = '5829') =>
  handlers.enrolmentFinish({
    pin,
    pinAgain: pin,
    consent: { version: enrolmentConsentVersion, language: 'ja', accepted: true },
  });

/**
 * An adult enrolled on `guardian`'s account (a licence and a face of their own), then `child`'s document: the
 * station now waits for the guardian's consent. Answers the guardian's face, for guardianConsents.
 */
export async function upToGuardianConsent(
  handlers: Handlers,
  guardian: { accountId: string; name: string },
  child: { accountId: string; name: string; born: string },
): Promise<Float32Array> {
  const face = syntheticFace();
  const adult = licence(guardian.name);
  expect(
    await handlers.enrolmentDocument({ accountId: guardian.accountId, document: adult }),
  ).toMatchObject({ ok: true });
  await faces(handlers, face);
  expect(await finish(handlers)).toMatchObject({ ok: true });
  const document = licence(child.name, child.born);
  expect(await handlers.enrolmentDocument({ accountId: child.accountId, document })).toMatchObject({
    ok: true,
    station: { enrolment: { step: 'guardian' } },
  });
  return face;
}

/** The guardian (enrolled with `face`) consents: their face again, PIN 5829, 800 a payment, nothing blocked. */
export const guardianConsents = (handlers: Handlers, face: Float32Array) =>
  handlers.enrolmentGuardian({
    modelId,
    descriptor: Array.from(sameFaceAs(face)),
    liveness,
    pin: '5829',
    limits: { perPaymentMax: 800 },
    blockedCategories: [],
  });

/**
 * Delivers the first POST /v1/persons and never answers it: the station is stopped while it waits.
 * `delivered` resolves once the hub has answered (and so committed the person).
 */
export function networkStoppingAtCreate() {
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

/** Which requests a test network picks out (a fetch's two arguments). */
export type RequestPicker = (input: Parameters<typeof fetch>[0], init?: RequestInit) => boolean;

/**
 * A network that delivers an enrolment's faces (POST /v1/persons/:id/templates: the hub stores them) and
 * loses the answer, then is still down for the station's next request `downFor` picks (never sent: the
 * callers pick the DELETE of a person); `created` collects the ids the hub gave to POST /v1/persons.
 */
export function networkDroppingAfterFaces(downFor: RequestPicker) {
  const created: string[] = [];
  let lost = false;
  let down = false;
  const network: typeof fetch = async (input, init) => {
    if (down && downFor(input, init)) {
      down = false;
      throw new TypeError('fetch failed');
    }
    const response = await fetch(input, init);
    if (isPostTo('/v1/persons', input, init) && response.ok) {
      created.push(((await response.clone().json()) as { id: string }).id);
    }
    const faces = init?.method === 'POST' && new URL(String(input)).pathname.endsWith('/templates');
    if (faces && !lost) {
      lost = true;
      down = true;
      throw new TypeError('socket hang up');
    }
    return response;
  };
  return { network, created };
}

/** The hub's templates for a person, or the status that says there is no such person. */
export async function atHub(fixture: StationHub, personId: string): Promise<number | string> {
  try {
    return (await fixture.admin.getPerson(personId)).templates;
  } catch (error) {
    if (error instanceof HubRequestError) return error.status;
    throw error;
  }
}

/** The persons the hub enrolled on `accountId`, from its audit log. */
export async function personsEnrolledOn(fixture: StationHub, accountId: string): Promise<string[]> {
  const rows = await fixture.hub.store.auditRows(0, 100_000);
  return rows
    .filter((row) => row.kind === 'person.enrolled')
    .filter((row) => (JSON.parse(row.data) as { accountId?: string }).accountId === accountId)
    .map((row) => row.subject);
}

/** The entries of a station's log (enrolment-log.jsonl), in order. */
export async function stationLog(
  deployment: EnrolmentStationDeployment,
): Promise<{ kind: string; officer: string | null; data: Record<string, unknown> }[]> {
  const text = await readFile(deployment.config.enrolment?.logFile ?? '', 'utf8');
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Awaited<ReturnType<typeof stationLog>>[number]);
}
