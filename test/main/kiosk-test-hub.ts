// The kiosk service tests' hub: a real hub in the test's process with a shop (or clinic) set up as a
// deployment is, an enrolment station that enrols synthetic faces through the kiosk's own HubLink, and
// networks between a kiosk and that hub that hold a request back or lose its answer, as real ones can.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startHub, type HubOptions, type RunningHub } from '../../src/hub/hub.ts';
import { setUpShop, type Shop, type ShopSetup } from '../../scripts/kiosk/deployment.ts';
import {
  kioskPublicKeys,
  loadKioskIdentity,
} from '../../src/biometrics/protect/kiosk-identity.node.ts';
import { HubLink } from '../../src/main/hub-link.ts';
import { HubClient } from '../../src/shared/hub-client.ts';
import type { HoldView } from '../../src/shared/hub-api.ts';
import { idempotencyRetentionSeconds } from '../../src/shared/limits.ts';

/** The face model the tests' members are enrolled with, and their PIN. */
export const modelId = 'faceapi-recognition-128-b413e420d684';
export const memberPin = '4862';

/** A test's clock for the hub and its kiosks: `offsetMs` only grows (the hub's rate limiter counts on it). */
export interface TestClock {
  offsetMs: number;
  now: () => number;
}

export interface KioskTestHub {
  /** A temp folder holding the hub's data, the shop's config and keys; the test removes it. */
  work: string;
  hub: RunningHub;
  admin: HubClient;
  shop: Shop;
}

/**
 * Starts a hub in a new temp folder (named after `prefix`) and sets up the shop as `npm start` would;
 * a failure half way closes the hub and removes the folder.
 */
export async function startKioskTestHub(options: {
  prefix: string;
  adminToken: string;
  clock?: HubOptions['clock'];
  setup: Omit<ShopSetup, 'hubUrl' | 'adminToken' | 'dir'>;
}): Promise<KioskTestHub> {
  const { adminToken } = options;
  const work = await mkdtemp(path.join(os.tmpdir(), options.prefix));
  let hub: RunningHub | undefined;
  try {
    hub = await startHub({
      dataDir: path.join(work, 'hub'),
      port: 0,
      adminToken,
      ...(options.clock === undefined ? {} : { clock: options.clock }),
    });
    const admin = new HubClient({ baseUrl: hub.url, token: adminToken });
    const shop = await setUpShop({ ...options.setup, hubUrl: hub.url, adminToken, dir: work });
    return { work, hub, admin, shop };
  } catch (error) {
    await hub?.close();
    await rm(work, { recursive: true, force: true });
    throw error;
  }
}

/**
 * startKioskTestHub, then the shop's shopper (setup.shopper) enrolled at a station with two reads of
 * `face`, born `born`, PIN `pin`: a shop or clinic whose one member can pay or check in by face.
 */
export async function startKioskTestHubWithMember(
  options: Parameters<typeof startKioskTestHub>[0] & {
    member: { modelId: string; pin: string; born: string; face: Float32Array };
  },
): Promise<KioskTestHub> {
  const test = await startKioskTestHub(options);
  const { modelId, pin, born, face } = options.member;
  const { id: account, name } = options.setup.shopper;
  try {
    const faces = [sameFaceAs(face), sameFaceAs(face)];
    const people = [{ name, born, account, faces }];
    await enrolAtStation({
      admin: test.admin,
      hubUrl: test.hub.url,
      dir: test.work,
      modelId,
      pin,
      people,
      ...(options.clock === undefined ? {} : { now: options.clock.now }),
    });
    return test;
  } catch (error) {
    await closeKioskTestHub(test);
    throw error;
  }
}

/** Two days without the hub: its clock moves past the answer retention and its hourly pruning runs. */
export async function twoDaysLater(test: KioskTestHub, clock: TestClock): Promise<void> {
  clock.offsetMs += (idempotencyRetentionSeconds + 3_600) * 1000;
  await test.hub.store.deleteStoredResponsesBefore(
    clock.now() - idempotencyRetentionSeconds * 1000,
  );
}

/** Closes the hub startKioskTestHub started and removes its folder. */
export async function closeKioskTestHub(test: KioskTestHub | undefined): Promise<void> {
  if (test === undefined) return;
  await test.hub.close();
  await rm(test.work, { recursive: true, force: true });
}

/** `face` read again by the camera: cosine about 0.99 to it, well above the calibrated threshold. */
export function sameFaceAs(face: Float32Array): Float32Array {
  const v = face.map((x) => x * 14 + (Math.random() - 0.5) * 0.1);
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}

export interface TestPatron {
  name: string;
  born: string;
  /** A person account of the hub, assigned to the station before the enrolment. */
  account: string;
  faces: Float32Array[];
}

/**
 * Registers a station (its keys under `dir`) and enrols each of `people` with PIN `pin` and a passport
 * of a random number; throws on any refusal.
 */
export async function enrolAtStation(options: {
  admin: HubClient;
  hubUrl: string;
  dir: string;
  modelId: string;
  pin: string;
  people: TestPatron[];
  /** The station's clock (it signs its requests by it): the hub's, where a test moves that. */
  now?: () => number;
}): Promise<void> {
  const { admin } = options;
  const station = await admin.createClient({ name: 'station', role: 'enrollment' });
  const keys = await loadKioskIdentity({
    dir: path.join(options.dir, 'station-keys'),
    create: true,
  });
  if (!keys.ok) throw new Error(keys.error.message);
  const kiosk = await admin.registerKiosk({
    name: 'station',
    clientId: station.id,
    ...kioskPublicKeys(keys.value),
  });
  const link = new HubLink({
    hubUrl: options.hubUrl,
    hubToken: station.token,
    kioskId: kiosk.id,
    identity: keys.value,
    now: options.now ?? Date.now,
    ...(options.now === undefined ? {} : { elapsed: options.now }),
  });
  try {
    for (const who of options.people) {
      await admin.assignEnrollmentClient(who.account, station.id);
      const enrolled = await link.enrol({
        person: {
          displayName: who.name,
          dateOfBirth: who.born,
          accountId: who.account,
          idDocument: {
            type: 'passport',
            numberHash: `doc-${randomBytes(8).toString('hex')}`,
            verifiedBy: 'officer',
          },
        },
        pin: options.pin,
        modelId: options.modelId,
        descriptors: who.faces,
      });
      if (!enrolled.ok) throw new Error(enrolled.error.message);
    }
  } finally {
    link.dispose();
  }
}

/** Whether a fetch of `input` with `init` is a POST to `pathname` (the hub's route, e.g. '/v1/holds'). */
export function isPostTo(pathname: string, input: Parameters<typeof fetch>[0], init?: RequestInit) {
  const url = String(input instanceof Request ? input.url : input);
  return init?.method === 'POST' && new URL(url).pathname === pathname;
}

/** GET /v1/persons?...: an enrolment station looking a listed request's person up by its document. */
export function isPersonLookup(input: Parameters<typeof fetch>[0], init?: RequestInit): boolean {
  const url = String(input instanceof Request ? input.url : input);
  return (init?.method ?? 'GET') === 'GET' && new URL(url).pathname === '/v1/persons';
}

/** Which requests a faulty network acts on: every POST to a path, or those a test's predicate picks. */
export type RequestPick =
  string | ((input: Parameters<typeof fetch>[0], init?: RequestInit) => boolean);

function picker(which: RequestPick) {
  return typeof which === 'string' ? isPostTo.bind(null, which) : which;
}

/**
 * A network that holds every POST to `pathname` (or every request `which` picks) back until the test calls
 * `release`, then delivers it; `arrived` resolves once the first such request has reached it.
 */
export function networkHoldingBack(which: RequestPick) {
  const picked = picker(which);
  let release = () => {};
  let reached = () => {};
  const arrived = new Promise<void>((resolve) => (reached = resolve));
  const gate = new Promise<void>((resolve) => (release = resolve));
  const network: typeof fetch = async (input, init) => {
    if (picked(input, init)) {
      reached();
      await gate;
    }
    return fetch(input, init);
  };
  return { network, arrived, release: () => release() };
}

/**
 * A network that delivers the first POST to `pathname` (or the first request `which` picks) and then loses
 * the hub's answer ('socket hang up'); every later request and answer goes through, as when the network is
 * back.
 */
export function networkLosingFirstAnswer(which: RequestPick): typeof fetch {
  const picked = picker(which);
  let lost = false;
  return async (input, init) => {
    const response = await fetch(input, init);
    if (!lost && picked(input, init)) {
      lost = true;
      throw new TypeError('socket hang up');
    }
    return response;
  };
}

/**
 * The real hub behind a network whose first answer to POST /v1/holds comes back with `change` made to the
 * hold (the hub placed the real one): a buggy hub or gateway answering another hold than the one asked for.
 */
export function networkChangingHoldAnswer(change: Partial<HoldView>): typeof fetch {
  let changed = false;
  return async (input, init) => {
    const response = await fetch(input, init);
    if (changed || !isPostTo('/v1/holds', input, init) || !response.ok) return response;
    changed = true;
    const hold = (await response.json()) as HoldView;
    return new Response(JSON.stringify({ ...hold, ...change }), {
      status: response.status,
      headers: { 'content-type': 'application/json' },
    });
  };
}

/**
 * `network` in front of a hub as it was before GET /v1/holds?idempotencyKey= (an extension): the filter
 * reaches the real hub under a name it does not know, so the hub answers what an older hub answered for
 * it (400 invalid_request, its query refuses unknown keys).
 */
export function networkToOlderHub(network: typeof fetch = fetch): typeof fetch {
  return async (input, init) => {
    const url = new URL(String(input instanceof Request ? input.url : input));
    if (url.pathname !== '/v1/holds' || !url.searchParams.has('idempotencyKey')) {
      return network(input, init);
    }
    url.search = url.search.replace('idempotencyKey=', 'notKnownToOlderHubs=');
    return network(url, init);
  };
}
