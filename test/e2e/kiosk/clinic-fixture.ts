// One clinic for the clinic reception e2e test: a real hub on a real port (its own temp folder), the clinic
// and a patient enrolled from the first seconds of the sample video, the clinic system's event_source
// client, a freshly built renderer and the live camera clip. Reception kiosks (web shells in clinic mode)
// are started on demand with their own no-show deadline; close() stops them all and removes everything.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { RunningHub } from '../../../src/hub/hub.ts';
import { startHub } from '../../../src/hub/hub.ts';
import type { WebShell } from '../../../src/main/web-shell.ts';
import { startWebShell } from '../../../src/main/web-shell.ts';
import { HubClient } from '../../../src/shared/hub-client.ts';
import { buildRenderer } from '../../../scripts/kiosk/build-renderer.ts';
import { cameraClip, sampleCameraWindow } from '../../../scripts/kiosk/camera-clip.ts';
import type { Enrolled, Shop } from '../../../scripts/kiosk/deployment.ts';
import { setUpShopWithShopperFromVideo } from '../../../scripts/kiosk/deployment.ts';
import { sampleEnrolSeconds } from '../../../scripts/kiosk/camera-clip.ts';
import { talkingFace } from './deployment-fixture.ts';

export interface ClinicFixture {
  adminToken: string;
  hub: RunningHub;
  admin: HubClient;
  clinic: Shop;
  /** The clinic system's bearer token (event_source, consultation.completed). */
  clinicSystemToken: string;
  enrolled: Enrolled;
  liveClip: string;
  /** A reception kiosk on the clinic's config with this no-show deadline. */
  startReception(noShowAfterSeconds: number): Promise<WebShell>;
  close(): Promise<void>;
}

export async function startClinicFixture(options: { cap: number }): Promise<ClinicFixture> {
  const work = await mkdtemp(path.join(os.tmpdir(), 'facepay-clinic-e2e-'));
  const adminToken = `e2e-admin-${randomBytes(12).toString('hex')}`;
  const hub = await startHub({ dataDir: path.join(work, 'hub'), port: 0, adminToken });
  const shells: WebShell[] = [];
  const close = async () => {
    for (const shell of shells) await shell.close().catch(() => undefined);
    await hub.close().catch(() => undefined);
    await rm(work, { recursive: true, force: true });
  };
  try {
    const { shop, enrolled } = await setUpShopWithShopperFromVideo({
      hubUrl: hub.url,
      adminToken,
      dir: work,
      shop: { id: 'e2e-clinic', name: 'Sakura Clinic' },
      shopper: { id: 'e2e-patient', name: 'Taro Talking', deposit: 30_000 },
      clinic: { cap: options.cap, noShowAfterSeconds: 3_600 },
      video: talkingFace,
      enrolSeconds: sampleEnrolSeconds,
      dateOfBirth: '1980-02-03',
      pin: '4862',
    });
    const [rendererDir, liveClip] = await Promise.all([
      buildRenderer(path.join(work, 'renderer')),
      cameraClip({
        video: talkingFace,
        output: path.join(work, 'live.y4m'),
        ...sampleCameraWindow,
      }),
    ]);
    return {
      adminToken,
      hub,
      admin: new HubClient({ baseUrl: hub.url, token: adminToken }),
      clinic: shop,
      clinicSystemToken: shop.clinicSystem?.token ?? '',
      enrolled,
      liveClip,
      startReception: async (noShowAfterSeconds) => {
        const shell = await startWebShell({
          config: { ...shop.config, clinic: { cap: options.cap, noShowAfterSeconds } },
          port: 0,
          rendererDir,
        });
        shells.push(shell);
        return shell;
      },
      close,
    };
  } catch (error) {
    // A setup that fails half way leaves neither a listening hub nor its temp directory behind.
    await close();
    throw error;
  }
}
