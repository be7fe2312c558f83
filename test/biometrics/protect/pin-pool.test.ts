// Argon2id on the worker thread: the same verdicts as the in-thread verifier, the event loop free
// while it hashes, and a bounded queue that refuses instead of piling up.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PinQueueFullError, PinWorkerPool } from '../../../src/biometrics/protect/pin-pool.node.ts';
import { verifyPin } from '../../../src/biometrics/protect/pin.ts';
import { sodium } from '../../../src/biometrics/protect/sodium.ts';
import { pinChecksQueuedMax } from '../../../src/shared/limits.ts';

let pool: PinWorkerPool;
let pepper: Uint8Array;
let verifier: string;
beforeAll(async () => {
  await sodium.ready;
  pool = new PinWorkerPool();
  pepper = sodium.randombytes_buf(32);
  verifier = await pool.create({ pin: sodium.from_string('4821'), pepper });
}, 60_000);
afterAll(async () => pool.close());

describe('PIN worker pool', () => {
  it('agrees with the in-thread verifier on right, wrong and missing verifiers', async () => {
    expect(verifier.startsWith('$argon2id$')).toBe(true);
    expect(verifyPin({ pin: '4821', pepper, verifier })).toBe(true);
    expect(await pool.verify({ pin: sodium.from_string('4821'), pepper, verifier })).toBe(true);
    expect(await pool.verify({ pin: sodium.from_string('4822'), pepper, verifier })).toBe(false);
    expect(await pool.verify({ pin: sodium.from_string('4821'), pepper, verifier: null })).toBe(
      false,
    );
    const otherPepper = sodium.randombytes_buf(32);
    expect(
      await pool.verify({ pin: sodium.from_string('4821'), pepper: otherPepper, verifier }),
    ).toBe(false);
  });

  it('keeps the event loop running while it hashes', async () => {
    const pin = sodium.from_string('4821');
    let ticks = 0;
    const timer = setInterval(() => (ticks += 1), 5);
    const matched = await pool.verify({ pin, pepper, verifier });
    clearInterval(timer);
    expect(matched).toBe(true);
    expect(ticks).toBeGreaterThan(3);
  });

  it(`refuses more than ${pinChecksQueuedMax} waiting checks`, async () => {
    const results = await Promise.allSettled(
      Array.from({ length: pinChecksQueuedMax + 4 }, () =>
        pool.verify({ pin: sodium.from_string('0000'), pepper, verifier }),
      ),
    );
    const refused = results.filter((r) => r.status === 'rejected');
    expect(refused).toHaveLength(4);
    expect(
      refused.every((r) => r.status === 'rejected' && r.reason instanceof PinQueueFullError),
    ).toBe(true);
    expect(results.filter((r) => r.status === 'fulfilled' && r.value === false)).toHaveLength(
      pinChecksQueuedMax,
    );
  });
});
