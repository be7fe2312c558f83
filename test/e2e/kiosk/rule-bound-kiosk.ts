// The set-up the account-rules e2e files share: a real hub with the shop (or clinic) and people whose own
// accounts refuse by a rule each, and the kiosk's web shell with a stranger's camera, so they pay by number.
import type { KioskTestHub, TestClock } from '../../main/kiosk-test-hub.ts';
import { closeKioskTestHub, startKioskTestHub } from '../../main/kiosk-test-hub.ts';
import { enrolRuleBoundPeople, type RuleBoundPerson } from './account-rules.ts';
import { webShellWithStrangerCamera } from './deployment-fixture.ts';

/** The shop's side of a shop file: Test Konbini and its plain shopper. */
export const konbini = {
  shop: { id: 'shop', name: 'Test Konbini' },
  shopper: { id: 'shopper', name: 'Suzuki Ichiro', deposit: 5_000 },
};

/**
 * startKioskTestHub with `setup` (temp folders named `prefix`, the hub on `clock`), `people` enrolled by
 * enrolRuleBoundPeople (their member numbers by the same keys), then the web shell whose camera sees someone
 * the hub does not know. The hub is closed again if a later step throws; else the caller closes it.
 */
export async function startRuleBoundKiosk<Key extends string>(options: {
  prefix: string;
  clock: TestClock;
  setup: Parameters<typeof startKioskTestHub>[0]['setup'];
  people: Record<Key, RuleBoundPerson>;
}) {
  const test: KioskTestHub = await startKioskTestHub({
    prefix: options.prefix,
    adminToken: `admin-${Date.now()}`,
    clock: options.clock,
    setup: options.setup,
  });
  try {
    const memberNumbers = await enrolRuleBoundPeople(test, options.clock, options.people);
    return { test, memberNumbers, ...(await webShellWithStrangerCamera(test.work, test.shop)) };
  } catch (error) {
    await closeKioskTestHub(test);
    throw error;
  }
}
