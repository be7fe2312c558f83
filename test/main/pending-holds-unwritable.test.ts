// A kiosk that cannot write pending-holds.json (its folder full) must not send the hold request: a request
// it could not write down would be forgotten by a crash while the hub takes the money. Nothing is held or
// taken, and once the folder can be written again the kiosk pays as before. A write that fails after the
// hub answered does not undo the answer: the shopper who paid is told so, and the list is written later.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KioskService } from '../../src/main/kiosk-service.ts';
import { paymentAuthorizationLifetimeMs } from '../../src/shared/limits.ts';
import { syntheticFace } from '../hub/helpers.ts';
import type { KioskTestHub } from './kiosk-test-hub.ts';
import { closeKioskTestHub } from './kiosk-test-hub.ts';
import { folderThatFills } from './folder-that-fills.ts';
import { pay as shopperPays, shopKiosk, startShopWithShopper } from './shop-fixture.ts';

const adminToken = `admin-${randomBytes(12).toString('hex')}`;
const face = syntheticFace();
/** Moves forward only (the hub's rate limiter counts on it). */
const clock = { offsetMs: 0, now: () => Date.now() + clock.offsetMs };
const english = JSON.parse(
  readFileSync(path.join(import.meta.dirname, '../../src/renderer/locales/en.json'), 'utf8'),
) as { error: Record<string, { body: string } | undefined> };

let test: KioskTestHub;

beforeAll(async () => {
  test = await startShopWithShopper({ prefix: 'facepay-pending-full-', adminToken, clock, face });
}, 60_000);

afterAll(async () => {
  await closeKioskTestHub(test);
});

/** A kiosk on the real hub whose pending-holds.json lives in a folder of its own that the test can fill. */
async function kioskWithFolder(name: string) {
  const folder = folderThatFills(test.work, name);
  const { service, link } = await shopKiosk({
    test,
    clock,
    network: folder.network,
    pendingHoldsFile: folder.file,
  });
  const close = () => {
    link.dispose();
    folder.full(false);
  };
  return { ...folder, service, close };
}

/** The till asks for `amount`; the shopper is identified by face, taps OK and types their PIN. */
const pay = (service: KioskService, amount: number, reference: string) =>
  shopperPays(service, face, amount, reference);

/** What the shopper's screen says for a failure (the renderer's rule: an unlisted code is 'other'). */
function shopperIsTold(code: string): string {
  return (english.error[code] ?? english.error['other'])?.body ?? '';
}

const balance = async () => (await test.admin.getAccount('shopper')).balance;
const holdsUnder = async (reference: string) =>
  (await test.admin.listHolds({ payer: 'shopper', reference })).items;
const nothingToReconcile = { refunded: [], released: [], notPlaced: [], unresolved: [] };

describe('pending-holds.json cannot be written', () => {
  it('before the hold request: it is never sent, and nothing is held or taken', async () => {
    const kiosk = await kioskWithFolder('full-before-send');
    try {
      const before = await balance();
      kiosk.full(true);
      await pay(kiosk.service, 640, 'order-full-1');
      expect(kiosk.counts.holdRequests).toBe(0);
      expect(await holdsUnder('order-full-1')).toEqual([]);
      expect(await balance()).toBe(before);
    } finally {
      kiosk.close();
    }
  });

  it('the payment ends failed (not a thrown error), the kiosk pays again at once, and the unsent request is never written down', async () => {
    const kiosk = await kioskWithFolder('full-then-room');
    try {
      const before = await balance();
      kiosk.full(true);
      const failed = await pay(kiosk.service, 640, 'order-full-2');
      expect(failed.answer).toMatchObject({ ok: false });
      const code = failed.answer.ok ? '' : failed.answer.error.code;
      expect(shopperIsTold(code)).toContain('No money was taken');
      expect(kiosk.service.tillPayment(failed.paymentId)).toMatchObject({ state: 'failed' });
      // The folder has room again: the next payment goes through, and only it was ever written down.
      kiosk.full(false);
      const paid = await pay(kiosk.service, 310, 'order-full-3');
      expect(paid.answer).toMatchObject({ ok: true, payment: { state: 'paid' } });
      expect(await balance()).toBe(before - 310);
      expect(JSON.parse(readFileSync(kiosk.file, 'utf8'))).toEqual([]);
      clock.offsetMs += paymentAuthorizationLifetimeMs + 15_000;
      expect(await kiosk.service.reconcile()).toEqual(nothingToReconcile);
      expect(await holdsUnder('order-full-2')).toEqual([]);
    } finally {
      kiosk.close();
    }
  });

  it('a purchase the hub settled is reported paid even when the file cannot be updated after the answer, and the list is written once it can', async () => {
    const kiosk = await kioskWithFolder('full-after-answer');
    try {
      const before = await balance();
      kiosk.counts.fillWhenAnswered = true;
      const paid = await pay(kiosk.service, 270, 'order-full-4').catch((error: unknown) => error);
      expect(await balance()).toBe(before - 270);
      expect(paid).toMatchObject({ answer: { ok: true, payment: { state: 'paid' } } });
      // The file still lists the request written ahead of it; the kiosk knows it was answered.
      const listed = kiosk.listed;
      expect(listed()).toEqual(['order-full-4']);
      clock.offsetMs += paymentAuthorizationLifetimeMs + 15_000;
      expect(await kiosk.service.reconcile()).toEqual(nothingToReconcile);
      expect(listed()).toEqual(['order-full-4']);
      // Room again: reconcile writes the list as memory has it, and the receipt's money stays paid.
      kiosk.full(false);
      expect(await kiosk.service.reconcile()).toEqual(nothingToReconcile);
      expect(listed()).toEqual([]);
      expect(await balance()).toBe(before - 270);
    } finally {
      kiosk.close();
    }
  });
});
