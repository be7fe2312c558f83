// A clinic for the reception e2e files in which the hub refuses the kiosk: a real hub with the clinic and its
// patient, and a proxy in front of it that answers the requests the test picks in the hub's stead.
import { randomBytes } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { startWebShell, type WebShell } from '../../../src/main/web-shell.ts';
import { startClinicWithPatient } from '../../main/clinic-fixture.ts';
import { startHoldingProxy, type HoldingProxy } from '../../main/holding-proxy.ts';
import type { KioskTestHub, TestClock } from '../../main/kiosk-test-hub.ts';
import { closeKioskTestHub } from '../../main/kiosk-test-hub.ts';
import { rendererAndStrangerCamera } from './deployment-fixture.ts';
import type { AnswerHere } from './kiosk-behind-proxy.ts';

export interface ClinicBehindProxy {
  test: KioskTestHub;
  /** The reception kiosk's way to the hub: its config's hubUrl is the proxy's url. */
  proxy: HoldingProxy;
  /** The patient's member number, as the hub gave it. */
  memberNumber: string;
  /** Stops the proxy and the hub and removes the hub's folder (the caller's kiosk and browser first). */
  close(): Promise<void>;
}

/**
 * For beforeAll: `artifacts` emptied for the file's screenshots, the clinic and its patient (`face`) on a hub
 * in a temp folder named `prefix`, and the proxy, which asks `answerHere` before passing a request on.
 */
export async function clinicWithPatientBehindProxy(options: {
  artifacts: string;
  prefix: string;
  clock: TestClock;
  face: Float32Array;
  answerHere: AnswerHere;
}): Promise<ClinicBehindProxy> {
  await rm(options.artifacts, { recursive: true, force: true });
  await mkdir(options.artifacts, { recursive: true });
  const test = await startClinicWithPatient({
    prefix: options.prefix,
    adminToken: `admin-${randomBytes(12).toString('hex')}`,
    clock: options.clock,
    face: options.face,
  });
  try {
    const found = await test.admin.findPersons({ accountId: 'patient' });
    const proxy = await startHoldingProxy(test.hub.url, { answerHere: options.answerHere });
    const close = async () => {
      await proxy.close();
      await closeKioskTestHub(test);
    };
    return { test, proxy, memberNumber: found.items[0]?.memberNumber ?? '', close };
  } catch (error) {
    // A set-up that fails half way leaves no listening hub nor its temp folder behind.
    await closeKioskTestHub(test);
    throw error;
  }
}

/**
 * The clinic's reception kiosk (web shell) reaching the hub through the proxy, serving a freshly built
 * renderer, and a camera clip of someone the clinic does not know: the face step never checks them in, so
 * the patient checks in with the member number.
 */
export async function receptionBehindProxy(
  clinic: ClinicBehindProxy,
): Promise<{ shell: WebShell; clip: string }> {
  const { rendererDir, clip } = await rendererAndStrangerCamera(clinic.test.work);
  const config = { ...clinic.test.shop.config, hubUrl: clinic.proxy.url };
  const shell = await startWebShell({ config, port: 0, rendererDir });
  return { shell, clip };
}
