// The till's payment requests (till-requests.json) on a disk that refuses writes (ENOSPC: the temp file is a
// link to /dev/full), against a real hub. A request that cannot be written down opens nothing: no payment on
// the screen, and its Idempotency-Key is not taken. A purchase paid while its record cannot be written paid
// keeps its lost-hold entry: a restart reads it interrupted and reconcile refunds it, so the till never reads
// "failed, nothing taken" for money taken; once the file can be written again, the payment is written paid
// and nothing is refunded. Found in review of the first version, which answered the till's retry under the
// key with a failed payment, and dropped the lost-hold entry of a paid purchase whose record was not written.
import { rmSync, symlinkSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { paymentAuthorizationLifetimeMs } from '../../src/shared/limits.ts';
import { memberPin } from './kiosk-test-hub.ts';
import { atPin, shopKiosk } from './shop-fixture.ts';
import { useShopWithShopper } from './shop-per-file.ts';

const shop = useShopWithShopper('facepay-till-disk-full-');
const { face, clock } = shop;

/** A state folder of its own; `full(true)` makes every new write of till-requests.json fail. */
function stateFolder(name: string) {
  const { tillRequestsFile, pendingHoldsFile } = shop.stateFolder(name);
  const full = (on: boolean) => {
    if (on) symlinkSync('/dev/full', `${tillRequestsFile}.tmp`);
    else rmSync(`${tillRequestsFile}.tmp`, { force: true });
  };
  const kiosk = () =>
    shopKiosk({ test: shop.hub(), clock, network: fetch, pendingHoldsFile, tillRequestsFile });
  const listed = async () => JSON.parse(await readFile(pendingHoldsFile, 'utf8')) as unknown[];
  return { full, kiosk, listed };
}

const balance = async () => (await shop.hub().admin.getAccount('shopper')).balance;

describe("the till's requests on a full disk", () => {
  it('a request that cannot be written opens nothing: 500, no payment on the screen, and the key opens one later', async () => {
    const folder = stateFolder('unwritten-request');
    const { service, link } = await folder.kiosk();
    const events: string[] = [];
    service.subscribe((event) => {
      if (event.type === 'payment') events.push(event.payment.state);
    });
    folder.full(true);
    const request = { amount: 450, reference: 'disk-full-450' };
    expect(service.requestFromTill(request, 'order-450')).toMatchObject({
      ok: false,
      status: 500,
      code: 'internal',
    });
    expect(events).toEqual([]);
    expect(service.status().payment).toBeNull();
    folder.full(false);
    const again = service.requestFromTill(request, 'order-450');
    expect(again).toMatchObject({
      ok: true,
      replayed: false,
      payment: { state: 'waiting_for_face' },
    });
    if (again.ok) service.cancelFromTill(again.payment.id);
    link.dispose();
  });

  it('paid while its record cannot be written paid: a restart reads it interrupted, and reconcile refunds it', async () => {
    const folder = stateFolder('unwritten-paid-restart');
    const before = await balance();
    const first = await folder.kiosk();
    const paymentId = await atPin(first.service, face, 530, 'disk-full-paid-restart');
    folder.full(true);
    expect(await first.service.handlers.confirm({ paymentId, pin: memberPin })).toMatchObject({
      ok: true,
      payment: { state: 'paid' },
    });
    expect(await balance()).toBe(before - 530);
    expect(await folder.listed()).toHaveLength(1); // kept: the till's file does not say paid
    first.link.dispose();

    // Restarted with the disk still full: the record on disk is the open one.
    const restarted = await folder.kiosk();
    expect(restarted.service.tillPayment(paymentId)).toMatchObject({
      state: 'failed',
      failure: 'kiosk_restarted',
    });
    clock.offsetMs += paymentAuthorizationLifetimeMs + 15_000;
    expect(await restarted.service.reconcile()).toMatchObject({ refunded: [paymentId] });
    expect(await balance()).toBe(before);
    restarted.link.dispose();
    folder.full(false);
  });

  it('paid while its record cannot be written paid, the disk back in the same run: written paid, nothing refunded', async () => {
    const folder = stateFolder('unwritten-paid-recovered');
    const before = await balance();
    const first = await folder.kiosk();
    const paymentId = await atPin(first.service, face, 610, 'disk-full-paid-recovered');
    folder.full(true);
    expect(await first.service.handlers.confirm({ paymentId, pin: memberPin })).toMatchObject({
      ok: true,
      payment: { state: 'paid' },
    });
    folder.full(false);
    clock.offsetMs += paymentAuthorizationLifetimeMs + 15_000;
    expect(await first.service.reconcile()).toEqual({
      refunded: [],
      released: [],
      notPlaced: [],
      unresolved: [],
    });
    expect(await folder.listed()).toEqual([]);
    first.link.dispose();
    const restarted = await folder.kiosk();
    expect(restarted.service.tillPayment(paymentId)).toMatchObject({ state: 'paid' });
    expect(await balance()).toBe(before - 610);
    restarted.link.dispose();
  });
});
