// Two restarts on a folder that stays full: the journal of settled payments carries what each run settled
// (a purchase answered in the first, a lost request settled in the second) and forgets nothing else.
//
// Review coverage of aaa323c: pending-holds-restart-full restarts once; here the second run notes into the
// journal the first run left, the third run reads both marks, and a request never settled stays listed
// through every run until the folder has room and the list is written without the settled ones.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { answeredJournalSlots } from '../../src/main/answered-journal.ts';
import { PendingHolds, type PendingHold } from '../../src/main/pending-holds.ts';
import { folderThatFills } from './folder-that-fills.ts';
import { lostPurchase } from './pending-hold-example.ts';

const work = mkdtempSync(path.join(os.tmpdir(), 'facepay-pending-restarts-full-'));

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

/** A lost purchase of its own payment id (its own Idempotency-Key) and reference. */
function lost(paymentId: string): PendingHold {
  const example = lostPurchase({ sentBy: null, sentByClient: null });
  const request = {
    ...example.sent.request,
    reference: `order-${paymentId}`,
    idempotencyKey: `kiosk-k1-${paymentId}`,
  };
  return { ...example, sent: { template: 'purchase', request } };
}

const ids = (holds: PendingHolds) => holds.entries().map(([paymentId]) => paymentId);

describe('restarts on a folder that stays full', () => {
  it('forgets what each run settled and keeps the request never settled, until the list can be written', () => {
    const disk = folderThatFills(work, 'restarts-full');
    const journal = disk.file.replace(/\.json$/, '.answered');
    const first = new PendingHolds(disk.file);
    first.add('pay_paid', lost('pay_paid'));
    first.add('pay_lost', lost('pay_lost'));
    first.add('pay_waiting', lost('pay_waiting'));
    disk.full(true);
    // Run 1: the purchase in flight is answered (paid) while the folder is full.
    first.delete('pay_paid');
    expect(first.unsaved).toBe(true);
    expect(disk.listed()).toEqual(['order-pay_paid', 'order-pay_lost', 'order-pay_waiting']);

    // Run 2, still full: reconcile settles a lost request; a new request cannot be written down.
    const second = new PendingHolds(disk.file);
    expect(ids(second)).toEqual(['pay_lost', 'pay_waiting']);
    second.delete('pay_lost');
    expect(() => second.add('pay_new', lost('pay_new'))).toThrow();
    expect(second.flush()).toBe(false);

    // Run 3, still full: both settled entries forgotten, the one never settled kept.
    const third = new PendingHolds(disk.file);
    expect(ids(third)).toEqual(['pay_waiting']);
    expect(third.flush()).toBe(false);
    expect(disk.listed()).toEqual(['order-pay_paid', 'order-pay_lost', 'order-pay_waiting']);

    // Room again: the list is written without them, and the journal is empty again.
    disk.full(false);
    expect(third.flush()).toBe(true);
    expect(disk.listed()).toEqual(['order-pay_waiting']);
    expect(readFileSync(journal)).toEqual(Buffer.alloc(answeredJournalSlots * 64));
    expect(ids(new PendingHolds(disk.file))).toEqual(['pay_waiting']);
  });
});
