// A sealed probe names, inside the seal, the kiosk that sealed it. Before, nothing in the envelope named
// the kiosk: someone on the kiosk-hub path holding another client's registered kiosk could take kiosk K1's
// sealed probe (payee `shop`, 500 yen), have their own kiosk K2 sign the same bytes for their own payee and
// amount, send it first, and get alice's match and an authorization paying their payee. The same bytes
// sent by a client with no kiosk (a hub started with allowUnattested) were taken as well.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sodium } from '../../src/biometrics/protect/sodium.ts';
import type { CancelableTransform } from '../../src/biometrics/protect/cancelable-transform.ts';
import {
  attestationDigest,
  signKioskDigest,
} from '../../src/biometrics/protect/kiosk-attestation.ts';
import { protectAndAttest } from '../../src/biometrics/protect/kiosk-protect.ts';
import {
  account,
  client,
  clientWithId,
  openRawDb,
  startTestHub,
  syntheticFace as face,
  testCalibrationFile,
  testFaceModelId as modelId,
  type TestHub,
} from './helpers.ts';
import { enrolTestPerson, fetchHubKey, sealedProbe } from './identity-helpers.ts';
import { provisionedTransform, registerTestKiosk, type TestKiosk } from './kiosk-helpers.ts';

let t: TestHub;
let hubKey: Uint8Array;
let shopTill: { id: string; token: string };
let attackerTill: { id: string; token: string };
let k1: TestKiosk;
let k2: TestKiosk;
let transform: CancelableTransform;
let alice: Float32Array;
let aliceId: string;

const liveness = { passed: true, score: 0.97 };

beforeEach(async () => {
  await sodium.ready;
  // Face alone authorizes small payments here, so a moved probe would be paid without any PIN.
  t = await startTestHub({ calibrationFile: testCalibrationFile(1e-9), stepUpAmount: 30_000 });
  await account(t, 'shop', 'merchant');
  await account(t, 'other-shop', 'merchant');
  shopTill = await clientWithId(t, 'merchant', 'shop');
  attackerTill = await clientWithId(t, 'merchant', 'other-shop');
  const enroller = await clientWithId(t, 'enrollment');
  hubKey = await fetchHubKey(t);
  k1 = await registerTestKiosk(t, shopTill.id);
  k2 = await registerTestKiosk(t, attackerTill.id);
  transform = await provisionedTransform(t, shopTill.token, k1);
  alice = face();
  const sealedTemplate = () =>
    sealedProbe(t, hubKey, transform.apply(face(alice)), transform.keyId);
  aliceId = (await enrolTestPerson(t, hubKey, { enroller, accountId: 'alice', sealedTemplate })).id;
});

afterEach(async () => {
  transform.dispose();
  await t.stop();
});

/** What K1 sends for alice paying `shop` 500 yen: its sealed probe and attestation. */
function k1Capture() {
  return protectAndAttest({
    descriptor: face(alice),
    transform,
    hubPublicKey: hubKey,
    modelId,
    nowMs: t.clock.now(),
    kiosk: k1.signer,
    liveness,
    payee: 'shop',
    amount: 500,
  });
}

/** K2 signs K1's captured sealed probe for `other-shop`, 2,000 yen. */
function reattestedByK2(sealedProbe: string) {
  const signature = signKioskDigest(
    attestationDigest({
      kioskId: k2.id,
      modelId,
      payee: 'other-shop',
      amount: 2_000,
      liveness,
      sealedProbe: new Uint8Array(Buffer.from(sealedProbe, 'base64')),
    }),
    k2.signer.signingSecretKey,
  );
  return {
    modelId,
    sealedProbe,
    liveness,
    payee: 'other-shop',
    amount: 2_000,
    kioskAttestation: { kioskId: k2.id, signature: Buffer.from(signature).toString('base64') },
  };
}

async function authorizationsFor(payee: string): Promise<number> {
  const db = await openRawDb(t.dir);
  try {
    const row = await db.get<{ n: number | string }>(
      `SELECT COUNT(*) AS n FROM payment_authorizations WHERE payee = '${payee}'`,
    );
    return Number(row?.n);
  } finally {
    await db.close();
  }
}

describe('a sealed probe is bound to the kiosk that sealed it', () => {
  it("another client's kiosk cannot re-attest a captured probe for its own payee", async () => {
    const captured = k1Capture();
    const moved = await t.call('POST', '/v1/identify', {
      token: attackerTill.token,
      body: reattestedByK2(captured.sealedProbe),
    });
    expect(moved.body.match ?? null).toBeNull();
    expect(moved.body.authorization).toBeUndefined();
    expect(moved).toMatchObject({
      status: 403,
      body: { error: { code: 'kiosk_attestation_invalid' } },
    });
    expect(await authorizationsFor('other-shop')).toBe(0);

    // K1's own attestation of a fresh capture still identifies and authorizes at its till.
    const genuine = await t.call('POST', '/v1/identify', {
      token: shopTill.token,
      body: { modelId, liveness, payee: 'shop', amount: 500, ...k1Capture() },
    });
    expect(genuine.status).toBe(200);
    expect(genuine.body.match.personId).toBe(aliceId);
    expect(typeof genuine.body.authorization).toBe('string');
    expect(await authorizationsFor('shop')).toBe(1);
  });

  it('a kiosk-sealed probe is not taken unattested from a client without kiosks', async () => {
    const captured = k1Capture();
    const plainTill = await client(t, 'merchant', 'other-shop');
    const unattested = await t.call('POST', '/v1/identify', {
      token: plainTill,
      body: {
        modelId,
        sealedProbe: captured.sealedProbe,
        liveness,
        payee: 'other-shop',
        amount: 2_000,
      },
    });
    expect(unattested.body.authorization).toBeUndefined();
    expect(unattested.status).toBe(403);
    expect(unattested.body.error.code).toBe('kiosk_attestation_invalid');
    expect(await authorizationsFor('other-shop')).toBe(0);
  });
});
