// A child enrolled under a guardian (extension): the guardian's face and PIN at the enrolment client give
// a single-use consent naming the child's account and the limits the guardian sets; enrolment spends it.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CancelableTransform } from '../../src/biometrics/protect/cancelable-transform.ts';
import { protectAndAttestGuardian } from '../../src/biometrics/protect/kiosk-protect.ts';
import { guardianConsentLifetimeMs } from '../../src/shared/limits.ts';
import {
  account,
  assignEnroller,
  clientWithId,
  syntheticFace as face,
  testFaceModelId,
} from './helpers.ts';
import {
  enrolTestPerson,
  sealedPin,
  sealedProbe,
  startIdentityHub,
  testPersonBody,
  type IdentityTestHub,
} from './identity-helpers.ts';
import { provisionedTransform, registerTestKiosk } from './kiosk-helpers.ts';

let h: IdentityTestHub;
let transform: CancelableTransform | undefined;
beforeEach(async () => {
  h = await startIdentityHub();
});
afterEach(async () => {
  transform?.dispose();
  transform = undefined;
  await h.t.stop();
});

const guardianPin = '4821';
const terms = {
  limits: { perPaymentMax: 1_000, dailyMax: 3_000 },
  blockedCategories: ['gambling'],
};

/** The parent enrolled with a face, and the child's account (admin's own cap 2,000 a payment). */
async function family(
  protect: (capture: Float32Array) => string = (capture) => sealedProbe(h.t, h.hubKey, capture),
): Promise<{ parentFace: Float32Array; parentId: string }> {
  const parentFace = face();
  const parent = await enrolTestPerson(h.t, h.hubKey, {
    enroller: h.enroller,
    accountId: 'parent',
    pin: guardianPin,
    sealedTemplate: () => protect(face(parentFace)),
  });
  await account(h.t, 'kid', 'person', 5_000, {
    limits: { perPaymentMax: 2_000 },
    blockedCategories: ['tobacco'],
  });
  await assignEnroller(h.t, 'kid', h.enroller.id);
  return { parentFace, parentId: parent.id };
}

function consentBody(
  faceTemplate: Float32Array,
  options: { pin?: string; childAccountId?: string; pinPurpose?: string } = {},
) {
  const childAccountId = options.childAccountId ?? 'kid';
  return {
    modelId: testFaceModelId,
    sealedProbe: sealedProbe(h.t, h.hubKey, face(faceTemplate)),
    liveness: { passed: true, score: 0.97 },
    sealedPin: sealedPin(
      h.t,
      h.hubKey,
      options.pin ?? guardianPin,
      options.pinPurpose ?? `guardian:${childAccountId}`,
    ),
    childAccountId,
    ...terms,
  };
}

const consent = (body: Record<string, unknown>, token = h.enroller.token) =>
  h.t.call('POST', '/v1/guardian-consents', { token, body });

function enrolChild(extra: Record<string, unknown>, accountId = 'kid') {
  return h.t.call('POST', '/v1/persons', {
    token: h.enroller.token,
    body: {
      ...testPersonBody(h.t, h.hubKey, { accountId, dateOfBirth: '2016-03-03', pin: '5839' }),
      ...extra,
    },
  });
}

async function auditKinds(): Promise<string[]> {
  return (await h.t.hub.store.auditRows(0, 10_000)).map((row) => row.kind);
}

describe('guardian of a child', () => {
  it('refuses an enrolment that names a guardian who never consented', async () => {
    const { parentId } = await family();
    const enrolled = await enrolChild({ guardianPersonId: parentId });
    expect(enrolled.status).toBe(403);
    expect(enrolled.body.error.code).toBe('guardian_consent_required');
    expect((await h.t.call('GET', '/v1/accounts/kid')).body.limits).toEqual({
      perPaymentMax: 2_000,
    });
  });

  it('refuses a child enrolled by a station without naming any guardian (the consent cannot be skipped by leaving it out)', async () => {
    await family();
    const enrolledBefore = (await auditKinds()).filter((kind) => kind === 'person.enrolled');
    const enrolled = await enrolChild({});
    expect(enrolled).toMatchObject({
      status: 403,
      body: { error: { code: 'guardian_consent_required' } },
    });
    expect((await h.t.call('GET', '/v1/accounts/kid')).body.limits).toEqual({
      perPaymentMax: 2_000,
    });
    const enrolledAfter = (await auditKinds()).filter((kind) => kind === 'person.enrolled');
    expect(enrolledAfter).toEqual(enrolledBefore);
    // An adult needs no guardian; admin may still enrol a child without one (an operator's decision,
    // audited as admin's).
    const adult = await h.t.call('POST', '/v1/persons', {
      token: h.enroller.token,
      body: testPersonBody(h.t, h.hubKey, { accountId: 'kid', dateOfBirth: '1990-03-03' }),
    });
    expect(adult.status).toBe(201);
  });

  it('admin may enrol a child without a guardian', async () => {
    await account(h.t, 'kid', 'person');
    const enrolled = await h.t.call('POST', '/v1/persons', {
      body: testPersonBody(h.t, h.hubKey, {
        accountId: 'kid',
        dateOfBirth: '2016-03-03',
        pin: '5839',
      }),
    });
    expect(enrolled).toMatchObject({ status: 201, body: { child: true } });
  });

  it("the guardian's face + PIN consent enrols the child under them, tightening the child's account", async () => {
    const { parentFace, parentId } = await family();
    const given = await consent(consentBody(parentFace));
    expect(given.status).toBe(201);
    expect(given.body.guardianPersonId).toBe(parentId);
    expect(given.body.displayNameMasked).toMatch(/\*/);
    const enrolled = await enrolChild({
      guardianPersonId: parentId,
      guardianConsent: given.body.guardianConsent,
    });
    expect(enrolled.status).toBe(201);
    expect(enrolled.body.child).toBe(true);
    expect(enrolled.body.guardianPersonId).toBe(parentId);
    // The stricter of the admin's cap and the guardian's; every category either blocks.
    const kid = (await h.t.call('GET', '/v1/accounts/kid')).body;
    expect(kid.limits).toEqual({ perPaymentMax: 1_000, dailyMax: 3_000 });
    expect(kid.blockedCategories).toEqual(['gambling', 'tobacco']);
    expect(await auditKinds()).toEqual(
      expect.arrayContaining([
        'identity.guardian_identified',
        'guardian.consented',
        'person.enrolled',
        'account.guardian_rules_set',
      ]),
    );
    // The child's account refuses what the guardian limited: over the per-payment maximum, a
    // blocked category, and past the daily maximum.
    await account(h.t, 'arcade', 'merchant');
    const hold = (amount: number, extra: Record<string, unknown> = {}) =>
      h.t.call('POST', '/v1/holds', {
        body: {
          payer: 'kid',
          payee: 'arcade',
          amount,
          currency: 'JPY',
          reference: 'r',
          expiresInSeconds: 60,
          ...extra,
        },
      });
    expect((await hold(1_001)).body.error.code).toBe('limit_exceeded');
    expect((await hold(500, { category: 'gambling.pachinko' })).body.error.code).toBe(
      'category_blocked',
    );
    for (const amount of [1_000, 1_000, 1_000]) expect((await hold(amount)).status).toBe(201);
    expect((await hold(1)).body.error.code).toBe('limit_exceeded');
  });

  it('a consent is spent once, and only for its guardian, account and client, within its lifetime', async () => {
    const { parentFace, parentId } = await family();
    const other = await clientWithId(h.t, 'enrollment');
    await account(h.t, 'kid2', 'person', 0);
    await assignEnroller(h.t, 'kid2', h.enroller.id);
    const token = (await consent(consentBody(parentFace))).body.guardianConsent as string;
    const refusedWith = async (extra: Record<string, unknown>, accountId = 'kid') => {
      const answer = await enrolChild({ guardianPersonId: parentId, ...extra }, accountId);
      return `${answer.status} ${answer.body.error?.code ?? ''}`;
    };
    expect(await refusedWith({ guardianConsent: token }, 'kid2')).toBe(
      '403 guardian_consent_invalid',
    );
    expect(await refusedWith({ guardianConsent: `${token}x` })).toBe(
      '403 guardian_consent_invalid',
    );
    // Another enrolment client holding the token cannot spend it (nor enrol on this account at all).
    await assignEnroller(h.t, 'kid2', other.id);
    const byOther = await h.t.call('POST', '/v1/persons', {
      token: other.token,
      body: {
        ...testPersonBody(h.t, h.hubKey, {
          accountId: 'kid2',
          dateOfBirth: '2016-03-03',
          pin: '5839',
        }),
        guardianPersonId: parentId,
        guardianConsent: token,
      },
    });
    expect(byOther.status).toBe(403);
    expect(byOther.body.error.code).toBe('guardian_consent_invalid');
    // Someone else named as the guardian with this guardian's consent.
    const stranger = await enrolTestPerson(h.t, h.hubKey, {
      enroller: h.enroller,
      accountId: 'stranger',
    });
    expect(await refusedWith({ guardianPersonId: stranger.id, guardianConsent: token })).toBe(
      '403 guardian_consent_invalid',
    );
    expect((await enrolChild({ guardianPersonId: parentId, guardianConsent: token })).status).toBe(
      201,
    );
    // Spent: the child erased and enrolled again needs a new consent.
    const child = (await h.t.hub.store.reader.findPersonByAccount('kid'))?.id;
    expect(
      (await h.t.call('DELETE', `/v1/persons/${child}`, { token: h.enroller.token })).status,
    ).toBe(204);
    expect(await refusedWith({ guardianConsent: token })).toBe('403 guardian_consent_invalid');
    // Lapsed: a fresh consent used after its lifetime.
    const late = (await consent(consentBody(parentFace))).body.guardianConsent as string;
    h.t.clock.advance(guardianConsentLifetimeMs);
    expect(await refusedWith({ guardianConsent: late })).toBe('403 guardian_consent_invalid');
  });

  it("a wrong PIN counts on the guardian's one PIN counter and locks it after three", async () => {
    const { parentFace } = await family();
    const wrong = await consent(consentBody(parentFace, { pin: '9051' }));
    expect(wrong.status).toBe(422);
    expect(wrong.body.error).toMatchObject({ code: 'pin_incorrect', attemptsLeft: 2 });
    // A PIN sealed for another purpose (the enrolment's, another child's) never opens here.
    const elsewhere = await consent(consentBody(parentFace, { pinPurpose: 'guardian:parent' }));
    expect(elsewhere.status).toBe(400);
    for (const attemptsLeft of [1, 0]) {
      h.t.clock.advance(1_000); // one PIN check a second per client
      const again = await consent(consentBody(parentFace, { pin: '9051' }));
      expect(again.body.error).toMatchObject({ code: 'pin_incorrect', attemptsLeft });
    }
    h.t.clock.advance(1_000);
    const locked = await consent(consentBody(parentFace));
    expect(locked.status).toBe(423);
    expect(locked.body.error.code).toBe('pin_locked');
    expect(await auditKinds()).not.toContain('guardian.consented');
  });

  it('refuses a face that matches nobody, a child as guardian, a replayed probe and a till', async () => {
    const { parentFace } = await family();
    const nobody = await consent(consentBody(face()));
    expect(nobody.status).toBe(422);
    expect(nobody.body.error.code).toBe('guardian_not_identified');
    const siblingFace = face();
    await enrolTestPerson(h.t, h.hubKey, {
      enroller: h.enroller,
      accountId: 'sibling',
      dateOfBirth: '2012-01-01',
      pin: '5839',
      sealedTemplate: () => sealedProbe(h.t, h.hubKey, face(siblingFace)),
    });
    h.t.clock.advance(1_000);
    const child = await consent(consentBody(siblingFace, { pin: '5839' }));
    expect(child.status).toBe(422);
    expect(child.body.error.code).toBe('guardian_not_adult');
    h.t.clock.advance(1_000);
    const body = consentBody(parentFace);
    expect((await consent(body)).status).toBe(201);
    h.t.clock.advance(1_000);
    const replayed = await consent(body);
    expect(replayed.status).toBe(409);
    expect(replayed.body.error.code).toBe('probe_replayed');
    const till = await consent(consentBody(parentFace), h.till);
    expect(till.status).toBe(403);
    expect(till.body.error.code).toBe('forbidden');
  });

  it("a registered station's signature binds the limits: other limits under the same signature are refused", async () => {
    const kiosk = await registerTestKiosk(h.t, h.enroller.id);
    transform = await provisionedTransform(h.t, h.enroller.token, kiosk);
    const under = transform;
    const { parentFace, parentId } = await family((capture) =>
      sealedProbe(h.t, h.hubKey, under.apply(capture), under.keyId),
    );
    const signed = () => {
      const liveness = { passed: true, score: 0.97 };
      const made = protectAndAttestGuardian({
        descriptor: face(parentFace),
        transform: under,
        hubPublicKey: h.hubKey,
        modelId: testFaceModelId,
        nowMs: h.t.clock.now(),
        kiosk: kiosk.signer,
        liveness,
        childAccountId: 'kid',
        ...terms,
      });
      return {
        ...consentBody(parentFace),
        liveness,
        ...made,
      };
    };
    const unattested = await consent(consentBody(parentFace));
    expect(unattested.status).toBe(403);
    expect(unattested.body.error.code).toBe('kiosk_attestation_required');
    const loosened = await consent({ ...signed(), limits: { perPaymentMax: 50_000 } });
    expect(loosened.status).toBe(403);
    expect(loosened.body.error.code).toBe('kiosk_attestation_invalid');
    h.t.clock.advance(1_000);
    const given = await consent(signed());
    expect(given.status).toBe(201);
    expect(given.body.guardianPersonId).toBe(parentId);
  });
});
