// What the shop kiosk's staff-screen e2e files share: a real hub with the shop and its enrolled shopper, the
// built renderer, a fresh folder for their screenshots, and polling until the kiosk service says so.
import { randomBytes } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { buildRenderer } from '../../../scripts/kiosk/build-renderer.ts';
import { repoRoot } from '../../biometrics/face-helpers.ts';
import { syntheticFace } from '../../hub/helpers.ts';
import type { KioskTestHub, TestClock } from '../../main/kiosk-test-hub.ts';
import { closeKioskTestHub } from '../../main/kiosk-test-hub.ts';
import { startShopWithShopper } from '../../main/shop-fixture.ts';

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
