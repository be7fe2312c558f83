// Builds the Electron main and preload bundles into a temporary app folder and checks what Electron
// would load: a one-file CommonJS preload needing only electron, and a main bundle that runs in Node
// against a fake electron module (single instance, app:// files, permissions, IPC, operator exit).
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { promisify } from 'node:util';
import vm from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildElectronShell, type ShellBuild } from '../../scripts/build.ts';
import { kioskContentSecurityPolicy } from '../../src/main/electron/window-policy.ts';
import type { KioskApi, KioskEvent } from '../../src/shared/kiosk-api.ts';

const run = promisify(execFile);
const repoRoot = path.resolve(import.meta.dirname, '..', '..');
const fixtures = path.join(import.meta.dirname, 'fixtures');
const operatorPin = '482913';

// Under node_modules/.cache so the bundle's external imports (zod, libsodium) resolve from the repo's
// node_modules, as they do from the packaged app's; never dist/, which `npm run build` owns.
let appRoot: string;
let built: ShellBuild;

beforeAll(async () => {
  await mkdir(path.join(repoRoot, 'node_modules', '.cache'), { recursive: true });
  appRoot = await mkdtemp(path.join(repoRoot, 'node_modules', '.cache', 'facepay-build-test-'));
  built = await buildElectronShell({ outDir: path.join(appRoot, 'dist') });
  // The packaged app's layout: package.json (type: module), dist/renderer, models/, electron.
  await writeFile(path.join(appRoot, 'package.json'), JSON.stringify({ type: 'module' }));
  await mkdir(path.join(appRoot, 'dist', 'renderer'), { recursive: true });
  await writeFile(
    path.join(appRoot, 'dist', 'renderer', 'index.html'),
    '<!doctype html><title>k</title>',
  );
  await mkdir(path.join(appRoot, 'models'));
  await writeFile(path.join(appRoot, 'models', 'manifest.json'), '{"models":[]}');
  const electronDir = path.join(appRoot, 'node_modules', 'electron');
  await mkdir(electronDir, { recursive: true });
  await writeFile(
    path.join(electronDir, 'package.json'),
    JSON.stringify({ name: 'electron', type: 'module', exports: './index.mjs' }),
  );
  await copyFile(path.join(fixtures, 'fake-electron.mjs'), path.join(electronDir, 'index.mjs'));
  await writeFile(
    path.join(appRoot, 'kiosk.json'),
    JSON.stringify({
      // Nothing listens on port 9 of 127.0.0.1: the kiosk starts with the hub unreachable.
      hubUrl: 'http://127.0.0.1:9',
      hubToken: 'hub-token-0123456789abcdef',
      payee: 'demo-shop',
      shopName: 'Build Test Shop',
      keysDir: 'keys',
      kioskId: 'kiosk-build-test',
      tillToken: 'till-token-0123456789abcdef',
      operatorPin,
    }),
    { mode: 0o600 },
  );
}, 60_000);

afterAll(async () => {
  if (appRoot !== undefined) await rm(appRoot, { recursive: true, force: true });
});

async function driveMain(scenario: string, args: string[] = []): Promise<Record<string, unknown>> {
  const { stdout } = await run(
    process.execPath,
    [path.join(fixtures, 'drive-main.mjs'), built.mainFile, scenario, ...args],
    {
      cwd: appRoot,
      env: { ...process.env, FACEPAY_KIOSK_CONFIG: '', FAKE_OPERATOR_PIN: operatorPin },
      timeout: 30_000,
    },
  );
  const line = stdout.trim().split('\n').at(-1) ?? '';
  return JSON.parse(line) as Record<string, unknown>;
}

describe('preload bundle', () => {
  it('is one CommonJS file whose only require is electron', async () => {
    expect(built.preloadFile.endsWith('.cjs')).toBe(true);
    expect(built.preloadExternals).toStrictEqual(['electron']);
    const code = await readFile(built.preloadFile, 'utf8');
    const required = [...code.matchAll(/\brequire\s*\(\s*(["'`])([^"'`]*)\1\s*\)/g)].map(
      (m) => m[2],
    );
    expect(new Set(required)).toStrictEqual(new Set(['electron']));
    // Compiles as a classic script: no import or export statement, nothing loaded but by require.
    expect(() => new vm.Script(code, { filename: built.preloadFile })).not.toThrow();
  });

  it('exposes only call and onEvent, invoking kiosk:call and checking every event', async () => {
    const code = await readFile(built.preloadFile, 'utf8');
    const exposed = new Map<string, unknown>();
    const invoked: unknown[][] = [];
    const listeners = new Map<string, (event: unknown, payload: unknown) => void>();
    const electron = {
      contextBridge: { exposeInMainWorld: (name: string, api: unknown) => exposed.set(name, api) },
      ipcRenderer: {
        invoke: async (...args: unknown[]) => {
          invoked.push(args);
          if (args[1] === 'status') throw new Error('main broke');
          return { ok: true, payment: null };
        },
        on: (channel: string, listener: (event: unknown, payload: unknown) => void) =>
          listeners.set(channel, listener),
        removeListener: (channel: string) => listeners.delete(channel),
      },
    };
    // The sandbox's require: electron and nothing else, as in a sandboxed renderer.
    const sandboxRequire = (name: string) => {
      if (name === 'electron') return electron;
      throw new Error(`a sandboxed preload cannot require ${name}`);
    };
    const module = { exports: {} };
    vm.runInNewContext(code, { require: sandboxRequire, module, exports: module.exports, console });

    expect([...exposed.keys()]).toStrictEqual(['facepayKiosk']);
    const api = exposed.get('facepayKiosk') as KioskApi;
    expect(Object.keys(api).sort()).toStrictEqual(['call', 'onEvent']);
    expect(await api.call('currentPayment', {})).toStrictEqual({ ok: true, payment: null });
    expect(invoked).toStrictEqual([['kiosk:call', 'currentPayment', {}]]);
    const broken = await api.call('status', {});
    expect(broken).toMatchObject({ ok: false, error: { code: 'internal' } });

    const seen: KioskEvent[] = [];
    const unsubscribe = api.onEvent((event) => seen.push(event));
    const relay = listeners.get('kiosk:event');
    expect(relay).toBeDefined();
    relay?.({}, { type: 'hub', hub: 'unreachable' });
    relay?.({}, { type: 'hub', hub: 'on fire' });
    relay?.({}, { type: 'steal-secrets' });
    relay?.({}, null);
    expect(JSON.parse(JSON.stringify(seen))).toStrictEqual([{ type: 'hub', hub: 'unreachable' }]);
    unsubscribe();
    expect(listeners.has('kiosk:event')).toBe(false);
  });
});

describe('main bundle', () => {
  it('is ESM that leaves electron, Node built-ins and declared dependencies to the runtime', async () => {
    expect(built.mainFile.endsWith(path.join('main', 'main.js'))).toBe(true);
    expect(built.mainExternals).toContain('electron');
    const pkg = JSON.parse(await readFile(path.join(repoRoot, 'package.json'), 'utf8')) as {
      main: string;
      dependencies: Record<string, string>;
    };
    expect(pkg.main).toBe('dist/main/main.js');
    const packaged = (name: string) =>
      name === 'electron' ||
      builtinModules.includes(name.replace(/^node:/, '')) ||
      Object.hasOwn(pkg.dependencies, packageName(name));
    // electron-builder packs `dependencies` only: an import of anything else would fail once packaged.
    expect(built.mainExternals.filter((name) => !packaged(name))).toStrictEqual([]);
    // ...minus the native modules electron-builder.yml leaves out.
    const builderYml = await readFile(path.join(repoRoot, 'electron-builder.yml'), 'utf8');
    const excluded = [...builderYml.matchAll(/'!node_modules\/(.+)\/\*\*'/g)].map((m) => m[1]);
    expect(excluded).toContain('better-sqlite3');
    const imported = built.mainExternals.map(packageName);
    expect(imported.filter((name) => excluded.includes(name))).toStrictEqual([]);
    const { stderr } = await run(process.execPath, ['--check', built.mainFile], { cwd: appRoot });
    expect(stderr).toBe('');
  });

  it('a second instance quits at once, after registering the app scheme', async () => {
    const { stdout } = await run(
      process.execPath,
      [path.join(fixtures, 'drive-main.mjs'), built.mainFile, 'second-instance'],
      { cwd: appRoot, env: { ...process.env, FAKE_ELECTRON_LOCK: 'refused' } },
    );
    const report = JSON.parse(stdout.trim()) as { calls: string[]; schemes: unknown[] };
    expect(report.calls).toStrictEqual([
      'registerSchemesAsPrivileged',
      'requestSingleInstanceLock',
      'quit',
    ]);
    expect(report.schemes).toMatchObject([
      { scheme: 'app', privileges: { standard: true, secure: true } },
    ]);
  });

  it('exits 1 without a config, saying so on the screen', async () => {
    const report = await driveMain('no-config');
    expect(report['exitCode']).toBe(1);
    expect(report['calls']).toContain('dialog.showErrorBox');
    expect(report['calls']).not.toContain('BrowserWindow');
  });

  it('runs the kiosk: app:// files with the CSP, camera only, IPC from its own page, operator exit', async () => {
    const report = (await driveMain('full', [
      '--config',
      path.join(appRoot, 'kiosk.json'),
    ])) as unknown as FullReport;
    expect(report.calls.slice(0, 4)).toStrictEqual([
      'registerSchemesAsPrivileged',
      'requestSingleInstanceLock',
      'whenReady',
      'Menu.setApplicationMenu',
    ]);
    expect(report.calls).toContain('protocol.handle');
    expect(report.calls.indexOf('protocol.handle')).toBeLessThan(report.calls.indexOf('loadURL'));
    expect(report.calls.filter((name: string) => name === 'loadURL')).toHaveLength(1);
    expect(report.windowOptions).toMatchObject({
      kiosk: true,
      webPreferences: {
        preload: path.join(appRoot, 'dist', 'preload', 'preload.cjs'),
        sandbox: true,
        contextIsolation: true,
        nodeIntegration: false,
      },
    });
    expect(report.ipcChannels).toStrictEqual(['kiosk:call']);

    expect(report.files.map(({ status }) => status)).toStrictEqual([
      200, // app://kiosk/ is index.html
      200, // HEAD
      200, // models/manifest.json
      400, // models/..%2fpackage.json
      404, // a missing asset
      405, // POST
      404, // another host
    ]);
    expect(report.files[0]).toMatchObject({
      contentType: 'text/html; charset=utf-8',
      body: expect.stringContaining('<title>k</title>'),
    });
    expect(report.files[1]?.body).toBeNull();
    expect(report.files[2]?.body).toBe('{"models":[]}');
    for (const file of report.files) expect(file.csp).toBe(kioskContentSecurityPolicy);

    expect(report.permissions).toStrictEqual({
      camera: true,
      microphone: false,
      cameraElsewhere: false,
      geolocation: false,
      checkCamera: true,
      checkNotifications: false,
      device: false,
    });
    expect(report.navigation).toStrictEqual({
      awayPrevented: true,
      framePrevented: true,
      redirectPrevented: true,
      ownPrevented: false,
      windowOpen: { action: 'deny' },
      webviewPrevented: true,
    });
    expect(report.headers.responseHeaders['Content-Security-Policy']).toStrictEqual([
      kioskContentSecurityPolicy,
    ]);
    expect(report.closedByUser).toBe(false);

    expect(report.ipc.status).toMatchObject({
      ok: true,
      status: { shopName: 'Build Test Shop', hub: 'unreachable' },
    });
    for (const refused of ['foreignFrame', 'subframe', 'otherWebContents', 'noFrame']) {
      expect(report.ipc[refused], refused).toMatchObject({
        ok: false,
        error: { code: 'invalid_request' },
      });
    }
    expect(report.ipc.unknownMethod).toMatchObject({
      ok: false,
      error: { code: 'unknown_method' },
    });
    expect(report.ipc.badPayload).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
    expect(report.ipc.unlock).toMatchObject({ ok: true });
    expect(report.ipc.startPayment).toMatchObject({ ok: true, payment: { amount: 1200 } });
    expect(report.events).toContainEqual({
      channel: 'kiosk:event',
      payload: expect.objectContaining({ type: 'payment' }),
    });
    expect(report.ipc.operatorExit).toStrictEqual({ ok: true, exiting: true });
    // quit, prevented once while the kiosk service closes, then quit again.
    expect(report.quitCalls).toBe(2);
  });
});

/** What drive-main.mjs prints for the 'full' scenario. */
interface FullReport {
  calls: string[];
  windowOptions: unknown;
  ipcChannels: string[];
  files: { status: number; contentType: string | null; csp: string | null; body: string | null }[];
  permissions: Record<string, boolean>;
  navigation: Record<string, unknown>;
  headers: { responseHeaders: Record<string, string[]> };
  closedByUser: boolean;
  ipc: Record<string, unknown>;
  events: { channel: string; payload: unknown }[];
  quitCalls: number;
}

function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier);
}
