// `npm run demo -- [--video FILE] [--out DIR]`: one face payment, headless, end to end: a local hub with a
// shop and a shopper enrolled from the video's first seconds, the web-shell kiosk, Chromium with the rest
// of the video as its camera, the till's amount; prints each screen passed and the settled hold.
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { existsSync } from 'node:fs';
import { readCommandLine, usageError, wholeNumberArgument } from '../src/shared/command-line.ts';
import { startHub } from '../src/hub/hub.ts';
import { startWebShell, repoRoot } from '../src/main/web-shell.ts';
import { HubClient } from '../src/shared/hub-client.ts';
import {
  cameraClip,
  sampleCameraWindow,
  sampleEnrolSeconds,
  EmptyCameraClipError,
  MissingToolError,
} from './kiosk/camera-clip.ts';
import { ensureRenderer } from './kiosk/build-renderer.ts';
import { setUpShopWithShopperFromVideo } from './kiosk/deployment.ts';
import {
  followPayment,
  launchKioskBrowser,
  openKiosk,
  requestPayment,
} from './kiosk/kiosk-browser.ts';

const usage =
  'usage: npm run demo -- [--video FILE] [--out DIR] [--amount JPY] [--enrol-seconds S]\n' +
  '  one face payment, headless: a local hub, the web-shell kiosk and Chromium with the video as camera';
const { values } = readCommandLine(usage, () =>
  parseArgs({
    strict: true,
    options: {
      video: {
        type: 'string',
        default: path.join(repoRoot, '..', 'shared', 'data', 'video', 'talking-face.mp4'),
      },
      out: { type: 'string', default: path.join(repoRoot, '.facepay', 'demo-pay') },
      amount: { type: 'string', default: '680' },
      'enrol-seconds': { type: 'string', default: String(sampleEnrolSeconds) },
    },
  }),
);
// Checked before anything starts: a wrong amount is a usage error, not a refused payment at the end.
const amount = wholeNumberArgument(usage, '--amount', values.amount);
const enrolSeconds = /^\d+(\.\d+)?$/.test(values['enrol-seconds'])
  ? Number(values['enrol-seconds'])
  : 0;
if (!(enrolSeconds > 0)) {
  usageError(
    usage,
    `--enrol-seconds must be a number of seconds above 0, not '${values['enrol-seconds']}'`,
  );
}
if (!existsSync(values.video)) usageError(usage, `--video ${values.video}: no such file`);

// What the demo opened (hub, kiosk, browser) and its private temp folder (the hub's data, the kiosk's keys
// and config, the camera clip), closed and removed on every way out: done, failed, Ctrl-C or SIGTERM.
const cleanups: (() => Promise<unknown>)[] = [];
let work: string | null = null;
let stopping = false;
const say = (line: string) => {
  if (!stopping) process.stdout.write(`${line}\n`);
};

async function cleanUp(): Promise<void> {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  if (work !== null) await rm(work, { recursive: true, force: true });
  work = null;
}

for (const [signal, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
  ['SIGHUP', 129],
] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    void cleanUp().finally(() => process.exit(code));
  });
}

async function main(): Promise<number> {
  const out = path.resolve(values.out);
  await mkdir(out, { recursive: true });
  work = await mkdtemp(path.join(os.tmpdir(), 'facepay-demo-'));
  const adminToken = `demo-admin-${randomBytes(12).toString('hex')}`;
  try {
    const hub = await startHub({ dataDir: path.join(work, 'hub'), port: 0, adminToken });
    cleanups.push(() => hub.close());
    say(`hub listening on ${hub.url}`);
    const { shop, enrolled } = await setUpShopWithShopperFromVideo({
      hubUrl: hub.url,
      adminToken,
      dir: work,
      shop: { id: 'demo-shop', name: 'Demo Konbini' },
      shopper: { id: 'demo-shopper', name: 'Hanako Demo', deposit: 50_000 },
      video: values.video,
      enrolSeconds,
      dateOfBirth: '1990-04-01',
      pin: '4862',
    });
    say(
      `enrolled ${enrolled.person.displayNameMasked} from ${enrolled.templates} frames of the first ${enrolSeconds} s (member ${enrolled.person.memberNumber})`,
    );
    const clip = await cameraClip({
      video: values.video,
      output: path.join(work, 'camera.y4m'),
      ...sampleCameraWindow,
    });
    const rendererDir = await ensureRenderer(path.join(repoRoot, 'dist', 'renderer'));
    const shell = await startWebShell({ config: shop.config, port: 0, rendererDir });
    cleanups.push(() => shell.close());
    say(`kiosk listening on ${shell.url}`);
    const browser = await launchKioskBrowser(clip, { callerHandlesSignals: true });
    cleanups.push(() => browser.close());
    const page = await openKiosk(browser, shell.url);
    await page.screenshot({ path: path.join(out, 'pay-00-idle.png') });
    const requested = await requestPayment(shell.url, shop.tillToken, {
      amount,
      reference: 'demo-1',
    });
    say(`till asked for ${amount} JPY: ${requested.status}`);
    const followed = await followPayment(page, {
      pin: enrolled.pin,
      timeoutMs: 60_000,
      screenshotDir: out,
    });
    say(`screens: idle -> ${followed.screens.join(' -> ')}`);
    if (followed.outcome !== 'paid' || followed.holdId === null) {
      say(`not paid: ${followed.outcome} ${followed.errorCode ?? ''}`);
      return 1;
    }
    const admin = new HubClient({ baseUrl: hub.url, token: adminToken });
    const hold = await admin.getHold(followed.holdId);
    const shopper = await admin.getAccount('demo-shopper');
    say(
      `hold ${hold.id}: ${hold.status}, settled ${hold.settled} JPY from ${hold.payer} to ${hold.payee}`,
    );
    say(`demo-shopper balance now ${shopper.balance} JPY`);
    say(`screenshots in ${out}`);
    return 0;
  } finally {
    await cleanUp();
  }
}

main().then(
  (code) => {
    if (!stopping) process.exit(code);
  },
  (error: unknown) => {
    // Stopped by a signal: its handler exits once the clean-up is done; what failed is only that.
    if (stopping) return;
    process.stderr.write(
      `${
        error instanceof MissingToolError || error instanceof EmptyCameraClipError
          ? error.message
          : String((error as Error).stack ?? error)
      }\n`,
    );
    process.exit(1);
  },
);
