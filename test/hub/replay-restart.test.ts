// Replay protection outlives the hub: requests captured while one hub ran (identify, verify-pin, the
// enrolment PIN, sealed templates, a kiosk's signed provisioning) are refused by a restarted hub on the
// same data directory and (PostgreSQL) by a second hub instance on the same database, while still fresh.
import { afterEach, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { signProvisionRequest } from '../../src/biometrics/protect/transform-key-provision.ts';
import { sodium } from '../../src/biometrics/protect/sodium.ts';
import {
  kioskRequestAgeMsMax,
  kioskRequestFutureSkewMsMax,
  probeAgeMsMax,
  probeFutureSkewMsMax,
} from '../../src/shared/limits.ts';
import {
  account,
  assignEnroller,
  client,
  clientWithId,
  openRawDb,
  startTestHub,
  storeKind,
  syntheticFace as face,
  testCalibrationFile,
  testFaceModelId as modelId,
  type CallOptions,
  type TestHub,
} from './helpers.ts';
import { registerTestKiosk } from './kiosk-helpers.ts';
import { fetchHubKey, sealedPin, sealedProbe } from './identity-helpers.ts';

const hubs: TestHub[] = [];
const dirs: string[] = [];

afterEach(async () => {
  for (const hub of hubs.splice(0)) await hub.hub.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A hub on `dataDir` (a new one when absent) whose clock reads `nowMs`. */
async function hubOn(calibrationFile: string, nowMs?: number, dataDir?: string) {
  const t = await startTestHub({
    calibrationFile,
    stepUpAmount: 30_000,
    ...(dataDir === undefined ? {} : { dataDir }),
  });
  hubs.push(t);
  if (dataDir === undefined) dirs.push(t.dir);
  if (nowMs !== undefined) t.clock.set(nowMs);
  return t;
}

interface Captured {
  method: string;
  path: string;
  options: CallOptions;
}

/** One hub's worth of accepted requests, each kept as sent so it can be sent again. */
async function captureAcceptedRequests(t: TestHub) {
  await sodium.ready;
  await account(t, 'shop', 'merchant');
  await account(t, 'alice', 'person', 100_000);
  await account(t, 'bob', 'person', 100_000);
  const enrollment = await clientWithId(t, 'enrollment');
  const enroller = enrollment.token;
  await assignEnroller(t, 'alice', enrollment.id);
  await assignEnroller(t, 'bob', enrollment.id);
  const till = await client(t, 'merchant', 'shop');
  const kioskClient = await clientWithId(t, 'merchant', 'shop');
  const kiosk = await registerTestKiosk(t, kioskClient.id);
  const hubKey = await fetchHubKey(t);
  const now = () => t.clock.now();
  const probe = (template: Float32Array) => sealedProbe(t, hubKey, template);
  const pin = (value: string, purpose: string) => sealedPin(t, hubKey, value, purpose);
  const alice = face();
  const person = {
    displayName: 'Hanako Yamada',
    dateOfBirth: '1990-04-01',
    idDocument: { type: 'passport', numberHash: 'sha256-alice-0123456789', verifiedBy: 'o-7' },
  };
  const enrolPin = pin('4821', 'enrol');
  const created = await t.call('POST', '/v1/persons', {
    token: enroller,
    body: { ...person, accountId: 'alice', sealedPin: enrolPin },
  });
  expect(created.status).toBe(201);
  const personId = created.body.id as string;
  const templates: Captured = {
    method: 'POST',
    path: `/v1/persons/${personId}/templates`,
    options: {
      token: enroller,
      body: { modelId, sealedTemplates: [probe(face(alice)), probe(face(alice))] },
    },
  };
  expect((await t.call(templates.method, templates.path, templates.options)).status).toBe(201);
  const identifyBody = (sealedProbe: string) => ({
    modelId,
    sealedProbe,
    liveness: { passed: true, score: 0.97 },
    payee: 'shop',
    amount: 1_000,
  });
  const identify: Captured = {
    method: 'POST',
    path: '/v1/identify',
    options: { token: till, body: identifyBody(probe(face(alice))) },
  };
  const identified = await t.call(identify.method, identify.path, identify.options);
  expect(identified.status).toBe(200);
  expect(identified.body.authorization).toEqual(expect.any(String));
  const verifyPin: Captured = {
    method: 'POST',
    path: '/v1/verify-pin',
    options: {
      token: till,
      body: {
        personId,
        sealedPin: pin('4821', `verify:${personId}`),
        payee: 'shop',
        amount: 1_000,
      },
    },
  };
  expect((await t.call(verifyPin.method, verifyPin.path, verifyPin.options)).status).toBe(200);
  const provision: Captured = {
    method: 'POST',
    path: `/v1/kiosks/${kiosk.id}/transform-key`,
    options: {
      token: kioskClient.token,
      body: signProvisionRequest({
        kioskId: kiosk.id,
        signingSecretKey: kiosk.identity.signing.secretKey,
        nowMs: now(),
      }),
    },
  };
  expect((await t.call(provision.method, provision.path, provision.options)).status).toBe(200);
  /** Bob's enrolment with Alice's captured enrolment PIN envelope. */
  const enrolAgain: Captured = {
    method: 'POST',
    path: '/v1/persons',
    options: {
      token: enroller,
      body: {
        ...person,
        accountId: 'bob',
        idDocument: { ...person.idDocument, numberHash: 'sha256-bob-0123456789' },
        sealedPin: enrolPin,
      },
    },
  };
  /** A new capture of Alice's face for `hub`'s till, stamped with its clock. */
  const freshIdentify = (hub: TestHub): Captured => ({
    method: 'POST',
    path: '/v1/identify',
    options: {
      token: till,
      body: identifyBody(sealedProbe(hub, hubKey, face(alice))),
    },
  });
  return { identify, verifyPin, provision, templates, enrolAgain, freshIdentify };
}

async function send(t: TestHub, request: Captured) {
  return t.call(request.method, request.path, request.options);
}

describe('replay protection survives a restart', () => {
  it('a restarted hub refuses every captured request while it is still fresh', async () => {
    const calibration = testCalibrationFile(1e-9);
    const first = await hubOn(calibration);
    const captured = await captureAcceptedRequests(first);
    const at = first.clock.now() + 1_000;
    await first.hub.close();
    hubs.splice(hubs.indexOf(first), 1);

    const restarted = await hubOn(calibration, at, first.dir);
    const identify = await send(restarted, captured.identify);
    expect(identify).toMatchObject({ status: 409, body: { error: { code: 'probe_replayed' } } });
    expect(identify.body.authorization).toBeUndefined();
    const enrol = await send(restarted, captured.enrolAgain);
    expect(enrol).toMatchObject({ status: 409, body: { error: { code: 'probe_replayed' } } });
    const templates = await send(restarted, captured.templates);
    expect(templates).toMatchObject({ status: 409, body: { error: { code: 'probe_replayed' } } });
    const provision = await send(restarted, captured.provision);
    expect(provision).toMatchObject({
      status: 409,
      body: { error: { code: 'kiosk_request_replayed' } },
    });
    // The till identifies the face afresh, so only the PIN envelope's nonce can refuse its replay.
    restarted.clock.advance(1_000);
    const fresh = await send(restarted, captured.freshIdentify(restarted));
    expect(fresh.status).toBe(200);
    const pinAgain = await send(restarted, captured.verifyPin);
    expect(pinAgain).toMatchObject({ status: 409, body: { error: { code: 'probe_replayed' } } });
  });

  // On SQLite a second hub on the same database is refused at start (sqlite-one-hub.test.ts); the
  // replay store's promise across instances is PostgreSQL's.
  it.runIf(storeKind === 'postgres')(
    'a second hub instance on the same database refuses what the first accepted',
    async () => {
      const calibration = testCalibrationFile(1e-9);
      const first = await hubOn(calibration);
      const captured = await captureAcceptedRequests(first);
      const second = await hubOn(calibration, first.clock.now(), first.dir);
      const identify = await send(second, captured.identify);
      expect(identify).toMatchObject({ status: 409, body: { error: { code: 'probe_replayed' } } });
      const provision = await send(second, captured.provision);
      expect(provision.body.error.code).toBe('kiosk_request_replayed');
      // And the other way round: what the second accepts, the first refuses.
      const fresh = captured.freshIdentify(second);
      expect((await send(second, fresh)).status).toBe(200);
      const back = await send(first, fresh);
      expect(back).toMatchObject({ status: 409, body: { error: { code: 'probe_replayed' } } });
    },
  );

  it('a refused request spends its nonce too: the probe cannot come back with other claims', async () => {
    const calibration = testCalibrationFile(1e-9);
    const first = await hubOn(calibration);
    const captured = await captureAcceptedRequests(first);
    const probeOnce = captured.freshIdentify(first);
    const body = probeOnce.options.body as Record<string, unknown>;
    const refused = await first.call('POST', '/v1/identify', {
      ...probeOnce.options,
      body: { ...body, liveness: { passed: false, score: 0.1 } },
    });
    expect(refused.body.error.code).toBe('liveness_failed');
    await first.hub.close();
    hubs.splice(hubs.indexOf(first), 1);
    const restarted = await hubOn(calibration, first.clock.now(), first.dir);
    const claimed = await send(restarted, probeOnce);
    expect(claimed).toMatchObject({ status: 409, body: { error: { code: 'probe_replayed' } } });
  });

  it('keeps each nonce until its request can no longer be fresh, then prunes it', async () => {
    const t = await hubOn(testCalibrationFile(1e-9));
    const captured = await captureAcceptedRequests(t);
    const rows = async () => {
      const db = await openRawDb(t.dir);
      try {
        return await db.all<{ purpose: string; seen_at: number; expires_at: number }>(
          'SELECT purpose, seen_at, expires_at FROM replay_nonces',
        );
      } finally {
        await db.close();
      }
    };
    const kept = await rows();
    // The enrolment PIN, 2 templates, the identify probe and the verify-pin PIN; 1 signed request.
    expect(kept.filter((r) => r.purpose === 'envelope')).toHaveLength(5);
    expect(kept.filter((r) => r.purpose === 'kiosk_request')).toHaveLength(1);
    // A millisecond past the window: both its ends are inclusive (probe-replay-window-edge.test.ts).
    for (const row of kept) {
      expect(row.expires_at - row.seen_at).toBe(
        row.purpose === 'envelope'
          ? probeAgeMsMax + probeFutureSkewMsMax + 1
          : kioskRequestAgeMsMax + kioskRequestFutureSkewMsMax + 1,
      );
    }
    // Once the window of every one has passed, the next accepted nonce prunes them.
    t.clock.set(Math.max(...kept.map((r) => r.expires_at)));
    expect((await send(t, captured.freshIdentify(t))).status).toBe(200);
    expect(await rows()).toEqual([
      {
        purpose: 'envelope',
        seen_at: t.clock.now(),
        expires_at: t.clock.now() + probeAgeMsMax + probeFutureSkewMsMax + 1,
      },
    ]);
  });
});
