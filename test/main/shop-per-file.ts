// The shop suites' hub for a whole file: Test Shop and its shopper on a real hub started before the file's
// tests and closed after them, and a folder per test for a kiosk's till-requests and pending-holds files.
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { syntheticFace } from '../hub/helpers.ts';
import { closeKioskTestHub, type KioskTestHub, type TestClock } from './kiosk-test-hub.ts';
import { startShopWithShopper } from './shop-fixture.ts';

/**
 * startShopWithShopper before the file's tests (its folders named from `prefix`), closed after them: the
 * shopper's `face`, the kiosk's `clock` (a test moves it by offsetMs), `hub()` once started, and
 * `stateFolder(name)`, a new folder in the hub's work folder with the two state files' paths in it.
 */
export function useShopWithShopper(prefix: string) {
  const face = syntheticFace();
  const clock: TestClock = { offsetMs: 0, now: () => Date.now() + clock.offsetMs };
  let test: KioskTestHub | undefined;

  beforeAll(async () => {
    test = await startShopWithShopper({
      prefix,
      adminToken: `admin-${randomBytes(12).toString('hex')}`,
      clock,
      face,
    });
  }, 60_000);

  afterAll(async () => {
    if (test !== undefined) await closeKioskTestHub(test);
  });

  const hub = (): KioskTestHub => {
    if (test === undefined) throw new Error('the shop hub did not start');
    return test;
  };

  const stateFolder = (name: string) => {
    const dir = path.join(hub().work, name);
    mkdirSync(dir, { mode: 0o700 });
    return {
      tillRequestsFile: path.join(dir, 'till-requests.json'),
      pendingHoldsFile: path.join(dir, 'pending-holds.json'),
    };
  };

  return { face, clock, hub, stateFolder };
}
