// The hub keeps spent nonces in its database. A sealed probe (or a signed kiosk request) stamped at the
// allowed future skew and first used at t0 is still fresh at exactly t0 + age + skew (both ends of the
// window are inclusive), and the row was kept until exactly then and pruned at `expires_at <= now`: the
// same bytes were taken again at that moment. The nonce is now kept a millisecond past it.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sodium } from '../../src/biometrics/protect/sodium.ts';
import { sealProbe } from '../../src/biometrics/protect/probe-seal.ts';
import { signProvisionRequest } from '../../src/biometrics/protect/transform-key-provision.ts';
import {
  kioskRequestAgeMsMax,
  kioskRequestFutureSkewMsMax,
  probeAgeMsMax,
  probeFutureSkewMsMax,
} from '../../src/shared/limits.ts';
import {
  account,
  clientWithId,
  startTestHub,
  syntheticFace as face,
  testCalibrationFile,
  testFaceModelId as modelId,
  type TestHub,
} from './helpers.ts';
import { b64, fetchHubKey } from './identity-helpers.ts';
import { registerTestKiosk } from './kiosk-helpers.ts';

let t: TestHub;
let till: { id: string; token: string };

beforeEach(async () => {
  await sodium.ready;
  t = await startTestHub({ calibrationFile: testCalibrationFile() });
  await account(t, 'shop', 'merchant');
  till = await clientWithId(t, 'merchant', 'shop');
});

afterEach(async () => t.stop());

describe('a spent nonce outlives the last moment its request is fresh', () => {
  it('a probe stamped at the allowed skew, replayed at exactly age + skew later, is refused', async () => {
    const hubKey = await fetchHubKey(t);
    // A client with no kiosk on a hub that allows it (the harness's default): the probe alone counts.
    const body = {
      modelId,
      sealedProbe: b64(
        sealProbe({
          hubPublicKey: hubKey,
          template: face(),
          modelId,
          nowMs: t.clock.now() + probeFutureSkewMsMax,
        }),
      ),
      liveness: { passed: true },
      payee: 'shop',
      amount: 100,
    };
    const first = await t.call('POST', '/v1/identify', { token: till.token, body });
    expect(first.status).toBe(200);
    t.clock.advance(1_000);
    const soon = await t.call('POST', '/v1/identify', { token: till.token, body });
    expect(soon.body.error?.code).toBe('probe_replayed');
    t.clock.advance(probeAgeMsMax + probeFutureSkewMsMax - 1_000);
    const atTheEdge = await t.call('POST', '/v1/identify', { token: till.token, body });
    expect(atTheEdge.status).toBe(409);
    expect(atTheEdge.body.error?.code).toBe('probe_replayed');
    t.clock.advance(1);
    const after = await t.call('POST', '/v1/identify', { token: till.token, body });
    expect(after.body.error?.code).toBe('probe_stale');
  });

  it('a signed kiosk request replayed at exactly age + skew later is refused', async () => {
    const kiosk = await registerTestKiosk(t, till.id);
    const body = signProvisionRequest({
      kioskId: kiosk.id,
      signingSecretKey: kiosk.identity.signing.secretKey,
      nowMs: t.clock.now() + kioskRequestFutureSkewMsMax,
    });
    const call = () =>
      t.call('POST', `/v1/kiosks/${kiosk.id}/transform-key`, { token: till.token, body });
    expect((await call()).status).toBe(200);
    t.clock.advance(kioskRequestAgeMsMax + kioskRequestFutureSkewMsMax);
    const atTheEdge = await call();
    expect(atTheEdge.body.sealedTransformKey).toBeUndefined();
    expect(atTheEdge.body.error?.code).toBe('kiosk_request_replayed');
    t.clock.advance(1);
    expect((await call()).body.error?.code).toBe('kiosk_request_stale');
  });
});
