// A reception kiosk restarted while a check-in's answer was lost rebuilds its board from the hub's holds:
// that check-in, whose patient was told it failed, must not appear on it (a queue number nobody was given,
// shown as waiting until reconcile releases it); an answered one must, and numbering goes past both.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KioskIdentity } from '../../src/biometrics/protect/kiosk-identity.node.ts';
import { loadKioskIdentity } from '../../src/biometrics/protect/kiosk-identity.node.ts';
import { HubLink } from '../../src/main/hub-link.ts';
import { KioskService } from '../../src/main/kiosk-service.ts';
import { HubClient } from '../../src/shared/hub-client.ts';
import { paymentAuthorizationLifetimeMs, reconcileMarginMs } from '../../src/shared/limits.ts';
import { syntheticFace } from '../hub/helpers.ts';
import type { KioskTestHub } from './kiosk-test-hub.ts';
import {
  closeKioskTestHub,
  isPostTo,
  sameFaceAs,
  startKioskTestHubWithMember,
} from './kiosk-test-hub.ts';

const adminToken = `admin-${randomBytes(12).toString('hex')}`;
const modelId = 'faceapi-recognition-128-b413e420d684';
const cap = 5_000;
const face = syntheticFace();
/** Moves forward only (the hub's rate limiter counts on it). */
const clock = { offsetMs: 0, now: () => Date.now() + clock.offsetMs };

let test: KioskTestHub;
let identity: KioskIdentity;
const links: HubLink[] = [];

beforeAll(async () => {
  test = await startKioskTestHubWithMember({
    prefix: 'facepay-clinic-restart-board-',
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
  for (const link of links) link.dispose();
  await closeKioskTestHub(test);
});

/** A reception kiosk (as after a start) keeping its lost requests in `file`, behind `network`. */
function reception(file: string, network: typeof fetch = fetch) {
  const link = new HubLink({
    hubUrl: test.hub.url,
    hubToken: test.shop.config.hubToken,
    kioskId: test.shop.config.kioskId,
    identity,
    now: clock.now,
    fetch: network,
  });
  links.push(link);
  return new KioskService({
    config: { ...test.shop.config, hubUrl: test.hub.url },
    hub: link,
    modelId,
    now: clock.now,
    pendingHoldsFile: path.join(test.work, file),
  });
}

/** The patient taps "check in", looks at the camera, taps OK and types the PIN. */
async function checkIn(service: KioskService) {
  const started = await service.handlers.startCheckIn({});
  if (!started.ok) return started;
  const paymentId = started.payment.id;
  const liveness = { passed: true, score: 0.99, checks: ['passive_texture_live', 'blink'] };
  const descriptor = Array.from(sameFaceAs(face));
  const identified = await service.handlers.identify({ paymentId, modelId, descriptor, liveness });
  if (!identified.ok) return identified;
  const confirmed = await service.handlers.confirm({ paymentId });
  if (!confirmed.ok || confirmed.payment.state !== 'pin') return confirmed;
  return service.handlers.confirm({ paymentId, pin: '4862' });
}

async function board(service: KioskService) {
  const answer = await service.handlers.clinicVisits({});
  if (!answer.ok) throw new Error('no board');
  return answer.visits.map(({ queueNumber, state }) => ({ queueNumber, state }));
}

describe('a reception kiosk restarted with a check-in whose answer was lost', () => {
  it('its rebuilt board never shows that visit (nobody was told its number); the answered one is there, and numbering goes on', async () => {
    const first = reception('pending-restart-board.json', networkLosingSecondHoldAnswer());
    await first.refreshVisits();
    // No. 1: told, seen and billed by the clinic's system.
    const told = await checkIn(first);
    expect(told).toMatchObject({ ok: true });
    const [visit] = (await test.admin.listHolds({ payer: 'patient', status: 'active' })).items;
    if (visit === undefined) throw new Error('no visit held');
    const clinicSystem = new HubClient({
      baseUrl: test.hub.url,
      token: test.shop.clinicSystem?.token ?? '',
    });
    const completed = { type: 'consultation.completed', data: { amount: 1_200 } };
    await clinicSystem.holdAction(visit.id, 'events', completed, `completed-${visit.id}`);
    // No. 2: held at the hub, its answer lost: the patient is told the check-in failed.
    const lost = await checkIn(first);
    expect(lost).toMatchObject({ ok: false, error: { code: 'hub_unreachable' } });

    // Restarted: the board is rebuilt from the hub's holds, before reconcile may ask about No. 2.
    const second = reception('pending-restart-board.json');
    await second.refreshVisits();
    expect((await board(second)).map((entry) => entry.queueNumber)).toEqual([1]);

    clock.offsetMs += paymentAuthorizationLifetimeMs + reconcileMarginMs + 1_000;
    expect(await second.reconcile()).toMatchObject({ released: [expect.any(String)] });
    await second.refreshVisits();
    expect((await board(second)).map((entry) => entry.queueNumber)).toEqual([1]);
    // The next check-in is No. 3: No. 2 is taken at the hub even though nobody was told it.
    const next = await checkIn(second);
    expect(next).toMatchObject({ ok: true });
    expect(await board(second)).toMatchObject([
      { queueNumber: 3, state: 'waiting' },
      { queueNumber: 1 },
    ]);
    for (const hold of (await test.admin.listHolds({ payer: 'patient', status: 'active' })).items) {
      await test.admin.holdAction(hold.id, 'release', {}, `cleanup-${hold.id}`);
    }
  });
});

/** Carries every request; the answer to the second POST /v1/holds is lost after the hub committed it. */
function networkLosingSecondHoldAnswer(): typeof fetch {
  let holds = 0;
  return async (input, init) => {
    const response = await fetch(input, init);
    if (isPostTo('/v1/holds', input, init) && ++holds === 2) throw new TypeError('socket hang up');
    return response;
  };
}
