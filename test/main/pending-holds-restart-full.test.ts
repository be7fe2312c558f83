// A purchase the hub settled while pending-holds.json could not be rewritten (its folder full) stays paid
// through a restart on the still-full folder: the kiosk noted it settled in space written out in advance,
// where it used to ask the hub again after the restart and refund a purchase its shopper was told was paid.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answeredJournalSlots, settledMark } from '../../src/main/answered-journal.ts';
import { PendingHolds } from '../../src/main/pending-holds.ts';
import { paymentAuthorizationLifetimeMs } from '../../src/shared/limits.ts';
import { syntheticFace } from '../hub/helpers.ts';
import type { KioskTestHub } from './kiosk-test-hub.ts';
import { closeKioskTestHub, isPostTo } from './kiosk-test-hub.ts';
import { folderThatFills } from './folder-that-fills.ts';
import { lostPurchase } from './pending-hold-example.ts';
import { pay, shopKiosk, startShopWithShopper } from './shop-fixture.ts';

const adminToken = `admin-${randomBytes(12).toString('hex')}`;
const face = syntheticFace();
/** Moves forward only (the hub's rate limiter counts on it). */
const clock = { offsetMs: 0, now: () => Date.now() + clock.offsetMs };

let test: KioskTestHub;

beforeAll(async () => {
  test = await startShopWithShopper({
    prefix: 'facepay-pending-restart-full-',
    adminToken,
    clock,
    face,
  });
}, 60_000);

afterAll(async () => {
  await closeKioskTestHub(test);
});

const folder = (name: string) => folderThatFills(test.work, name);

const balance = async () => (await test.admin.getAccount('shopper')).balance;
const holdsUnder = async (reference: string) =>
  (await test.admin.listHolds({ payer: 'shopper', reference })).items;
const nothingToReconcile = { refunded: [], released: [], notPlaced: [], unresolved: [] };
/** Past the request's authorization and reconcile's wait, on the kiosk's clocks and the hub's. */
const pastTheWait = () => {
  clock.offsetMs += paymentAuthorizationLifetimeMs + 15_000;
};

describe('a restart while pending-holds.json still cannot be rewritten', () => {
  it('keeps a settled purchase paid: the restarted kiosk does not refund it, and writes the list once it can', async () => {
    const disk = folder('settled-then-restart');
    const first = await shopKiosk({
      test,
      clock,
      network: disk.network,
      pendingHoldsFile: disk.file,
    });
    const before = await balance();
    disk.counts.fillWhenAnswered = true;
    let paid;
    try {
      paid = await pay(first.service, face, 270, 'order-restart-full-1');
    } finally {
      first.link.dispose();
      disk.counts.fillWhenAnswered = false;
    }
    expect(paid.answer).toMatchObject({ ok: true, payment: { state: 'paid' } });
    expect(await balance()).toBe(before - 270);
    // The list on disk still names the request written ahead of it: the folder is full.
    expect(disk.listed()).toEqual(['order-restart-full-1']);

    // The kiosk restarts on the same folder, still full, and reconciles once the wait is over.
    const second = await shopKiosk({
      test,
      clock,
      network: disk.network,
      pendingHoldsFile: disk.file,
    });
    try {
      pastTheWait();
      expect(await second.service.reconcile()).toEqual(nothingToReconcile);
      expect(await balance()).toBe(before - 270);
      const [hold] = await holdsUnder('order-restart-full-1');
      expect(hold).toMatchObject({ status: 'settled', settled: 270, refunded: 0 });
      // Room again: the list is written without it, and a later restart finds nothing to do either.
      disk.full(false);
      expect(await second.service.reconcile()).toEqual(nothingToReconcile);
      expect(disk.listed()).toEqual([]);
    } finally {
      second.link.dispose();
      disk.full(false);
    }
    expect(new PendingHolds(disk.file).entries()).toEqual([]);
    expect(await balance()).toBe(before - 270);
  });

  it('still refunds, after the restart, a purchase whose answer was lost: only what was settled is forgotten', async () => {
    const disk = folder('lost-then-settled-then-restart');
    const lost = { on: false };
    const network: typeof fetch = async (input, init) => {
      const answer = await disk.network(input, init);
      if (lost.on && isPostTo('/v1/holds', input, init)) throw new TypeError('connection reset');
      return answer;
    };
    const first = await shopKiosk({ test, clock, network, pendingHoldsFile: disk.file });
    const before = await balance();
    let unknown;
    try {
      // The first purchase's answer is lost on the way back (the hub took the money).
      lost.on = true;
      unknown = await pay(first.service, face, 450, 'order-restart-full-2');
      expect(unknown.answer).toMatchObject({ ok: false });
      lost.on = false;
      // The next one settles, and the folder fills on its answer.
      disk.counts.fillWhenAnswered = true;
      const paid = await pay(first.service, face, 120, 'order-restart-full-3');
      expect(paid.answer).toMatchObject({ ok: true, payment: { state: 'paid' } });
      expect(await balance()).toBe(before - 450 - 120);
      disk.counts.fillWhenAnswered = false;
    } finally {
      first.link.dispose();
    }
    expect(disk.listed()).toEqual(['order-restart-full-2', 'order-restart-full-3']);

    const second = await shopKiosk({ test, clock, network, pendingHoldsFile: disk.file });
    try {
      pastTheWait();
      expect(await second.service.reconcile()).toEqual({
        ...nothingToReconcile,
        refunded: [unknown.paymentId],
      });
      expect(await balance()).toBe(before - 120);
      disk.full(false);
      expect(await second.service.reconcile()).toEqual(nothingToReconcile);
      expect(disk.listed()).toEqual([]);
    } finally {
      second.link.dispose();
      disk.full(false);
    }
  });

  it(`the journal is made, ${answeredJournalSlots} empty slots, before the first request is written down (or nothing goes out), and only the entry's own mark forgets it`, () => {
    const disk = folder('journal-made-ahead');
    const journal = disk.file.replace(/\.json$/, '.answered');
    const sender = { sentBy: null, sentByClient: null };
    // The journal cannot be made: the request is not written down, so the kiosk would not send it.
    symlinkSync('/dev/full', `${journal}.tmp`);
    const holds = new PendingHolds(disk.file);
    expect(() => holds.add('pay_1', lostPurchase(sender))).toThrow();
    expect(existsSync(disk.file)).toBe(false);
    rmSync(`${journal}.tmp`);
    holds.add('pay_1', lostPurchase(sender));
    expect(readFileSync(journal)).toEqual(Buffer.alloc(answeredJournalSlots * 64));
    // The same payment under another key, and a torn mark of its own: neither forgets it.
    const { idempotencyKey } = lostPurchase(sender).sent.request;
    const slots = Buffer.alloc(answeredJournalSlots * 64);
    slots.write(settledMark('pay_1', 'kiosk-k1-pay_1-again'), 0, 'latin1');
    slots.write(settledMark('pay_1', idempotencyKey).slice(0, 40), 64, 'latin1');
    writeFileSync(journal, slots);
    expect(new PendingHolds(disk.file).entries().map(([paymentId]) => paymentId)).toEqual([
      'pay_1',
    ]);
    slots.write(settledMark('pay_1', idempotencyKey), 128, 'latin1');
    writeFileSync(journal, slots);
    expect(new PendingHolds(disk.file).entries()).toEqual([]);
  });
});
