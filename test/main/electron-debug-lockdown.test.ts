// The packaged kiosk opens to no debugger: electron-builder.yml flips the fuses that would let its binary
// run as Node, take NODE_OPTIONS or --inspect, or load an app from outside its app.asar (each key one that
// electron-builder's own schema knows); DevTools only from a source checkout that asks for them; a debug
// switch on the packaged app's command line is refused.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { devToolsAllowed, refusedDebugSwitch } from '../../src/main/electron/window-policy.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** electron-builder.yml's top-level `electronFuses:` mapping (`key: true|false` lines), as read. */
async function electronFuses(): Promise<Record<string, boolean>> {
  const yml = await readFile(path.join(repoRoot, 'electron-builder.yml'), 'utf8');
  const block = /^electronFuses:\n((?:[ ]{2}\w+: (?:true|false)\n)+)/m.exec(yml);
  if (block === null) throw new Error('electron-builder.yml sets no electronFuses');
  return Object.fromEntries(
    [...(block[1] ?? '').matchAll(/^ {2}(\w+): (true|false)$/gm)].map((m) => [
      m[1],
      m[2] === 'true',
    ]),
  );
}

describe('the packaged Electron binary', () => {
  it('has its fuses set: no run-as-node, NODE_OPTIONS or --inspect; the app only from its app.asar', async () => {
    const fuses = await electronFuses();
    expect(fuses).toMatchObject({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      onlyLoadAppFromAsar: true,
      enableEmbeddedAsarIntegrityValidation: true,
    });
    // Each key one electron-builder's configuration schema takes (a misspelt fuse would flip nothing).
    const scheme = JSON.parse(
      await readFile(path.join(repoRoot, 'node_modules/app-builder-lib/scheme.json'), 'utf8'),
    ) as { definitions: { FuseOptionsV1: { properties: Record<string, unknown> } } };
    const known = Object.keys(scheme.definitions.FuseOptionsV1.properties);
    expect(Object.keys(fuses).filter((key) => !known.includes(key))).toStrictEqual([]);
    // The asar integrity fuse needs the app packed as an asar (with its hash embedded).
    const yml = await readFile(path.join(repoRoot, 'electron-builder.yml'), 'utf8');
    expect(yml).toMatch(/^asar: true$/m);
    expect(yml).not.toMatch(/disableIntegrity/);
  });
});

describe('DevTools and debug switches', () => {
  it('DevTools only from a source checkout that asks for them, never in the packaged app', () => {
    const asked = { FACEPAY_KIOSK_DEVTOOLS: '1' };
    expect(devToolsAllowed({ packaged: false, env: asked })).toBe(true);
    expect(devToolsAllowed({ packaged: true, env: asked })).toBe(false);
    expect(devToolsAllowed({ packaged: false, env: {} })).toBe(false);
    expect(devToolsAllowed({ packaged: false, env: { FACEPAY_KIOSK_DEVTOOLS: 'true' } })).toBe(
      false,
    );
  });

  it('the packaged app refuses --remote-debugging-port and --inspect, bare or with a value', () => {
    const app = '/opt/FacePay Kiosk/facepay-kiosk';
    for (const arg of [
      '--remote-debugging-port=9222',
      '--remote-debugging-pipe',
      '--inspect',
      '--inspect=0.0.0.0:9229',
      '--inspect-brk=9229',
    ]) {
      const argv = [app, '--no-sandbox', arg];
      expect(refusedDebugSwitch({ packaged: true, argv })).toBe(arg.split('=')[0]);
      expect(refusedDebugSwitch({ packaged: false, argv })).toBeNull();
    }
    expect(refusedDebugSwitch({ packaged: true, argv: [app, '--config=/etc/kiosk.json'] })).toBe(
      null,
    );
    // A value that merely mentions a switch is no switch.
    expect(
      refusedDebugSwitch({ packaged: true, argv: [app, '--config=--inspect.json'] }),
    ).toBeNull();
  });
});
