// The kiosk window's security policy as plain data and pure answers (no Electron import), so unit tests
// check every webPreference, the CSP and each permission, navigation and IPC decision main.electron.ts applies.

/**
 * The renderer is served from a custom privileged scheme, not file://: a standard scheme gives the page
 * a real origin (`app://kiosk`) that permissions, CSP 'self' and the IPC sender check can compare,
 * where every file:// page shares one opaque origin with every other file on the disk; and a handler
 * that serves only dist/renderer (and the models) cannot be walked to ~/.ssh by a relative URL.
 */
export const appScheme = 'app';
export const appHost = 'kiosk';
export const appOrigin = `${appScheme}://${appHost}`;
export const appEntryUrl = `${appOrigin}/index.html`;

/**
 * protocol.registerSchemesAsPrivileged privileges of the app scheme. standard: parsed like http, so
 * it has an origin and relative URLs resolve; secure: a secure context, which getUserMedia requires;
 * supportFetchAPI: the engine fetches models and .wasm; corsEnabled: module scripts and module workers
 * (Vite's `<script type="module" crossorigin>`) are CORS-mode requests, which a custom scheme serves
 * only when it takes part in CORS (it adds no cross-origin access: responses carry no ACAO header);
 * codeCache: V8 caches the bundle between starts.
 * Not bypassCSP, not allowServiceWorkers (no offline cache to install), not stream (no media files).
 */
export const appSchemePrivileges = {
  standard: true,
  secure: true,
  supportFetchAPI: true,
  corsEnabled: true,
  codeCache: true,
  bypassCSP: false,
  allowServiceWorkers: false,
  stream: false,
} as const;

/**
 * Each directive and why (everything unnamed falls back to default-src 'self'):
 * - script-src 'self' 'wasm-unsafe-eval': only the built bundle runs, no inline script, no eval or
 *   new Function; tfjs-backend-wasm compiles its .wasm, which Chromium allows only with wasm-unsafe-eval.
 * - worker-src 'self': the face session's Web Worker is a file Vite emits next to the bundle. No blob:
 *   (nothing needs it while the page is not cross-origin isolated: tfjs's threaded wasm, the one user of
 *   blob workers, stays off), so a page that was made to build a script string cannot run it there.
 * - connect-src 'self': the renderer fetches models and .wasm from its own origin and talks to the kiosk
 *   service through the preload (Electron) or a WebSocket to its own host and port (web shell; CSP3 'self'
 *   covers ws: to the same host). Nothing else: no face data can be posted anywhere.
 * - img-src 'self' data: blob:: data: for icons written into CSS as data: SVG (images cannot run code);
 *   blob: shows images the page made itself (a captured frame, canvas.toBlob) without a round trip.
 * - media-src 'self': the camera preview is `video.srcObject = stream`, which CSP does not govern
 *   (test/main/csp-chromium.test.ts plays the fake camera under this policy); 'self' leaves room for
 *   shipped sounds. No mediastream: or blob: media URLs are needed.
 * - style-src 'self': Vite emits CSS files; React's style props go through the CSSOM, which CSP allows.
 *   No inline <style> or style="" markup (CSS-in-JS that injects <style> would be refused).
 * - font-src 'self': fonts ship with the app; no font CDN.
 * - object-src 'none', frame-src 'none': no plugins, no frames to load anything into.
 * - base-uri 'none': an injected <base> cannot redirect the bundle's relative URLs.
 * - frame-ancestors 'none': nothing may frame the kiosk page (header only; ignored in <meta>).
 * - form-action 'none': the UI never submits a form to a URL; data leaves only through the kiosk API.
 */
export const kioskCspDirectives: Readonly<Record<string, readonly string[]>> = {
  'default-src': ["'self'"],
  'script-src': ["'self'", "'wasm-unsafe-eval'"],
  'worker-src': ["'self'"],
  'connect-src': ["'self'"],
  'img-src': ["'self'", 'data:', 'blob:'],
  'media-src': ["'self'"],
  'style-src': ["'self'"],
  'font-src': ["'self'"],
  'object-src': ["'none'"],
  'frame-src': ["'none'"],
  'base-uri': ["'none'"],
  'frame-ancestors': ["'none'"],
  'form-action': ["'none'"],
};

export const kioskContentSecurityPolicy = Object.entries(kioskCspDirectives)
  .map(([name, sources]) => `${name} ${sources.join(' ')}`)
  .join('; ');

/**
 * Headers on every response the app scheme serves (the web shell may send the same ones, so the e2e
 * tests in Chromium run the renderer under the policy Electron gives it).
 */
export function kioskResponseHeaders(contentType: string): Record<string, string> {
  return {
    'content-type': contentType,
    'content-security-policy': kioskContentSecurityPolicy,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cross-origin-resource-policy': 'same-origin',
    'cache-control': 'no-cache',
  };
}

export interface KioskWebPreferencesOptions {
  /** DevTools in the kiosk window; off unless a developer asks (FACEPAY_KIOSK_DEVTOOLS=1). */
  devTools?: boolean;
}

/** The renderer is a web page with no Node, in Chromium's sandbox, isolated from its preload. */
export function kioskWebPreferences(preloadPath: string, options: KioskWebPreferencesOptions = {}) {
  if (preloadPath.length === 0) throw new Error('the kiosk window needs its preload script');
  return {
    preload: preloadPath,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    plugins: false,
    experimentalFeatures: false,
    enableWebSQL: false,
    spellcheck: false,
    navigateOnDragDrop: false,
    // alert()/confirm() would freeze a kiosk with nobody to click them away.
    disableDialogs: true,
    safeDialogs: true,
    // The camera loop must keep its tick even while a system dialog covers the window.
    backgroundThrottling: false,
    // The camera preview is muted and needs no tap to start.
    autoplayPolicy: 'no-user-gesture-required',
    devTools: options.devTools ?? false,
  } as const;
}

/** A full-screen kiosk window; it is shown once the first paint is ready, never blank. */
export function kioskWindowOptions(options: { preloadPath: string; devTools?: boolean }) {
  return {
    title: 'FacePay Kiosk',
    kiosk: true,
    fullscreen: true,
    autoHideMenuBar: true,
    show: false,
    backgroundColor: '#0f1720',
    webPreferences: kioskWebPreferences(
      options.preloadPath,
      options.devTools === undefined ? {} : { devTools: options.devTools },
    ),
  } as const;
}

/**
 * Whether the kiosk window may open DevTools: only from a source checkout (`electron .`) with
 * FACEPAY_KIOSK_DEVTOOLS=1, never in the packaged app (app.isPackaged), where anyone at the kiosk's
 * environment would otherwise get a console inside the page that sees faces and PINs.
 */
export function devToolsAllowed(options: {
  packaged: boolean;
  env: Readonly<Record<string, string | undefined>>;
}): boolean {
  return !options.packaged && options.env['FACEPAY_KIOSK_DEVTOOLS'] === '1';
}

/**
 * Switches that open the app to a debugger: Chromium's remote debugging (DevTools protocol on a port or a
 * pipe), DevTools opened by itself, and Node's inspector (also off by the enableNodeCliInspectArguments fuse,
 * electron-builder.yml). Each name, without its dashes, is refused exactly or as the start of a longer one
 * (debugSwitchPrefixes).
 */
export const debugSwitches = [
  'remote-debugging-port',
  'remote-debugging-pipe',
  'remote-debugging-address',
  'remote-debugging-io-pipes',
  'remote-allow-origins',
  'auto-open-devtools-for-tabs',
  'inspect',
  'inspect-brk',
  'inspect-port',
  'inspect-publish-uid',
  'inspect-brk-node',
  'debug',
  'debug-brk',
  'debug-port',
] as const;

/** Any switch starting with one of these is refused too (a remote-debugging-* or inspect* Chromium or Node adds). */
export const debugSwitchPrefixes = ['remote-debugging', 'inspect', 'devtools'] as const;

/**
 * A command-line argument's switch name as Chromium reads it: a leading `--` or `-` (Chromium takes both on
 * every platform, and `/` on Windows) and any `=value` dropped, lower-cased (Windows lower-cases switches);
 * null for an argument that is no switch.
 */
export function switchName(arg: string): string | null {
  const prefix = /^(--|-|\/)/.exec(arg);
  if (prefix === null) return null;
  const rest = arg.slice(prefix[0].length);
  const name = (rest.split('=', 1)[0] ?? rest).trim().toLowerCase();
  return name.length === 0 ? null : name;
}

/**
 * The first debug switch (debugSwitches or debugSwitchPrefixes; `--` or `-` or `/`, bare or `=value`, any case)
 * on the packaged app's command line, as written up to its `=`, which then refuses to start; null when there is
 * none, or from a source checkout (a developer's `electron .`). argv[0] (the binary) is not read.
 */
export function refusedDebugSwitch(options: {
  packaged: boolean;
  argv: readonly string[];
}): string | null {
  if (!options.packaged) return null;
  for (const arg of options.argv.slice(1)) {
    const name = switchName(arg);
    if (name === null) continue;
    if (
      (debugSwitches as readonly string[]).includes(name) ||
      debugSwitchPrefixes.some((prefix) => name.startsWith(prefix))
    ) {
      return arg.split('=', 1)[0] ?? arg;
    }
  }
  return null;
}

/** Whether a URL (or an origin string) is on the app's own origin: scheme, host and port all equal. */
export function isAppUrl(url: string | null | undefined, origin: string = appOrigin): boolean {
  if (typeof url !== 'string' || url.length === 0) return false;
  let candidate: URL;
  let expected: URL;
  try {
    candidate = new URL(url);
    expected = new URL(origin);
  } catch {
    return false;
  }
  // URL.origin is "null" for non-special schemes in Node, so compare the parts themselves.
  return (
    candidate.protocol === expected.protocol &&
    candidate.hostname === expected.hostname &&
    candidate.port === expected.port &&
    candidate.username === '' &&
    candidate.password === ''
  );
}

/** will-navigate, will-frame-navigate and will-redirect: nothing leaves the app's origin. */
export function navigationAllowed(url: string, origin: string = appOrigin): boolean {
  return isAppUrl(url, origin);
}

/** setWindowOpenHandler's answer for every window.open and target=_blank: a kiosk has one window. */
export function windowOpenAnswer(): { action: 'deny' } {
  return { action: 'deny' };
}

export interface PermissionRequestFacts {
  permission: string;
  /** details.requestingUrl: the last URL the requesting frame loaded. */
  requestingUrl: string;
  isMainFrame: boolean;
  /** details.mediaTypes of a 'media' request: 'video' is the camera, 'audio' the microphone. */
  mediaTypes?: readonly string[] | undefined;
  appOrigin?: string;
}

/**
 * setPermissionRequestHandler: the camera, and only the camera, for the app's own main frame.
 * A media request that includes audio is refused whole (the kiosk never records sound).
 */
export function permissionRequestAnswer(facts: PermissionRequestFacts): boolean {
  if (facts.permission !== 'media') return false;
  if (!facts.isMainFrame || !isAppUrl(facts.requestingUrl, facts.appOrigin)) return false;
  const types = facts.mediaTypes ?? [];
  return types.length > 0 && types.every((type) => type === 'video');
}

export interface PermissionCheckFacts {
  permission: string;
  requestingOrigin: string;
  isMainFrame: boolean;
  /** details.mediaType of a 'media' check: 'video', 'audio' or 'unknown'. */
  mediaType?: string | undefined;
  /** details.securityOrigin, when Electron gives one; it must be the app's too. */
  securityOrigin?: string | undefined;
  /** details.embeddingOrigin: set only for cross-origin subframes, which get nothing. */
  embeddingOrigin?: string | undefined;
  appOrigin?: string;
}

/**
 * setPermissionCheckHandler: the synchronous "is it granted?" Chromium asks before, e.g., listing
 * camera labels for the device picker; it answers yes for the same single case as the request handler.
 */
export function permissionCheckAnswer(facts: PermissionCheckFacts): boolean {
  if (facts.permission !== 'media' || facts.mediaType !== 'video') return false;
  if (!facts.isMainFrame || facts.embeddingOrigin !== undefined) return false;
  if (!isAppUrl(facts.requestingOrigin, facts.appOrigin)) return false;
  return facts.securityOrigin === undefined || isAppUrl(facts.securityOrigin, facts.appOrigin);
}

export interface IpcSenderFacts {
  /** event.senderFrame?.url; null when the frame is gone. */
  frameUrl: string | null;
  /** event.senderFrame.parent === null */
  isMainFrame: boolean;
  /** event.sender is the kiosk window's own webContents. */
  fromKioskWindow: boolean;
  appOrigin?: string;
}

/** kiosk:call is answered only for the kiosk window's main frame while it shows the app's origin. */
export function ipcSenderAllowed(facts: IpcSenderFacts): boolean {
  return facts.fromKioskWindow && facts.isMainFrame && isAppUrl(facts.frameUrl, facts.appOrigin);
}
