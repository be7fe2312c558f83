// A PIN lock survives a restart: the operator screen's and an enrolment station's officer sign-in keep
// their wrong-PIN count, round and lock in the kiosk's folder, so a power cycle gives no new guesses.
// The station's lock grows like the operator's; a lock file that cannot be read stops the start.
// A lock counts elapsed time (performance.now), which fake timers move; `now` is the kiosk's wall clock.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { KioskIdentity } from '../../src/biometrics/protect/kiosk-identity.node.ts';
import { sodium } from '../../src/biometrics/protect/sodium.ts';
import type { HubLink } from '../../src/main/hub-link.ts';
import type { KioskConfig } from '../../src/main/kiosk-config.ts';
import { KioskService } from '../../src/main/kiosk-service.ts';
import { StationLog } from '../../src/main/station-log.ts';
import {
  operatorLockMs,
  operatorPinAttemptsMax,
  pinLockCheckpointMs,
  stationSignInAttemptsMax,
  stationSignInLockMs,
  stationSignInLockMsMax,
} from '../../src/shared/limits.ts';
import { makeKioskIdentity } from '../hub/kiosk-helpers.ts';
import {
  offlineKioskConfig,
  officer,
  operatorPin,
  unreachedHubLink,
} from './offline-kiosk-fixture.ts';

const wrongPin = '000000';
let now = Date.parse('2026-03-01T09:00:00.000Z');
let work: string;
let identity: KioskIdentity;
const links: HubLink[] = [];
let shopConfig: KioskConfig;
let stationConfig: KioskConfig;

beforeAll(async () => {
  await sodium.ready;
  work = mkdtempSync(path.join(os.tmpdir(), 'facepay-pin-lock-'));
  identity = await makeKioskIdentity();
  shopConfig = offlineKioskConfig('shop', work);
  stationConfig = offlineKioskConfig('enrolment', work);
  vi.useFakeTimers({ toFake: ['performance', 'setTimeout', 'clearTimeout'] });
});
afterAll(() => {
  vi.useRealTimers();
  for (const link of links) link.dispose();
  rmSync(work, { recursive: true, force: true });
});

/** Time passes: the wall clock and the elapsed time alike (a running lock writes its time left). */
function pass(ms: number): void {
  now += ms;
  vi.advanceTimersByTime(ms);
}

/**
 * A restart: the run before is gone, and with it its timers (a lock's checkpoints); clearAllTimers also
 * starts performance.now afresh, as in a new process.
 */
function restart(): void {
  vi.clearAllTimers();
}

/** A link that is never connected: neither PIN screen calls the hub. */
function link(config: KioskConfig): HubLink {
  const made = unreachedHubLink(config, identity, () => now);
  links.push(made);
  return made;
}

/** A kiosk app as the runtime starts it, its operator lock kept in `file`: one per (re)start. */
function shopKiosk(file: string): KioskService {
  restart();
  return new KioskService({
    config: shopConfig,
    hub: link(shopConfig),
    modelId: null,
    now: () => now,
    operatorLockFile: file,
  });
}

/** An enrolment station as the runtime starts it, its officers' lock kept in `file`. */
function station(file: string): KioskService {
  restart();
  return new KioskService({
    config: stationConfig,
    hub: link(stationConfig),
    modelId: null,
    now: () => now,
    station: {
      log: new StationLog(path.join(work, 'enrolment-log.jsonl')),
      photoVsLive: null,
      signInLockFile: file,
    },
  });
}

const unlock = (kiosk: KioskService, pin: string) => kiosk.handlers.operatorUnlock({ pin });
const signIn = (kiosk: KioskService, pin: string) =>
  kiosk.handlers.officerSignIn({ officerId: officer.id, pin });

async function wrongOperatorPins(kiosk: KioskService, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    expect(await unlock(kiosk, wrongPin.slice(0, 4))).toMatchObject({
      ok: false,
      error: { code: 'operator_pin_incorrect' },
    });
  }
}

async function wrongOfficerPins(kiosk: KioskService, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    expect(await signIn(kiosk, wrongPin)).toMatchObject({
      ok: false,
      error: { code: 'officer_pin_incorrect' },
    });
  }
}

const lockFile = (name: string) =>
  path.join(work, `${name}-${randomBytes(4).toString('hex')}.json`);

describe('operator PIN lock across a restart', () => {
  it('a new kiosk app on the same folder is still locked for the same remaining time', async () => {
    const file = lockFile('operator-lock');
    await wrongOperatorPins(shopKiosk(file), operatorPinAttemptsMax);
    // A minute on, the lock has written its time left (pinLockCheckpointMs): the restart resumes there.
    pass(pinLockCheckpointMs);
    let kiosk = shopKiosk(file);
    expect(await unlock(kiosk, operatorPin)).toMatchObject({
      ok: false,
      error: { code: 'operator_locked', message: expect.stringContaining('in 4 min') },
    });
    pass(operatorLockMs - pinLockCheckpointMs - 1);
    expect(await unlock(kiosk, operatorPin)).toMatchObject({
      error: { code: 'operator_locked' },
    });
    pass(1);
    // The round is kept too: the next round after a restart locks twice as long, not the first length.
    kiosk = shopKiosk(file);
    await wrongOperatorPins(kiosk, operatorPinAttemptsMax);
    pass(2 * operatorLockMs - 1);
    expect(await unlock(kiosk, operatorPin)).toMatchObject({
      error: { code: 'operator_locked' },
    });
    pass(1);
    expect(await unlock(shopKiosk(file), operatorPin)).toMatchObject({ ok: true });
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('counts wrong PINs across a restart: 4, a restart, and 1 more lock it', async () => {
    const file = lockFile('operator-lock');
    await wrongOperatorPins(shopKiosk(file), operatorPinAttemptsMax - 1);
    const restarted = shopKiosk(file);
    await wrongOperatorPins(restarted, 1);
    expect(await unlock(restarted, operatorPin)).toMatchObject({
      error: { code: 'operator_locked' },
    });
  });

  it('refuses to start on a lock file it cannot read, rather than forget the lock', () => {
    for (const text of ['{"failures": 2, "lastLo', '{"failures": -1}', '[]']) {
      const file = lockFile('operator-lock');
      writeFileSync(file, text, { mode: 0o600 });
      expect(() => shopKiosk(file)).toThrow(new RegExp(`${path.basename(file)}: not`));
      expect(readFileSync(file, 'utf8')).toBe(text);
    }
  });
});

describe('enrolment station officer PIN lock', () => {
  it('grows with each round like the operator lock, and survives a restart', async () => {
    const file = lockFile('officer-lock');
    let kiosk = station(file);
    for (const ms of [stationSignInLockMs, 2 * stationSignInLockMs, 4 * stationSignInLockMs]) {
      await wrongOfficerPins(kiosk, stationSignInAttemptsMax);
      // A restart in the middle of the lock: still locked, to the end of the same lock.
      kiosk = station(file);
      pass(ms - 1);
      expect(await signIn(kiosk, officer.pin)).toMatchObject({
        ok: false,
        error: { code: 'officer_locked' },
      });
      pass(1);
    }
    expect(stationSignInLockMsMax).toBeGreaterThanOrEqual(4 * stationSignInLockMs);
    // The right PIN signs in and starts over: the next round locks the first length again.
    expect(await signIn(kiosk, officer.pin)).toMatchObject({ ok: true });
    await kiosk.handlers.officerSignOut({});
    await wrongOfficerPins(kiosk, stationSignInAttemptsMax);
    pass(stationSignInLockMs);
    expect(await signIn(station(file), officer.pin)).toMatchObject({ ok: true });
  });

  it('refuses to start on an officer lock file it cannot read', () => {
    const file = lockFile('officer-lock');
    writeFileSync(file, 'not json', { mode: 0o600 });
    expect(() => station(file)).toThrow(/not JSON/);
  });
});
