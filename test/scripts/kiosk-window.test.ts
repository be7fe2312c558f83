// `npm start` on a machine with Electron and a display opens the kiosk in Electron, its shell built that
// start (a fresh clone has no dist/main; a pulled one has an old one); else Chromium or headless, saying why.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chooseKioskWindow } from '../../scripts/kiosk/kiosk-window.ts';

let distDir: string;
const electron = { ok: true as const, path: '/opt/electron/electron' };
const noElectron = { ok: false as const, reason: 'the electron package is not installed (npm ci)' };

beforeAll(async () => {
  distDir = path.join(await mkdtemp(path.join(os.tmpdir(), 'facepay-kiosk-window-')), 'dist');
});

afterAll(async () => {
  await rm(path.dirname(distDir), { recursive: true, force: true });
});

describe('chooseKioskWindow', () => {
  it('builds the Electron shell over a missing or old one and opens Electron on it', async () => {
    const fresh = await chooseKioskWindow({
      display: true,
      electron,
      chromiumFound: true,
      distDir,
    });
    const mainFile = path.join(distDir, 'main', 'main.js');
    expect(fresh).toEqual({ kind: 'electron', electronPath: electron.path, mainFile });
    expect(existsSync(path.join(distDir, 'preload', 'preload.cjs'))).toBe(true);
    const built = await readFile(mainFile, 'utf8');
    expect(built).toContain('contextIsolation');

    // A main.js of an older checkout is replaced, not launched.
    await writeFile(mainFile, '// yesterday\n');
    await chooseKioskWindow({ display: true, electron, chromiumFound: true, distDir });
    expect(await readFile(mainFile, 'utf8')).toBe(built);
  }, 60_000);

  it('falls back to Chromium, then headless, saying why, and builds nothing without Electron', async () => {
    const other = path.join(path.dirname(distDir), 'untouched');
    await mkdir(other, { recursive: true });
    const options = { display: true, electron: noElectron, distDir: other };
    expect(await chooseKioskWindow({ ...options, chromiumFound: true })).toEqual({
      kind: 'chromium',
      why: `no Electron binary (${noElectron.reason})`,
    });
    expect(await chooseKioskWindow({ ...options, chromiumFound: false })).toEqual({
      kind: 'headless',
      why: `no Electron binary (${noElectron.reason}), and no system Chromium`,
    });
    expect(existsSync(path.join(other, 'main'))).toBe(false);
    const noDisplay = { ...options, display: false, chromiumFound: true };
    expect(await chooseKioskWindow(noDisplay)).toEqual({
      kind: 'headless',
      why: `no display, and no Electron binary (${noElectron.reason})`,
    });
    expect(await chooseKioskWindow({ ...noDisplay, electron })).toEqual({
      kind: 'headless',
      why: 'no display',
    });
  }, 60_000);
});
