// Sets up a shop on a running hub the way an admin and an enrolment officer would: accounts, the till's
// merchant client, the kiosk's own keys registered with the hub, its config file, and a person enrolled
// from photos or video frames. Used by `npm start`, `npm run demo`, bench:e2e and the e2e tests.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { cosineSimilarity } from '../../src/biometrics/calibration/scores.ts';
import { createFaceEngine } from '../../src/biometrics/engine.node.ts';
import { decodeImage } from '../../src/biometrics/image-decode.node.ts';
import {
  disposeKioskIdentity,
  kioskPublicKeys,
  loadKioskIdentity,
} from '../../src/biometrics/protect/kiosk-identity.node.ts';
import { sodium } from '../../src/biometrics/protect/sodium.ts';
import { HubLink } from '../../src/main/hub-link.ts';
import { checkedHubUrl } from '../../src/shared/hub-url.ts';
import { ensurePrivateKioskFolder } from '../../src/main/kiosk-folder.ts';
import { officerPinVerifier } from '../../src/main/officers.ts';
import { repoRoot } from '../../src/main/web-shell.ts';
import type { KioskConfig, KioskConfigFile } from '../../src/main/kiosk-config.ts';
import { readKioskConfig } from '../../src/main/kiosk-config.ts';
import type { Challenge } from '../../src/shared/challenge-kinds.ts';
import type { AccountKind, PersonView } from '../../src/shared/hub-api.ts';
import { HubClient, HubRequestError } from '../../src/shared/hub-client.ts';
import { extractFrames } from './camera-clip.ts';

export interface ShopSetup {
  hubUrl: string;
  adminToken: string;
  dir: string;
  shop: { id: string; name: string };
  shopper: { id: string; name: string; deposit: number };
  operatorPin?: string;
  livenessPolicy?: 'natural' | 'challenge';
  /** The challenge's kinds (kiosk.json challengeKinds); default all five. */
  challengeKinds?: Challenge[];
  /** A clinic reception instead of a shop counter: its cap and no-show deadline. */
  clinic?: { cap: number; noShowAfterSeconds: number };
}

export interface Shop {
  config: KioskConfig;
  configFile: string;
  /** The till API's bearer token (the config's tillToken, always set for a shop). */
  tillToken: string;
  tillClientId: string;
  /** Clinic mode: the clinic system's event_source client (sends consultation.completed). */
  clinicSystem: { clientId: string; token: string } | null;
}

/**
 * The admin's client of the hub at `hubUrl`, refused before any call unless https (or plain http to this
 * machine): the admin token goes with every call, and the kiosk set up here talks to the same URL.
 */
function adminClient(setup: { hubUrl: string; adminToken: string }): HubClient {
  return new HubClient({
    baseUrl: checkedHubUrl(setup.hubUrl, 'set-up'),
    token: setup.adminToken,
  });
}

export async function ensureAccount(
  admin: HubClient,
  account: { id: string; kind: AccountKind; name: string; deposit: number },
): Promise<void> {
  try {
    await admin.getAccount(account.id);
    return;
  } catch (error) {
    if (!(error instanceof HubRequestError && error.status === 404)) throw error;
  }
  await admin.createAccount({
    id: account.id,
    kind: account.kind,
    name: account.name,
    currency: 'JPY',
  });
  if (account.deposit > 0) {
    await admin.deposit(account.id, account.deposit, `setup-deposit-${account.id}`);
  }
}

interface Registration {
  clientId: string;
  token: string;
  kioskId: string;
  role: 'merchant' | 'enrollment';
  merchantId: string | null;
  /** The hub it was made on (absent in a record from before these were kept). */
  hubUrl?: string;
  /** That hub's X25519 public key (GET /v1/hub-key): its identity, whatever URL it is reached at. */
  hubPublicKey?: string;
}

/** A staging folder of a set-up that died is removed by the next one after this long (or at once, its pid gone). */
const stalePendingMs = 10 * 60_000;

/** Whether the set-up that made staging folder `name` (`<base>.pending-<pid>-<hex>`) may still be writing it. */
async function pendingInUse(dir: string, name: string): Promise<boolean> {
  const pid = /\.pending-(\d+)-[0-9a-f]+$/.exec(name)?.[1];
  if (pid !== undefined && Number(pid) !== process.pid) {
    try {
      process.kill(Number(pid), 0);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    }
  }
  try {
    return Date.now() - (await stat(path.join(dir, name))).mtimeMs < stalePendingMs;
  } catch {
    return false;
  }
}

/**
 * Whether `recorded` is a registration this hub still honours: made on the hub whose key it is (when the
 * record has it), its token accepted and its kiosk registered to that client and not revoked. A refusal
 * (401, 403, 404) says no; a hub that cannot be reached throws (the keys are not given up for a network error).
 */
async function registrationStillValid(hubUrl: string, recorded: Registration): Promise<boolean> {
  const client = new HubClient({ baseUrl: hubUrl, token: recorded.token });
  try {
    if (recorded.hubPublicKey !== undefined) {
      if ((await client.hubKey()).publicKey !== recorded.hubPublicKey) return false;
    }
    const kiosk = await client.getOwnKiosk(recorded.kioskId);
    return kiosk.clientId === recorded.clientId && kiosk.revokedAt === null;
  } catch (error) {
    if (error instanceof HubRequestError && [401, 403, 404].includes(error.status)) return false;
    throw error;
  }
}

/** The record of the keys' registration, kept in the keys folder itself (0600 in a 0700 folder). */
const registrationFileName = 'registration.json';

async function recordedRegistration(keysDir: string): Promise<Registration | null> {
  try {
    return JSON.parse(
      await readFile(path.join(keysDir, registrationFileName), 'utf8'),
    ) as Registration;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/**
 * A client of `role` (a till or an enrolment station) with a registered kiosk whose keys live in
 * `keysDir`. Resumable: the keys are made and registered in a fresh staging folder, the registration
 * (client token, kiosk id) written beside them, and only then is the folder renamed to `keysDir`, so an
 * interruption at any point leaves either no `keysDir` (the next call starts again; the hub keeps an
 * unused client) or one whose registration a later call reuses, only while the hub it was made on (its
 * key, recorded with its URL) still accepts its token and kiosk (registrationStillValid): a set-up re-run
 * against another hub, or a hub whose data folder was reset, registers anew. A `keysDir` without a
 * registration (left by an older set-up), or with one this hub does not honour, is moved aside, never
 * deleted, and a new kiosk registered. Another set-up's staging folder is removed only once stale (its
 * process gone, or untouched for stalePendingMs).
 */
async function registeredKiosk(
  admin: HubClient,
  options: {
    hubUrl: string;
    name: string;
    role: 'merchant' | 'enrollment';
    merchantId?: string;
    keysDir: string;
  },
): Promise<{ clientId: string; token: string; kioskId: string }> {
  const merchantId = options.merchantId ?? null;
  const parent = path.dirname(options.keysDir);
  const base = path.basename(options.keysDir);
  // The kiosk's folder: its config, keys, log and enrolment frames go here.
  await ensurePrivateKioskFolder(parent);
  for (const name of await readdir(parent)) {
    if (name.startsWith(`${base}.pending-`) && !(await pendingInUse(parent, name))) {
      await rm(path.join(parent, name), { recursive: true, force: true });
    }
  }
  if (existsSync(options.keysDir)) {
    const recorded = await recordedRegistration(options.keysDir);
    if (recorded !== null) {
      if (recorded.role !== options.role || recorded.merchantId !== merchantId) {
        throw new Error(
          `${options.keysDir} holds the keys of a ${recorded.role} kiosk${recorded.merchantId === null ? '' : ` of ${recorded.merchantId}`}, not of this set-up`,
        );
      }
      if (await registrationStillValid(options.hubUrl, recorded)) {
        return { clientId: recorded.clientId, token: recorded.token, kioskId: recorded.kioskId };
      }
      await rename(options.keysDir, `${options.keysDir}.other-hub-${Date.now()}`);
    } else {
      await rename(options.keysDir, `${options.keysDir}.unregistered-${Date.now()}`);
    }
  }
  const staging = path.join(
    parent,
    `${base}.pending-${process.pid}-${randomBytes(6).toString('hex')}`,
  );
  try {
    const hubPublicKey = (await admin.hubKey()).publicKey;
    const client = await admin.createClient({
      name: options.name,
      role: options.role,
      ...(options.merchantId === undefined ? {} : { merchantId: options.merchantId }),
    });
    await sodium.ready;
    const identity = await loadKioskIdentity({ dir: staging, create: true });
    if (!identity.ok) throw new Error(`kiosk keys: ${identity.error.message}`);
    let kioskId: string;
    try {
      kioskId = (
        await admin.registerKiosk({
          name: options.name,
          clientId: client.id,
          ...kioskPublicKeys(identity.value),
        })
      ).id;
    } finally {
      disposeKioskIdentity(identity.value);
    }
    const registration: Registration = {
      clientId: client.id,
      token: client.token,
      kioskId,
      role: options.role,
      merchantId,
      hubUrl: options.hubUrl,
      hubPublicKey,
    };
    await writeFile(
      path.join(staging, registrationFileName),
      `${JSON.stringify(registration, null, 2)}\n`,
      { mode: 0o600 },
    );
    await rename(staging, options.keysDir);
    return { clientId: client.id, token: client.token, kioskId };
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** The config written 0600 under a temporary name and renamed into place: never half a file. */
async function writeConfigFile(configFile: string, file: KioskConfigFile): Promise<void> {
  const temporary = `${configFile}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(temporary, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
    await rename(temporary, configFile);
  } finally {
    await rm(temporary, { force: true });
  }
}

/** The shop's accounts, its till client and kiosk, and the kiosk's config file in `dir`. */
export async function setUpShop(setup: ShopSetup): Promise<Shop> {
  const admin = adminClient(setup);
  await ensureAccount(admin, { ...setup.shop, kind: 'merchant', deposit: 0 });
  await ensureAccount(admin, { ...setup.shopper, kind: 'person' });
  const till = await registeredKiosk(admin, {
    hubUrl: setup.hubUrl,
    name: `${setup.shop.name} till`,
    role: 'merchant',
    merchantId: setup.shop.id,
    keysDir: path.join(setup.dir, 'kiosk-keys'),
  });
  const file: KioskConfigFile = {
    hubUrl: setup.hubUrl,
    hubToken: till.token,
    payee: setup.shop.id,
    shopName: setup.shop.name,
    keysDir: 'kiosk-keys',
    kioskId: till.kioskId,
    tillToken: `till-${randomBytes(18).toString('base64url')}`,
    operatorPin: setup.operatorPin ?? '2580',
    defaultLanguage: 'ja',
    livenessPolicy: setup.livenessPolicy ?? 'natural',
    ...(setup.challengeKinds === undefined ? {} : { challengeKinds: setup.challengeKinds }),
    ...(setup.clinic === undefined ? {} : { mode: 'clinic', clinic: setup.clinic }),
  };
  const configFile = path.join(setup.dir, 'kiosk.json');
  await writeConfigFile(configFile, file);
  // The clinic's own system reports consultations to the hub; it never talks to the kiosk.
  const clinicSystem =
    setup.clinic === undefined
      ? null
      : await admin.createClient({
          name: `${setup.shop.name} clinic system`,
          role: 'event_source',
          merchantId: setup.shop.id,
          eventTypes: ['consultation.completed'],
        });
  return {
    config: await readKioskConfig(configFile),
    configFile,
    tillToken: file.tillToken ?? '',
    tillClientId: till.clientId,
    clinicSystem:
      clinicSystem === null ? null : { clientId: clinicSystem.id, token: clinicSystem.token },
  };
}

export interface EnrolmentStationSetup {
  hubUrl: string;
  adminToken: string;
  dir: string;
  name: string;
  officers: readonly { id: string; pin: string }[];
  /** Person accounts the bank opened, assigned to this station's organisation (admin's work). */
  accounts: readonly { id: string; name: string; deposit: number }[];
}

export interface EnrolmentStationDeployment {
  config: KioskConfig;
  configFile: string;
  clientId: string;
}

/**
 * An enrolment station: its enrollment client and registered kiosk keys, its officers (PIN verifiers
 * only), a fresh document-hash key, and the person accounts it may enrol on; config in `dir`/station.json.
 */
export async function setUpEnrolmentStation(
  setup: EnrolmentStationSetup,
): Promise<EnrolmentStationDeployment> {
  const admin = adminClient(setup);
  const station = await registeredKiosk(admin, {
    hubUrl: setup.hubUrl,
    name: setup.name,
    role: 'enrollment',
    keysDir: path.join(setup.dir, 'station-kiosk-keys'),
  });
  for (const account of setup.accounts) {
    await ensureAccount(admin, { ...account, kind: 'person' });
    await admin.assignEnrollmentClient(account.id, station.clientId);
  }
  await sodium.ready;
  const file: KioskConfigFile = {
    mode: 'enrolment',
    enrolment: {
      officers: setup.officers.map((officer) => ({
        id: officer.id,
        pinVerifier: officerPinVerifier(officer.pin),
      })),
      documentHashKey: randomBytes(32).toString('base64'),
      logFile: 'enrolment-log.jsonl',
    },
    hubUrl: setup.hubUrl,
    hubToken: station.token,
    // No payments at a station: no payee and no till API; the operator PIN still opens the kiosk exit.
    shopName: setup.name,
    keysDir: 'station-kiosk-keys',
    kioskId: station.kioskId,
    operatorPin: '2580',
    defaultLanguage: 'ja',
    livenessPolicy: 'natural',
  };
  const configFile = path.join(setup.dir, 'station.json');
  await writeConfigFile(configFile, file);
  return { config: await readKioskConfig(configFile), configFile, clientId: station.clientId };
}

/**
 * A shop whose shopper is the person of `video`, enrolled from its first `enrolSeconds` (8 frames): the
 * demo, bench:e2e and the e2e tests show the kiosk's camera a later part of the same video.
 */
export async function setUpShopWithShopperFromVideo(
  setup: ShopSetup & { video: string; enrolSeconds: number; dateOfBirth: string; pin: string },
): Promise<{ shop: Shop; enrolled: Enrolled; firstFrame: string | null }> {
  const shop = await setUpShop(setup);
  const { enrolled, firstFrame } = await enrolFromVideo({
    hubUrl: setup.hubUrl,
    adminToken: setup.adminToken,
    dir: setup.dir,
    video: setup.video,
    startS: 0,
    durationS: setup.enrolSeconds,
    accountId: setup.shopper.id,
    displayName: setup.shopper.name,
    dateOfBirth: setup.dateOfBirth,
    pin: setup.pin,
    // A printed-photo attack of the same person is made from this frame.
    keepFrameAs: 'enrolment-frame.jpg',
  });
  return { shop, enrolled, firstFrame };
}

/**
 * The person of `video` enrolled on the (existing) person account `accountId` from 8 frames spread over
 * [startS, startS + durationS); the first of them copied to `dir`/`keepFrameAs` when that is given.
 */
export async function enrolFromVideo(options: {
  hubUrl: string;
  adminToken: string;
  dir: string;
  video: string;
  startS: number;
  durationS: number;
  accountId: string;
  displayName: string;
  dateOfBirth: string;
  pin: string;
  keepFrameAs?: string;
}): Promise<{ enrolled: Enrolled; firstFrame: string | null }> {
  // Before the frames (faces) are cut into `dir`: enrolFromPhotos would refuse this hub, and tighten the
  // folder, only after.
  checkedHubUrl(options.hubUrl, 'set-up');
  await ensurePrivateKioskFolder(options.dir);
  const frames = await extractFrames({
    video: options.video,
    startS: options.startS,
    durationS: options.durationS,
    count: 8,
    // In the set-up's own folder, not the shared temp folder: a stop half way leaves no face there.
    tempRoot: options.dir,
  });
  try {
    const enrolled = await enrolFromPhotos({
      hubUrl: options.hubUrl,
      adminToken: options.adminToken,
      dir: options.dir,
      photos: frames.files,
      accountId: options.accountId,
      displayName: options.displayName,
      dateOfBirth: options.dateOfBirth,
      pin: options.pin,
    });
    const firstFrame = frames.files[0];
    if (firstFrame === undefined || options.keepFrameAs === undefined)
      return { enrolled, firstFrame: null };
    const keep = path.join(options.dir, options.keepFrameAs);
    await copyFile(firstFrame, keep);
    return { enrolled, firstFrame: keep };
  } finally {
    await frames.dispose();
  }
}

export interface Enrolled {
  person: PersonView;
  pin: string;
  templates: number;
  skipped: { file: string; reason: string }[];
}

/**
 * An enrolment officer's station: reads each photo with the face engine, keeps up to `templatesMax`
 * good faces, and enrols the person on `accountId` with `pin` (the ID check is the caller's word).
 */
export async function enrolFromPhotos(options: {
  hubUrl: string;
  adminToken: string;
  dir: string;
  photos: readonly string[];
  accountId: string;
  displayName: string;
  dateOfBirth: string;
  pin: string;
  templatesMax?: number;
}): Promise<Enrolled> {
  const admin = adminClient(options);
  const keysDir = path.join(options.dir, 'station-keys');
  const station = await registeredKiosk(admin, {
    hubUrl: options.hubUrl,
    name: `enrolment station ${randomBytes(3).toString('hex')}`,
    role: 'enrollment',
    keysDir,
  });
  // Only the enrolment client the admin assigned an account to may enrol a person on it.
  await admin.assignEnrollmentClient(options.accountId, station.clientId);
  const { descriptors, modelId, skipped } = await readFaces(
    options.photos,
    options.templatesMax ?? 5,
  );
  if (descriptors.length === 0) {
    throw new Error(
      `no usable face in ${options.photos.length} photos: ${JSON.stringify(skipped)}`,
    );
  }
  const identity = await loadKioskIdentity({ dir: keysDir, create: false });
  if (!identity.ok) throw new Error(identity.error.message);
  const link = new HubLink({
    hubUrl: options.hubUrl,
    hubToken: station.token,
    kioskId: station.kioskId,
    identity: identity.value,
    now: Date.now,
  });
  try {
    const templates = descriptors.length;
    const enrolled = await link.enrol({
      person: {
        displayName: options.displayName,
        dateOfBirth: options.dateOfBirth,
        accountId: options.accountId,
        idDocument: {
          type: 'residence_card',
          numberHash: `demo-${randomBytes(12).toString('hex')}`,
          verifiedBy: 'demo officer',
        },
      },
      pin: options.pin,
      modelId,
      descriptors,
    });
    if (!enrolled.ok) throw new Error(`enrolment refused: ${enrolled.error.message}`);
    return { person: enrolled.value, pin: options.pin, templates, skipped };
  } finally {
    link.dispose();
    disposeKioskIdentity(identity.value);
  }
}

async function readFaces(photos: readonly string[], templatesMax: number) {
  const engine = await createFaceEngine();
  const read: Float32Array[] = [];
  const skipped: { file: string; reason: string }[] = [];
  try {
    for (const file of photos) {
      const frame = await engine.processFrame(await decodeImage(await readFile(file)));
      if (frame.ok) read.push(frame.descriptor);
      else skipped.push({ file, reason: frame.reason });
    }
    return { descriptors: await oneFace(read, templatesMax), modelId: engine.modelId, skipped };
  } finally {
    engine.dispose();
  }
}

/**
 * The hub takes templates sent together only when each matches the first at its threshold: the most
 * central face first, then those that match it (a turned or blurred frame is left out).
 */
async function oneFace(read: Float32Array[], templatesMax: number): Promise<Float32Array[]> {
  const { threshold } = JSON.parse(
    await readFile(path.join(repoRoot, 'models', 'thresholds.json'), 'utf8'),
  ) as { threshold: number };
  const centrality = read.map((a) => read.reduce((sum, b) => sum + cosineSimilarity(a, b), 0));
  const best = centrality.indexOf(Math.max(...centrality));
  const medoid = read[best];
  if (medoid === undefined) return [];
  const rest = read.filter((d, i) => i !== best && cosineSimilarity(medoid, d) >= threshold);
  return [medoid, ...rest].slice(0, templatesMax);
}
