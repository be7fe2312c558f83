// The Electron entry: one kiosk window on the app://kiosk origin under window-policy.ts, the kiosk
// service started in this process, and the one IPC channel between them; the only main file importing electron.
import type { BrowserWindowConstructorOptions, Session, WebContents } from 'electron';
import { app, BrowserWindow, dialog, ipcMain, Menu, protocol, session } from 'electron';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KioskResult } from '../../shared/kiosk-api.ts';
import { handleKioskCall, kioskFailure } from '../../shared/kiosk-api.ts';
import { kioskCallChannel, kioskEventChannel } from '../../shared/kiosk-bridge.ts';
import { hubAtStartWords } from '../hub-at-start.ts';
import { readKioskConfig } from '../kiosk-config.ts';
import type { KioskRuntime } from '../kiosk-runtime.ts';
import { startKioskRuntime } from '../kiosk-runtime.ts';
import type { KioskHttpServer } from '../kiosk-http.ts';
import { startKioskHttp } from '../kiosk-http.ts';
import { resolveAppFile } from './app-files.ts';
import { appLayout, kioskConfigEnv, kioskConfigPath } from './launch.ts';
import { rendererRecovery } from './renderer-recovery.ts';
import * as policy from './window-policy.ts';

const layout = appLayout(path.dirname(fileURLToPath(import.meta.url)));
let kioskWindow: BrowserWindow | null = null;
/** Set by app.quit (operator exit, the OS): until then closing the window is refused (Alt+F4). */
let quitting = false;
let runtime: KioskRuntime | null = null;
let tillApi: KioskHttpServer | null = null;

// Must run before 'ready': the scheme's privileges are fixed when Chromium starts.
protocol.registerSchemesAsPrivileged([
  { scheme: policy.appScheme, privileges: { ...policy.appSchemePrivileges } },
]);

// The packaged kiosk opens to no debugger: started with one's switch, it exits before any window or key.
const debugSwitch = policy.refusedDebugSwitch({ packaged: app.isPackaged, argv: process.argv });
if (debugSwitch !== null) {
  process.stderr.write(`kiosk: refusing to start with ${debugSwitch}\n`);
  app.exit(2);
} else if (!app.requestSingleInstanceLock()) {
  // A second start only brings the running kiosk to the front (its 'second-instance' below).
  app.quit();
} else {
  app.on('second-instance', () => {
    if (kioskWindow === null || kioskWindow.isDestroyed()) return;
    if (kioskWindow.isMinimized()) kioskWindow.restore();
    kioskWindow.focus();
  });
  app.on('web-contents-created', (_event, contents) => hardenContents(contents));
  app.on('before-quit', () => {
    quitting = true;
  });
  app.on('will-quit', (event) => {
    const closing = runtime;
    if (closing === null) return;
    runtime = null;
    event.preventDefault();
    const till = tillApi;
    tillApi = null;
    void (till?.close() ?? Promise.resolve()).then(() => closing.close()).finally(() => app.quit());
  });
  app.on('window-all-closed', () => app.quit());
  app.whenReady().then(start).catch(fail);
}

async function start(): Promise<void> {
  const configFile = kioskConfigPath(process.argv, process.env);
  if (configFile === null)
    throw new Error(`no kiosk config: pass --config FILE or set ${kioskConfigEnv}`);
  const config = await readKioskConfig(configFile);
  // No application menu: its accelerators would reload the page, open DevTools or quit.
  Menu.setApplicationMenu(null);
  secureSession(session.defaultSession);
  const started = startKioskRuntime({
    config,
    onOperatorExit: () => setImmediate(() => app.quit()),
    // Enrolment mode: the packed calibration beside the models, not a path relative to the bundle.
    photoVsLiveFile: path.join(layout.appRoot, 'models', 'photo-vs-live.json'),
  });
  const window = createKioskWindow();
  serveKioskCalls(started, window);
  runtime = await started;
  // Its first round has asked the hub: a kiosk the hub refuses (revoked, unknown) says so in the log now.
  const hubWords = hubAtStartWords(config, runtime.service.status());
  if (hubWords !== null) process.stderr.write(`kiosk: ${hubWords}\n`);
  // The merchant's till sends amounts here (POST /kiosk/v1/payment-requests); the renderer is not served.
  tillApi = await startKioskHttp({ runtime, port: config.tillApiPort });
  const unsubscribe = runtime.subscribe((event) => {
    if (window.isDestroyed() || !policy.isAppUrl(window.webContents.getURL())) return;
    window.webContents.send(kioskEventChannel, event);
  });
  window.on('closed', unsubscribe);
  await window.loadURL(policy.appEntryUrl);
}

function fail(error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`kiosk: ${message}\n`);
  // A kiosk started from its desktop entry has no terminal: say it on the screen too.
  dialog.showErrorBox('FacePay Kiosk cannot start', message);
  app.exit(1);
}

function secureSession(ses: Session): void {
  ses.protocol.handle(policy.appScheme, serveAppFile);
  ses.setPermissionRequestHandler((_contents, permission, callback, details) => {
    const mediaTypes = 'mediaTypes' in details ? details.mediaTypes : undefined;
    const { requestingUrl, isMainFrame } = details;
    callback(
      policy.permissionRequestAnswer({ permission, requestingUrl, isMainFrame, mediaTypes }),
    );
  });
  ses.setPermissionCheckHandler((_contents, permission, requestingOrigin, details) =>
    policy.permissionCheckAnswer({
      permission,
      requestingOrigin,
      isMainFrame: details.isMainFrame,
      mediaType: details.mediaType,
      securityOrigin: details.securityOrigin,
      embeddingOrigin: details.embeddingOrigin,
    }),
  );
  ses.setDevicePermissionHandler(() => false);
  // The app scheme's responses carry the CSP already; this covers anything else the session loads.
  ses.webRequest.onHeadersReceived((details, callback) => {
    const responseHeaders = { ...details.responseHeaders };
    responseHeaders['Content-Security-Policy'] = [policy.kioskContentSecurityPolicy];
    callback({ responseHeaders });
  });
}

async function serveAppFile(request: Request): Promise<Response> {
  const refuse = (status: number) =>
    new Response(null, { status, headers: policy.kioskResponseHeaders('text/plain') });
  if (request.method !== 'GET' && request.method !== 'HEAD') return refuse(405);
  const answer = resolveAppFile(layout.mounts, request.url);
  if (!answer.ok) {
    process.stderr.write(`kiosk: refused ${request.url}: ${answer.reason}\n`);
    return refuse(answer.status);
  }
  try {
    if (!(await stat(answer.file)).isFile()) return refuse(404);
    const body = request.method === 'HEAD' ? null : new Uint8Array(await readFile(answer.file));
    return new Response(body, {
      status: 200,
      headers: policy.kioskResponseHeaders(answer.contentType),
    });
  } catch {
    return refuse(404);
  }
}

function createKioskWindow(): BrowserWindow {
  const devTools = policy.devToolsAllowed({ packaged: app.isPackaged, env: process.env });
  const options: BrowserWindowConstructorOptions = policy.kioskWindowOptions({
    preloadPath: layout.preloadFile,
    devTools,
  });
  const window = new BrowserWindow(options);
  kioskWindow = window;
  window.once('ready-to-show', () => window.show());
  window.on('close', (event) => {
    if (!quitting) event.preventDefault();
  });
  // A hung renderer would leave a frozen kiosk, a crashed one a blank one: end it and load the app again.
  const recovery = rendererRecovery({
    reload: () => void window.loadURL(policy.appEntryUrl),
    endRenderer: () => window.webContents.forcefullyCrashRenderer(),
    destroyed: () => window.isDestroyed(),
    log: (line) => process.stderr.write(`kiosk: ${line}\n`),
  });
  window.on('unresponsive', recovery.unresponsive);
  window.on('responsive', recovery.responsive);
  window.webContents.on('render-process-gone', (_event, details) => recovery.gone(details));
  window.on('closed', recovery.dispose);
  return window;
}

function serveKioskCalls(started: Promise<KioskRuntime>, window: BrowserWindow): void {
  ipcMain.handle(
    kioskCallChannel,
    async (event, method: unknown, payload: unknown): Promise<KioskResult<unknown>> => {
      const frame = event.senderFrame;
      const allowed = policy.ipcSenderAllowed({
        frameUrl: frame?.url ?? null,
        isMainFrame: frame !== null && frame.parent === null,
        fromKioskWindow: !window.isDestroyed() && event.sender === window.webContents,
      });
      if (!allowed)
        return kioskFailure('invalid_request', 'kiosk calls come only from the kiosk page');
      try {
        return await handleKioskCall((await started).handlers, method, payload);
      } catch (error) {
        process.stderr.write(`kiosk: ${String(method)} failed: ${String(error)}\n`);
        return kioskFailure('internal', 'the kiosk service failed');
      }
    },
  );
}

function hardenContents(contents: WebContents): void {
  contents.setWindowOpenHandler(() => policy.windowOpenAnswer());
  contents.on('will-attach-webview', (event) => event.preventDefault());
  const keepOnApp = (event: { url: string; preventDefault(): void }) => {
    if (!policy.navigationAllowed(event.url)) event.preventDefault();
  };
  contents.on('will-navigate', keepOnApp);
  contents.on('will-frame-navigate', keepOnApp);
  contents.on('will-redirect', keepOnApp);
}
