// The enrolment station in Chromium for the e2e files that look at its steps: a real hub with the station
// deployed, the web shell serving a fresh renderer, Debian's Chromium with a talking face as its camera.
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

export interface StationInChromium {
  fx: StationHub;
  deployment: EnrolmentStationDeployment;
  shell: WebShell;
  browser: Browser;
  /** Closes the browser, the shell and the hub, and removes the hub's temp folder. */
  close(): Promise<void>;
}

/**
 * A station named `name` whose officers enrol on `accounts`, its hub's temp folder named `prefix`. The
 * camera plays the talking face: the guardian's face is read from it on the way to the guardian's PIN.
 */
export async function startStationInChromium(options: {
  prefix: string;
  name: string;
  accounts: string[];
}): Promise<StationInChromium> {
  const fx = await startStationHub(options.prefix);
  let shell: WebShell | null = null;
  try {
    const [rendererDir, clip] = await Promise.all([
      buildRenderer(path.join(fx.work, 'renderer')),
      cameraClip({
        video: talkingFace,
        output: path.join(fx.work, 'camera.y4m'),
        ...sampleCameraWindow,
      }),
    ]);
    const deployment = await deployStation(fx, {
      dir: path.join(fx.work, 'station'),
      name: options.name,
      accounts: options.accounts,
    });
    const started = await startWebShell({ config: deployment.config, port: 0, rendererDir });
    shell = started;
    const browser = await launchKioskBrowser(clip);
    expect(trackChildProcesses(/chromium/)).toBeGreaterThan(0);
    const close = async () => {
      await browser.close();
      await started.close();
      await closeStationHub(fx);
    };
    return { fx, deployment, shell: started, browser, close };
  } catch (error) {
    // A set-up that fails half way leaves neither a listening shell or hub nor the temp folder behind.
    await shell?.close().catch(() => undefined);
    await closeStationHub(fx).catch(() => undefined);
    throw error;
  }
}
