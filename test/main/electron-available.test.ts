// electronBinary finds the Electron executable the way electron's index.js does, and when it is missing
// says why without starting the download that require('electron') would.
import { chmod, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { electronBinary } from '../../scripts/electron-available.ts';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'facepay-electron-'));
  await writeFile(
    path.join(dir, 'package.json'),
    JSON.stringify({ name: 'electron', version: '45.4.1' }),
  );
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function download(options: { version?: string; mode?: number } = {}): Promise<string> {
  await mkdir(path.join(dir, 'dist'));
  await writeFile(path.join(dir, 'dist', 'version'), `v${options.version ?? '45.4.1'}`);
  const binary = path.join(dir, 'dist', 'electron');
  await writeFile(binary, '#!/bin/sh\n');
  await chmod(binary, options.mode ?? 0o755);
  await writeFile(path.join(dir, 'path.txt'), 'electron');
  return binary;
}

describe('electronBinary', () => {
  it('says the binary was never downloaded when path.txt is missing', () => {
    const answer = electronBinary({ electronDir: dir, env: {} });
    expect(answer).toMatchObject({ ok: false });
    if (!answer.ok) expect(answer.reason).toMatch(/45\.4\.1 binary was never downloaded/);
  });

  it('finds dist/<path.txt> once downloaded', async () => {
    const binary = await download();
    expect(electronBinary({ electronDir: dir, env: {} })).toStrictEqual({ ok: true, path: binary });
  });

  it('refuses a download of another version, a deleted binary and one that cannot run', async () => {
    await download({ version: '44.0.0' });
    expect(electronBinary({ electronDir: dir, env: {} })).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/44\.0\.0, the package is 45\.4\.1/),
    });
    await rm(path.join(dir, 'dist'), { recursive: true });
    await download();
    await rm(path.join(dir, 'dist', 'electron'));
    expect(electronBinary({ electronDir: dir, env: {} })).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/is missing/),
    });
    if (process.platform !== 'win32') {
      await writeFile(path.join(dir, 'dist', 'electron'), '');
      await chmod(path.join(dir, 'dist', 'electron'), 0o644);
      expect(electronBinary({ electronDir: dir, env: {} })).toMatchObject({ ok: false });
    }
  });

  it('honours ELECTRON_OVERRIDE_DIST_PATH like electron/index.js', async () => {
    const elsewhere = path.join(dir, 'unpacked');
    await mkdir(elsewhere);
    await writeFile(path.join(elsewhere, 'electron'), '#!/bin/sh\n', { mode: 0o755 });
    const env = { ELECTRON_OVERRIDE_DIST_PATH: elsewhere };
    expect(electronBinary({ electronDir: dir, env })).toStrictEqual({
      ok: true,
      path: path.join(elsewhere, 'electron'),
    });
  });

  it('answers for this checkout without downloading anything', async () => {
    const electronDir = path.join(import.meta.dirname, '../../node_modules/electron');
    const before = await readdir(electronDir);
    const answer = electronBinary();
    expect(typeof answer.ok).toBe('boolean');
    if (answer.ok) expect(answer.path.startsWith(electronDir)).toBe(true);
    else expect(answer.reason.length).toBeGreaterThan(0);
    expect(await readdir(electronDir)).toStrictEqual(before);
  });
});
