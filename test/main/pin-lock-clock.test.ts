// A PIN lock lasts its length of elapsed time whatever the kiosk's wall clock does: moved forward (by hand,
// a wrong NTP step) it does not end the lock, moved back it does not stretch it, and across a restart the
// lock resumes where its last checkpoint left it (the downtime never counts, the wall clock is not asked).
//
// Fake timers model the machine: performance.now (the monotonic clock) moves only as time passes, and
// setSystemTime moves the wall clock (Date.now, the kiosk service's clock) on its own, as a clock change does.
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { KioskIdentity } from '../../src/biometrics/protect/kiosk-identity.node.ts';
import { sodium } from '../../src/biometrics/protect/sodium.ts';
import type { HubLink } from '../../src/main/hub-link.ts';
import type { KioskConfig } from '../../src/main/kiosk-config.ts';
import { KioskService } from '../../src/main/kiosk-service.ts';
import { StationLog } from '../../src/main/station-log.ts';
import {
  operatorLockMs,
  operatorPinAttemptsMax,
  operatorUnlockMs,
  pinLockCheckpointMs,
  stationSignInAttemptsMax,
  stationSignInLockMs,
} from '../../src/shared/limits.ts';
import { scratchDir } from '../hub/helpers.ts';
import { makeKioskIdentity } from '../hub/kiosk-helpers.ts';
import {
  offlineKioskConfig,
  officer,
  operatorPin,
  pass,
  setClockBy,
  unreachedHubLink,
  useMachineClocks,
} from './offline-kiosk-fixture.ts';

const hourMs = 3_600_000;
const minuteMs = 60_000;
let work: string;
let identity: KioskIdentity;
const links: HubLink[] = [];
let shopConfig: KioskConfig;
let stationConfig: KioskConfig;

beforeAll(async () => {
  await sodium.ready;
  work = scratchDir('facepay-pin-clock-');
  identity = await makeKioskIdentity();
  shopConfig = offlineKioskConfig('shop', work);
  stationConfig = offlineKioskConfig('enrolment', work);
});
beforeEach(useMachineClocks);
afterEach(() => vi.useRealTimers());
afterAll(() => {
  for (const link of links) link.dispose();
});

/**
 * A new run: the one before is gone, and with it its timers (a lock's checkpoints). clearAllTimers also
 * resets the fake clocks: the wall clock is put back where it was; performance.now starts afresh, as in a
 * new process.
 */
function restart(): void {
  const wallMs = Date.now();
  vi.clearAllTimers();
  vi.setSystemTime(wallMs);
}

/** A kiosk app as the runtime starts it, with its own wall clock (Date.now): one per (re)start. */
function start(config: KioskConfig, lockFile: string): KioskService {
  restart();
  const hub = unreachedHubLink(config, identity, Date.now);
  links.push(hub);
  if (config.mode !== 'enrolment') {
    return new KioskService({ config, hub, modelId: null, operatorLockFile: lockFile });
  }
  const log = new StationLog(path.join(work, 'enrolment-log.jsonl'));
  return new KioskService({
    config,
    hub,
    modelId: null,
    station: { log, photoVsLive: null, signInLockFile: lockFile },
  });
}

/** The operator screen's and the station's sign-in lock, driven alike. */
const screens = [
  {
    name: 'operator screen',
    config: () => shopConfig,
    lockMs: operatorLockMs,
    attemptsMax: operatorPinAttemptsMax,
    lockedCode: 'operator_locked',
    wrongCode: 'operator_pin_incorrect',
    tryPin: (kiosk: KioskService, pin: string) => kiosk.handlers.operatorUnlock({ pin }),
    rightPin: operatorPin,
    wrongPin: '0000',
  },
  {
    name: 'enrolment station sign-in',
    config: () => stationConfig,
    lockMs: stationSignInLockMs,
    attemptsMax: stationSignInAttemptsMax,
    lockedCode: 'officer_locked',
    wrongCode: 'officer_pin_incorrect',
    tryPin: (kiosk: KioskService, pin: string) =>
      kiosk.handlers.officerSignIn({ officerId: officer.id, pin }),
    rightPin: officer.pin,
    wrongPin: '000000',
  },
] as const;

describe.each(screens)('$name PIN lock and the wall clock', (screen) => {
  const lockFile = () => path.join(work, `lock-${randomBytes(4).toString('hex')}.json`);

  async function lock(kiosk: KioskService): Promise<void> {
    for (let i = 0; i < screen.attemptsMax; i++) {
      expect(await screen.tryPin(kiosk, screen.wrongPin)).toMatchObject({
        ok: false,
        error: { code: screen.wrongCode },
      });
    }
  }

  async function expectLocked(kiosk: KioskService): Promise<void> {
    expect(await screen.tryPin(kiosk, screen.rightPin)).toMatchObject({
      ok: false,
      error: { code: screen.lockedCode },
    });
  }

  /** Locked for `ms` more of elapsed time, not a millisecond less, then open to the right PIN. */
  async function expectLockedFor(kiosk: KioskService, ms: number): Promise<void> {
    await expectLocked(kiosk);
    pass(ms - 1);
    await expectLocked(kiosk);
    pass(1);
    expect(await screen.tryPin(kiosk, screen.rightPin)).toMatchObject({ ok: true });
  }

  it('stays locked when the clock is moved 25 h forward during the lock', async () => {
    const kiosk = start(screen.config(), lockFile());
    await lock(kiosk);
    pass(minuteMs);
    setClockBy(25 * hourMs);
    await expectLockedFor(kiosk, screen.lockMs - minuteMs);
  });

  it('unlocks after its length when the clock is moved 25 h back during the lock', async () => {
    const kiosk = start(screen.config(), lockFile());
    await lock(kiosk);
    pass(minuteMs);
    setClockBy(-25 * hourMs);
    await expectLockedFor(kiosk, screen.lockMs - minuteMs);
  });

  it('a restart mid-lock resumes the time left, whichever way the clock moved while it was down', async () => {
    for (const movedMs of [25 * hourMs, -25 * hourMs]) {
      const file = lockFile();
      await lock(start(screen.config(), file));
      pass(2 * pinLockCheckpointMs);
      // Down for ten minutes, and the clock set meanwhile: neither counts towards the lock.
      setClockBy(10 * minuteMs + movedMs);
      const restarted = start(screen.config(), file);
      await expectLockedFor(restarted, screen.lockMs - 2 * pinLockCheckpointMs);
    }
  });

  it('reads a lock file written by the wall-clock lock once, as that code would have', async () => {
    const left = 2 * minuteMs;
    const running = lockFile();
    const ended = lockFile();
    const wallClockLock = (untilMs: number) =>
      JSON.stringify({ failures: 0, lastLockMs: screen.lockMs, lockedUntilMs: untilMs });
    writeFileSync(running, wallClockLock(Date.now() + left), { mode: 0o600 });
    writeFileSync(ended, wallClockLock(Date.now() - 1), { mode: 0o600 });
    const kiosk = start(screen.config(), running);
    setClockBy(25 * hourMs);
    await expectLockedFor(kiosk, left);
    expect(await screen.tryPin(start(screen.config(), ended), screen.rightPin)).toMatchObject({
      ok: true,
    });
  });

  it('a restart before the first checkpoint never shortens the lock', async () => {
    const file = lockFile();
    await lock(start(screen.config(), file));
    pass(pinLockCheckpointMs - 1);
    setClockBy(25 * hourMs);
    const restarted = start(screen.config(), file);
    await expectLockedFor(restarted, screen.lockMs);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({
      failures: 0,
      lastLockMs: 0,
      lockLeftMs: 0,
    });
  });
});

describe('the open operator screen and the wall clock', () => {
  /** A call only an open operator screen may make; an unknown payment id changes nothing. */
  const screenIsOpen = async (kiosk: KioskService) => {
    const answer = await kiosk.handlers.operatorClearPaymentToCheck({
      paymentId: 'pay_0000000000000000',
    });
    expect(answer).toMatchObject({ ok: false });
    return answer.ok || answer.error.code !== 'operator_locked';
  };

  it('closes after operatorUnlockMs of elapsed time when the clock is moved 25 h back', async () => {
    const kiosk = start(shopConfig, path.join(work, `lock-${randomBytes(4).toString('hex')}.json`));
    expect(await kiosk.handlers.operatorUnlock({ pin: operatorPin })).toMatchObject({ ok: true });
    setClockBy(-25 * hourMs);
    pass(operatorUnlockMs - 1);
    expect(await screenIsOpen(kiosk)).toBe(true);
    pass(1);
    expect(await screenIsOpen(kiosk)).toBe(false);
  });

  it('closes at once when the clock is moved forward past its end (never longer open)', async () => {
    const kiosk = start(shopConfig, path.join(work, `lock-${randomBytes(4).toString('hex')}.json`));
    expect(await kiosk.handlers.operatorUnlock({ pin: operatorPin })).toMatchObject({ ok: true });
    setClockBy(operatorUnlockMs);
    expect(await screenIsOpen(kiosk)).toBe(false);
  });
});
