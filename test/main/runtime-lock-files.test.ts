// Where the kiosk runtime keeps its PIN locks: operator-lock.json (and officer-lock.json on an enrolment
// station) in the keys folder its config names, 0600 in a 0700 folder; one it cannot read stops the start
// of `npm run kiosk` with one line naming the file, not a stack trace (and not a start without the lock).
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sodium } from '../../src/biometrics/protect/sodium.ts';
import { readKioskConfig } from '../../src/main/kiosk-config.ts';
import { startKioskRuntime, type KioskRuntime } from '../../src/main/kiosk-runtime.ts';
import { officerPinVerifier } from '../../src/main/officers.ts';
import { operatorPinAttemptsMax, stationSignInAttemptsMax } from '../../src/shared/limits.ts';
import { scratchDir } from '../hub/helpers.ts';
import { nodeScript } from '../hub/process.ts';

const operatorPin = '4821';
const officer = { id: 'o-sato', pin: '739154' };
let officerVerifier: string;
const running: KioskRuntime[] = [];

beforeAll(async () => {
  await sodium.ready;
  officerVerifier = officerPinVerifier(officer.pin);
});
afterEach(async () => {
  for (const runtime of running.splice(0)) await runtime.close();
});

/**
 * A kiosk's folder as an installer lays it out: the config file, and a keys folder it names relatively
 * (the runtime makes it). Nothing listens on the hub's port: neither PIN screen calls the hub.
 */
function kioskFolder(mode: 'shop' | 'enrolment'): { configFile: string; keysDir: string } {
  const dir = scratchDir('facepay-lock-files-');
  const common = {
    hubUrl: 'http://127.0.0.1:9',
    hubToken: 'kiosk-token-0123456789',
    shopName: 'Test',
    keysDir: 'state/keys',
    kioskId: 'kiosk-1',
    operatorPin,
  };
  const config =
    mode === 'shop'
      ? { ...common, payee: 'shop', tillToken: 'till-api-token-0123456789' }
      : {
          ...common,
          mode,
          enrolment: {
            officers: [{ id: officer.id, pinVerifier: officerVerifier }],
            documentHashKey: randomBytes(32).toString('base64'),
            logFile: 'enrolment-log.jsonl',
          },
        };
  const configFile = path.join(dir, 'kiosk.json');
  writeFileSync(configFile, JSON.stringify(config), { mode: 0o600 });
  return { configFile, keysDir: path.join(dir, 'state', 'keys') };
}

async function start(configFile: string): Promise<KioskRuntime> {
  const runtime = await startKioskRuntime({
    config: await readKioskConfig(configFile),
    // No calibration: the station refuses to enrol, but signs officers in and out.
    photoVsLiveFile: path.join(path.dirname(configFile), 'no-photo-vs-live.json'),
  });
  running.push(runtime);
  return runtime;
}

const wrongOperatorPin = (runtime: KioskRuntime) =>
  runtime.handlers.operatorUnlock({ pin: '0000' });
const wrongOfficerPin = (runtime: KioskRuntime) =>
  runtime.handlers.officerSignIn({ officerId: officer.id, pin: '000000' });

function expectPrivateFile(file: string): void {
  expect(statSync(file).mode & 0o777).toBe(0o600);
  expect(statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
}

/** The files of the kiosk's folder outside its keys folder (where a lock must not land). */
function filesOutsideKeys(configFile: string): string[] {
  const dir = path.dirname(configFile);
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter(
    (name) => !name.startsWith(path.join('state', 'keys')) && name !== 'state',
  );
}

describe('the runtime keeps the PIN locks in the keys folder of its config', () => {
  it('operator-lock.json: written on the first wrong PIN, 0600, read again by the next start', async () => {
    const { configFile, keysDir } = kioskFolder('shop');
    const file = path.join(keysDir, 'operator-lock.json');
    const first = await start(configFile);
    expect(existsSync(file)).toBe(false);
    for (let i = 0; i < operatorPinAttemptsMax; i++) await wrongOperatorPin(first);
    expectPrivateFile(file);
    expect(filesOutsideKeys(configFile)).toEqual(['kiosk.json']);
    await first.close();
    const second = await start(configFile);
    expect(await second.handlers.operatorUnlock({ pin: operatorPin })).toMatchObject({
      ok: false,
      error: { code: 'operator_locked' },
    });
  });

  it('officer-lock.json on an enrolment station: beside it, 0600, read again by the next start', async () => {
    const { configFile, keysDir } = kioskFolder('enrolment');
    const file = path.join(keysDir, 'officer-lock.json');
    const first = await start(configFile);
    for (let i = 0; i < stationSignInAttemptsMax; i++) await wrongOfficerPin(first);
    expectPrivateFile(file);
    expect(existsSync(path.join(keysDir, 'operator-lock.json'))).toBe(false);
    expect(filesOutsideKeys(configFile).sort()).toEqual(['enrolment-log.jsonl', 'kiosk.json']);
    await first.close();
    const second = await start(configFile);
    expect(
      await second.handlers.officerSignIn({ officerId: officer.id, pin: officer.pin }),
    ).toMatchObject({ ok: false, error: { code: 'officer_locked' } });
  });
});

describe('a lock file the kiosk cannot read stops `npm run kiosk`', () => {
  /** Runs the web shell's command as an operator does; a renderer folder so only the start can fail. */
  function runKiosk(configFile: string): { status: number | null; stderr: string } {
    const renderer = path.join(path.dirname(configFile), 'renderer');
    mkdirSync(renderer, { recursive: true });
    writeFileSync(path.join(renderer, 'index.html'), '<!doctype html>');
    const [node, args] = nodeScript('src/main/web-shell-cli.ts', [
      '--config',
      configFile,
      '--port',
      '0',
      '--renderer',
      renderer,
    ]);
    // A kiosk that starts anyway is killed at the timeout: status null fails the test.
    const run = spawnSync(node, args, { encoding: 'utf8', timeout: 30_000, killSignal: 'SIGKILL' });
    return { status: run.status, stderr: run.stderr };
  }

  // Not JSON, not a lock, and not a file at all (a folder in its place: unreadable even to root).
  const unreadable: [string, (file: string) => void][] = [
    ['half written', (file) => writeFileSync(file, '{"failures": 2, "lastLo', { mode: 0o600 })],
    ['not a lock', (file) => writeFileSync(file, '{"failures": -1}', { mode: 0o600 })],
    ['a folder', (file) => mkdirSync(file)],
  ];

  for (const [mode, name] of [
    ['shop', 'operator-lock.json'],
    ['enrolment', 'officer-lock.json'],
  ] as const) {
    it.each(unreadable)(`${name} %s: exit 1 and one line naming it`, (_what, spoil) => {
      const { configFile, keysDir } = kioskFolder(mode);
      mkdirSync(keysDir, { recursive: true, mode: 0o700 });
      const file = path.join(keysDir, name);
      spoil(file);
      const { status, stderr } = runKiosk(configFile);
      expect(status).toBe(1);
      expect(stderr.trimEnd().split('\n')).toEqual([expect.stringContaining(file)]);
      expect(stderr).toMatch(/^kiosk: /);
    });
  }
});
