// `npm start`: a local hub with demo data, the kiosk service and the shop-counter kiosk. In Electron when
// its binary is here and a display exists; else in the system Chromium (said so); with neither, it pays
// once headless with the sample video as the camera and keeps the hub and the kiosk running for curl.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { startHub } from '../src/hub/hub.ts';
import type { RunningHub } from '../src/hub/hub.ts';
import { readKioskConfig } from '../src/main/kiosk-config.ts';
import { ensurePrivateKioskFolder } from '../src/main/kiosk-folder.ts';
import { hubAtStartWords } from '../src/main/hub-at-start.ts';
import { repoRoot, startWebShell } from '../src/main/web-shell.ts';
import { HubClient } from '../src/shared/hub-client.ts';
import { electronBinary } from './electron-available.ts';
import { ensureRenderer } from './kiosk/build-renderer.ts';
import { chooseKioskWindow } from './kiosk/kiosk-window.ts';
import {
  cameraClip,
  chromiumPath,
  extractFrames,
  EmptyCameraClipError,
  MissingToolError,
  requireTool,
  sampleCameraWindow,
  sampleEnrolSeconds,
  stopRunningTools,
} from './kiosk/camera-clip.ts';
import type { Shop } from './kiosk/deployment.ts';
import { enrolFromPhotos, ensureAccount, setUpShop } from './kiosk/deployment.ts';
import {
  followPayment,
  launchKioskBrowser,
  openKiosk,
  requestPayment,
} from './kiosk/kiosk-browser.ts';

const dataDir = process.env['FACEPAY_DATA'] ?? path.join(repoRoot, '.facepay', 'demo');
const kioskDir = path.join(dataDir, 'kiosk');
const hubPort = Number(process.env['FACEPAY_PORT'] ?? 8787);
const kioskPort = Number(process.env['FACEPAY_KIOSK_PORT'] ?? 8790);
const sampleVideo = path.join(repoRoot, '..', 'shared', 'data', 'video', 'talking-face.mp4');

// Everything this start opens, closed on every way out: Ctrl-C, SIGTERM or SIGHUP (the terminal closed) at
// any step (from the first line, enrolment included), or a failure; it then exits as `npm run demo` does
// (130, 143, 129; 1 on a failure). Its temp files (the enrolment's frames and the camera clip, the face of
// the sample video; the headless Chromium's profile) live in one private folder, or Playwright's, that go
// with it; a running ffmpeg (stopRunningTools) and the Electron or Chromium window are ended.
let stopping = false;
const say = (text: string) => {
  if (!stopping) process.stdout.write(`${text}\n`);
};
const children: ReturnType<typeof spawn>[] = [];
let hub: RunningHub | null = null;
let shell: Awaited<ReturnType<typeof startWebShell>> | null = null;
let browser: Browser | null = null;
/** The headless Chromium being launched: a stop while it starts waits for it, then closes it. */
let browserLaunch: Promise<Browser> | null = null;
const tempDir = await mkdtemp(path.join(os.tmpdir(), 'facepay-start-'));
async function stop(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  for (const child of children) child.kill('SIGTERM');
  await stopRunningTools().catch(() => undefined);
  const launched = browser ?? (await browserLaunch?.catch(() => null)) ?? null;
  await launched?.close().catch(() => undefined);
  await shell?.close().catch(() => undefined);
  await hub?.close().catch(() => undefined);
  await rm(tempDir, { recursive: true, force: true });
  process.exit(code);
}
for (const [signal, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
  ['SIGHUP', 129],
] as const) {
  process.on(signal, () => void stop(code));
}
process.on('uncaughtException', (error) => {
  // At once: the face engine's wasm module rethrows an uncaught error from its own handler after this one.
  rmSync(tempDir, { recursive: true, force: true });
  if (!stopping) {
    process.stderr.write(
      `${
        error instanceof MissingToolError || error instanceof EmptyCameraClipError
          ? error.message
          : String(error.stack)
      }\n`,
    );
  }
  void stop(1);
});

const adminTokenFile = path.join(dataDir, 'admin-token');
// The hub keeps personal data here: the folder is private before anything is written into it. The
// default folder is this script's own (demo data only), so one an older start made 0755 is tightened;
// a folder named in FACEPAY_DATA is left to its owner (the hub refuses it while others can read it).
await mkdir(dataDir, { recursive: true, mode: 0o700 });
if (process.env['FACEPAY_DATA'] === undefined) await chmod(dataDir, 0o700);
// The kiosk's folder (kiosk.json, its keys, the demo shopper's record) is 0700: one an older start made
// 0755 is tightened, or the kiosk would refuse it (readKioskConfig).
await ensurePrivateKioskFolder(kioskDir);
const adminToken =
  process.env['FACEPAY_ADMIN_TOKEN'] ??
  (existsSync(adminTokenFile)
    ? (await readFile(adminTokenFile, 'utf8')).trim()
    : `demo-admin-${randomBytes(16).toString('hex')}`);
await writeFile(adminTokenFile, adminToken, { mode: 0o600 });

const running = await startHub({ dataDir, port: hubPort, adminToken });
hub = running;
say(`hub listening on ${running.url}`);
const admin = new HubClient({ baseUrl: running.url, token: adminToken });

/** The shop and its kiosk once per data folder; later starts reuse the kiosk's keys and config. */
async function demoShop(): Promise<Shop> {
  const configFile = path.join(kioskDir, 'kiosk.json');
  if (existsSync(configFile)) {
    const config = await readKioskConfig(configFile);
    return {
      config: { ...config, hubUrl: running.url },
      configFile,
      tillToken: config.tillToken ?? '',
      tillClientId: '',
      clinicSystem: null,
    };
  }
  return setUpShop({
    hubUrl: running.url,
    adminToken,
    dir: kioskDir,
    shop: { id: 'demo-shop', name: 'Demo Konbini' },
    shopper: { id: 'demo-shopper', name: 'Hanako Demo', deposit: 50_000 },
  });
}

const demoShopperPin = '4862';

/** The man of the sample video, enrolled once from its first seconds (the kiosk sees the rest). */
async function demoShopper(): Promise<{ memberNumber: string; pin: string } | null> {
  const file = path.join(kioskDir, 'enrolled.json');
  if (existsSync(file)) return JSON.parse(await readFile(file, 'utf8')) as never;
  // Enrolled by a start stopped before it wrote enrolled.json: the hub has the person, the PIN is the demo's.
  const found = (await admin.findPersons({ accountId: 'demo-shopper' })).items[0];
  if (found !== undefined) {
    const saved = { memberNumber: found.memberNumber, pin: demoShopperPin };
    await writeFile(file, JSON.stringify(saved), { mode: 0o600 });
    return saved;
  }
  if (!existsSync(sampleVideo)) return null;
  const frames = await extractFrames({
    video: sampleVideo,
    startS: 0,
    durationS: sampleEnrolSeconds,
    count: 8,
    tempRoot: tempDir,
  });
  try {
    const enrolled = await enrolFromPhotos({
      hubUrl: running.url,
      adminToken,
      dir: kioskDir,
      photos: frames.files,
      accountId: 'demo-shopper',
      displayName: 'Hanako Demo',
      dateOfBirth: '1990-04-01',
      pin: demoShopperPin,
    });
    const saved = { memberNumber: enrolled.person.memberNumber, pin: enrolled.pin };
    await writeFile(file, JSON.stringify(saved), { mode: 0o600 });
    return saved;
  } finally {
    await frames.dispose();
  }
}

const shop = await demoShop();
await ensureAccount(admin, {
  id: 'demo-clinic',
  kind: 'merchant',
  name: 'Demo Clinic',
  deposit: 0,
});
const shopper = await demoShopper().catch((error: unknown) => {
  say(`(demo shopper not enrolled: ${error instanceof Error ? error.message : String(error)})`);
  return null;
});
const display =
  process.env['DISPLAY'] !== undefined || process.env['WAYLAND_DISPLAY'] !== undefined;
say('building the kiosk renderer (when its sources changed)...');
const rendererDir = await ensureRenderer(path.join(repoRoot, 'dist', 'renderer'));
const kioskWindow = await chooseKioskWindow({
  display,
  electron: electronBinary(),
  chromiumFound: existsSync(chromiumPath()),
  distDir: path.join(repoRoot, 'dist'),
});
// Electron runs its own kiosk service (and till API on the config's tillApiPort); otherwise the web shell.
shell =
  kioskWindow.kind === 'electron'
    ? null
    : await startWebShell({ config: shop.config, port: kioskPort, rendererDir });
const kioskUrl = shell?.url ?? `http://127.0.0.1:${shop.config.tillApiPort}`;
if (shell !== null) say(`kiosk listening on ${shell.url}`);
// A kiosk.json kept from an earlier start names a kiosk this hub may have revoked (or forgotten, its data
// reset): said now, with the demo's way out, not at the first payment. (Electron's kiosk says it itself.)
const hubWords =
  shell === null ? null : hubAtStartWords(shell.runtime.config, shell.runtime.service.status());
if (hubWords !== null) {
  say(`kiosk: ${hubWords}`);
  say(`  (the demo's kiosk: remove ${kioskDir} and npm start sets up a new one)`);
}
say(`
FacePay demo (data in ${dataDir})
  admin token:     ${adminToken}
  till token:      ${shop.tillToken}   (the till's bearer token for the kiosk)
  demo shopper:    member ${shopper?.memberNumber ?? '-'}, PIN ${shopper?.pin ?? '-'} (the man in talking-face.mp4)
  operator PIN:    ${shop.config.operatorPin}
Ask the kiosk for a payment as the till would:
  curl -s -X POST ${kioskUrl}/kiosk/v1/payment-requests -H 'Authorization: Bearer ${shop.tillToken}' \\
       -H 'Content-Type: application/json' -d '{"amount":680,"reference":"till-1"}'
  FACEPAY_HUB_URL=${running.url} FACEPAY_ADMIN_TOKEN=${adminToken} npm run hub:admin -- show-account --account demo-shopper
  API contract: ${running.url}/v1/openapi.json
`);

if (kioskWindow.kind === 'electron') {
  say('opening the kiosk window in Electron (Operator PIN leaves kiosk mode)');
  children.push(
    spawn(kioskWindow.electronPath, [kioskWindow.mainFile, '--config', shop.configFile], {
      stdio: 'inherit',
    }),
  );
} else if (shell !== null && kioskWindow.kind === 'chromium') {
  say(`${kioskWindow.why}:`);
  say(`opening ${shell.url} in the system Chromium as an app window`);
  children.push(
    spawn(chromiumPath(), [`--app=${shell.url}`, '--start-fullscreen'], { stdio: 'ignore' }),
  );
} else if (shell !== null) {
  say(`${kioskWindow.why}: open ${shell.url} in Chromium on this machine.`);
  if (shopper !== null) {
    // Without Chromium (or with a payment that fails) the hub and the kiosk still serve the till's curl.
    await requireTool('chromium')
      .then(() => headlessPayment(shell.url, shopper.pin))
      .catch((error: unknown) => {
        const why =
          error instanceof MissingToolError || error instanceof EmptyCameraClipError
            ? error.message
            : `the headless payment failed: ${error instanceof Error ? error.message : String(error)}`;
        say(`  ${why}`);
        say('  (no headless payment; the hub and the kiosk keep running)');
      });
  }
}

/** One payment in headless Chromium with the rest of the sample video as the camera. */
async function headlessPayment(url: string, pin: string): Promise<void> {
  const shots = path.join(dataDir, 'screens');
  await mkdir(shots, { recursive: true });
  say('Paying once, headless, with talking-face.mp4 (45-75 s, looped) as the camera...');
  const clip = await cameraClip({
    video: sampleVideo,
    output: path.join(tempDir, 'camera.y4m'),
    ...sampleCameraWindow,
  });
  try {
    browserLaunch = launchKioskBrowser(clip, { callerHandlesSignals: true });
    browser = await browserLaunch;
    const page = await openKiosk(browser, url);
    const before = (await admin.getAccount('demo-shopper')).balance;
    await requestPayment(url, shop.tillToken, {
      amount: 680,
      reference: `start-${Date.now()}`,
    });
    const paid = await followPayment(page, {
      pin,
      timeoutMs: 60_000,
      screenshotDir: shots,
      label: 'start',
    });
    say(`  screens: idle -> ${paid.screens.join(' -> ')} (screenshots in ${shots})`);
    if (paid.outcome === 'paid' && paid.holdId !== null) {
      const hold = await admin.getHold(paid.holdId);
      const after = (await admin.getAccount('demo-shopper')).balance;
      say(
        `  hold ${hold.id} ${hold.status}: ${hold.settled} JPY to ${hold.payee}; balance ${before} -> ${after} JPY`,
      );
    } else {
      say(`  not paid: ${paid.outcome} ${paid.errorCode ?? ''}`);
    }
  } finally {
    await browser?.close();
    browser = null;
    await rm(clip, { force: true });
  }
}

say('Ctrl-C stops the hub and the kiosk.');
