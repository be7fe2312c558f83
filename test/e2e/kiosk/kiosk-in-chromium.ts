// One describe's life of a hub, the kiosk's web shell on it and a Chromium, shared by the e2e files that need
// just that: started in beforeAll, each closed in afterAll, and nothing (process, temp folder) left behind.
import { existsSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import { launchKioskBrowser } from '../../../scripts/kiosk/kiosk-browser.ts';
import type { WebShell } from '../../../src/main/web-shell.ts';
import { assertNoProcessLeft, trackChildProcesses } from '../../hub/process.ts';
import { setInBeforeAll } from '../../main/kiosk-process.ts';
import { closeKioskTestHub, type KioskTestHub } from '../../main/kiosk-test-hub.ts';

/** The accessors a test calls: each throws if beforeAll has not set its part. */
export interface KioskInChromium<Rig> {
  rig: () => Rig;
  shell: () => WebShell;
  browser: () => Browser;
}

/**
 * Registers beforeAll/afterAll: `startRig` brings up the hub (closing it itself if it fails half way), then
 * `startKiosk` does on it what else the file needs and starts the kiosk's web shell, whose camera clip
 * Chromium plays (null: a browser with no camera). afterAll closes Chromium, the shell and the hub with its
 * temp folder, even when one of them throws, then checks that no process and no temp folder is left.
 */
export function useKioskInChromium<Rig extends { test: KioskTestHub }>(setUp: {
  startRig: () => Promise<Rig>;
  startKiosk: (rig: Rig) => Promise<{ shell: WebShell; clip: string | null }>;
}): KioskInChromium<Rig> {
  let rig: Rig | undefined;
  let shell: WebShell | undefined;
  let browser: Browser | undefined;

  beforeAll(async () => {
    rig = await setUp.startRig();
    const kiosk = await setUp.startKiosk(rig);
    shell = kiosk.shell;
    browser = await launchKioskBrowser(kiosk.clip);
    expect(trackChildProcesses(/chromium/)).toBeGreaterThan(0);
  }, 300_000);

  afterAll(async () => {
    const failures: unknown[] = [];
    const closers = [
      async () => browser?.close(),
      async () => shell?.close(),
      async () => closeKioskTestHub(rig?.test),
    ];
    for (const close of closers) await close().catch((error: unknown) => failures.push(error));
    await assertNoProcessLeft();
    if (rig !== undefined)
      expect(existsSync(rig.test.work), 'the temp folder is removed').toBe(false);
    if (failures.length > 0)
      throw new AggregateError(failures, 'closing the kiosk in Chromium failed');
  });

  return {
    rig: setInBeforeAll(() => rig),
    shell: setInBeforeAll(() => shell),
    browser: setInBeforeAll(() => browser),
  };
}
