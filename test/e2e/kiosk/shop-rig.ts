// What the shop kiosk's staff-screen e2e files share: a real hub with the shop and its enrolled shopper, the
// built renderer, a fresh folder for their screenshots, and polling until the kiosk service says so.
import { randomBytes } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { buildRenderer } from '../../../scripts/kiosk/build-renderer.ts';
import { openKiosk } from '../../../scripts/kiosk/kiosk-browser.ts';
import { startWebShell } from '../../../src/main/web-shell.ts';
import { repoRoot } from '../../biometrics/face-helpers.ts';
import { syntheticFace } from '../../hub/helpers.ts';
import type { KioskTestHub, TestClock } from '../../main/kiosk-test-hub.ts';
import { closeKioskTestHub } from '../../main/kiosk-test-hub.ts';
import { startShopWithShopper } from '../../main/shop-fixture.ts';
import { useKioskInChromium, type KioskInChromium } from './kiosk-in-chromium.ts';

export interface ShopRig {
  test: KioskTestHub;
  /** The hub's clock and the test's kiosks': the machine's (the web shell's kiosk signs by it). */
  clock: TestClock;
  /** The shopper's enrolled face. */
  face: Float32Array;
  rendererDir: string;
  /** test-artifacts/<name>, emptied at the start. */
  artifacts: string;
}

/** The rig of one e2e file: screenshots in test-artifacts/`artifactsName`, temp folders named `prefix`. */
export async function startShopRig(options: {
  artifactsName: string;
  prefix: string;
}): Promise<ShopRig> {
  const artifacts = path.join(repoRoot, 'test-artifacts', options.artifactsName);
  await rm(artifacts, { recursive: true, force: true });
  await mkdir(artifacts, { recursive: true });
  const clock: TestClock = { offsetMs: 0, now: () => Date.now() + clock.offsetMs };
  const face = syntheticFace();
  const test = await startShopWithShopper({
    prefix: options.prefix,
    adminToken: `admin-${randomBytes(12).toString('hex')}`,
    clock,
    face,
  });
  try {
    const rendererDir = await buildRenderer(path.join(test.work, 'renderer'));
    return { test, clock, face, rendererDir, artifacts };
  } catch (error) {
    await closeKioskTestHub(test);
    throw error;
  }
}

/** useShopShellWithoutCamera's accessors, and the first steps its tests take. */
export interface ShopShellInChromium extends KioskInChromium<ShopRig> {
  /** Waits (30 s at most) until the kiosk service says its hub is reachable. */
  hubReachable: () => Promise<void>;
  /** hubReachable, then the kiosk's page opened in this Chromium. */
  openKiosk: () => Promise<Page>;
}

/**
 * For one describe: startShopRig's rig, the kiosk's web shell on it and a Chromium with no camera (a payment's
 * first screen says so and offers the member number), each closed after the describe, nothing left behind.
 */
export function useShopShellWithoutCamera(options: {
  artifactsName: string;
  prefix: string;
}): ShopShellInChromium {
  const kiosk = useKioskInChromium({
    startRig: () => startShopRig(options),
    startKiosk: async (rig) => ({
      shell: await startWebShell({
        config: rig.test.shop.config,
        port: 0,
        rendererDir: rig.rendererDir,
      }),
      clip: null,
    }),
  });
  const hubReachable = () =>
    until(() => kiosk.shell().runtime.service.status().hub === 'reachable', 30_000);
  return {
    ...kiosk,
    hubReachable,
    openKiosk: async () => {
      await hubReachable();
      return openKiosk(kiosk.browser(), kiosk.shell().url);
    },
  };
}

/** Polls `check` every 250 ms until it holds, for at most `timeoutMs`. */
export async function until(
  check: () => Promise<boolean> | boolean,
  timeoutMs: number,
): Promise<void> {
  const endsAt = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > endsAt) throw new Error(`not so after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
