// Argon2id on the worker thread: the same verdicts as the in-thread verifier, the event loop free
// while it hashes, and bounded, fair queues: a share per client, payments before enrolments.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  PinQueueFullError,
  PinWorkerPool,
  type PinJobOwner,
} from '../../../src/biometrics/protect/pin-pool.node.ts';
import { verifyPin } from '../../../src/biometrics/protect/pin.ts';
import { sodium } from '../../../src/biometrics/protect/sodium.ts';
import {
  pinEnrolmentJobsQueuedMax,
  pinJobsQueuedPerClientMax,
  pinPaymentJobsQueuedMax,
} from '../../../src/shared/limits.ts';

let pool: PinWorkerPool;
let pepper: Uint8Array;
let verifier: string;
const till: PinJobOwner = { lane: 'payment', clientId: 'cli_till' };
beforeAll(async () => {
  await sodium.ready;
  pool = new PinWorkerPool();
  pepper = sodium.randombytes_buf(32);
  verifier = await pool.create({
    pin: sodium.from_string('4821'),
    pepper,
    owner: { lane: 'enrolment', clientId: 'cli_station' },
  });
}, 60_000);
afterAll(async () => pool.close());

const check = (owner: PinJobOwner, pin = '0000') =>
  pool.verify({ pin: sodium.from_string(pin), pepper, verifier, owner });

function refusedAsFull(results: PromiseSettledResult<unknown>[]): number {
  return results.filter((r) => r.status === 'rejected' && r.reason instanceof PinQueueFullError)
    .length;
}

describe('PIN worker pool', () => {
  it('agrees with the in-thread verifier on right, wrong and missing verifiers', async () => {
    expect(verifier.startsWith('$argon2id$')).toBe(true);
    expect(verifyPin({ pin: '4821', pepper, verifier })).toBe(true);
    expect(await check(till, '4821')).toBe(true);
    expect(await check(till, '4822')).toBe(false);
    expect(
      await pool.verify({ pin: sodium.from_string('4821'), pepper, verifier: null, owner: till }),
    ).toBe(false);
    const otherPepper = sodium.randombytes_buf(32);
    expect(
      await pool.verify({
        pin: sodium.from_string('4821'),
        pepper: otherPepper,
        verifier,
        owner: till,
      }),
    ).toBe(false);
  });

  it('keeps the event loop running while it hashes', async () => {
    let ticks = 0;
    const timer = setInterval(() => (ticks += 1), 5);
    const matched = await check(till, '4821');
    clearInterval(timer);
    expect(matched).toBe(true);
    expect(ticks).toBeGreaterThan(3);
  });

  it(`gives one client at most ${pinJobsQueuedPerClientMax} jobs at once, whatever the lane`, async () => {
    const results = await Promise.allSettled(
      Array.from({ length: pinJobsQueuedPerClientMax + 3 }, () => check(till)),
    );
    expect(refusedAsFull(results)).toBe(3);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(pinJobsQueuedPerClientMax);
  });

  it(`bounds each lane: ${pinPaymentJobsQueuedMax} payment and ${pinEnrolmentJobsQueuedMax} enrolment jobs waiting`, async () => {
    const owners = (lane: PinJobOwner['lane'], clients: number) =>
      Array.from({ length: clients }, (_, i) => ({ lane, clientId: `cli_${lane}_${i}` }));
    const sendAll = (list: PinJobOwner[]) =>
      list.flatMap((owner) =>
        Array.from({ length: pinJobsQueuedPerClientMax }, () => check(owner)),
      );
    const enrolments = sendAll(owners('enrolment', 8));
    const payments = sendAll(owners('payment', 12));
    // Both settled together: a payment refused while the enrolments run must already have its handler.
    const [settledEnrolments, settledPayments] = await Promise.all([
      Promise.allSettled(enrolments),
      Promise.allSettled(payments),
    ]);
    // One job runs at once (it has left its lane); the lane holds the rest up to its bound.
    expect(refusedAsFull(settledEnrolments)).toBe(
      enrolments.length - pinEnrolmentJobsQueuedMax - 1,
    );
    expect(refusedAsFull(settledPayments)).toBe(payments.length - pinPaymentJobsQueuedMax);
  });

  it('runs waiting payment checks before waiting enrolment jobs, and clients take turns', async () => {
    const finished: string[] = [];
    const track = (name: string, owner: PinJobOwner) =>
      check(owner).then(() => finished.push(name));
    const jobs = [
      track('enrol-a1', { lane: 'enrolment', clientId: 'a' }), // runs at once: the worker is idle
      track('enrol-a2', { lane: 'enrolment', clientId: 'a' }),
      track('enrol-a3', { lane: 'enrolment', clientId: 'a' }),
      track('enrol-b1', { lane: 'enrolment', clientId: 'b' }),
      track('pay-t1', { lane: 'payment', clientId: 't' }),
      track('pay-t2', { lane: 'payment', clientId: 't' }),
      track('pay-u1', { lane: 'payment', clientId: 'u' }),
    ];
    await Promise.all(jobs);
    expect(finished).toEqual([
      'enrol-a1',
      'pay-t1',
      'pay-u1',
      'pay-t2',
      'enrol-a2',
      'enrol-b1',
      'enrol-a3',
    ]);
  });
});
