// The till after the kiosk's own node process is SIGKILLed and started again on the same folder: it still
// reads back how its payment ended, and its Idempotency-Key still finds that payment. Before, the kiosk kept
// both in memory only: GET answered 404 for a payment the shopper had paid, and the till asking again under
// its key opened a second payment, which the shopper could pay again (found in review).
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  confirmByFace,
  killKioskProcess,
  KioskSocket,
  type KioskProcess,
} from './kiosk-process.ts';
import { atPin, shopKiosk } from './shop-fixture.ts';
import { useShopCrashRig } from './shop-crash-rig.ts';
import { memberPin, networkHoldingBack } from './kiosk-test-hub.ts';
import { paymentAuthorizationLifetimeMs } from '../../src/shared/limits.ts';

const { clock, face, test, rig } = useShopCrashRig({
  prefix: 'facepay-till-restart-',
  deposit: 50_000,
});

interface TillView {
  id: string;
  state: string;
  amount: number;
  holdId: string | null;
  failure: string | null;
}

/** The till's POST under `key`. */
async function tillAsks(kiosk: KioskProcess, body: unknown, key: string) {
  const response = await fetch(`${kiosk.url}/kiosk/v1/payment-requests`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${test().shop.tillToken}`,
      'content-type': 'application/json',
      'idempotency-key': key,
    },
    body: JSON.stringify(body),
  });
  return {
    status: response.status,
    replayed: response.headers.get('idempotent-replayed'),
    payment: ((await response.json()) as { payment?: TillView }).payment,
  };
}

/** The till's GET of its payment. */
async function tillReads(kiosk: KioskProcess, paymentId: string) {
  const response = await fetch(`${kiosk.url}/kiosk/v1/payment-requests/${paymentId}`, {
    headers: { authorization: `Bearer ${test().shop.tillToken}` },
  });
  return {
    status: response.status,
    payment: ((await response.json()) as { payment?: TillView }).payment,
  };
}

const balance = async () => (await test().admin.getAccount('shopper')).balance;

describe('the till after the kiosk restarted', () => {
  it('reads its paid payment back, and its key answers that payment (replayed), not a new one to pay again', async () => {
    const before = await balance();
    const first = await rig().startKiosk();
    const body = { amount: 640, reference: 'till-restart-paid' };
    const asked = await tillAsks(first, body, 'order-640');
    expect(asked.status).toBe(201);
    const paymentId = asked.payment?.id ?? '';
    const socket = await KioskSocket.open(first.url);
    expect(await confirmByFace(socket, paymentId, face)).toMatchObject({
      ok: true,
      payment: { state: 'paid' },
    });
    socket.close();
    expect(await balance()).toBe(before - 640);
    await killKioskProcess(first);

    // The till lost the kiosk while polling: it reads the payment, and asks again under its key.
    const second = await rig().startKiosk();
    const read = await tillReads(second, paymentId);
    expect(read.status).toBe(200);
    expect(read.payment).toMatchObject({ id: paymentId, state: 'paid', amount: 640 });
    const holds = (await test().admin.listHolds({ payer: 'shopper', reference: body.reference }))
      .items;
    expect(holds).toHaveLength(1);
    expect(read.payment?.holdId).toBe(holds[0]?.id);
    const again = await tillAsks(second, body, 'order-640');
    expect(again.status).toBe(201);
    expect(again.replayed).toBe('true');
    expect(again.payment).toMatchObject({ id: paymentId, state: 'paid' });
    // Nothing opened: the next till request is taken (no payment open at the kiosk).
    const next = await tillAsks(second, { amount: 100, reference: 'till-restart-next' }, 'n-100');
    expect(next.status).toBe(201);
    expect(next.payment?.id).not.toBe(paymentId);
    expect(await balance()).toBe(before - 640);
    await killKioskProcess(second);
  }, 120_000);

  it('reads a payment the crash interrupted as failed (kiosk_restarted), and the hold that went through is refunded', async () => {
    const before = await balance();
    const first = await rig().startKiosk();
    const held = rig().proxy.holdNextRequest();
    const body = { amount: 870, reference: 'till-restart-interrupted' };
    const asked = await tillAsks(first, body, 'order-870');
    const paymentId = asked.payment?.id ?? '';
    const socket = await KioskSocket.open(first.url);
    const paying = confirmByFace(socket, paymentId, face);
    await held.arrived;
    await killKioskProcess(first);
    expect(await paying).toMatchObject({ ok: false });
    expect(await held.forward()).toBe(201);
    expect(await balance()).toBe(before - 870); // the hub took it; nobody was told

    const second = await rig().restartPastAuthorization();
    const read = await tillReads(second, paymentId);
    expect(read.status).toBe(200);
    expect(read.payment).toMatchObject({
      id: paymentId,
      state: 'failed',
      failure: 'kiosk_restarted',
      holdId: null,
    });
    const again = await tillAsks(second, body, 'order-870');
    expect(again).toMatchObject({ status: 201, replayed: 'true', payment: { id: paymentId } });
    await rig().reconciled(second, paymentId);
    expect(await balance()).toBe(before);
    await killKioskProcess(second);
  }, 120_000);

  it('finds a payment written paid whose lost-hold entry a crash left behind: not refunded by the restart', async () => {
    const pendingHoldsFile = path.join(test().work, 'pending-paid-left.json');
    const tillRequestsFile = path.join(test().work, 'till-paid-left.json');
    const before = await balance();
    const { network, arrived, release } = networkHoldingBack('/v1/holds');
    const first = await shopKiosk({
      test: test(),
      clock,
      network,
      pendingHoldsFile,
      tillRequestsFile,
    });
    const paymentId = await atPin(first.service, face, 560, 'till-restart-paid-left');
    const paying = first.service.handlers.confirm({ paymentId, pin: memberPin });
    await arrived;
    // The list as it is while the request is out: what a crash after the till's record was written paid,
    // before the entry was taken out, leaves on disk.
    const listedWhileOut = await readFile(pendingHoldsFile, 'utf8');
    expect(JSON.parse(listedWhileOut)).toHaveLength(1);
    release();
    expect(await paying).toMatchObject({ ok: true, payment: { state: 'paid' } });
    first.link.dispose();
    await writeFile(pendingHoldsFile, listedWhileOut);

    const restarted = await shopKiosk({
      test: test(),
      clock,
      network: fetch,
      pendingHoldsFile,
      tillRequestsFile,
    });
    expect(restarted.service.tillPayment(paymentId)).toMatchObject({ state: 'paid' });
    clock.offsetMs += paymentAuthorizationLifetimeMs + 15_000;
    expect(await restarted.service.reconcile()).toEqual({
      refunded: [],
      released: [],
      notPlaced: [],
      unresolved: [],
    });
    expect(await balance()).toBe(before - 560);
    expect(JSON.parse(await readFile(pendingHoldsFile, 'utf8'))).toEqual([]);
    restarted.link.dispose();
  });
});
