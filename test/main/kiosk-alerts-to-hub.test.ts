// The hub hears when a kiosk pauses face checks and when staff resume them: a real kiosk service driven to
// the pause by refused looks, its alerts kept in the outbox file beside its keys until the hub has them
// (a hub stopped at the pause gets the alert at a later round), and a kiosk the hub refuses for good stays
// paused without sending for ever.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHub } from '../../src/hub/hub.ts';
import type { HubLink } from '../../src/main/hub-link.ts';
import { openHubLink, watchHubRound } from '../../src/main/kiosk-runtime.ts';
import type { KioskConfig } from '../../src/main/kiosk-config.ts';
import { KioskService } from '../../src/main/kiosk-service.ts';
import { faceLooksFailedInARowMax, faceTriesPerPaymentMax } from '../../src/shared/limits.ts';
import { syntheticFace } from '../hub/helpers.ts';
import type { KioskTestHub } from './kiosk-test-hub.ts';
import { closeKioskTestHub, modelId } from './kiosk-test-hub.ts';
import { provisionedAgain, startShopWithShopper } from './shop-fixture.ts';

const adminToken = `admin-${randomBytes(12).toString('hex')}`;
const clock = { offsetMs: 0, now: () => Date.now() + clock.offsetMs };

let test: KioskTestHub;
const links: HubLink[] = [];

beforeAll(async () => {
  test = await startShopWithShopper({
    prefix: 'facepay-kiosk-alerts-',
    adminToken,
    clock,
    face: syntheticFace(),
  });
}, 60_000);

afterAll(async () => {
  for (const link of links) link.dispose();
  await closeKioskTestHub(test);
});

/** A kiosk service of `config` (the shop's unless told) on the test's hub, its outbox in `outboxFile`. */
async function kioskService(outboxFile: string, config: KioskConfig = test.shop.config) {
  const { link } = await openHubLink(
    { ...config, hubUrl: test.hub.url },
    { now: clock.now, elapsed: clock.now },
  );
  links.push(link);
  const service = new KioskService({
    config,
    hub: link,
    modelId,
    now: clock.now,
    pendingHoldsFile: path.join(test.work, `pending-${path.basename(outboxFile)}`),
    kioskAlertsFile: outboxFile,
  });
  return { service, link };
}

/** A till payment on which the face session refused `looks` faces (the renderer reports each); cancelled. */
async function refusedLooks(service: KioskService, amount: number, looks: number) {
  const opened = service.requestFromTill({ amount, reference: `alerts-${amount}` });
  if (!opened.ok) throw new Error(`kiosk: ${opened.code}`);
  const paymentId = opened.payment.id;
  for (let look = 0; look < looks; look += 1)
    expect(await service.handlers.reportFaceRefused({ paymentId })).toMatchObject({ ok: true });
  expect(await service.handlers.cancel({ paymentId })).toMatchObject({ ok: true });
}

/** Failed looks up to one short of the pause, over as many payments as that takes. */
async function oneLookShortOfThePause(service: KioskService, amount: number) {
  let left = faceLooksFailedInARowMax - 1;
  for (let payment = 0; left > 0; payment += 1) {
    const looks = Math.min(left, faceTriesPerPaymentMax);
    await refusedLooks(service, amount + payment, looks);
    left -= looks;
  }
}

async function alertsOf(kioskId: string) {
  return (await test.admin.listKioskAlerts(kioskId)).items;
}

function waiting(outboxFile: string): Array<{ type: string; failedLooksInARow: number }> {
  return (JSON.parse(readFileSync(outboxFile, 'utf8')) as { alerts: never[] }).alerts;
}

describe('the hub hears of a kiosk pausing face checks', () => {
  it('driven to the pause, the hub lists face_checks_paused with the count; staff resume, it lists face_checks_resumed', async () => {
    const outboxFile = path.join(test.work, 'alerts-reachable.json');
    const { service } = await kioskService(outboxFile);
    const kioskId = test.shop.config.kioskId;
    await oneLookShortOfThePause(service, 100);
    expect(await alertsOf(kioskId)).toEqual([]);
    await refusedLooks(service, 110, 1);
    expect(service.status().faceChecksPaused).toBe(true);
    // The send started with the pause: this waits for it rather than sending again.
    await service.deliverAlerts();
    expect(await alertsOf(kioskId)).toMatchObject([
      { type: 'face_checks_paused', failedLooksInARow: faceLooksFailedInARowMax, kioskId },
    ]);
    expect(waiting(outboxFile)).toEqual([]);

    const pin = test.shop.config.operatorPin;
    expect(await service.handlers.operatorUnlock({ pin })).toMatchObject({ ok: true });
    expect(await service.handlers.operatorResumeFaceChecks({})).toMatchObject({ ok: true });
    await service.deliverAlerts();
    expect(await alertsOf(kioskId)).toMatchObject([
      { type: 'face_checks_resumed', failedLooksInARow: faceLooksFailedInARowMax },
      { type: 'face_checks_paused', failedLooksInARow: faceLooksFailedInARowMax },
    ]);
    expect(waiting(outboxFile)).toEqual([]);
  });

  it('with the hub stopped at the pause, the alert waits in the outbox and a later round delivers it once the hub is back', async () => {
    const outboxFile = path.join(test.work, 'alerts-hub-stopped.json');
    const { service, link } = await kioskService(outboxFile);
    const kioskId = test.shop.config.kioskId;
    const before = (await alertsOf(kioskId)).length;
    await oneLookShortOfThePause(service, 200);

    const { port } = test.hub;
    await test.hub.close();
    await refusedLooks(service, 210, 1);
    expect(service.status().faceChecksPaused).toBe(true);
    await service.deliverAlerts();
    expect(waiting(outboxFile)).toMatchObject([
      { type: 'face_checks_paused', failedLooksInARow: faceLooksFailedInARowMax },
    ]);
    // A round while the hub is away sends nothing and keeps the alert.
    expect(await watchHubRound(link, service)).toBe(false);
    expect(waiting(outboxFile)).toHaveLength(1);

    test.hub = await startHub({ dataDir: path.join(test.work, 'hub'), port, adminToken, clock });
    expect(await alertsOf(kioskId)).toHaveLength(before);
    expect(await watchHubRound(link, service)).toBe(true);
    expect(waiting(outboxFile)).toEqual([]);
    const alerts = await alertsOf(kioskId);
    expect(alerts).toHaveLength(before + 1);
    expect(alerts[0]).toMatchObject({
      type: 'face_checks_paused',
      failedLooksInARow: faceLooksFailedInARowMax,
    });
  });

  it('a kiosk the hub revoked stays paused, and its refused alert leaves the outbox instead of being sent for ever', async () => {
    const config = await provisionedAgain(test, 'till-revoked');
    const outboxFile = path.join(test.work, 'alerts-revoked.json');
    const { service } = await kioskService(outboxFile, config);
    await test.admin.revokeKiosk(config.kioskId);
    await oneLookShortOfThePause(service, 300);
    await refusedLooks(service, 310, 1);
    await service.deliverAlerts();
    expect(service.status().faceChecksPaused).toBe(true);
    expect(waiting(outboxFile)).toEqual([]);
    expect(await alertsOf(config.kioskId)).toEqual([]);
  });
});
