// The Argon2id worker dies (killed for memory, a crash): the PIN checks on it and waiting fail at once, and
// the next check runs on a new worker; a worker that keeps dying is started again only a bounded number
// of times.
//
// Found in review: the pool kept the dead worker, so the next job was posted to it and never answered;
// every later PIN check then waited behind it (hung, or 503 once the queue filled).
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  PinWorkerFailedError,
  PinWorkerPool,
  pinWorkerRespawnsMax,
  type PinJobOwner,
} from '../../../src/biometrics/protect/pin-pool.node.ts';
import { sodium } from '../../../src/biometrics/protect/sodium.ts';

const till: PinJobOwner = { lane: 'payment', clientId: 'cli_till' };
const otherTill: PinJobOwner = { lane: 'payment', clientId: 'cli_other_till' };
const station: PinJobOwner = { lane: 'enrolment', clientId: 'cli_station' };

let pool: PinWorkerPool | undefined;
let pepper: Uint8Array;

beforeAll(async () => {
  await sodium.ready;
  pepper = sodium.randombytes_buf(32);
});

afterEach(async () => {
  await pool?.close();
  pool = undefined;
});

/** Settles within `ms`, or says it did not (a hung job). */
function within<T>(promise: Promise<T>, ms: number): Promise<PromiseSettledResult<T> | 'hung'> {
  return Promise.race([
    promise.then(
      (value) => ({ status: 'fulfilled', value }) as const,
      (reason: unknown) => ({ status: 'rejected', reason }) as const,
    ),
    new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), ms).unref()),
  ]);
}

describe('the Argon2id worker dies', () => {
  it('fails the running and waiting checks, and the next check runs on a new worker', async () => {
    const pins = (pool = new PinWorkerPool());
    const verifier = await pins.create({ pin: sodium.from_string('4821'), pepper, owner: station });
    const check = (owner: PinJobOwner, pin: string) =>
      pins.verify({ pin: sodium.from_string(pin), pepper, verifier, owner });

    const running = check(till, '4821');
    const waiting = check(otherTill, '4821');
    await pins.dangerousTestOnlyKillWorker();
    for (const job of [running, waiting]) {
      const settled = await within(job, 10_000);
      expect(settled).toMatchObject({ status: 'rejected' });
      expect(settled !== 'hung' && settled.status === 'rejected' && settled.reason).toBeInstanceOf(
        PinWorkerFailedError,
      );
    }

    // The next checks get a verdict, right and wrong PIN alike.
    expect(await within(check(till, '4821'), 20_000)).toEqual({ status: 'fulfilled', value: true });
    expect(await within(check(till, '0000'), 20_000)).toEqual({
      status: 'fulfilled',
      value: false,
    });
  }, 60_000);

  it(`starts a new worker at most ${pinWorkerRespawnsMax} times in a row, then refuses at once`, async () => {
    const pins = (pool = new PinWorkerPool());
    const verifier = await pins.create({ pin: sodium.from_string('4821'), pepper, owner: station });
    const check = () =>
      pins.verify({ pin: sodium.from_string('4821'), pepper, verifier, owner: till });
    // The first worker and each one started after a crash die while a check runs on them.
    for (let crash = 0; crash <= pinWorkerRespawnsMax; crash++) {
      const job = check();
      await pins.dangerousTestOnlyKillWorker();
      await expect(job).rejects.toBeInstanceOf(PinWorkerFailedError);
    }
    const refused = await within(check(), 1_000);
    expect(refused).toMatchObject({ status: 'rejected' });
    expect(refused !== 'hung' && refused.status === 'rejected' && String(refused.reason)).toMatch(
      /not started again/,
    );
  }, 60_000);
});
