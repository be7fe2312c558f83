// One officer's right PIN never clears the wrong PINs typed for another officer's id: an officer who knows
// their own PIN cannot sign in between guesses at a colleague's and so guess without end. The colleague's
// count and lock survive a restart (their own file beside the station's), and the station log names the
// officer id a refused PIN was typed for (never the PIN; null for an id no officer has).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { KioskIdentity } from '../../src/biometrics/protect/kiosk-identity.node.ts';
import { sodium } from '../../src/biometrics/protect/sodium.ts';
import type { HubLink } from '../../src/main/hub-link.ts';
import type { KioskConfig } from '../../src/main/kiosk-config.ts';
import { KioskService } from '../../src/main/kiosk-service.ts';
import { officerPinVerifier } from '../../src/main/officers.ts';
import { StationLog } from '../../src/main/station-log.ts';
import { stationSignInAttemptsMax, stationSignInLockMs } from '../../src/shared/limits.ts';
import { makeKioskIdentity } from '../hub/kiosk-helpers.ts';
import { offlineKioskConfig, officer, unreachedHubLink } from './offline-kiosk-fixture.ts';

/** The insider (who knows their own PIN) and the colleague whose PIN they guess. */
const insider = officer;
const colleague = { id: 'o-kato', pin: '902468' };
const wrongPin = '000000';

let work: string;
let identity: KioskIdentity;
let config: KioskConfig;
const links: HubLink[] = [];

beforeAll(async () => {
  await sodium.ready;
  work = mkdtempSync(path.join(os.tmpdir(), 'facepay-officer-lock-'));
  identity = await makeKioskIdentity();
  const station = offlineKioskConfig('enrolment', work);
  const enrolment = station.enrolment;
  if (enrolment === undefined) throw new Error('an enrolment config');
  config = {
    ...station,
    enrolment: {
      ...enrolment,
      officers: [
        ...enrolment.officers,
        { id: colleague.id, pinVerifier: officerPinVerifier(colleague.pin) },
      ],
    },
  };
  vi.useFakeTimers({ toFake: ['performance', 'setTimeout', 'clearTimeout'] });
});
afterAll(() => {
  vi.useRealTimers();
  for (const link of links) link.dispose();
  rmSync(work, { recursive: true, force: true });
});

/** A station as the runtime starts it (a restart: the run before and its timers gone), lock in `file`. */
function station(lockFile: string, logFile: string): KioskService {
  vi.clearAllTimers();
  const hub = unreachedHubLink(config, identity, Date.now);
  links.push(hub);
  return new KioskService({
    config,
    hub,
    modelId: null,
    station: { log: new StationLog(logFile), photoVsLive: null, signInLockFile: lockFile },
  });
}

const fresh = (name: string) => path.join(work, `${name}-${randomBytes(4).toString('hex')}`);
const signIn = (kiosk: KioskService, who: { id: string }, pin: string) =>
  kiosk.handlers.officerSignIn({ officerId: who.id, pin });

async function wrongPins(kiosk: KioskService, who: { id: string }, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    expect(await signIn(kiosk, who, wrongPin)).toMatchObject({
      ok: false,
      error: { code: 'officer_pin_incorrect' },
    });
  }
}

/** The insider signs in with their own PIN, then out again. */
async function insiderSignsIn(kiosk: KioskService): Promise<void> {
  expect(await signIn(kiosk, insider, insider.pin)).toMatchObject({
    ok: true,
    station: { officer: insider.id },
  });
  expect(await kiosk.handlers.officerSignOut({})).toMatchObject({ ok: true });
}

describe("an officer's right PIN and the wrong PINs typed for a colleague's id", () => {
  it("locks the colleague's id after the attemptsMax-th wrong PIN for it, whoever signed in between", async () => {
    const kiosk = station(`${fresh('officer-lock')}.json`, `${fresh('log')}.jsonl`);
    await wrongPins(kiosk, colleague, stationSignInAttemptsMax - 1);
    await insiderSignsIn(kiosk);
    await wrongPins(kiosk, colleague, 1);
    // The colleague's own right PIN: refused, their id is locked for the first round's length.
    expect(await signIn(kiosk, colleague, colleague.pin)).toMatchObject({
      ok: false,
      error: { code: 'officer_locked', lockedMinutes: stationSignInLockMs / 60_000 },
    });
    // The insider, whose own PIN was never wrong, still signs in: the lock is the colleague's id's.
    await insiderSignsIn(kiosk);
    vi.advanceTimersByTime(stationSignInLockMs);
    expect(await signIn(kiosk, colleague, colleague.pin)).toMatchObject({
      ok: true,
      station: { officer: colleague.id },
    });
  });

  it('keeps no more guesses across a restart: 4 wrong, the insider in, a restart, 1 wrong lock it', async () => {
    const lockFile = `${fresh('officer-lock')}.json`;
    const logFile = `${fresh('log')}.jsonl`;
    let kiosk = station(lockFile, logFile);
    for (let round = 0; round < 3; round++) {
      await wrongPins(kiosk, colleague, 1);
      await insiderSignsIn(kiosk);
    }
    await wrongPins(kiosk, colleague, stationSignInAttemptsMax - 4);
    await insiderSignsIn(kiosk);
    kiosk = station(lockFile, logFile);
    await insiderSignsIn(kiosk);
    await wrongPins(kiosk, colleague, 1);
    kiosk = station(lockFile, logFile);
    expect(await signIn(kiosk, colleague, colleague.pin)).toMatchObject({
      ok: false,
      error: { code: 'officer_locked' },
    });
  });

  it('names in the station log the officer id a refused PIN was typed for, never what was typed otherwise', async () => {
    const logFile = `${fresh('log')}.jsonl`;
    const kiosk = station(`${fresh('officer-lock')}.json`, logFile);
    await wrongPins(kiosk, colleague, 1);
    await wrongPins(kiosk, { id: 'not-an-officer' }, 1);
    const lines = readFileSync(logFile, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { kind: string; data: object });
    expect(lines.map(({ kind, data }) => ({ kind, data }))).toEqual([
      { kind: 'officer.sign_in_refused', data: { attemptedOfficer: colleague.id } },
      { kind: 'officer.sign_in_refused', data: { attemptedOfficer: null } },
    ]);
    expect(readFileSync(logFile, 'utf8')).not.toContain('not-an-officer');
    expect(readFileSync(logFile, 'utf8')).not.toContain(wrongPin);
  });
});
