// Test kiosks: a device identity made in a temp directory, registered by the admin over HTTP, and the
// kiosk's own provisioning call; shared by the hub's kiosk tests and the face-payment e2e test.
import { join } from 'node:path';
import type { CancelableTransform } from '../../src/biometrics/protect/cancelable-transform.ts';
import {
  kioskPublicKeys,
  loadKioskIdentity,
  type KioskIdentity,
} from '../../src/biometrics/protect/kiosk-identity.node.ts';
import {
  openProvisionedTransform,
  signProvisionRequest,
} from '../../src/biometrics/protect/transform-key-provision.ts';
import { scratchDir, type CallResult, type TestHub } from './helpers.ts';

export interface TestKiosk {
  id: string;
  identity: KioskIdentity;
  /** The signing half as protectAndAttest takes it. */
  signer: { kioskId: string; signingSecretKey: Uint8Array };
}

export async function makeKioskIdentity(): Promise<KioskIdentity> {
  const made = await loadKioskIdentity({
    dir: join(scratchDir('facepay-kiosk-'), 'keys'),
    create: true,
  });
  if (!made.ok) throw new Error(made.error.message);
  return made.value;
}

/** Makes a kiosk identity and registers it (as admin) for `clientId`. */
export async function registerTestKiosk(t: TestHub, clientId: string): Promise<TestKiosk> {
  const identity = await makeKioskIdentity();
  const registered = await t.call('POST', '/v1/admin/kiosks', {
    body: { name: `kiosk of ${clientId}`, clientId, ...kioskPublicKeys(identity) },
  });
  if (registered.status !== 201) throw new Error(`kiosk: ${JSON.stringify(registered.body)}`);
  const id = registered.body.id as string;
  return { id, identity, signer: { kioskId: id, signingSecretKey: identity.signing.secretKey } };
}

/** The kiosk's signed `POST /v1/kiosks/:id/transform-key`, with the body's fields overridable. */
export function provisionCall(
  t: TestHub,
  options: {
    token: string;
    kiosk: TestKiosk;
    nowMs?: number;
    body?: Record<string, unknown>;
    signingSecretKey?: Uint8Array;
  },
): Promise<CallResult> {
  const signed = signProvisionRequest({
    kioskId: options.kiosk.id,
    signingSecretKey: options.signingSecretKey ?? options.kiosk.identity.signing.secretKey,
    nowMs: options.nowMs ?? t.clock.now(),
  });
  return t.call('POST', `/v1/kiosks/${options.kiosk.id}/transform-key`, {
    token: options.token,
    body: options.body ?? signed,
  });
}

/** Provisions and opens the transform as the kiosk does; throws when the hub refuses. */
export async function provisionedTransform(
  t: TestHub,
  token: string,
  kiosk: TestKiosk,
  dimension = 128,
): Promise<CancelableTransform> {
  const answer = await provisionCall(t, { token, kiosk });
  if (answer.status !== 200) throw new Error(`provision: ${JSON.stringify(answer.body)}`);
  const opened = openProvisionedTransform({
    sealedTransformKey: new Uint8Array(Buffer.from(answer.body.sealedTransformKey, 'base64')),
    transformKeyId: answer.body.transformKeyId,
    box: kiosk.identity.box,
    dimension,
  });
  if (!opened.ok) throw new Error(opened.error.message);
  return opened.value;
}
