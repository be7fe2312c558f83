// Every sealed payload the hub opens (probes, templates, PINs for enrolment, verify-pin and the PIN
// fallback, signed provisioning requests), of any length and content: a 4xx in the contract's shape, never a 500.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { randomBytes } from 'node:crypto';
import { sealForHub } from '../../src/biometrics/protect/probe-seal.ts';
import { sodium } from '../../src/biometrics/protect/sodium.ts';
import { signProvisionRequest } from '../../src/biometrics/protect/transform-key-provision.ts';
import { memberNumberFromPayload } from '../../src/shared/member-number.ts';
import {
  account,
  assignEnroller,
  clientWithId,
  startTestHub,
  syntheticFace as face,
  testCalibrationFile,
  testFaceModelId,
  type CallResult,
  type TestHub,
} from './helpers.ts';
import { b64, enrolTestPerson, fetchHubKey, sealedPin, sealedProbe } from './identity-helpers.ts';
import { registerTestKiosk, type TestKiosk } from './kiosk-helpers.ts';

const modelId = testFaceModelId;
let t: TestHub;
let enroller: { id: string; token: string };
let till: { id: string; token: string };
let hubKey: Uint8Array;
let kiosk: TestKiosk;
let person: { id: string; memberNumber: string };
let alice: Float32Array;

beforeAll(async () => {
  await sodium.ready;
  t = await startTestHub({ calibrationFile: testCalibrationFile(), stepUpAmount: 30_000 });
  await account(t, 'shop', 'merchant');
  enroller = await clientWithId(t, 'enrollment');
  till = await clientWithId(t, 'merchant', 'shop');
  const kioskClient = await clientWithId(t, 'merchant', 'shop');
  kiosk = await registerTestKiosk(t, kioskClient.id);
  provisionToken = kioskClient.token;
  hubKey = await fetchHubKey(t);
  alice = face();
  const sealedTemplate = () => sealedFace(alice);
  person = await enrolTestPerson(t, hubKey, { enroller, accountId: 'alice', sealedTemplate });
});
afterAll(async () => t.stop());

let provisionToken = '';
const now = () => t.clock.now();
const sealedFace = (template: Float32Array) => sealedProbe(t, hubKey, face(template));

/** A payload made of any bytes, sealed properly to the hub (it opens) or not sealed at all. */
const payloadArb = fc.oneof(
  fc.uint8Array({ minLength: 1, maxLength: 40 }),
  fc.uint8Array({ minLength: 41, maxLength: 1_200 }),
  // Digits of any count, the shape a PIN has, and float bytes of any count, a probe's shape.
  fc.stringMatching(/^[0-9]{1,40}$/).map((s) => new Uint8Array(Buffer.from(s))),
  fc.array(fc.float(), { minLength: 1, maxLength: 300 }).map((a) => {
    return new Uint8Array(Float32Array.from(a).buffer);
  }),
);
const envelopeArb = fc.record({
  payload: payloadArb,
  sealed: fc.boolean(),
  label: fc.constantFrom('right', 'other'),
  keyId: fc.option(fc.stringMatching(/^[a-z0-9]{1,64}$/), { nil: undefined }),
});
interface Envelope {
  payload: Uint8Array;
  sealed: boolean;
  label: 'right' | 'other';
  keyId: string | undefined;
}

function envelope(kind: 'probe' | 'pin', label: string, e: Envelope): string {
  if (!e.sealed) return b64(e.payload);
  return b64(
    sealForHub({
      hubPublicKey: hubKey,
      kind,
      label: e.label === 'right' ? label : 'another-purpose',
      payload: e.payload,
      nowMs: now(),
      ...(e.keyId === undefined ? {} : { keyId: e.keyId }),
    }),
  );
}

/** What every answer must be: below 500, and a refusal in the contract's error shape. */
function expectContractAnswer(what: string, answer: CallResult): void {
  expect(answer.status, `${what}: ${JSON.stringify(answer.body)}`).toBeLessThan(500);
  if (answer.status >= 400) {
    expect(typeof answer.body?.error?.code, what).toBe('string');
    expect(typeof answer.body?.error?.message, what).toBe('string');
  }
}

/** Alice's PIN fallback at the shop's till with `pin`; the clock moves a second first (rate limit). */
function payByPin(pin: string): Promise<CallResult> {
  t.clock.advance(1_000);
  return t.call('POST', '/v1/pin-authorizations', {
    token: till.token,
    body: {
      memberNumber: person.memberNumber,
      sealedPin: sealedPin(t, hubKey, pin, `member:${person.memberNumber}`),
      payee: 'shop',
      amount: 1_000,
    },
  });
}

describe('sealed payloads of any length and content are never a 500', () => {
  it('a sealed PIN longer than 8 bytes is a 4xx at verify-pin and the PIN fallback, and counts no try', async () => {
    const nine = '482148214';
    for (let round = 0; round < 4; round++) {
      const fallback = await payByPin(nine);
      expectContractAnswer('pin-authorizations 9 bytes', fallback);
      expect(fallback.status).toBe(400);
      t.clock.advance(1_000);
      const identified = await identify(sealedFace(alice));
      expect(identified.status).toBe(200);
      const verified = await t.call('POST', '/v1/verify-pin', {
        token: till.token,
        body: {
          personId: person.id,
          sealedPin: sealedPin(t, hubKey, nine, `verify:${person.id}`),
          payee: 'shop',
          amount: 1_000,
        },
      });
      expectContractAnswer('verify-pin 9 bytes', verified);
      expect(verified.status).toBe(400);
    }
    // Eight refusals counted nothing: the right PIN still pays (three wrong tries would have locked it).
    const right = await payByPin('4821');
    expect(right.status).toBe(200);
  });

  it('PINs at enrolment, verify-pin and the PIN fallback', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        envelopeArb,
        fc.constantFrom('enrol', 'verify', 'member'),
        async (e, where) => {
          t.clock.advance(1_000);
          n++;
          if (where === 'enrol') {
            await account(t, `fuzz-${n}`, 'person');
            await assignEnroller(t, `fuzz-${n}`, enroller.id);
            const answer = await t.call('POST', '/v1/persons', {
              token: enroller.token,
              body: {
                displayName: 'Fuzz',
                dateOfBirth: '1980-01-01',
                accountId: `fuzz-${n}`,
                idDocument: {
                  type: 'passport',
                  numberHash: `sha256-fuzz-${n}-0123456789`,
                  verifiedBy: 'o',
                },
                sealedPin: envelope('pin', 'enrol', e),
              },
            });
            return expectContractAnswer('enrol', answer);
          }
          if (where === 'verify') {
            expect((await identify(sealedFace(alice))).status).toBe(200);
            const answer = await t.call('POST', '/v1/verify-pin', {
              token: till.token,
              body: {
                personId: person.id,
                sealedPin: envelope('pin', `verify:${person.id}`, e),
                payee: 'shop',
                amount: 1_000,
              },
            });
            return expectContractAnswer('verify-pin', answer);
          }
          // An unissued member number each time, so no lock stops the envelope from being opened.
          const memberNumber = memberNumberFromPayload(String(200_000_000 + n));
          const answer = await t.call('POST', '/v1/pin-authorizations', {
            token: till.token,
            body: {
              memberNumber,
              sealedPin: envelope('pin', `member:${memberNumber}`, e),
              payee: 'shop',
              amount: 1_000,
            },
          });
          return expectContractAnswer('pin-authorizations', answer);
        },
      ),
      { numRuns: 45 },
    );
  });

  it('probes at identify and templates at enrolment', async () => {
    await fc.assert(
      fc.asyncProperty(envelopeArb, fc.boolean(), async (e, atIdentify) => {
        t.clock.advance(1_000);
        const sealed = envelope('probe', modelId, e);
        const answer = atIdentify
          ? await identify(sealed)
          : await t.call('POST', `/v1/persons/${person.id}/templates`, {
              token: enroller.token,
              body: { modelId, sealedTemplates: [sealed] },
            });
        expectContractAnswer(atIdentify ? 'identify' : 'templates', answer);
      }),
      { numRuns: 60 },
    );
  });

  it("a kiosk's signed provisioning request with any nonce, signature and timestamp", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 0, maxLength: 90 }),
        fc.uint8Array({ minLength: 0, maxLength: 90 }),
        fc.constantFrom('nonce', 'signature', 'timestamp', 'all'),
        async (bytes, other, which) => {
          t.clock.advance(1_000);
          const signed = signProvisionRequest({
            kioskId: kiosk.id,
            signingSecretKey: kiosk.identity.signing.secretKey,
            nowMs: now(),
          });
          const body: Record<string, unknown> = { ...signed };
          if (which === 'nonce' || which === 'all') body['nonce'] = b64(bytes);
          if (which === 'signature' || which === 'all') body['signature'] = b64(other);
          if (which === 'timestamp' || which === 'all')
            body['timestamp'] = new Date(now() + (bytes[0] ?? 0) * 1e9).toISOString();
          const answer = await t.call('POST', `/v1/kiosks/${kiosk.id}/transform-key`, {
            token: provisionToken,
            body,
          });
          expectContractAnswer('transform-key', answer);
        },
      ),
      { numRuns: 40 },
    );
    // Random bytes of any length as the whole body's base64 fields.
    const garbage = await t.call('POST', `/v1/kiosks/${kiosk.id}/transform-key`, {
      token: provisionToken,
      body: { nonce: b64(randomBytes(5)), signature: '!!', timestamp: 'x' },
    });
    expectContractAnswer('transform-key garbage', garbage);
  });
});

function identify(sealedProbe: string) {
  return t.call('POST', '/v1/identify', {
    token: till.token,
    body: {
      modelId,
      sealedProbe,
      liveness: { passed: true, score: 0.97 },
      payee: 'shop',
      amount: 1_000,
    },
  });
}
