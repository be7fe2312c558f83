// A face payment end to end on real photos: the production engine reads the face; the enrolment station
// and the till are registered kiosks that fetch the transform key over HTTP, protect and seal the face
// (the till also attests to it); the hub (real HTTP, real SQLite, the calibrated threshold) enrols,
// identifies, asks for the PIN, and the authorization places a purchase hold. A stranger matches nobody.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFaceEngine } from '../../src/biometrics/engine.node.ts';
import type { FaceEngine } from '../../src/biometrics/engine.ts';
import type { CancelableTransform } from '../../src/biometrics/protect/cancelable-transform.ts';
import { protectAndAttest, protectProbe } from '../../src/biometrics/protect/kiosk-protect.ts';
import { sealPin } from '../../src/biometrics/protect/probe-seal.ts';
import { sodium } from '../../src/biometrics/protect/sodium.ts';
import { defaultCalibrationFile } from '../../src/hub/hub.ts';
import {
  account,
  assignEnroller,
  clientWithId,
  holdBody,
  startTestHub,
  type TestHub,
} from '../hub/helpers.ts';
import { provisionedTransform, registerTestKiosk, type TestKiosk } from '../hub/kiosk-helpers.ts';
import { decodeFace } from '../biometrics/face-helpers.ts';

let t: TestHub;
let engine: FaceEngine;
let hubKey: Uint8Array;
let enroller: string;
let enrollerId: string;
let till: string;
let tillKiosk: TestKiosk;
let stationTransform: CancelableTransform;
let tillTransform: CancelableTransform;
const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

beforeAll(async () => {
  await sodium.ready;
  engine = await createFaceEngine();
  t = await startTestHub({ calibrationFile: defaultCalibrationFile, stepUpAmount: 30_000 });
  const published = await t.call('GET', '/v1/hub-key');
  hubKey = new Uint8Array(Buffer.from(published.body.publicKey, 'base64'));
  await account(t, 'shop', 'merchant');
  const station = await clientWithId(t, 'enrollment');
  const shopTill = await clientWithId(t, 'merchant', 'shop');
  enroller = station.token;
  enrollerId = station.id;
  till = shopTill.token;
  // Each kiosk made its own keys; the admin registered them; each fetches the transform key itself.
  stationTransform = await provisionedTransform(
    t,
    enroller,
    await registerTestKiosk(t, station.id),
  );
  tillKiosk = await registerTestKiosk(t, shopTill.id);
  tillTransform = await provisionedTransform(t, till, tillKiosk);
}, 120_000);

afterAll(async () => {
  engine.dispose();
  stationTransform.dispose();
  tillTransform.dispose();
  await t.stop();
});

async function descriptorOf(photo: string) {
  const frame = await engine.processFrame(await decodeFace(photo));
  if (!frame.ok) throw new Error(`${photo}: ${frame.reason}`);
  expect(frame.modelId).toBe(t.hub.identity?.calibration.modelId);
  return frame;
}

/** The enrolment station's sealed template of a photo. */
async function sealedFace(photo: string): Promise<string> {
  const frame = await descriptorOf(photo);
  return b64(
    protectProbe({
      descriptor: frame.descriptor,
      transform: stationTransform,
      hubPublicKey: hubKey,
      modelId: frame.modelId,
      nowMs: t.clock.now(),
    }),
  );
}

/** The till's identify body for a photo: sealed probe and the till kiosk's attestation. */
async function identifyBody(photo: string, amount: number) {
  const frame = await descriptorOf(photo);
  const liveness = { passed: true };
  return {
    modelId: frame.modelId,
    liveness,
    payee: 'shop',
    amount,
    ...protectAndAttest({
      descriptor: frame.descriptor,
      transform: tillTransform,
      hubPublicKey: hubKey,
      modelId: frame.modelId,
      nowMs: t.clock.now(),
      kiosk: tillKiosk.signer,
      liveness,
      payee: 'shop',
      amount,
    }),
  };
}

describe('face payment on real photos', () => {
  it('enrols from two photos, pays with a third plus the PIN, and refuses a stranger', async () => {
    const modelId = t.hub.identity?.calibration.modelId ?? '';
    await account(t, 'patron', 'person', 20_000);
    await assignEnroller(t, 'patron', enrollerId);
    const person = await t.call('POST', '/v1/persons', {
      token: enroller,
      body: {
        displayName: 'Nuaa Client',
        dateOfBirth: '1988-08-08',
        accountId: 'patron',
        idDocument: {
          type: 'residence_card',
          numberHash: 'sha256-e2e-0000000001',
          verifiedBy: 'officer-1',
        },
        sealedPin: b64(
          sealPin({ hubPublicKey: hubKey, pin: '4862', purpose: 'enrol', nowMs: t.clock.now() }),
        ),
      },
    });
    expect(person.status).toBe(201);
    const templates = await t.call('POST', `/v1/persons/${person.body.id}/templates`, {
      token: enroller,
      body: {
        modelId,
        sealedTemplates: [
          await sealedFace('nuaa_client_0001/1.jpg'),
          await sealedFace('nuaa_client_0001/2.jpg'),
        ],
      },
    });
    expect(templates.status).toBe(201);

    const identified = await t.call('POST', '/v1/identify', {
      token: till,
      body: await identifyBody('nuaa_client_0001/5.jpg', 680),
    });
    expect(identified.body.match).toMatchObject({
      personId: person.body.id,
      displayNameMasked: 'N*** C*****',
    });
    expect(identified.body.match.score).toBeGreaterThanOrEqual(
      t.hub.identity?.calibration.threshold ?? 1,
    );
    expect(identified.body.pinRequired).toBe(true);

    const pinned = await t.call('POST', '/v1/verify-pin', {
      token: till,
      body: {
        personId: person.body.id,
        sealedPin: b64(
          sealPin({
            hubPublicKey: hubKey,
            pin: '4862',
            purpose: `verify:${person.body.id}`,
            nowMs: t.clock.now(),
          }),
        ),
        payee: 'shop',
        amount: 680,
      },
    });
    expect(pinned.status).toBe(200);
    const paid = await t.call('POST', '/v1/holds', {
      token: till,
      body: holdBody('patron', 'shop', 680, {
        authorization: pinned.body.authorization,
        template: { name: 'purchase' },
      }),
    });
    expect(paid.body).toMatchObject({ status: 'settled', settled: 680 });

    const stranger = await t.call('POST', '/v1/identify', {
      token: till,
      body: await identifyBody('nuaa_client_0003/1.jpg', 680),
    });
    expect(stranger.body).toEqual({ match: null, pinRequired: false });
  });
});
