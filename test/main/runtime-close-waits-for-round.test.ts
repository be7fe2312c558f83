// Closing the kiosk runtime while an alert is on its way to the hub: close waits for that send's answer
// before it disposes the link and zeroes the signing key, and sends no other alert, which waits in the
// outbox's file for the next start. Before, close went on at once and the next alert was signed with the
// zeroed key (403 kiosk_signature_invalid). Ticking.stop resolves once the round in flight has finished.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTicking } from '../../src/main/background-ticks.ts';
import { startKioskRuntime, type KioskRuntime } from '../../src/main/kiosk-runtime.ts';
import { faceLooksFailedInARowMax, faceTriesPerPaymentMax } from '../../src/shared/limits.ts';
import { syntheticFace } from '../hub/helpers.ts';
import { startAlertsGate, type AlertsGate } from './alerts-gate.ts';
import { closeKioskTestHub, type KioskTestHub } from './kiosk-test-hub.ts';
import { provisionedAgain, startShopWithShopper } from './shop-fixture.ts';

let test: KioskTestHub;
let gate: AlertsGate;
let runtime: KioskRuntime | undefined;

beforeAll(async () => {
  test = await startShopWithShopper({
    prefix: 'facepay-runtime-close-',
    adminToken: `admin-${randomBytes(12).toString('hex')}`,
    clock: { offsetMs: 0, now: () => Date.now() },
    face: syntheticFace(),
  });
  gate = await startAlertsGate(test.hub.url);
}, 60_000);

afterAll(async () => {
  await runtime?.close();
  await gate?.close();
  if (test !== undefined) await closeKioskTestHub(test);
});

async function until(done: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!done()) {
    if (Date.now() > deadline) throw new Error('waited 10 s in vain');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('closing the kiosk runtime', () => {
  it('waits for the alert in flight, sends no other with the disposed key, and keeps the rest in the outbox', async () => {
    const config = { ...(await provisionedAgain(test, 'runtime-close')), hubUrl: gate.url };
    const outboxFile = path.join(config.keysDir, 'kiosk-alerts.json');
    const waiting = () =>
      (JSON.parse(readFileSync(outboxFile, 'utf8')) as { alerts: Array<{ type: string }> }).alerts;
    gate.fate = 'held back';
    runtime = await startKioskRuntime({ config });
    const { handlers, service } = runtime;

    // Two alerts waiting: the pause, then staff resuming.
    for (let looks = faceLooksFailedInARowMax, amount = 100; looks > 0; amount += 1) {
      const opened = service.requestFromTill({ amount, reference: `close-${amount}` });
      if (!opened.ok) throw new Error(`kiosk: ${opened.code}`);
      for (let look = 0; look < Math.min(looks, faceTriesPerPaymentMax); look += 1)
        await handlers.reportFaceRefused({ paymentId: opened.payment.id });
      await handlers.cancel({ paymentId: opened.payment.id });
      looks -= faceTriesPerPaymentMax;
    }
    expect(await handlers.operatorUnlock({ pin: config.operatorPin })).toMatchObject({ ok: true });
    expect(await handlers.operatorResumeFaceChecks({})).toMatchObject({ ok: true });
    await service.deliverAlerts();
    expect(waiting().map((alert) => alert.type)).toEqual([
      'face_checks_paused',
      'face_checks_resumed',
    ]);

    gate.fate = 'answer held';
    const delivering = service.deliverAlerts();
    await until(() => gate.held.length === 1);
    const answered = gate.alertStatuses.length;
    let closed = false;
    const closing = runtime.close().then(() => (closed = true));
    runtime = undefined;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(closed).toBe(false);
    gate.fate = 'passed';
    gate.held.shift()?.();
    await closing;
    await delivering;
    // Any send after close would have gone on by now.
    await new Promise((resolve) => setTimeout(resolve, 200));

    expect(gate.alertStatuses.slice(answered)).toEqual([201]);
    expect(waiting().map((alert) => alert.type)).toEqual(['face_checks_resumed']);
    expect((await test.admin.listKioskAlerts(config.kioskId)).items).toMatchObject([
      { type: 'face_checks_paused' },
    ]);
  });

  it("a background round's stop resolves once the round in flight has finished", async () => {
    let rounds = 0;
    let release = () => {};
    const ticking = await startTicking({
      round: async () => {
        rounds += 1;
        if (rounds === 2) await new Promise<void>((resolve) => (release = resolve));
        return 5;
      },
      retryMs: 5,
      onError: () => {},
    });
    await until(() => rounds === 2);
    let stopped = false;
    const stopping = ticking.stop().then(() => (stopped = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(stopped).toBe(false);
    release();
    await stopping;
    expect(rounds).toBe(2);
  });
});
