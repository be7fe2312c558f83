// A clinic reception's lost check-in answer, reconciled after the hub was out of reach for longer than it
// keeps stored answers: the visit is found by the request's key and the clinic's rules apply as before.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KioskIdentity } from '../../src/biometrics/protect/kiosk-identity.node.ts';
import { loadKioskIdentity } from '../../src/biometrics/protect/kiosk-identity.node.ts';
import { HubLink } from '../../src/main/hub-link.ts';
import { KioskService } from '../../src/main/kiosk-service.ts';
import { HubClient } from '../../src/shared/hub-client.ts';
import { idempotencyRetentionSeconds } from '../../src/shared/limits.ts';
import { syntheticFace } from '../hub/helpers.ts';
import type { KioskTestHub } from './kiosk-test-hub.ts';
import {
  closeKioskTestHub,
  networkLosingFirstAnswer,
  sameFaceAs,
  startKioskTestHubWithMember,
} from './kiosk-test-hub.ts';

const adminToken = `admin-${randomBytes(12).toString('hex')}`;
const modelId = 'faceapi-recognition-128-b413e420d684';
const cap = 5_000;
const face = syntheticFace();
/** The hub's and the kiosks' clock: moves forward only (the hub's rate limiter counts on it). */
const clock = { offsetMs: 0, now: () => Date.now() + clock.offsetMs };

let test: KioskTestHub;
let identity: KioskIdentity;

beforeAll(async () => {
  test = await startKioskTestHubWithMember({
    prefix: 'facepay-clinic-by-key-',
    adminToken,
    clock,
    setup: {
      shop: { id: 'clinic', name: 'Sakura Clinic' },
      shopper: { id: 'patient', name: 'Suzuki Ichiro', deposit: 20_000 },
      clinic: { cap, noShowAfterSeconds: 3_600 },
    },
    member: { modelId, pin: '4862', born: '1970-05-06', face },
  });
  const loaded = await loadKioskIdentity({ dir: test.shop.config.keysDir, create: false });
  if (!loaded.ok) throw new Error(loaded.error.message);
  identity = loaded.value;
}, 60_000);

afterAll(async () => {
  await closeKioskTestHub(test);
});

/** A reception kiosk on the clinic's config whose first check-in answer is lost. */
function reception() {
  const link = new HubLink({
    hubUrl: test.hub.url,
    hubToken: test.shop.config.hubToken,
    kioskId: test.shop.config.kioskId,
    identity,
    now: clock.now,
    fetch: networkLosingFirstAnswer('/v1/holds'),
  });
  const service = new KioskService({
    config: { ...test.shop.config, hubUrl: test.hub.url },
    hub: link,
    modelId,
    now: clock.now,
  });
  return { service, link };
}

/** The patient checks in (face, OK, PIN); the answer is lost; answers the visit's hold on the hub. */
async function lostCheckIn(service: KioskService) {
  const started = await service.handlers.startCheckIn({});
  if (!started.ok) throw new Error(started.error.code);
  const paymentId = started.payment.id;
  const liveness = { passed: true, score: 0.99, checks: ['passive_texture_live', 'blink'] };
  const descriptor = Array.from(sameFaceAs(face));
  await service.handlers.identify({ paymentId, modelId, descriptor, liveness });
  await service.handlers.confirm({ paymentId });
  const answer = await service.handlers.confirm({ paymentId, pin: '4862' });
  expect(answer).toMatchObject({ ok: false, error: { code: 'hub_unreachable' } });
  const [visit] = (await test.admin.listHolds({ payer: 'patient', status: 'active' })).items;
  if (visit === undefined) throw new Error('no visit held');
  return { paymentId, visit };
}

/** Two days without the hub: its clock moves past the answer retention and its hourly pruning runs. */
async function twoDaysLater(): Promise<void> {
  clock.offsetMs += (idempotencyRetentionSeconds + 3_600) * 1000;
  await test.hub.store.deleteStoredResponsesBefore(
    clock.now() - idempotencyRetentionSeconds * 1000,
  );
}

const nothing = { refunded: [], released: [], notPlaced: [], unresolved: [] };

describe('a lost check-in asked again after the hub pruned its stored answer', () => {
  it('whose visit lapsed unseen (the no-show deadline released the cap): nothing to undo, no staff', async () => {
    const { service, link } = reception();
    const before = await test.admin.getAccount('patient');
    const { paymentId, visit } = await lostCheckIn(service);
    await twoDaysLater();
    expect(await service.reconcile()).toEqual({ ...nothing, notPlaced: [paymentId] });
    expect(service.status().paymentsToCheck).toEqual([]);
    expect(await test.admin.getHold(visit.id)).toMatchObject({ status: 'expired', settled: 0 });
    const after = await test.admin.getAccount('patient');
    expect({ balance: after.balance, held: after.held }).toEqual({
      balance: before.balance,
      held: before.held,
    });
    link.dispose();
  });

  it('whose visit the clinic settled: found by key, the fee is not refunded, staff check it', async () => {
    const { service, link } = reception();
    const before = await test.admin.getAccount('patient');
    const { paymentId, visit } = await lostCheckIn(service);
    const clinicSystem = new HubClient({
      baseUrl: test.hub.url,
      token: test.shop.clinicSystem?.token ?? '',
    });
    const event = { type: 'consultation.completed', data: { amount: 3_210 } };
    await clinicSystem.holdAction(visit.id, 'events', event, `completed-${visit.id}`);
    await twoDaysLater();
    expect(await service.reconcile()).toEqual({ ...nothing, unresolved: [paymentId] });
    expect(service.status().paymentsToCheck).toMatchObject([{ paymentId, amount: cap }]);
    expect((await test.admin.getAccount('patient')).balance).toBe(before.balance - 3_210);
    link.dispose();
  });
});
