// The clean-up of kiosk-alerts (hubSlot) when a test's hub fails to start: it resolves, without stopping
// a hub that never started or, a second time, the hub of the test before (PostgreSQL: the pool refuses
// a second end), so the failure reported is the start's own, and the next test starts cleanly. The
// earlier hub's stop is counted: a SQLite hub stopped twice does not throw, so only the count tells.
//
// Found in review: kiosk-alerts' afterEach called t.stop() on whatever t held: undefined (a TypeError)
// when the first start failed, else the earlier test's hub, stopped already.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scratchDir, type TestHub } from './helpers.ts';
import { hubSlot } from './hub-slot.ts';

/** A data dir the hub cannot open: a plain file where the directory should be. */
function notADirectory(): string {
  const file = join(scratchDir('facepay-hub-slot-'), 'not-a-dir');
  writeFileSync(file, 'x');
  return file;
}

/** Wraps the hub's own stop (still called) to count its calls; returns the count so far. */
function countStops(hub: TestHub): () => number {
  const stop = hub.stop;
  let calls = 0;
  hub.stop = async () => {
    calls++;
    await stop();
  };
  return () => calls;
}

describe("a test hub's clean-up after a failed start", () => {
  it('has nothing to stop when the first start fails', async () => {
    const slot = hubSlot();
    await expect(slot.start({ dataDir: notADirectory() })).rejects.toThrow();
    await expect(slot.stop()).resolves.toBeUndefined();
  });

  it("does not stop the earlier test's hub again when a later start fails", async () => {
    const slot = hubSlot();
    const first = await slot.start();
    expect((await first.call('GET', '/v1/accounts/none')).status).toBe(404);
    // Counted, so the test fails on both adapters (a SQLite hub stopped twice does not throw).
    const stopped = countStops(first);
    await slot.stop();
    expect(stopped()).toBe(1);
    await expect(slot.start({ dataDir: notADirectory() })).rejects.toThrow();
    await expect(slot.stop()).resolves.toBeUndefined();
    expect(stopped()).toBe(1);
    // The next test's hub starts and stops as usual.
    const next = await slot.start();
    expect((await next.call('GET', '/v1/accounts/none')).status).toBe(404);
    await slot.stop();
  });
});
