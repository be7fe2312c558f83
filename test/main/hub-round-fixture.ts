// The hub-round tests' set-up (watchHubRound against a real hub): one hub per test file with the shop and
// an unenrolled shopper, and the hub links each test opened closed after it.
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll } from 'vitest';
import type { HubLink } from '../../src/main/hub-link.ts';
import type { KioskTestHub } from './kiosk-test-hub.ts';
import { closeKioskTestHub, startKioskTestHub } from './kiosk-test-hub.ts';

export interface HubForRounds {
  /** Set before the file's first test. */
  test: KioskTestHub;
  /** A test pushes each link it opens; they are disposed after it. */
  links: HubLink[];
}

/** Registers the file's hooks (call it at the file's top level); temp folders are named `prefix`. */
export function hubForRounds(prefix: string): HubForRounds {
  const rig: { test: KioskTestHub | null; links: HubLink[] } = { test: null, links: [] };
  beforeAll(async () => {
    rig.test = await startKioskTestHub({
      prefix,
      adminToken: `admin-${randomBytes(12).toString('hex')}`,
      setup: {
        shop: { id: 'shop', name: 'Test Shop' },
        shopper: { id: 'shopper', name: 'Sato Hanako', deposit: 1_000 },
      },
    });
  }, 60_000);
  afterEach(() => {
    for (const link of rig.links.splice(0)) link.dispose();
  });
  afterAll(async () => {
    await closeKioskTestHub(rig.test ?? undefined);
  });
  return {
    get test(): KioskTestHub {
      if (rig.test === null) throw new Error('the hub starts in beforeAll');
      return rig.test;
    },
    links: rig.links,
  };
}
