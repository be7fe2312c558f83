// Says whether the Electron binary is on this machine and where, without require('electron'): that call
// starts a download when the binary is missing, and electron's install script is disabled in this project.
import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

export type ElectronBinary = { ok: true; path: string } | { ok: false; reason: string };

export interface ElectronBinaryOptions {
  /** The electron package folder; found from this file when absent. */
  electronDir?: string;
  env?: Readonly<Record<string, string | undefined>>;
}

const downloadHint =
  "electron's install script is disabled here: run `node node_modules/electron/install.js` where " +
  'the network reaches GitHub, or set ELECTRON_OVERRIDE_DIST_PATH to an unpacked Electron';

/** Mirrors node_modules/electron/index.js (path.txt, dist/, ELECTRON_OVERRIDE_DIST_PATH) minus its download. */
export function electronBinary(options: ElectronBinaryOptions = {}): ElectronBinary {
  const env = options.env ?? process.env;
  const dir = options.electronDir ?? electronPackageDir();
  if (dir === null) return { ok: false, reason: 'the electron package is not installed (npm ci)' };
  const version = readText(path.join(dir, 'package.json'), (text) => {
    const parsed: unknown = JSON.parse(text);
    const value = (parsed as { version?: unknown }).version;
    return typeof value === 'string' ? value : null;
  });
  if (version === null) return { ok: false, reason: `${dir} is not the electron package` };
  const executable = readText(path.join(dir, 'path.txt'), (text) => text.trim() || null);
  const override = env['ELECTRON_OVERRIDE_DIST_PATH'];
  if (override !== undefined && override.length > 0) {
    return executableAt(
      path.join(override, executable ?? 'electron'),
      'ELECTRON_OVERRIDE_DIST_PATH',
    );
  }
  if (executable === null) {
    return {
      ok: false,
      reason: `the Electron ${version} binary was never downloaded; ${downloadHint}`,
    };
  }
  const distVersion = readText(path.join(dir, 'dist', 'version'), (text) => text.trim());
  if (distVersion !== null && distVersion.replace(/^v/, '') !== version) {
    return {
      ok: false,
      reason: `node_modules/electron/dist holds Electron ${distVersion}, the package is ${version}; ${downloadHint}`,
    };
  }
  return executableAt(path.join(dir, 'dist', executable), `Electron ${version}`);
}

function electronPackageDir(): string | null {
  try {
    return path.dirname(createRequire(import.meta.url).resolve('electron/package.json'));
  } catch {
    return null;
  }
}

function readText<T>(file: string, parse: (text: string) => T | null): T | null {
  try {
    return parse(readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
}

function executableAt(file: string, what: string): ElectronBinary {
  try {
    if (!statSync(file).isFile()) return { ok: false, reason: `${what}: ${file} is not a file` };
    if (process.platform !== 'win32') accessSync(file, constants.X_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'EACCES' ? 'is not executable' : 'is missing';
    return { ok: false, reason: `${what}: ${file} ${why}; ${downloadHint}` };
  }
  return { ok: true, path: file };
}
