// pending-holds.json keeps each lost request's time left before reconcile may ask the hub again: counted on
// the elapsed clock, written at each change and at reconcile's checkpoints, never longer than the wait
// itself and never shortened by a restart. The elapsed clock is the test's own, moved by hand.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { PendingHolds } from '../../src/main/pending-holds.ts';
import {
  paymentAuthorizationLifetimeMs,
  reconcileMarginMs,
  reconcileWaitCheckpointMs,
} from '../../src/shared/limits.ts';
import { scratchDir } from '../hub/helpers.ts';
import { lostPurchase } from './pending-hold-example.ts';

const waitMs = paymentAuthorizationLifetimeMs + reconcileMarginMs;
let work: string;

beforeAll(() => {
  work = scratchDir('facepay-pending-wait-');
});

/** An elapsed clock that moves only when the test says time passed. */
function testElapsed() {
  const clock = { ms: 5_000, read: () => clock.ms };
  return clock;
}

const lost = lostPurchase({ sentBy: null, sentByClient: null });

const onDisk = (file: string) =>
  JSON.parse(readFileSync(file, 'utf8')) as { paymentId: string; waitLeftMs?: number }[];

describe('the wait before a lost hold request is asked again', () => {
  it('is the authorization lifetime and the margin of elapsed time, and ends there', () => {
    const elapsed = testElapsed();
    const holds = new PendingHolds(path.join(work, 'runs.json'), elapsed.read);
    holds.add('pay_1', lost);
    expect(holds.waitLeftMs('pay_1')).toBe(waitMs);
    elapsed.ms += waitMs - 1;
    expect(holds.waitLeftMs('pay_1')).toBe(1);
    elapsed.ms += 1;
    expect(holds.waitLeftMs('pay_1')).toBe(0);
  });

  it('is written at reconcile checkpoints, and a restart waits what the last one kept, not less', () => {
    const file = path.join(work, 'checkpoints.json');
    const elapsed = testElapsed();
    const holds = new PendingHolds(file, elapsed.read);
    holds.add('pay_1', lost);
    expect(onDisk(file)).toMatchObject([{ paymentId: 'pay_1', waitLeftMs: waitMs }]);
    elapsed.ms += reconcileWaitCheckpointMs - 1;
    holds.checkpoint();
    expect(onDisk(file)).toMatchObject([{ waitLeftMs: waitMs }]);
    elapsed.ms += 1;
    holds.checkpoint();
    expect(onDisk(file)).toMatchObject([{ waitLeftMs: waitMs - reconcileWaitCheckpointMs }]);
    elapsed.ms += 10_000;
    // A new run on another elapsed clock (a new process starts it afresh): the downtime does not count.
    const restarted = testElapsed();
    restarted.ms = 0;
    const again = new PendingHolds(file, restarted.read);
    expect(again.waitLeftMs('pay_1')).toBe(waitMs - reconcileWaitCheckpointMs);
  });

  it('once over, is written as over once more, and then no longer rewritten', () => {
    const file = path.join(work, 'over.json');
    const elapsed = testElapsed();
    const holds = new PendingHolds(file, elapsed.read);
    holds.add('pay_1', lost);
    elapsed.ms += waitMs + reconcileWaitCheckpointMs;
    holds.checkpoint();
    expect(onDisk(file)).toMatchObject([{ waitLeftMs: 0 }]);
    writeFileSync(file, JSON.stringify(onDisk(file).map((entry) => ({ ...entry, marker: 1 }))));
    elapsed.ms += reconcileWaitCheckpointMs;
    holds.checkpoint();
    // Not written again (a rewrite would have dropped the marker the test put there).
    expect(onDisk(file)).toMatchObject([{ marker: 1 }]);
  });

  it('from a file of an older kiosk (sentAtMs only): the whole wait from this start, whatever sentAtMs says', () => {
    const file = path.join(work, 'older.json');
    writeFileSync(file, JSON.stringify([{ paymentId: 'pay_1', ...lost, sentAtMs: 0 }]));
    const elapsed = testElapsed();
    const holds = new PendingHolds(file, elapsed.read);
    expect(holds.waitLeftMs('pay_1')).toBe(waitMs);
    elapsed.ms += waitMs;
    expect(holds.waitLeftMs('pay_1')).toBe(0);
  });

  it('is never longer than its length, whatever the file says', () => {
    const file = path.join(work, 'longer.json');
    writeFileSync(
      file,
      JSON.stringify([{ paymentId: 'pay_1', ...lost, waitLeftMs: 25 * 3_600_000 }]),
    );
    const holds = new PendingHolds(file, testElapsed().read);
    expect(holds.waitLeftMs('pay_1')).toBe(waitMs);
  });
});
