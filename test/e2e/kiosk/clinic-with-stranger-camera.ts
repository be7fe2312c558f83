// A clinic reception for the e2e tests whose patient never shows their face: a real hub with Sakura Clinic
// and its patient (enrolled with a synthetic face), and the web shell serving a fresh renderer on the
// reception's config, with a camera clip of a stranger. The caller closes the shell and the hub.
import { syntheticFace } from '../../hub/helpers.ts';
import { startClinicWithPatient } from '../../main/clinic-fixture.ts';
import type { KioskTestHub, TestClock } from '../../main/kiosk-test-hub.ts';
import { closeKioskTestHub } from '../../main/kiosk-test-hub.ts';
import type { WebShell } from '../../../src/main/web-shell.ts';
import { webShellWithStrangerCamera } from './deployment-fixture.ts';

export async function clinicWithStrangerCamera(
  prefix: string,
  clock: TestClock,
): Promise<{ test: KioskTestHub; shell: WebShell; clip: string; rendererDir: string }> {
  const test = await startClinicWithPatient({
    prefix,
    adminToken: `admin-${Date.now()}`,
    clock,
    face: syntheticFace(),
  });
  try {
    return { test, ...(await webShellWithStrangerCamera(test.work, test.shop)) };
  } catch (error) {
    await closeKioskTestHub(test);
    throw error;
  }
}
