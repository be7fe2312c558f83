// The typed HubClient covers the whole route table: one walk through the hub's life calls every route
// by its method against a real hub, and each answer must parse with that route's response schema.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signKioskAlert } from '../../src/biometrics/protect/kiosk-attestation.ts';
import { kioskPublicKeys } from '../../src/biometrics/protect/kiosk-identity.node.ts';
import { signProvisionRequest } from '../../src/biometrics/protect/transform-key-provision.ts';
import { hubRoutes, routeNames, type RouteName } from '../../src/shared/hub-routes.ts';
import { HubClient, HubRequestError } from '../../src/shared/hub-client.ts';
import { adminToken, syntheticFace as face, testFaceModelId, type TestHub } from './helpers.ts';
import {
  sealedPin,
  sealedProbe,
  startIdentityHub,
  testIdDocument,
  testPersonBody,
  testPin,
} from './identity-helpers.ts';
import { makeKioskIdentity } from './kiosk-helpers.ts';

let t: TestHub;
let hubKey: Uint8Array;
let tillToken: string;
let enroller: { id: string; token: string };

beforeAll(async () => {
  ({ t, hubKey, till: tillToken, enroller } = await startIdentityHub());
});
afterAll(async () => t.stop());

/** The routes the client's requests reached, matched against the table by method and path. */
const reached = new Set<RouteName>();
const matchers = routeNames.map((name) => {
  const route = hubRoutes[name];
  const pattern = new RegExp(`^${route.path.replace(/:[A-Za-z]+/g, '[^/]+')}$`);
  return { name, method: route.method, pattern };
});

function clientFor(token: string): HubClient {
  return new HubClient({
    baseUrl: t.hub.url,
    token,
    fetch: async (url, init) => {
      const { pathname } = new URL(String(url));
      const match = matchers.find((m) => m.method === init?.method && m.pattern.test(pathname));
      if (match !== undefined) reached.add(match.name);
      return fetch(url, init);
    },
  });
}

describe('HubClient', () => {
  it('calls every route of the table, each answer checked by its schema', async () => {
    const admin = clientFor(adminToken);
    const till = clientFor(tillToken);
    const station = clientFor(enroller.token);

    expect(await admin.health()).toEqual({ status: 'ok' });
    expect((await admin.openApi())['openapi']).toBe('3.1.0');

    const spare = await admin.createClient({ name: 'spare', role: 'merchant', merchantId: 'shop' });
    expect((await admin.getClient(spare.id)).revokedAt).toBeNull();
    expect((await clientFor(spare.token).getOwnClient()).id).toBe(spare.id);
    expect((await admin.rotateClientToken(spare.id)).token).not.toBe(spare.token);
    expect(await admin.revokeClient(spare.id)).toBeNull();
    // A lost station's client, revoked: what it enrolled goes to the station's client (nothing here).
    const lost = await admin.createClient({ name: 'lost station', role: 'enrollment' });
    await admin.revokeClient(lost.id);
    expect((await admin.transferEnrollments(lost.id, enroller.id)).moved).toEqual({
      persons: 0,
      accounts: 0,
    });

    await admin.createAccount({ id: 'alice', kind: 'person', name: 'Alice', currency: 'JPY' });
    expect((await admin.deposit('alice', 50_000, 'alice-deposit')).balance).toBe(50_000);
    expect((await admin.getAccount('alice')).available).toBe(50_000);
    expect((await admin.listEntries('alice', { limit: 5 })).items).toHaveLength(1);

    // Enrolment: the station enrols Alice with a face and a PIN.
    await admin.assignEnrollmentClient('alice', enroller.id);
    const person = await station.createPerson(testPersonBody(t, hubKey, { accountId: 'alice' }));
    const alice = face();
    const probe = () => sealedProbe(t, hubKey, face(alice));
    await station.addTemplates(person.id, {
      modelId: testFaceModelId,
      sealedTemplates: [probe(), probe()],
    });
    expect((await station.getPerson(person.id)).templates).toBe(2);
    const byDocument = await admin.findPersons({
      documentHash: testIdDocument('alice').numberHash,
    });
    expect(byDocument.items.map((p) => p.id)).toEqual([person.id]);
    expect(await station.unlockPin(person.id, { idDocument: testIdDocument('alice') })).toBeNull();

    // A payment: identify, PIN, hold; the admin then works the hold's actions.
    expect((await till.hubKey()).publicKey).toBe(Buffer.from(hubKey).toString('base64'));
    const payment = { payee: 'shop', amount: 1_000 };
    const found = await till.identify({
      modelId: testFaceModelId,
      sealedProbe: probe(),
      liveness: { passed: true, score: 0.97 },
      ...payment,
    });
    expect(found.match?.personId).toBe(person.id);
    const { authorization } = await till.verifyPin({
      personId: person.id,
      sealedPin: sealedPin(t, hubKey, testPin, `verify:${person.id}`),
      ...payment,
    });
    const hold = await till.placeHold(
      {
        payer: 'alice',
        ...payment,
        currency: 'JPY',
        reference: 'order-1',
        expiresInSeconds: 600,
        authorization,
      },
      'order-1',
    );
    expect((await till.getHold(hold.id)).status).toBe('active');
    expect((await till.listHolds({ payee: 'shop', status: 'active' })).items).toHaveLength(1);
    expect((await admin.increaseHold(hold.id, { amount: 1_500 }, 'raise')).amount).toBe(1_500);
    expect((await admin.settleHold(hold.id, { amount: 500 }, 'part')).settled).toBe(500);
    expect((await admin.refundHold(hold.id, { amount: 100 }, 'back')).refunded).toBe(100);
    expect((await admin.releaseHold(hold.id, 'rest')).status).toBe('settled');
    const delivery = await admin.placeHold(
      {
        payer: 'alice',
        payee: 'shop',
        amount: 2_000,
        currency: 'JPY',
        reference: 'order-2',
        expiresInSeconds: 600,
        template: { name: 'delivery' },
      },
      'order-2',
    );
    const delivered = await admin.sendHoldEvent(
      delivery.id,
      { type: 'goods.delivered' },
      'arrived',
    );
    expect(delivered.status).toBe('settled');

    t.clock.advance(1_000); // one PIN check a second per till
    const byPin = await till.pinAuthorization({
      memberNumber: person.memberNumber,
      sealedPin: sealedPin(t, hubKey, testPin, `member:${person.memberNumber}`),
      ...payment,
    });
    expect(byPin.payer).toBe('alice');

    // A guardian's consent: Alice's face and PIN at the station, for her son's account.
    await admin.createAccount({ id: 'ken', kind: 'person', name: 'Ken', currency: 'JPY' });
    await admin.assignEnrollmentClient('ken', enroller.id);
    t.clock.advance(1_000);
    const consent = await station.guardianConsent({
      modelId: testFaceModelId,
      sealedProbe: probe(),
      liveness: { passed: true, score: 0.97 },
      sealedPin: sealedPin(t, hubKey, testPin, 'guardian:ken'),
      childAccountId: 'ken',
      limits: { dailyMax: 2_000 },
      blockedCategories: [],
    });
    expect(consent.guardianPersonId).toBe(person.id);

    const standing = await admin.createStandingLimit({
      payer: 'alice',
      payee: 'shop',
      amountPerPeriod: 3_000,
      periodSeconds: 3_600,
      expiresInSeconds: 86_400,
    });
    expect((await admin.listStandingLimits({ payer: 'alice' })).items[0]?.id).toBe(standing.id);
    expect(await admin.revokeStandingLimit(standing.id)).toBeNull();

    // A kiosk of its own client (a till with a kiosk must attest every identify).
    const kioskClient = await admin.createClient({
      name: 'kiosk till',
      role: 'merchant',
      merchantId: 'shop',
    });
    const identity = await makeKioskIdentity();
    const kiosk = await admin.registerKiosk({
      name: 'counter 1',
      clientId: kioskClient.id,
      ...kioskPublicKeys(identity),
    });
    const signed = signProvisionRequest({
      kioskId: kiosk.id,
      signingSecretKey: identity.signing.secretKey,
      nowMs: t.clock.now(),
    });
    const provisioned = await clientFor(kioskClient.token).provisionTransformKey(kiosk.id, signed);
    expect(provisioned.kioskId).toBe(kiosk.id);
    const alert = {
      alertId: randomUUID(),
      type: 'face_checks_paused' as const,
      occurredAt: new Date(t.clock.now()).toISOString(),
      failedLooksInARow: 6,
    };
    const alertSigned = signKioskAlert({
      kioskId: kiosk.id,
      alert,
      signingSecretKey: identity.signing.secretKey,
      nowMs: t.clock.now(),
    });
    const reported = await clientFor(kioskClient.token).reportKioskAlert(kiosk.id, {
      ...alert,
      ...alertSigned,
    });
    expect(reported.alertId).toBe(alert.alertId);
    expect((await admin.listKioskAlerts(kiosk.id)).items).toEqual([reported]);
    expect(await admin.revokeKiosk(kiosk.id)).toBeNull();
    expect((await admin.getKiosk(kiosk.id)).revokedAt).not.toBeNull();
    expect((await clientFor(kioskClient.token).getOwnKiosk(kiosk.id)).revokedAt).not.toBeNull();

    expect((await admin.rekey()).templates).toBe(2);
    expect(await station.deletePerson(person.id)).toBeNull();

    expect([...reached].sort()).toEqual([...routeNames].sort());
  });

  it('turns a refusal into a HubRequestError with the contract code', async () => {
    const admin = clientFor(adminToken);
    const refused = await admin.getHold('no-such-hold').catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(HubRequestError);
    expect(refused).toMatchObject({ status: 404, code: 'not_found' });
  });
});
