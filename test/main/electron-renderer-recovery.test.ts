// The Electron main bundle wires the kiosk window's renderer recovery (renderer-recovery.ts): run in Node
// against the fake electron module, a renderer that dies is loaded again, and one that hangs past the grace
// is ended (forcefullyCrashRenderer) and loaded again, each said on stderr. The logic's own cases are in
// renderer-recovery.test.ts; this checks the events reach it from the window main.electron.ts makes.
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildElectronShell, type ShellBuild } from '../../scripts/build.ts';

const run = promisify(execFile);
const repoRoot = path.resolve(import.meta.dirname, '..', '..');
const fixtures = path.join(import.meta.dirname, 'fixtures');

// Under node_modules/.cache, as build.test.ts: the bundle's external imports resolve from the repo's
// node_modules.
let appRoot: string;
let built: ShellBuild;

beforeAll(async () => {
  await mkdir(path.join(repoRoot, 'node_modules', '.cache'), { recursive: true });
  appRoot = await mkdtemp(path.join(repoRoot, 'node_modules', '.cache', 'facepay-recovery-test-'));
  built = await buildElectronShell({ outDir: path.join(appRoot, 'dist') });
  await writeFile(path.join(appRoot, 'package.json'), JSON.stringify({ type: 'module' }));
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
      shopName: 'Recovery Test Shop',
      keysDir: 'keys',
      kioskId: 'kiosk-recovery-test',
      tillToken: 'till-token-0123456789abcdef',
      // Any free port: the till API is not asked here.
      tillApiPort: 0,
      operatorPin: '482913',
    }),
    { mode: 0o600 },
  );
}, 60_000);

afterAll(async () => {
  if (appRoot !== undefined) await rm(appRoot, { recursive: true, force: true });
});

it('reloads the kiosk page after its renderer died, and ends and reloads one that hangs', async () => {
  const { stdout, stderr } = await run(
    process.execPath,
    [
      path.join(fixtures, 'drive-main.mjs'),
      built.mainFile,
      'renderer-recovery',
      ...['--config', path.join(appRoot, 'kiosk.json')],
    ],
    { cwd: appRoot, env: { ...process.env, FACEPAY_KIOSK_CONFIG: '' }, timeout: 60_000 },
  );
  const report = JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as { calls: string[] };
  expect(report.calls).toStrictEqual(['loadURL', 'loadURL', 'forcefullyCrashRenderer', 'loadURL']);
  expect(stderr).toMatch(/kiosk: the kiosk screen's renderer is gone \(crashed, exit code 139/);
  expect(stderr).toMatch(/kiosk: the kiosk screen is not responding/);
  expect(stderr).toMatch(
    /kiosk: the kiosk screen's renderer is gone \(killed, exit code 9; 2 in a row\)/,
  );
}, 90_000);
