// The enrolment station for the e2e files in which the hub refuses the station's credentials: a real hub with
// the station deployed, its web shell reaching the hub through the token proxy, and Debian's Chromium.
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { expect } from 'vitest';
import type { EnrolmentStationDeployment } from '../../../scripts/kiosk/deployment.ts';
import { buildRenderer } from '../../../scripts/kiosk/build-renderer.ts';
import { cameraClip, sampleCameraWindow } from '../../../scripts/kiosk/camera-clip.ts';
import { launchKioskBrowser } from '../../../scripts/kiosk/kiosk-browser.ts';
import { startWebShell, type WebShell } from '../../../src/main/web-shell.ts';
import { trackChildProcesses } from '../../hub/process.ts';
import type { StationHub } from '../../main/station-fixture.ts';
import { closeStationHub, deployStation, startStationHub } from '../../main/station-fixture.ts';
import { talkingFace } from './deployment-fixture.ts';
import { startTokenProxy, type TokenProxy } from './token-proxy.ts';

export interface StationBehindTokenProxy {
  fx: StationHub;
  deployment: EnrolmentStationDeployment;
  /** The station's way to the hub: its config's hubUrl is the proxy's url. */
  proxy: TokenProxy;
  shell: WebShell;
  browser: Browser;
  /** Closes the browser, the shell, the proxy and the hub, and removes the hub's temp folder. */
  close(): Promise<void>;
}

/**
 * For beforeAll: `artifacts` emptied for the file's screenshots, a station named `name` whose officers enrol
 * on `accounts` (the hub's temp folder named `prefix`), behind the token proxy. With `camera`, Chromium's
 * camera plays the talking face (the ID photo step and the guardian's face read from it); without, none.
 */
export async function stationBehindTokenProxy(options: {
  artifacts: string;
  prefix: string;
  name: string;
  accounts: string[];
  camera: boolean;
}): Promise<StationBehindTokenProxy> {
  await rm(options.artifacts, { recursive: true, force: true });
  await mkdir(options.artifacts, { recursive: true });
  const fx = await startStationHub(options.prefix);
  const started: { proxy?: TokenProxy; shell?: WebShell } = {};
  try {
    const [rendererDir, clip] = await Promise.all([
      buildRenderer(path.join(fx.work, 'renderer')),
      options.camera ? talkingFaceCamera(fx.work) : null,
    ]);
    const deployment = await deployStation(fx, {
      dir: path.join(fx.work, 'station'),
      name: options.name,
      accounts: options.accounts,
    });
    const proxy = (started.proxy = await startTokenProxy(fx.hub.url));
    const config = { ...deployment.config, hubUrl: proxy.url };
    const shell = (started.shell = await startWebShell({ config, port: 0, rendererDir }));
    const browser = await launchKioskBrowser(clip);
    expect(trackChildProcesses(/chromium/)).toBeGreaterThan(0);
    const close = async () => {
      await browser.close();
      await shell.close();
      await proxy.close();
      await closeStationHub(fx);
    };
    return { fx, deployment, proxy, shell, browser, close };
  } catch (error) {
    // A set-up that fails half way leaves no listening shell, proxy or hub, nor the temp folder, behind.
    await started.shell?.close().catch(() => undefined);
    await started.proxy?.close().catch(() => undefined);
    await closeStationHub(fx).catch(() => undefined);
    throw error;
  }
}

/** The talking face as a camera clip in `work`. */
function talkingFaceCamera(work: string): Promise<string> {
  return cameraClip({
    video: talkingFace,
    output: path.join(work, 'camera.y4m'),
    ...sampleCameraWindow,
  });
}
