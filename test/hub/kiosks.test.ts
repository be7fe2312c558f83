// Kiosk devices end to end over HTTP (real hub on SQLite or PostgreSQL): admin-only registration and
// revocation, transform-key provisioning sealed to the kiosk with signed fresh requests, attestation on
// identify, re-provisioning after a rekey, and the kiosks migration on a database written before it.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { sodium } from '../../src/biometrics/protect/sodium.ts';
import type { CancelableTransform } from '../../src/biometrics/protect/cancelable-transform.ts';
import { transformKeyId } from '../../src/biometrics/protect/cancelable-transform.ts';
import { readKeyFile } from '../../src/biometrics/protect/key-files.node.ts';
import { kioskPublicKeys } from '../../src/biometrics/protect/kiosk-identity.node.ts';
import { protectAndAttest } from '../../src/biometrics/protect/kiosk-protect.ts';
import { sealProbe } from '../../src/biometrics/protect/probe-seal.ts';
import { signProvisionRequest } from '../../src/biometrics/protect/transform-key-provision.ts';
import { migrations } from '../../src/hub/storage/sqlite/migrations.ts';
import {
  account,
  adminToken,
  client,
  clientWithId,
  openRawDb,
  startTestHub,
  type TestHub,
  syntheticFace as face,
  testCalibrationFile,
  testFaceModelId,
  dataDirAtVersion,
  insertOldTill,
  storeKind,
} from './helpers.ts';
import { b64, enrolTestPerson, fetchHubKey, sealedProbe } from './identity-helpers.ts';
import {
  makeKioskIdentity,
  provisionCall,
  provisionedTransform,
  registerTestKiosk,
  type TestKiosk,
} from './kiosk-helpers.ts';

const modelId = testFaceModelId;
let t: TestHub;
let till: { id: string; token: string };
let otherTill: { id: string; token: string };
let enroller: { id: string; token: string };
let hubKey: Uint8Array;

async function start(dataDir?: string) {
  await sodium.ready;
  t = await startTestHub({
    // A measured face-only FMR: an adult's face alone authorizes small payments, so refusals can be
    // checked to issue no authorization.
    calibrationFile: testCalibrationFile(1e-9),
    stepUpAmount: 30_000,
    ...(dataDir === undefined ? {} : { dataDir }),
  });
  await account(t, 'shop', 'merchant');
  await account(t, 'other-shop', 'merchant');
  till = await clientWithId(t, 'merchant', 'shop');
  otherTill = await clientWithId(t, 'merchant', 'other-shop');
  enroller = await clientWithId(t, 'enrollment');
  hubKey = await fetchHubKey(t);
}

afterEach(async () => t.stop());

async function hubTransformKeyId(): Promise<string> {
  const key = await readKeyFile({ path: join(t.dir, 'keys', 'transform.key'), kind: 'transform' });
  if (!key.ok) throw new Error(key.error.message);
  return transformKeyId(key.value);
}

/** Enrols a person whose templates the kiosk's transform protected. */
async function enrol(accountId: string, raw: Float32Array, transform: CancelableTransform) {
  const sealedTemplate = () => sealedProbe(t, hubKey, transform.apply(face(raw)), transform.keyId);
  return (await enrolTestPerson(t, hubKey, { enroller, accountId, sealedTemplate })).id;
}

interface Capture {
  raw: Float32Array;
  transform: CancelableTransform;
  signer: TestKiosk['signer'];
  liveness?: { passed: boolean; score?: number; reasons?: string[] };
  payee?: string;
  amount?: number;
  purpose?: 'payment' | 'standing_limit';
}

/** What the kiosk sends for one payment: sealed probe plus its attestation. */
function attested(capture: Capture) {
  const liveness = capture.liveness ?? { passed: true, score: 0.97 };
  const payee = capture.payee ?? 'shop';
  const amount = capture.amount ?? 1_000;
  const made = protectAndAttest({
    descriptor: face(capture.raw),
    transform: capture.transform,
    hubPublicKey: hubKey,
    modelId,
    nowMs: t.clock.now(),
    kiosk: capture.signer,
    liveness,
    payee,
    amount,
    ...(capture.purpose === undefined ? {} : { purpose: capture.purpose }),
  });
  return {
    modelId,
    liveness,
    payee,
    amount,
    ...(capture.purpose === undefined ? {} : { purpose: capture.purpose }),
    ...made,
  };
}

function identify(token: string, body: Record<string, unknown>) {
  return t.call('POST', '/v1/identify', { token, body });
}

/** Runs a `SELECT COUNT(*) AS n …` on the test hub's database (PostgreSQL's COUNT is a BIGINT). */
async function countRows(sql: string): Promise<number> {
  const db = await openRawDb(t.dir);
  try {
    return Number((await db.get<{ n: number | string }>(sql))?.n);
  } finally {
    await db.close();
  }
}
const authorizations = () => countRows('SELECT COUNT(*) AS n FROM payment_authorizations');

describe('kiosk registration', () => {
  beforeEach(async () => start());

  it('only the admin registers and revokes kiosks; keys and clients are checked; changes are audited', async () => {
    const identity = await makeKioskIdentity();
    const keys = kioskPublicKeys(identity);
    const body = { name: 'till 1', clientId: till.id, ...keys };
    const byMerchant = await t.call('POST', '/v1/admin/kiosks', { token: till.token, body });
    expect(byMerchant).toMatchObject({ status: 403, body: { error: { code: 'forbidden' } } });
    const short = await t.call('POST', '/v1/admin/kiosks', {
      body: { ...body, signingPublicKey: b64(new Uint8Array(16)) },
    });
    expect(short).toMatchObject({ status: 400, body: { error: { code: 'invalid_request' } } });
    const notAPoint = await t.call('POST', '/v1/admin/kiosks', {
      body: { ...body, signingPublicKey: b64(new Uint8Array(32)) },
    });
    expect(notAPoint.body.error.message).toMatch(/not an Ed25519 public key/);
    const same = await t.call('POST', '/v1/admin/kiosks', {
      body: { ...body, boxPublicKey: keys.signingPublicKey },
    });
    expect(same.status).toBe(400);
    const extra = await t.call('POST', '/v1/admin/kiosks', { body: { ...body, secret: 'x' } });
    expect(extra.status).toBe(400);
    const unknownClient = await t.call('POST', '/v1/admin/kiosks', {
      body: { ...body, clientId: 'cli_nobody' },
    });
    expect(unknownClient).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
    const source = await clientWithId(t, 'event_source', 'shop', ['guest.arrived']);
    const wrongRole = await t.call('POST', '/v1/admin/kiosks', {
      body: { ...body, clientId: source.id },
    });
    expect(wrongRole.body.error.message).toMatch(/merchant or enrollment/);

    const created = await t.call('POST', '/v1/admin/kiosks', { body });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      name: 'till 1',
      clientId: till.id,
      ...keys,
      revokedAt: null,
    });
    expect(created.body.id).toMatch(/^ksk_/);
    const again = await t.call('POST', '/v1/admin/kiosks', {
      body: { ...body, clientId: otherTill.id },
    });
    expect(again).toMatchObject({ status: 409, body: { error: { code: 'kiosk_exists' } } });
    const path = `/v1/admin/kiosks/${created.body.id}`;
    expect((await t.call('GET', path, { token: till.token })).status).toBe(403);
    expect((await t.call('GET', path)).body).toEqual(created.body);

    expect((await t.call('DELETE', path, { token: till.token })).status).toBe(403);
    expect((await t.call('DELETE', path)).status).toBe(204);
    expect((await t.call('DELETE', path)).status).toBe(204);
    expect((await t.call('GET', path)).body.revokedAt).toBe(new Date(t.clock.now()).toISOString());
    expect((await t.call('DELETE', '/v1/admin/kiosks/ksk_none')).status).toBe(404);
    const reused = await t.call('POST', '/v1/admin/kiosks', { body });
    expect(reused.body.error.code).toBe('kiosk_exists');

    const db = await openRawDb(t.dir);
    let audit: { kind: string; subject: string }[];
    try {
      audit = await db.all<{ kind: string; subject: string }>(
        "SELECT kind, subject FROM audit_log WHERE kind LIKE 'kiosk.%' ORDER BY seq",
      );
    } finally {
      await db.close();
    }
    expect(audit).toEqual([
      { kind: 'kiosk.registered', subject: created.body.id },
      { kind: 'kiosk.revoked', subject: created.body.id },
    ]);
  });

  it('publishes the kiosk routes and the identify attestation in the OpenAPI document', async () => {
    const doc = (await t.call('GET', '/v1/openapi.json', { token: null })).body;
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/v1/admin/kiosks',
        '/v1/admin/kiosks/{id}',
        '/v1/kiosks/{id}/transform-key',
        '/v1/identify',
      ]),
    );
    const identifyBody =
      doc.paths['/v1/identify'].post.requestBody.content['application/json'].schema;
    expect(identifyBody.properties.kioskAttestation).toBeDefined();
    expect(identifyBody.required).not.toContain('kioskAttestation');
  });
});

describe('transform key provisioning', () => {
  beforeEach(async () => start());

  it("gives a registered kiosk the hub's transform key, sealed to it, with the key id", async () => {
    const kiosk = await registerTestKiosk(t, till.id);
    const answer = await provisionCall(t, { token: till.token, kiosk });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      kioskId: kiosk.id,
      transformKeyId: await hubTransformKeyId(),
    });
    const transform = await provisionedTransform(t, till.token, kiosk);
    expect(transform.keyId).toBe(await hubTransformKeyId());
    transform.dispose();
    // An enrolment station's kiosk is provisioned the same way.
    const station = await registerTestKiosk(t, enroller.id);
    const stationTransform = await provisionedTransform(t, enroller.token, station);
    expect(stationTransform.keyId).toBe(await hubTransformKeyId());
    stationTransform.dispose();
    const db = await openRawDb(t.dir);
    let rows: { data: string }[];
    try {
      rows = await db.all<{ data: string }>(
        "SELECT data FROM audit_log WHERE kind = 'kiosk.transform_key_provisioned' ORDER BY seq",
      );
    } finally {
      await db.close();
    }
    expect(rows).toHaveLength(3);
    expect(JSON.parse(rows[0]?.data ?? '{}')).toEqual({
      transformKeyId: await hubTransformKeyId(),
    });
  });

  it('refuses another client, an unknown or revoked kiosk, a bad signature, a replay and a stale request', async () => {
    const kiosk = await registerTestKiosk(t, till.id);
    const code = async (
      answer: Promise<{ status: number; body: { error?: { code: string } } }>,
    ) => {
      const { status, body } = await answer;
      return [status, body.error?.code];
    };
    expect(await code(provisionCall(t, { token: otherTill.token, kiosk }))).toEqual([
      403,
      'forbidden',
    ]);
    expect(await code(provisionCall(t, { token: adminToken, kiosk }))).toEqual([403, 'forbidden']);
    expect(
      await code(provisionCall(t, { token: till.token, kiosk: { ...kiosk, id: 'ksk_none' } })),
    ).toEqual([404, 'not_found']);
    const stranger = await makeKioskIdentity();
    expect(
      await code(
        provisionCall(t, {
          token: till.token,
          kiosk,
          signingSecretKey: stranger.signing.secretKey,
        }),
      ),
    ).toEqual([403, 'kiosk_signature_invalid']);
    const signed = signProvisionRequest({
      kioskId: kiosk.id,
      signingSecretKey: kiosk.identity.signing.secretKey,
      nowMs: t.clock.now(),
    });
    const later = new Date(t.clock.now() + 1_000).toISOString();
    expect(
      await code(
        provisionCall(t, { token: till.token, kiosk, body: { ...signed, timestamp: later } }),
      ),
    ).toEqual([403, 'kiosk_signature_invalid']);
    expect(
      await code(
        provisionCall(t, {
          token: till.token,
          kiosk,
          body: { ...signed, nonce: b64(new Uint8Array(8)) },
        }),
      ),
    ).toEqual([400, 'invalid_request']);
    expect((await provisionCall(t, { token: till.token, kiosk, body: signed })).status).toBe(200);
    expect(await code(provisionCall(t, { token: till.token, kiosk, body: signed }))).toEqual([
      409,
      'kiosk_request_replayed',
    ]);
    const old = t.clock.now() - 31_000;
    expect(await code(provisionCall(t, { token: till.token, kiosk, nowMs: old }))).toEqual([
      422,
      'kiosk_request_stale',
    ]);
    const ahead = t.clock.now() + 6_000;
    expect(await code(provisionCall(t, { token: till.token, kiosk, nowMs: ahead }))).toEqual([
      422,
      'kiosk_request_stale',
    ]);
    expect((await t.call('DELETE', `/v1/admin/kiosks/${kiosk.id}`)).status).toBe(204);
    expect(await code(provisionCall(t, { token: till.token, kiosk }))).toEqual([
      403,
      'kiosk_revoked',
    ]);
  });
});

describe('attestation on identify', () => {
  let kiosk: TestKiosk;
  let transform: CancelableTransform;
  let alice: Float32Array;
  let aliceId: string;

  beforeEach(async () => {
    await start();
    kiosk = await registerTestKiosk(t, till.id);
    transform = await provisionedTransform(t, till.token, kiosk);
    alice = face();
    aliceId = await enrol('alice', alice, transform);
  });
  afterEach(() => transform.dispose());

  it('a client with a kiosk must attest; a valid attestation identifies and authorizes', async () => {
    const capture = { raw: alice, transform, signer: kiosk.signer };
    const unattested: Record<string, unknown> = { ...attested(capture) };
    delete unattested['kioskAttestation'];
    const missing = await identify(till.token, unattested);
    expect(missing).toMatchObject({
      status: 403,
      body: { error: { code: 'kiosk_attestation_required' } },
    });
    const found = await identify(till.token, attested(capture));
    expect(found.status).toBe(200);
    expect(found.body).toMatchObject({ match: { personId: aliceId }, pinRequired: false });
    expect(typeof found.body.authorization).toBe('string');
    const notLive = await identify(
      till.token,
      attested({ ...capture, liveness: { passed: false, reasons: ['no_blink'] } }),
    );
    expect(notLive).toMatchObject({ status: 422, body: { error: { code: 'liveness_failed' } } });
    // A client without kiosks identifies as API.md v1 wrote it only on a hub started with
    // allowUnattested (the test harness's default; attestation-required.test.ts covers production).
    const plainTill = await client(t, 'merchant', 'shop');
    const plain = await identify(plainTill, {
      modelId,
      sealedProbe: b64(
        sealProbe({
          hubPublicKey: hubKey,
          template: transform.apply(face(alice)),
          modelId,
          nowMs: t.clock.now(),
        }),
      ),
      liveness: { passed: true },
      payee: 'shop',
      amount: 1_000,
    });
    expect(plain.status).toBe(200);
    expect(plain.body.match.personId).toBe(aliceId);
    const audit = await countRows(
      `SELECT COUNT(*) AS n FROM audit_log WHERE kind = 'identity.identified' AND data LIKE '%"kioskId":"${kiosk.id}"%'`,
    );
    expect(audit).toBe(1); // the refused (not live) identify is not recorded, as before
  });

  it('refuses forged, tampered and transplanted attestations, and issues no authorization', async () => {
    const capture = { raw: alice, transform, signer: kiosk.signer };
    const before = await authorizations();
    const refusedWith = async (body: Record<string, unknown>) => {
      const answer = await identify(till.token, body);
      expect(answer.body.authorization).toBeUndefined();
      return [answer.status, answer.body.error?.code];
    };
    const invalid = [403, 'kiosk_attestation_invalid'];

    const forger = await makeKioskIdentity();
    const forged = attested({
      ...capture,
      signer: { kioskId: kiosk.id, signingSecretKey: forger.signing.secretKey },
    });
    expect(await refusedWith(forged)).toEqual(invalid);

    const dead = attested({ ...capture, liveness: { passed: false, score: 0.2 } });
    expect(await refusedWith({ ...dead, liveness: { passed: true, score: 0.2 } })).toEqual(invalid);
    const scored = attested({ ...capture, liveness: { passed: true, score: 0.51 } });
    expect(await refusedWith({ ...scored, liveness: { passed: true, score: 0.99 } })).toEqual(
      invalid,
    );

    // A payment the kiosk showed the person turned into a standing-limit consent (the payee could then
    // take the amount every period with the PIN typed for one payment).
    const payment = attested(capture);
    expect(await refusedWith({ ...payment, purpose: 'standing_limit' })).toEqual(invalid);
    const consent = attested({ ...capture, purpose: 'standing_limit' });
    expect(await refusedWith({ ...consent, purpose: 'payment' })).toEqual(invalid);
    const unnamed: Record<string, unknown> = { ...consent };
    delete unnamed['purpose'];
    expect(await refusedWith(unnamed)).toEqual(invalid);

    const small = attested({ ...capture, amount: 100 });
    expect(await refusedWith({ ...small, amount: 29_000 })).toEqual(invalid);
    const elsewhere = attested({ ...capture, payee: 'other-shop' });
    expect(await refusedWith({ ...elsewhere, payee: 'shop' })).toEqual(invalid);

    // A genuine attestation moved onto another probe (a captured face of someone else).
    const genuine = attested(capture);
    const otherProbe = attested({ ...capture, raw: face() });
    expect(
      await refusedWith({ ...otherProbe, kioskAttestation: genuine.kioskAttestation }),
    ).toEqual(invalid);
    // Another client's kiosk cannot vouch for this till.
    const foreign = await registerTestKiosk(t, otherTill.id);
    expect(await refusedWith(attested({ ...capture, signer: foreign.signer }))).toEqual(invalid);
    expect(
      await refusedWith(attested({ ...capture, signer: { ...kiosk.signer, kioskId: 'ksk_none' } })),
    ).toEqual(invalid);
    // A signature over a probe without its transform key id (an old envelope) is not a kiosk's probe.
    const oldEnvelope = b64(
      sealProbe({
        hubPublicKey: hubKey,
        template: transform.apply(face(alice)),
        modelId,
        nowMs: t.clock.now(),
      }),
    );
    const { attestationDigest, signKioskDigest } =
      await import('../../src/biometrics/protect/kiosk-attestation.ts');
    const signature = signKioskDigest(
      attestationDigest({
        kioskId: kiosk.id,
        modelId,
        payee: 'shop',
        amount: 1_000,
        liveness: { passed: true },
        sealedProbe: new Uint8Array(Buffer.from(oldEnvelope, 'base64')),
      }),
      kiosk.identity.signing.secretKey,
    );
    expect(
      await refusedWith({
        modelId,
        sealedProbe: oldEnvelope,
        liveness: { passed: true },
        payee: 'shop',
        amount: 1_000,
        kioskAttestation: { kioskId: kiosk.id, signature: b64(signature) },
      }),
    ).toEqual([400, 'probe_invalid']);
    // The whole request replayed: the probe's nonce was used.
    expect((await identify(till.token, genuine)).status).toBe(200);
    expect(await refusedWith(genuine)).toEqual([409, 'probe_replayed']);
    expect(await authorizations()).toBe(before + 1);
  });

  it('a revoked kiosk attests nothing, and its client still has to attest', async () => {
    const capture = { raw: alice, transform, signer: kiosk.signer };
    expect((await t.call('DELETE', `/v1/admin/kiosks/${kiosk.id}`)).status).toBe(204);
    const revoked = await identify(till.token, attested(capture));
    expect(revoked).toMatchObject({ status: 403, body: { error: { code: 'kiosk_revoked' } } });
    const unattested: Record<string, unknown> = { ...attested(capture) };
    delete unattested['kioskAttestation'];
    const missing = await identify(till.token, unattested);
    expect(missing.body.error.code).toBe('kiosk_attestation_required');
    const replacement = await registerTestKiosk(t, till.id);
    const fresh = await identify(till.token, attested({ ...capture, signer: replacement.signer }));
    expect(fresh.body.match.personId).toBe(aliceId);
  });
});

describe('re-keying with kiosks', () => {
  beforeEach(async () => start());

  it('a kiosk re-provisions the new key after a rekey; a probe under the old key is outdated', async () => {
    const kiosk = await registerTestKiosk(t, till.id);
    const before = await provisionedTransform(t, till.token, kiosk);
    const raw = face();
    const id = await enrol('alice', raw, before);
    const rekeyed = await t.call('POST', '/v1/admin/rekey', { body: {} });
    expect(rekeyed.status).toBe(200);
    expect(rekeyed.body.transformKeyId).not.toBe(before.keyId);
    const outdated = await identify(
      till.token,
      attested({ raw, transform: before, signer: kiosk.signer }),
    );
    expect(outdated).toMatchObject({
      status: 409,
      body: { error: { code: 'transform_key_outdated' } },
    });
    const after = await provisionedTransform(t, till.token, kiosk);
    expect(after.keyId).toBe(rekeyed.body.transformKeyId);
    expect(after.keyId).toBe(await hubTransformKeyId());
    const matched = await identify(
      till.token,
      attested({ raw, transform: after, signer: kiosk.signer }),
    );
    expect(matched.body.match.personId).toBe(id);
    // An enrolment under the old key is refused the same way.
    const stale = await t.call('POST', `/v1/persons/${id}/templates`, {
      token: enroller.token,
      body: {
        modelId,
        sealedTemplates: [
          b64(
            sealProbe({
              hubPublicKey: hubKey,
              template: before.apply(face(raw)),
              modelId,
              nowMs: t.clock.now(),
              transformKeyId: before.keyId,
            }),
          ),
        ],
      },
    });
    expect(stale.body.error.code).toBe('transform_key_outdated');
    before.dispose();
    after.dispose();
  });
});

// SQLite's own migrations from older files; PostgreSQL starts at its schema 1 (no older deployments).
describe.runIf(storeKind === 'sqlite')('the kiosks migration', () => {
  it('a database written before kiosks (v4) opens, keeps its clients and registers kiosks for them', async () => {
    const { dir, db } = dataDirAtVersion(4);
    const oldToken = insertOldTill(db);
    db.close();

    await start(dir);
    const migrated = new Database(join(dir, 'hub.sqlite'), { readonly: true });
    expect(migrated.pragma('user_version', { simple: true })).toBe(migrations.length);
    migrated.close();
    const kiosk = await registerTestKiosk(t, 'cli_old');
    const transform = await provisionedTransform(t, oldToken, kiosk);
    expect(transform.keyId).toBe(await hubTransformKeyId());
    transform.dispose();
    const raw = new Database(join(dir, 'hub.sqlite'));
    expect(() => raw.prepare('DELETE FROM kiosks').run()).toThrow(/never deleted/);
    raw.close();
  });
});
