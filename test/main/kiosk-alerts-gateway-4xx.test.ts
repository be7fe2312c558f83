// A 4xx that is not the hub's own refusal of the alert leaves the alert in the outbox: a gateway's JSON 4xx
// (its own body, no hub error code) and an older hub without the alerts route (404 not_found in the hub's
// body) say nothing of the alert, and the alert reaches the hub once the way is clear.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HubLink } from '../../src/main/hub-link.ts';
import type { KioskConfig } from '../../src/main/kiosk-config.ts';
import { openHubLink } from '../../src/main/kiosk-runtime.ts';
import { KioskService } from '../../src/main/kiosk-service.ts';
import { faceLooksFailedInARowMax, faceTriesPerPaymentMax } from '../../src/shared/limits.ts';
import { syntheticFace } from '../hub/helpers.ts';
import { startAlertsGate, type AlertFate, type AlertsGate } from './alerts-gate.ts';
import { closeKioskTestHub, modelId, type KioskTestHub } from './kiosk-test-hub.ts';
import { provisionedAgain, startShopWithShopper } from './shop-fixture.ts';

const clock = { offsetMs: 0, now: () => Date.now() + clock.offsetMs };

let test: KioskTestHub;
let gate: AlertsGate;
const links: HubLink[] = [];

beforeAll(async () => {
  test = await startShopWithShopper({
    prefix: 'facepay-kiosk-alerts-4xx-',
    adminToken: `admin-${randomBytes(12).toString('hex')}`,
    clock,
    face: syntheticFace(),
  });
  gate = await startAlertsGate(test.hub.url);
}, 60_000);

afterAll(async () => {
  for (const link of links) link.dispose();
  await gate?.close();
  if (test !== undefined) await closeKioskTestHub(test);
});

/** A kiosk service of `config` whose every call to the hub goes through the gate. */
async function kioskService(config: KioskConfig, outboxFile: string): Promise<KioskService> {
  const { link } = await openHubLink(
    { ...config, hubUrl: gate.url },
    { now: clock.now, elapsed: clock.now },
  );
  links.push(link);
  return new KioskService({
    config,
    hub: link,
    modelId,
    now: clock.now,
    pendingHoldsFile: path.join(test.work, `pending-${path.basename(outboxFile)}`),
    kioskAlertsFile: outboxFile,
  });
}

/** Refused looks over as many till payments as it takes, till the kiosk pauses its face checks. */
async function drivenToThePause(service: KioskService, amount: number): Promise<void> {
  let left = faceLooksFailedInARowMax;
  for (let payment = 0; left > 0; payment += 1) {
    const opened = service.requestFromTill({
      amount: amount + payment,
      reference: `4xx-${amount}`,
    });
    if (!opened.ok) throw new Error(`kiosk: ${opened.code}`);
    const paymentId = opened.payment.id;
    const looks = Math.min(left, faceTriesPerPaymentMax);
    for (let look = 0; look < looks; look += 1)
      expect(await service.handlers.reportFaceRefused({ paymentId })).toMatchObject({ ok: true });
    await service.handlers.cancel({ paymentId });
    left -= looks;
  }
  expect(service.status().faceChecksPaused).toBe(true);
}

function waiting(outboxFile: string): Array<{ type: string }> {
  return (JSON.parse(readFileSync(outboxFile, 'utf8')) as { alerts: never[] }).alerts;
}

describe.each<{ fate: AlertFate; what: string }>([
  { fate: 'gateway 4xx', what: "a gateway's 400 in its own JSON" },
  { fate: 'route missing', what: "an older hub's 404 not_found for the alerts route" },
])('the pause alert answered with $what', ({ fate }) => {
  it('stays in the outbox, and the hub lists it once the alert passes', async () => {
    const config = await provisionedAgain(test, `alerts-${fate.replace(' ', '-')}`);
    const outboxFile = path.join(test.work, `alerts-${fate.replace(' ', '-')}.json`);
    const service = await kioskService(config, outboxFile);
    gate.fate = fate;
    await drivenToThePause(service, 100);
    await service.deliverAlerts();
    expect(waiting(outboxFile)).toMatchObject([{ type: 'face_checks_paused' }]);
    expect((await test.admin.listKioskAlerts(config.kioskId)).items).toEqual([]);

    gate.fate = 'passed';
    await service.deliverAlerts();
    expect(waiting(outboxFile)).toEqual([]);
    expect((await test.admin.listKioskAlerts(config.kioskId)).items).toMatchObject([
      { type: 'face_checks_paused', failedLooksInARow: faceLooksFailedInARowMax },
    ]);
  });
});
