// Test people for the hub's identity tests: probes and PINs sealed to a running hub's key, one way to
// enrol an adult (ID document, PIN, two templates), and a hub started with a shop, an enroller and a till.
import { expect } from 'vitest';
import { sealPin, sealProbe } from '../../src/biometrics/protect/probe-seal.ts';
import { sodium } from '../../src/biometrics/protect/sodium.ts';
import { isChild } from '../../src/shared/age.ts';
import {
  account,
  assignEnroller,
  clientWithId,
  startTestHub,
  testCalibrationFile,
  testFaceModelId,
  type TestHub,
} from './helpers.ts';

/** The PIN every test person is enrolled with unless a test picks another. */
export const testPin = '4821';

export const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

/** The hub's sealing key as a client reads it (as admin when no token is given). */
export async function fetchHubKey(t: TestHub, token?: string): Promise<Uint8Array> {
  const answer = await t.call('GET', '/v1/hub-key', token === undefined ? {} : { token });
  return new Uint8Array(Buffer.from(answer.body.publicKey, 'base64'));
}

/**
 * `template` sealed as a probe (or template) to the hub, as of the hub's clock, in base64; with
 * `transformKeyId`, marked as protected by that kiosk transform.
 */
export function sealedProbe(
  t: TestHub,
  hubKey: Uint8Array,
  template: Float32Array,
  transformKeyId?: string,
): string {
  return b64(
    sealProbe({
      hubPublicKey: hubKey,
      template,
      modelId: testFaceModelId,
      nowMs: t.clock.now(),
      ...(transformKeyId === undefined ? {} : { transformKeyId }),
    }),
  );
}

/** A PIN sealed to the hub for `purpose`, as of the hub's clock, in base64. */
export function sealedPin(t: TestHub, hubKey: Uint8Array, pin: string, purpose: string): string {
  return b64(sealPin({ hubPublicKey: hubKey, pin, purpose, nowMs: t.clock.now() }));
}

/** The ID document a test person on `accountId` is enrolled with (its hash is unique per account). */
export function testIdDocument(accountId: string) {
  return {
    type: 'my_number_card' as const,
    numberHash: `sha256-${accountId}-0123456789`,
    verifiedBy: 'officer-7',
  };
}

/** The body of `POST /v1/persons` for a test person on `accountId`. */
export function testPersonBody(
  t: TestHub,
  hubKey: Uint8Array,
  options: { accountId: string; dateOfBirth?: string; pin?: string },
) {
  return {
    displayName: 'Hanako Yamada',
    dateOfBirth: options.dateOfBirth ?? '1990-04-01',
    accountId: options.accountId,
    idDocument: testIdDocument(options.accountId),
    sealedPin: sealedPin(t, hubKey, options.pin ?? testPin, 'enrol'),
  };
}

/**
 * Opens a person account holding 100,000 on `accountId`, assigns it to the enroller and enrols a person
 * on it (a child: by admin, as a station needs a guardian's consent); with `sealedTemplate`, two
 * templates it seals (each call a fresh capture) are added.
 */
export async function enrolTestPerson(
  t: TestHub,
  hubKey: Uint8Array,
  options: {
    enroller: { id: string; token: string };
    accountId: string;
    dateOfBirth?: string;
    pin?: string;
    sealedTemplate?: () => string;
  },
): Promise<{ id: string; memberNumber: string }> {
  const { enroller, accountId, sealedTemplate } = options;
  await account(t, accountId, 'person', 100_000);
  await assignEnroller(t, accountId, enroller.id);
  // A station enrols a child only with a guardian's consent (guardian.test.ts): here admin enrols
  // children, so tests about a child's payments need no guardian set up first.
  const body = testPersonBody(t, hubKey, options);
  const by = isChild(body.dateOfBirth, t.clock.now()) ? {} : { token: enroller.token };
  const person = await t.call('POST', '/v1/persons', { ...by, body });
  expect(person.status).toBe(201);
  if (sealedTemplate !== undefined) {
    const templates = await t.call('POST', `/v1/persons/${person.body.id}/templates`, {
      ...by,
      body: { modelId: testFaceModelId, sealedTemplates: [sealedTemplate(), sealedTemplate()] },
    });
    expect(templates.status).toBe(201);
  }
  return { id: person.body.id as string, memberNumber: person.body.memberNumber as string };
}

export interface IdentityTestHub {
  t: TestHub;
  hubKey: Uint8Array;
  enroller: { id: string; token: string };
  /** The shop's till's token. */
  till: string;
}

/**
 * A hub that identifies (step-up at 30,000) with the merchant account `shop`, an enrolment client and
 * the shop's till; `faceOnlyFmr` as testCalibrationFile takes it.
 */
export async function startIdentityHub(
  options: {
    faceOnlyFmr?: number | undefined;
    shopBalance?: number;
    pinFailuresPerDayPerClient?: number;
    galleryTemplatesMax?: number;
    dangerousTestOnlyPinBackoffNow?: () => number;
  } = {},
): Promise<IdentityTestHub> {
  await sodium.ready;
  const t = await startTestHub({
    calibrationFile: testCalibrationFile(options.faceOnlyFmr),
    stepUpAmount: 30_000,
    ...(options.pinFailuresPerDayPerClient === undefined
      ? {}
      : { pinFailuresPerDayPerClient: options.pinFailuresPerDayPerClient }),
    ...(options.galleryTemplatesMax === undefined
      ? {}
      : { galleryTemplatesMax: options.galleryTemplatesMax }),
    ...(options.dangerousTestOnlyPinBackoffNow === undefined
      ? {}
      : { dangerousTestOnlyPinBackoffNow: options.dangerousTestOnlyPinBackoffNow }),
  });
  await account(t, 'shop', 'merchant', options.shopBalance ?? 0);
  const enroller = await clientWithId(t, 'enrollment');
  const till = (await clientWithId(t, 'merchant', 'shop')).token;
  return { t, enroller, till, hubKey: await fetchHubKey(t, till) };
}
