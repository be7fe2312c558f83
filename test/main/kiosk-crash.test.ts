// Crash safety of a shop payment: the kiosk's own node process (`npm run kiosk`'s web shell, which holds
// pending-holds.json) is SIGKILLed while its hold request is held at the network, restarted on the same folder,
// and the payer must end where the shopper was told: nothing taken, or paid once and never refunded.
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PendingHolds } from '../../src/main/pending-holds.ts';
import {
  confirmByFace,
  killKioskProcess,
  KioskSocket,
  type KioskProcess,
} from './kiosk-process.ts';
import { useShopCrashRig } from './shop-crash-rig.ts';

const { face, test, rig } = useShopCrashRig({ prefix: 'facepay-kiosk-crash-', deposit: 50_000 });

/** `npm run kiosk -- --config FILE --hub PROXY`, its clock the hub's (kiosk-process.ts). */
const startKiosk = () => rig().startKiosk();

const killKiosk = killKioskProcess;

/**
 * The till asks for `amount`; the shopper's face is identified, they tap OK (and give the PIN when
 * asked). Returns once the confirm that sends the hold request is on its way, with its answer to come.
 */
async function pay(kiosk: KioskProcess, amount: number, reference: string) {
  const response = await fetch(`${kiosk.url}/kiosk/v1/payment-requests`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${test().shop.tillToken}`,
      'content-type': 'application/json',
    },
    body: JSON.stringify({ amount, reference }),
  });
  expect(response.status).toBe(201);
  const paymentId = ((await response.json()) as { payment: { id: string } }).payment.id;
  const socket = await KioskSocket.open(kiosk.url);
  const paying = confirmByFace(socket, paymentId, face);
  return { paymentId, paying, socket };
}

const balance = async () => (await test().admin.getAccount('shopper')).balance;

/** The holds placed on the shopper under `reference` (one per payment: the kiosk's idempotency key). */
async function holdsOf(reference: string) {
  return (await test().admin.listHolds({ payer: 'shopper', reference })).items;
}

/**
 * (c) What the killed kiosk left on disk is a list the next start reads (the kiosk's own reader), and
 * it names this payment's request: written before the request went out, not after.
 */
function expectWrittenAhead(paymentId: string, amount: number, reference: string): void {
  expect(existsSync(`${rig().pendingHoldsFile}.tmp`)).toBe(false);
  const onDisk = new PendingHolds(rig().pendingHoldsFile).get(paymentId);
  expect(onDisk?.sent).toMatchObject({
    template: 'purchase',
    request: {
      payer: 'shopper',
      amount,
      reference,
      idempotencyKey: `kiosk-${test().shop.config.kioskId}-${paymentId}`,
    },
  });
}

describe('a kiosk process SIGKILLed during a shop payment, restarted on the same folder', () => {
  it('killed while its hold request waits at the network, which then loses it: nothing is taken, and the restart forgets it', async () => {
    const before = await balance();
    const first = await startKiosk();
    const held = rig().proxy.holdNextRequest();
    const { paymentId, paying } = await pay(first, 810, 'crash-lost');
    await held.arrived;
    await killKiosk(first);
    // The shopper's screen heard nothing but its kiosk going away: never "paid".
    expect(await paying).toMatchObject({ ok: false });
    expectWrittenAhead(paymentId, 810, 'crash-lost');
    held.drop();
    expect(await balance()).toBe(before);

    const second = await rig().restartPastAuthorization();
    await rig().reconciled(second, paymentId);
    expect(await balance()).toBe(before);
    expect(await holdsOf('crash-lost')).toEqual([]);
    await killKiosk(second);
  }, 120_000);

  it('killed while its hold request waits at the network, which delivers it afterwards: the hub takes it, the restart refunds it once', async () => {
    const before = await balance();
    const first = await startKiosk();
    const held = rig().proxy.holdNextRequest();
    const { paymentId, paying } = await pay(first, 920, 'crash-late');
    await held.arrived;
    await killKiosk(first);
    expect(await paying).toMatchObject({ ok: false });
    expectWrittenAhead(paymentId, 920, 'crash-late');
    expect(await held.forward()).toBe(201);
    expect(await balance()).toBe(before - 920); // the hub did take it; nobody was told

    const second = await rig().restartPastAuthorization();
    await rig().reconciled(second, paymentId);
    expect(await balance()).toBe(before);
    expect(await holdsOf('crash-late')).toMatchObject([
      { amount: 920, settled: 920, refunded: 920 },
    ]);
    await killKiosk(second);
  }, 120_000);

  it('killed after the hub settled its purchase, before the answer reached it: the restart refunds it once', async () => {
    const before = await balance();
    const first = await startKiosk();
    const held = rig().proxy.holdNextAnswer();
    const { paymentId, paying } = await pay(first, 1_030, 'crash-answer-lost');
    expect(await held.answered).toBe(201);
    await killKiosk(first);
    expect(await paying).toMatchObject({ ok: false });
    expectWrittenAhead(paymentId, 1_030, 'crash-answer-lost');
    expect(await balance()).toBe(before - 1_030);

    const second = await rig().restartPastAuthorization();
    await rig().reconciled(second, paymentId);
    expect(await balance()).toBe(before);
    expect(await holdsOf('crash-answer-lost')).toMatchObject([
      { amount: 1_030, settled: 1_030, refunded: 1_030 },
    ]);
    await killKiosk(second);
  }, 120_000);

  it('killed just after telling the shopper "paid": the restart never refunds it', async () => {
    const before = await balance();
    const first = await startKiosk();
    const { paymentId, paying, socket } = await pay(first, 1_140, 'crash-after-paid');
    expect(await paying).toMatchObject({ ok: true, payment: { state: 'paid' } });
    socket.close();
    await killKiosk(first);
    expect(new PendingHolds(rig().pendingHoldsFile).get(paymentId)).toBeUndefined();

    // Listening: its first reconcile, with the authorization long expired, has run.
    const second = await rig().restartPastAuthorization();
    expect(await balance()).toBe(before - 1_140);
    expect(await holdsOf('crash-after-paid')).toMatchObject([
      { amount: 1_140, settled: 1_140, refunded: 0 },
    ]);
    await killKiosk(second);
  }, 120_000);
});
