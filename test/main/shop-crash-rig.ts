// The shop crash tests' shared set-up: a hub with Test Shop and its enrolled shopper on the test's clock,
// and the crash rig (the proxy, kiosk processes on the shop's folder), once instead of a copy per file.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import { syntheticFace } from '../hub/helpers.ts';
import { closeCrashRig, setInBeforeAll, startCrashRig, type CrashRig } from './kiosk-process.ts';
import type { KioskTestHub, TestClock } from './kiosk-test-hub.ts';
import { startShopWithShopper } from './shop-fixture.ts';

export interface ShopCrashRig {
  /**
   * The hub's clock, and every kiosk process's (clock-ahead.ts): moved forward together, past an
   * authorization's lifetime; timePassesIn moves the restarted kiosk's elapsed clock past reconcile's wait
   * too, so it asks about the lost request at its next round.
   */
  clock: TestClock;
  /** The shopper's enrolled face. */
  face: Float32Array;
  test: () => KioskTestHub;
  rig: () => CrashRig;
}

/**
 * For a shop crash test file: before all, startShopWithShopper (a deposit of `deposit`, 5,000 unless told)
 * and startCrashRig on it; after all, closeCrashRig (no kiosk, proxy, hub or process of the test left).
 */
export function useShopCrashRig(options: { prefix: string; deposit?: number }): ShopCrashRig {
  const clock: TestClock = { offsetMs: 0, now: () => Date.now() + clock.offsetMs };
  const face = syntheticFace();
  let test: KioskTestHub | undefined;
  let rig: CrashRig | undefined;
  beforeAll(async () => {
    test = await startShopWithShopper({
      prefix: options.prefix,
      adminToken: `admin-${randomBytes(12).toString('hex')}`,
      clock,
      face,
      ...(options.deposit === undefined ? {} : { deposit: options.deposit }),
    });
    rig = await startCrashRig(test, clock);
  }, 60_000);
  afterAll(async () => {
    await closeCrashRig(rig, test);
  });
  return { clock, face, test: setInBeforeAll(() => test), rig: setInBeforeAll(() => rig) };
}
