// The kiosk's background rounds (src/main/background-ticks.ts) with real timers: a round that throws later
// is reported and the rounds go on, with no unhandled rejection (which would end the kiosk's process).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTicking, type Ticking } from '../../src/main/background-ticks.ts';

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
const tickings: Ticking[] = [];

beforeEach(() => {
  unhandled.length = 0;
  process.on('unhandledRejection', onUnhandled);
});

afterEach(() => {
  for (const ticking of tickings.splice(0)) ticking.stop();
  process.off('unhandledRejection', onUnhandled);
});

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until `done()` or about two seconds have passed. */
async function until(done: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !done(); i++) await pause(10);
}

describe('background rounds', () => {
  it('a later round that throws (a full disk) is reported, and the next round still runs', async () => {
    let rounds = 0;
    const reported: unknown[] = [];
    const ticking = await startTicking({
      round: async () => {
        rounds += 1;
        if (rounds === 2) throw new Error('ENOSPC: no space left on device');
        return 5;
      },
      retryMs: 5,
      onError: (error) => reported.push(error),
    });
    tickings.push(ticking);
    await until(() => rounds >= 4);
    expect(rounds).toBeGreaterThanOrEqual(4);
    expect(reported).toHaveLength(1);
    expect(String(reported[0])).toContain('ENOSPC');
    await pause(20);
    expect(unhandled).toEqual([]);
  });

  it("the first round's failure is the caller's: the start fails and nothing keeps running", async () => {
    let rounds = 0;
    const started = startTicking({
      round: async () => {
        rounds += 1;
        throw new Error('the hub key could not be read');
      },
      retryMs: 5,
      onError: () => {},
    });
    await expect(started).rejects.toThrow('the hub key could not be read');
    await pause(30);
    expect(rounds).toBe(1);
  });

  it('stopped while a round runs: that round finishes and no other starts', async () => {
    let rounds = 0;
    let release = () => {};
    const ticking = await startTicking({
      round: async () => {
        rounds += 1;
        if (rounds === 2) await new Promise<void>((resolve) => (release = resolve));
        return 5;
      },
      retryMs: 5,
      onError: () => {},
    });
    await until(() => rounds === 2);
    ticking.stop();
    release();
    await pause(30);
    expect(rounds).toBe(2);
  });
});
