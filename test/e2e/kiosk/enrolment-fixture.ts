// One enrolment station for the station e2e test: a real hub on a real port (its own temp folder), the
// station's enrollment client, officer and the person accounts the bank opened, the web shell in enrolment
// mode on the calibrated photo-vs-live threshold, and the camera clip and ID photos made with ffmpeg: the
// man of talking-face.mp4 (a frame 25 s before the camera's part) and another person's webcam photo.
import { randomBytes } from 'node:crypto';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { HubOptions, RunningHub } from '../../../src/hub/hub.ts';
import { startHub } from '../../../src/hub/hub.ts';
import type { WebShell } from '../../../src/main/web-shell.ts';
import { startWebShell } from '../../../src/main/web-shell.ts';
import { HubClient } from '../../../src/shared/hub-client.ts';
import { buildRenderer } from '../../../scripts/kiosk/build-renderer.ts';
import {
  cameraClip,
  extractFrames,
  sampleCameraWindow,
} from '../../../scripts/kiosk/camera-clip.ts';
import type { EnrolmentStationDeployment } from '../../../scripts/kiosk/deployment.ts';
import { setUpEnrolmentStation } from '../../../scripts/kiosk/deployment.ts';
import { sharedData } from '../../biometrics/face-helpers.ts';
import { talkingFace } from './deployment-fixture.ts';

/** Seconds into talking-face.mp4 of the man's ID photo: outside the camera's window (45-75 s). */
export const idPhotoSecond = 20;
/** Another man's webcam photo (faces2 selfie_webcam), as a scanned ID photo that is not him. */
export const otherPersonPhoto = path.join(sharedData, 'faces2', 'selfie_61dc1abd', '1.jpg');

export interface EnrolmentFixture {
  /** The temp folder the fixture owns (removed by close). */
  work: string;
  adminToken: string;
  hub: RunningHub;
  admin: HubClient;
  /** The built renderer, for other kiosks on the same hub. */
  rendererDir: string;
  station: EnrolmentStationDeployment;
  shell: WebShell;
  officer: { id: string; pin: string };
  liveClip: string;
  idPhoto: string;
  /** The same hub (data, keys, port) started again with other options; the station keeps its URL. */
  restartHub(options: Pick<HubOptions, 'pinFailuresPerDayPerClient'>): Promise<void>;
  close(): Promise<void>;
}

export async function startEnrolmentFixture(
  accounts: readonly string[],
): Promise<EnrolmentFixture> {
  const work = await mkdtemp(path.join(os.tmpdir(), 'facepay-station-e2e-'));
  const adminToken = `e2e-admin-${randomBytes(12).toString('hex')}`;
  const hubDir = path.join(work, 'hub');
  let hub = await startHub({ dataDir: hubDir, port: 0, adminToken });
  const hubPort = Number(new URL(hub.url).port);
  let shell: WebShell | null = null;
  const close = async () => {
    await shell?.close().catch(() => undefined);
    await hub.close().catch(() => undefined);
    await rm(work, { recursive: true, force: true });
  };
  try {
    const officer = { id: 'o-sato', pin: '735190' };
    const station = await setUpEnrolmentStation({
      hubUrl: hub.url,
      adminToken,
      dir: work,
      name: 'Chuo Ward Office',
      officers: [officer],
      accounts: accounts.map((id) => ({ id, name: id, deposit: 0 })),
    });
    const frame = await extractFrames({
      video: talkingFace,
      startS: idPhotoSecond,
      durationS: 1,
      count: 1,
    });
    const idPhoto = path.join(work, 'id-photo.jpg');
    try {
      await copyFile(frame.files[0] ?? '', idPhoto);
    } finally {
      await frame.dispose();
    }
    const [rendererDir, liveClip] = await Promise.all([
      buildRenderer(path.join(work, 'renderer')),
      cameraClip({
        video: talkingFace,
        output: path.join(work, 'live.y4m'),
        ...sampleCameraWindow,
      }),
    ]);
    shell = await startWebShell({ config: station.config, port: 0, rendererDir });
    const fixture: EnrolmentFixture = {
      work,
      adminToken,
      hub,
      admin: new HubClient({ baseUrl: hub.url, token: adminToken }),
      rendererDir,
      station,
      shell,
      officer,
      liveClip,
      idPhoto,
      restartHub: async (options) => {
        await hub.close();
        hub = await startHub({ dataDir: hubDir, port: hubPort, adminToken, ...options });
        fixture.hub = hub;
      },
      close,
    };
    return fixture;
  } catch (error) {
    // A setup that fails half way leaves neither a listening hub nor its temp directory behind.
    await close();
    throw error;
  }
}
