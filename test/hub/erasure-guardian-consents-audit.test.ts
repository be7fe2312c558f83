// Erasing a guardian deletes their consents to children's enrolments that no enrolment spent: each one
// deleted gets its own audit row in the erasure's transaction, `guardian.consent_revoked` (subject the
// guardian, actor the erasing client, reason person_erased, the child's account, and consentedTo the
// client that took the consent: here admin erases what an enroller took), lapsed or not, as each
// child whose guardian is cleared and each standing limit revoked gets one. A spent consent gets none.
//
// Found in review: the unspent consents went with the guardian's row and no audit row named them.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { guardianConsentLifetimeMs } from '../../src/shared/limits.ts';
import { hashToken } from '../../src/hub/http/tokens.ts';
import {
  account,
  adminToken,
  assignEnroller,
  openRawDb,
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

let h: IdentityTestHub | undefined;
beforeEach(async () => {
  h = await startIdentityHub();
});
afterEach(async () => {
  const hub = h;
  h = undefined;
  await hub?.t.stop();
});

const guardianPin = '4821';

/** The guardian's face + PIN consent, at the enroller, to the enrolment of a child on `childAccountId`. */
async function consent(hub: IdentityTestHub, parentFace: Float32Array, childAccountId: string) {
  await account(hub.t, childAccountId, 'person');
  await assignEnroller(hub.t, childAccountId, hub.enroller.id);
  const given = await hub.t.call('POST', '/v1/guardian-consents', {
    token: hub.enroller.token,
    body: {
      modelId: testFaceModelId,
      sealedProbe: sealedProbe(hub.t, hub.hubKey, face(parentFace)),
      liveness: { passed: true, score: 0.97 },
      sealedPin: sealedPin(hub.t, hub.hubKey, guardianPin, `guardian:${childAccountId}`),
      childAccountId,
      limits: { perPaymentMax: 1_000 },
      blockedCategories: [],
    },
  });
  expect(given.status).toBe(201);
  return { token: given.body.guardianConsent as string, at: hub.t.clock.now() };
}

describe("a guardian's erasure", () => {
  it('writes one audit row per unspent consent it deletes, lapsed or not, and none for a spent one', async () => {
    const hub = h!;
    const parentFace = face();
    const parent = await enrolTestPerson(hub.t, hub.hubKey, {
      enroller: hub.enroller,
      accountId: 'parent',
      pin: guardianPin,
      sealedTemplate: () => sealedProbe(hub.t, hub.hubKey, face(parentFace)),
    });
    const lapsed = await consent(hub, parentFace, 'kid-lapsed');
    hub.t.clock.advance(guardianConsentLifetimeMs);
    const spent = await consent(hub, parentFace, 'kid-spent');
    const enrolled = await hub.t.call('POST', '/v1/persons', {
      token: hub.enroller.token,
      body: {
        ...testPersonBody(hub.t, hub.hubKey, {
          accountId: 'kid-spent',
          dateOfBirth: '2016-03-03',
          pin: '5839',
        }),
        guardianPersonId: parent.id,
        guardianConsent: spent.token,
      },
    });
    expect(enrolled.status).toBe(201);
    const unspent = await consent(hub, parentFace, 'kid-waiting');
    const before = (await hub.t.hub.store.auditRows(0, 10_000)).length;

    // Erased by admin, not by the enroller that took the consents: the actor is the erasing client,
    // consentedTo the one the consent was given to, and the rows tell them apart.
    const admin = await hub.t.hub.store.reader.findClientByTokenHash(hashToken(adminToken));
    expect(admin?.role).toBe('admin');
    expect(admin?.id).not.toBe(hub.enroller.id);
    const erased = await hub.t.call('DELETE', `/v1/persons/${parent.id}`, { token: adminToken });
    expect(erased.status).toBe(204);

    const rows = (await hub.t.hub.store.auditRows(0, 10_000)).slice(before);
    const revoked = rows.filter((row) => row.kind === 'guardian.consent_revoked');
    expect(revoked.map((row) => [row.subject, row.actor])).toEqual([
      [parent.id, admin?.id],
      [parent.id, admin?.id],
    ]);
    expect(revoked.map((row) => JSON.parse(row.data))).toEqual([
      {
        reason: 'person_erased',
        childAccountId: 'kid-lapsed',
        consentedAt: lapsed.at,
        consentedTo: hub.enroller.id,
        lapsed: true,
      },
      {
        reason: 'person_erased',
        childAccountId: 'kid-waiting',
        consentedAt: unspent.at,
        consentedTo: hub.enroller.id,
        lapsed: false,
      },
    ]);
    // In the erasure's transaction: the same `at` as its person.erased row.
    const erasedRow = rows.find((row) => row.kind === 'person.erased');
    expect(revoked.every((row) => row.at === erasedRow?.at)).toBe(true);
    // The consents the rows name are gone, the spent one with them.
    const raw = await openRawDb(hub.t.dir);
    try {
      const left = await raw.get<{ n: number | string }>(
        'SELECT COUNT(*) AS n FROM guardian_consents WHERE guardian_person_id = ?',
        parent.id,
      );
      expect(Number(left?.n)).toBe(0);
    } finally {
      await raw.close();
    }
  });
});
