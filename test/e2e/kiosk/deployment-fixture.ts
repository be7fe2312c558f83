// One shop for the kiosk e2e tests: a real hub on a real port (its own temp folder), the shop and a shopper
// enrolled from the first seconds of the sample video, the web-shell kiosk serving a freshly built renderer,
// and the camera clips (live, stranger, printed photo) made with ffmpeg. Everything is removed in close().
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { HubOptions, RunningHub } from '../../../src/hub/hub.ts';
import { startHub } from '../../../src/hub/hub.ts';
import { PendingHolds, senderOfToken } from '../../../src/main/pending-holds.ts';
import type { WebShell } from '../../../src/main/web-shell.ts';
import { startWebShell } from '../../../src/main/web-shell.ts';
import { HubClient } from '../../../src/shared/hub-client.ts';
import { buildRenderer } from '../../../scripts/kiosk/build-renderer.ts';
import {
  cameraClip,
  sampleCameraWindow,
  sampleEnrolSeconds,
  photoAttackClip,
} from '../../../scripts/kiosk/camera-clip.ts';
import type { Enrolled, Shop } from '../../../scripts/kiosk/deployment.ts';
import { setUpShopWithShopperFromVideo } from '../../../scripts/kiosk/deployment.ts';
import { sharedData } from '../../biometrics/face-helpers.ts';

export const talkingFace = path.join(sharedData, 'video', 'talking-face.mp4');
export const strangerVideo = path.join(sharedData, 'video', 'webcam', 'selfie_61dc1abd-8.mp4');

/**
 * A renderer built into `work` and a 6 s camera clip of the stranger (someone no hub knows), made side by
 * side: for the tests whose patients or shoppers check in or pay with their member number.
 */
export async function rendererAndStrangerCamera(
  work: string,
): Promise<{ rendererDir: string; clip: string }> {
  const [rendererDir, clip] = await Promise.all([
    buildRenderer(path.join(work, 'renderer')),
    cameraClip({ video: strangerVideo, output: path.join(work, 'stranger.y4m'), durationS: 6 }),
  ]);
  return { rendererDir, clip };
}

/**
 * rendererAndStrangerCamera, and the web shell serving that renderer on the config of `shop` (its own
 * kiosk, in this process): the member-number tests' kiosk. The caller closes the shell.
 */
export async function webShellWithStrangerCamera(
  work: string,
  shop: Pick<Shop, 'config'>,
): Promise<{ shell: WebShell; rendererDir: string; clip: string }> {
  const camera = await rendererAndStrangerCamera(work);
  const shell = await startWebShell({
    config: shop.config,
    port: 0,
    rendererDir: camera.rendererDir,
  });
  return { shell, ...camera };
}

export interface KioskFixture {
  work: string;
  adminToken: string;
  hub: RunningHub;
  admin: HubClient;
  shop: Shop;
  enrolled: Enrolled;
  shell: WebShell;
  rendererDir: string;
  clips: { live: string; stranger: string; photo: string };
  artifacts: string;
  /** Stops the hub (to test the kiosk with its hub gone) and starts it again on the same data, with
   * `options` (e.g. a lower wrong-PIN cap) if given. */
  restartHub(options?: Pick<HubOptions, 'pinFailuresPerDayPerClient'>): Promise<void>;
  stopHub(): Promise<void>;
  close(): Promise<void>;
}

export async function startKioskFixture(artifacts: string): Promise<KioskFixture> {
  const work = await mkdtemp(path.join(os.tmpdir(), 'facepay-kiosk-e2e-'));
  const adminToken = `e2e-admin-${randomBytes(12).toString('hex')}`;
  const hubDir = path.join(work, 'hub');
  const hub = await startHub({ dataDir: hubDir, port: 0, adminToken });
  try {
    return await setUpFixture({ work, artifacts, adminToken, hubDir, hub });
  } catch (error) {
    // A setup that fails half way leaves neither a listening hub nor its temp directory behind.
    await hub.close().catch(() => undefined);
    await rm(work, { recursive: true, force: true });
    throw error;
  }
}

async function setUpFixture(options: {
  work: string;
  artifacts: string;
  adminToken: string;
  hubDir: string;
  hub: RunningHub;
}): Promise<KioskFixture> {
  const { work, artifacts, adminToken, hubDir } = options;
  let hub = options.hub;
  const hubPort = hub.port;
  const { shop, enrolled, firstFrame } = await setUpShopWithShopperFromVideo({
    hubUrl: hub.url,
    adminToken,
    dir: work,
    shop: { id: 'e2e-shop', name: 'E2E Konbini' },
    shopper: { id: 'e2e-shopper', name: 'Taro Talking', deposit: 20_000 },
    video: talkingFace,
    enrolSeconds: sampleEnrolSeconds,
    dateOfBirth: '1980-02-03',
    pin: '4862',
  });
  const [rendererDir, live, stranger, photo] = await Promise.all([
    buildRenderer(path.join(work, 'renderer')),
    cameraClip({
      video: talkingFace,
      output: path.join(work, 'live.y4m'),
      ...sampleCameraWindow,
    }),
    cameraClip({ video: strangerVideo, output: path.join(work, 'stranger.y4m'), durationS: 6 }),
    // A printed photo of the enrolled man: one of his enrolment frames, moved in front of the camera.
    photoAttackClip({
      photo: firstFrame ?? '',
      output: path.join(work, 'photo.y4m'),
      seconds: 10,
    }),
  ]);
  leavePaymentToCheck(shop);
  const shell = await startWebShell({ config: shop.config, port: 0, rendererDir });
  const fixture: KioskFixture = {
    work,
    adminToken,
    hub,
    admin: new HubClient({ baseUrl: hub.url, token: adminToken }),
    shop,
    enrolled,
    shell,
    rendererDir,
    clips: { live, stranger, photo },
    artifacts,
    stopHub: async () => {
      await hub.close();
    },
    restartHub: async (options = {}) => {
      hub = await startHub({ dataDir: hubDir, port: hubPort, adminToken, ...options });
      fixture.hub = hub;
    },
    close: async () => {
      await shell.close().catch(() => undefined);
      await hub.close().catch(() => undefined);
      await rm(work, { recursive: true, force: true });
    },
  };
  return fixture;
}

/** The payment to check that the kiosk finds at start (`leavePaymentToCheck`), as its staff menu lists it. */
export const paymentToCheck = {
  paymentId: 'pay_e2eToCheck0917',
  amount: 1_200,
  reference: 'till-0917',
};

/**
 * What an earlier run of this kiosk left in its folder: a hold request whose answer was lost, asked
 * again only after the hub could have forgotten it, so it waits for staff on the operator screen.
 */
function leavePaymentToCheck(shop: Shop): void {
  new PendingHolds(path.join(shop.config.keysDir, 'pending-holds.json')).add(
    paymentToCheck.paymentId,
    {
      sentAtMs: Date.now() - 3 * 24 * 3600 * 1000,
      sentBy: senderOfToken(shop.config.hubToken),
      sentByClient: shop.tillClientId,
      toCheck: true,
      sent: {
        template: 'purchase',
        request: {
          payer: 'e2e-shopper',
          payee: 'e2e-shop',
          amount: paymentToCheck.amount,
          reference: paymentToCheck.reference,
          category: null,
          authorization: 'an authorization that expired three days ago',
          idempotencyKey: `kiosk-e2e-${paymentToCheck.paymentId}`,
        },
      },
    },
  );
}
