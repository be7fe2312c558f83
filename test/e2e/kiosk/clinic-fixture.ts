// One clinic for the clinic reception e2e test: a real hub on a real port (its own temp folder), the clinic
// and a patient enrolled from the first seconds of the sample video, the clinic system's event_source
// client, a freshly built renderer and the live camera clip. Reception kiosks (web shells in clinic mode,
// each its own node process) are started on demand with their own no-show deadline; close() stops them all
// and removes everything. Hub, enrolment and kiosks all run on one clock (clinic-day-clock.ts).
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { RunningHub } from '../../../src/hub/hub.ts';
import { startHub } from '../../../src/hub/hub.ts';
import { HubClient } from '../../../src/shared/hub-client.ts';
import { buildRenderer } from '../../../scripts/kiosk/build-renderer.ts';
import { cameraClip, sampleCameraWindow } from '../../../scripts/kiosk/camera-clip.ts';
import type { Enrolled, Shop, enrolFromVideo } from '../../../scripts/kiosk/deployment.ts';
import { setUpShop } from '../../../scripts/kiosk/deployment.ts';
import { sampleEnrolSeconds } from '../../../scripts/kiosk/camera-clip.ts';
import { pidAlive } from '../../hub/process.ts';
import { clinicDayClock } from '../../main/clinic-day-clock.ts';
import type { KioskProcess } from '../../main/kiosk-process.ts';
import { runScriptOnClock, startKioskProcess } from '../../main/kiosk-process.ts';
import type { TestClock } from '../../main/kiosk-test-hub.ts';
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
  /** The hub's clock, which the kiosks and the enrolment read too; a script the test runs must read it. */
  clock: TestClock;
  /** A reception kiosk on the clinic's config with this no-show deadline; the one started before stops first. */
  startReception(noShowAfterSeconds: number): Promise<KioskProcess>;
  close(): Promise<void>;
}

/**
 * `clock` (default clinicDayClock()) is the hub's, the enrolment's and every reception kiosk's: a reception
 * numbers visits per local day, so a run that crossed local midnight on the machine's clock failed.
 */
export async function startClinicFixture(options: {
  cap: number;
  clock?: TestClock;
}): Promise<ClinicFixture> {
  const clock = options.clock ?? clinicDayClock();
  const work = await mkdtemp(path.join(os.tmpdir(), 'facepay-clinic-e2e-'));
  const adminToken = `e2e-admin-${randomBytes(12).toString('hex')}`;
  const hub = await startHub({ dataDir: path.join(work, 'hub'), port: 0, adminToken, clock });
  const receptions: KioskProcess[] = [];
  const close = async () => {
    await Promise.all(receptions.map(stopReception));
    await hub.close().catch(() => undefined);
    await rm(work, { recursive: true, force: true });
  };
  try {
    const clinic = await setUpShop({
      hubUrl: hub.url,
      adminToken,
      dir: work,
      shop: { id: 'e2e-clinic', name: 'Sakura Clinic' },
      shopper: { id: 'e2e-patient', name: 'Taro Talking', deposit: 30_000 },
      clinic: { cap: options.cap, noShowAfterSeconds: 3_600 },
    });
    const enrolled = await enrolOnClock(clock, {
      hubUrl: hub.url,
      adminToken,
      dir: work,
      video: talkingFace,
      startS: 0,
      durationS: sampleEnrolSeconds,
      accountId: 'e2e-patient',
      displayName: 'Taro Talking',
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
      clinic,
      clinicSystemToken: clinic.clinicSystem?.token ?? '',
      enrolled,
      liveClip,
      clock,
      startReception: async (noShowAfterSeconds) => {
        // One kiosk process per keys folder: the reception before this one stops first (a restart).
        for (const earlier of receptions) await stopReception(earlier);
        const configFile = await receptionConfig(clinic, {
          cap: options.cap,
          noShowAfterSeconds,
          name: `reception-${receptions.length + 1}.json`,
        });
        const reception = await startKioskProcess({
          configFile,
          hubUrl: hub.url,
          rendererDir,
          clockAheadMs: clock.offsetMs,
        });
        receptions.push(reception);
        return reception;
      },
      close,
    };
  } catch (error) {
    // A setup that fails half way leaves neither a listening hub nor its temp directory behind.
    await close();
    throw error;
  }
}

/** The patient enrolled from the video by a station whose clock is `clock` (enrol-from-video-script.ts). */
async function enrolOnClock(
  clock: TestClock,
  options: Parameters<typeof enrolFromVideo>[0],
): Promise<Enrolled> {
  const out = path.join(options.dir, 'enrolled.json');
  const run = await runScriptOnClock(
    'test/e2e/kiosk/enrol-from-video-script.ts',
    ['--options', JSON.stringify(options), '--out', out],
    clock,
  );
  if (run.code !== 0) throw new Error(`enrolment exited ${run.code}: ${run.out}`);
  return JSON.parse(await readFile(out, 'utf8')) as Enrolled;
}

/** The clinic's config file again (same keys folder) with its own cap and no-show deadline. */
async function receptionConfig(
  clinic: Shop,
  reception: { cap: number; noShowAfterSeconds: number; name: string },
): Promise<string> {
  const file = JSON.parse(await readFile(clinic.configFile, 'utf8')) as Record<string, unknown>;
  const { cap, noShowAfterSeconds } = reception;
  const configFile = path.join(path.dirname(clinic.configFile), reception.name);
  await writeFile(configFile, JSON.stringify({ ...file, clinic: { cap, noShowAfterSeconds } }), {
    mode: 0o600,
  });
  return configFile;
}

/** SIGTERM: the web shell closes its server and service as `npm run kiosk` does when stopped. */
async function stopReception(reception: KioskProcess): Promise<void> {
  if (pidAlive(reception.pid)) process.kill(reception.pid, 'SIGTERM');
  await reception.exited;
}
