// The back-off after a worker that keeps dying is timed on a monotonic clock: a wall clock stepped back
// (NTP, a VM resumed) does not lengthen the time every PIN payment and enrolment is refused.
//
// Found in review: the back-off's end was a Date.now() instant, so a step back of an hour refused every
// PIN request (503) for an hour more.
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  PinWorkerFailedError,
  PinWorkerPool,
  pinWorkerBackoffFirstMs,
  pinWorkerRespawnsMax,
  type PinJobOwner,
} from '../../../src/biometrics/protect/pin-pool.node.ts';
import { sodium } from '../../../src/biometrics/protect/sodium.ts';

const till: PinJobOwner = { lane: 'payment', clientId: 'cli_till' };
const station: PinJobOwner = { lane: 'enrolment', clientId: 'cli_station' };

let pool: PinWorkerPool | undefined;
let pepper: Uint8Array;

beforeAll(async () => {
  await sodium.ready;
  pepper = sodium.randombytes_buf(32);
});

afterEach(async () => {
  vi.useRealTimers();
  await pool?.close();
  pool = undefined;
});

describe('the back-off of a worker that keeps dying', () => {
  it('ends after its length on the monotonic clock, though the wall clock stepped back 1 h', async () => {
    let monotonic = 0;
    const pins = (pool = new PinWorkerPool({ now: () => monotonic }));
    const verifier = await pins.create({ pin: sodium.from_string('4821'), pepper, owner: station });
    const check = () =>
      pins.verify({ pin: sodium.from_string('4821'), pepper, verifier, owner: till });
    for (let crash = 0; crash <= pinWorkerRespawnsMax; crash++) {
      const job = check();
      await pins.dangerousTestOnlyKillWorker();
      await expect(job).rejects.toBeInstanceOf(PinWorkerFailedError);
    }
    // Backing off: refused at once.
    await expect(check()).rejects.toThrow(/not started again/);

    // The wall clock steps back an hour; the monotonic clock goes on past the back-off.
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() - 3_600_000);
    monotonic += pinWorkerBackoffFirstMs;
    expect(await check()).toBe(true);
  }, 60_000);
});
