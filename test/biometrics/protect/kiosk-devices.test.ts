// The kiosk side of device identity: key files 0600, the probe envelope naming its transform key,
// provisioning requests and attestations that verify only unchanged, and a sealed key only its kiosk opens.
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sodium } from '../../../src/biometrics/protect/sodium.ts';
import {
  disposeKioskIdentity,
  kioskKeyFileNames,
  kioskPublicKeys,
  loadKioskIdentity,
} from '../../../src/biometrics/protect/kiosk-identity.node.ts';
import type { AttestedIdentify } from '../../../src/biometrics/protect/kiosk-attestation.ts';
import {
  attestationDigest,
  canonicalLiveness,
  provisionDigest,
  verifyKioskSignature,
} from '../../../src/biometrics/protect/kiosk-attestation.ts';
import {
  openProvisionedTransform,
  sealTransformKey,
  signProvisionRequest,
} from '../../../src/biometrics/protect/transform-key-provision.ts';
import {
  CancelableTransform,
  transformKeyId,
} from '../../../src/biometrics/protect/cancelable-transform.ts';
import { protectAndAttest, protectProbe } from '../../../src/biometrics/protect/kiosk-protect.ts';
import { openProbe, ReplayGuard, sealProbe } from '../../../src/biometrics/protect/probe-seal.ts';
import { randomUnitVector, seededRandom } from '../match/random-vectors.ts';

const t0 = Date.UTC(2026, 0, 15, 9, 0, 0);
const hub = sodium.crypto_box_keypair();
const dimension = 128;
const modelId = 'faceapi-128';
let root: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'facepay-kiosk-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

function codeOf(result: { ok: boolean; error?: { code: string } }): string | undefined {
  return result.ok ? undefined : result.error?.code;
}

describe('kiosk identity files', () => {
  it('makes both key pairs as 0600 seed files in a 0700 directory and reads the same keys again', async () => {
    const dir = join(root, 'kiosk-keys');
    const made = await loadKioskIdentity({ dir, create: true });
    expect(made.ok).toBe(true);
    if (!made.ok) return;
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    expect((await readdir(dir)).sort()).toEqual(Object.values(kioskKeyFileNames).sort());
    for (const name of await readdir(dir))
      expect((await stat(join(dir, name))).mode & 0o777).toBe(0o600);
    const again = await loadKioskIdentity({ dir, create: false });
    expect(again.ok && kioskPublicKeys(again.value)).toEqual(kioskPublicKeys(made.value));
    expect(made.value.signing.secretKey.length).toBe(64);
    disposeKioskIdentity(made.value);
    expect(made.value.signing.secretKey.every((b) => b === 0)).toBe(true);
    expect(made.value.box.privateKey.every((b) => b === 0)).toBe(true);
  });

  it('refuses to make keys when told not to', async () => {
    const missing = await loadKioskIdentity({ dir: join(root, 'none'), create: false });
    expect(codeOf(missing)).toBe('key_file_missing');
  });
});

describe('probe envelope with the transform key id', () => {
  const template = randomUnitVector(seededRandom(7), dimension);
  const open = (sealed: Uint8Array) =>
    openProbe({
      sealed,
      hubKeyPair: hub,
      replayGuard: new ReplayGuard(),
      nowMs: t0,
      modelId,
      dimension,
    });

  it('carries the key id inside the seal; an envelope without one still opens (null)', () => {
    const keyed = open(
      sealProbe({
        hubPublicKey: hub.publicKey,
        template,
        modelId,
        nowMs: t0,
        transformKeyId: 'ab12',
      }),
    );
    expect(keyed.ok && keyed.value.transformKeyId).toBe('ab12');
    expect(keyed.ok && keyed.value.template).toEqual(template);
    const plain = open(sealProbe({ hubPublicKey: hub.publicKey, template, modelId, nowMs: t0 }));
    expect(plain.ok && plain.value.transformKeyId).toBeNull();
  });

  it('protectProbe names the kiosk transform key', () => {
    const key = sodium.randombytes_buf(32);
    const transform = CancelableTransform.fromKey({ key, dimension });
    const sealed = protectProbe({
      descriptor: template,
      transform,
      hubPublicKey: hub.publicKey,
      modelId,
      nowMs: t0,
    });
    const opened = open(sealed);
    expect(opened.ok && opened.value.transformKeyId).toBe(transformKeyId(key));
    transform.dispose();
  });
});

describe('signed kiosk requests', () => {
  const signing = sodium.crypto_sign_keypair();
  const other = sodium.crypto_sign_keypair();

  it('a provisioning request verifies only with its kiosk id, nonce and timestamp unchanged', () => {
    const body = signProvisionRequest({
      kioskId: 'ksk_1',
      signingSecretKey: signing.privateKey,
      nowMs: t0,
    });
    expect(body.timestamp).toBe(new Date(t0).toISOString());
    const nonce = sodium.from_base64(body.nonce, sodium.base64_variants.ORIGINAL);
    const signature = sodium.from_base64(body.signature, sodium.base64_variants.ORIGINAL);
    const check = (kioskId: string, timestamp: string, key = signing.publicKey) =>
      verifyKioskSignature({
        digest: provisionDigest({ kioskId, nonce, timestamp }),
        signature,
        signingPublicKey: key,
      });
    expect(check('ksk_1', body.timestamp)).toBe(true);
    expect(check('ksk_2', body.timestamp)).toBe(false);
    expect(check('ksk_1', new Date(t0 + 1).toISOString())).toBe(false);
    expect(check('ksk_1', body.timestamp, other.publicKey)).toBe(false);
    expect(
      verifyKioskSignature({
        digest: provisionDigest({ kioskId: 'ksk_1', nonce, timestamp: body.timestamp }),
        signature: signature.subarray(0, 63),
        signingPublicKey: signing.publicKey,
      }),
    ).toBe(false);
  });

  it('an attestation covers the probe bytes, canonical liveness, payee, amount, purpose and model', () => {
    const key = sodium.randombytes_buf(32);
    const transform = CancelableTransform.fromKey({ key, dimension });
    const liveness = { score: 0.97, passed: true, checks: ['blink'] };
    const made = protectAndAttest({
      descriptor: randomUnitVector(seededRandom(3), dimension),
      transform,
      hubPublicKey: hub.publicKey,
      modelId,
      nowMs: t0,
      kiosk: { kioskId: 'ksk_1', signingSecretKey: signing.privateKey },
      liveness,
      payee: 'shop',
      amount: 680,
    });
    transform.dispose();
    const sealedProbe = new Uint8Array(Buffer.from(made.sealedProbe, 'base64'));
    const signature = new Uint8Array(Buffer.from(made.kioskAttestation.signature, 'base64'));
    const base = { kioskId: 'ksk_1', modelId, payee: 'shop', amount: 680, liveness, sealedProbe };
    const verifies = (changed: Partial<AttestedIdentify>) =>
      verifyKioskSignature({
        digest: attestationDigest({ ...base, ...changed }),
        signature,
        signingPublicKey: signing.publicKey,
      });
    expect(verifies({})).toBe(true);
    // Key order on the wire does not matter; every value does.
    expect(verifies({ liveness: { checks: ['blink'], passed: true, score: 0.97 } })).toBe(true);
    expect(verifies({ liveness: { ...liveness, passed: false } })).toBe(false);
    expect(verifies({ liveness: { ...liveness, score: 0.98 } })).toBe(false);
    expect(verifies({ amount: 68 })).toBe(false);
    expect(verifies({ payee: 'shop2' })).toBe(false);
    expect(verifies({ modelId: 'other' })).toBe(false);
    expect(verifies({ kioskId: 'ksk_2' })).toBe(false);
    // No purpose signed is a payment; a standing-limit consent is another statement.
    expect(verifies({ purpose: 'payment' })).toBe(true);
    expect(verifies({ purpose: 'standing_limit' })).toBe(false);
    const flipped = sealedProbe.slice();
    flipped[10] = (flipped[10] ?? 0) ^ 1;
    expect(verifies({ sealedProbe: flipped })).toBe(false);
    expect(canonicalLiveness({ passed: true, score: undefined })).toBe('{"passed":true}');
  });
});

describe('transform key provisioning', () => {
  const kiosk = sodium.crypto_box_keypair();
  const stranger = sodium.crypto_box_keypair();
  const key = sodium.randombytes_buf(32);

  it('only the kiosk it was sealed to opens it, and only as the key the hub named', () => {
    const sealed = sealTransformKey({ transformKey: key, boxPublicKey: kiosk.publicKey });
    const opened = openProvisionedTransform({
      sealedTransformKey: sealed,
      transformKeyId: transformKeyId(key),
      box: kiosk,
      dimension,
    });
    expect(opened.ok && opened.value.keyId).toBe(transformKeyId(key));
    if (opened.ok) opened.value.dispose();
    const wrongBox = openProvisionedTransform({
      sealedTransformKey: sealed,
      transformKeyId: transformKeyId(key),
      box: stranger,
      dimension,
    });
    expect(codeOf(wrongBox)).toBe('transform_key_unopenable');
    const wrongId = openProvisionedTransform({
      sealedTransformKey: sealed,
      transformKeyId: transformKeyId(sodium.randombytes_buf(32)),
      box: kiosk,
      dimension,
    });
    expect(codeOf(wrongId)).toBe('transform_key_mismatch');
    const short = openProvisionedTransform({
      sealedTransformKey: sealed.subarray(1),
      transformKeyId: transformKeyId(key),
      box: kiosk,
      dimension,
    });
    expect(codeOf(short)).toBe('transform_key_unopenable');
  });
});
