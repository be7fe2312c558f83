// A kiosk that cannot write operator-lock.json (its folder full) still counts every wrong operator PIN, and
// refuses every further try, the right PIN too, until the file can be written again: guesses it could not
// write down would be given back by a restart, so it takes none it cannot keep.
import { readFileSync, rmSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HubLink } from '../../src/main/hub-link.ts';
import { KioskService } from '../../src/main/kiosk-service.ts';
import type { KioskIdentity } from '../../src/biometrics/protect/kiosk-identity.node.ts';
import { operatorLockMs, operatorPinAttemptsMax } from '../../src/shared/limits.ts';
import { scratchDir } from '../hub/helpers.ts';
import { makeKioskIdentity } from '../hub/kiosk-helpers.ts';
import { offlineKioskConfig, operatorPin, unreachedHubLink } from './offline-kiosk-fixture.ts';

const wrongPin = '0000';
// The service writes no file under the config's folder: its operator lock is the file each test names.
const config = offlineKioskConfig('shop', '.');
let identity: KioskIdentity;
const links: HubLink[] = [];

beforeAll(async () => {
  identity = await makeKioskIdentity();
});
afterAll(() => {
  for (const link of links.splice(0)) link.dispose();
});

/**
 * A kiosk service whose operator lock is `file` (the operator screen never calls the hub: the link is
 * real but never connected), and what its operatorUnlock answers as a code ('internal' for a throw, as
 * the kiosk's IPC answers one; 'unlocked' for the open screen).
 */
function kioskOn(file: string) {
  const link = unreachedHubLink(config, identity, Date.now);
  links.push(link);
  const service = new KioskService({ config, hub: link, modelId: null, operatorLockFile: file });
  return async (pin: string): Promise<string> => {
    try {
      const answer = await service.handlers.operatorUnlock({ pin });
      return answer.ok ? 'unlocked' : answer.error.code;
    } catch {
      return 'internal';
    }
  };
}

/** operator-lock.json in a folder of its own, and a switch that fills the folder (ENOSPC, root too). */
function lockFile(name: string) {
  const file = path.join(scratchDir(`facepay-operator-lock-${name}-`), 'operator-lock.json');
  const temp = `${file}.tmp`;
  const full = (on: boolean) => {
    if (on) symlinkSync('/dev/full', temp);
    else rmSync(temp, { force: true });
  };
  const kept = () => JSON.parse(readFileSync(file, 'utf8')) as Record<string, number>;
  return { file, full, kept };
}

describe('operator-lock.json cannot be written', () => {
  it('wrong PINs still count, the right PIN is refused while it cannot be written, and opens once it can', async () => {
    const { file, full, kept } = lockFile('full');
    const unlock = kioskOn(file);
    full(true);
    const wrong: string[] = [];
    for (let i = 0; i < operatorPinAttemptsMax + 1; i++) wrong.push(await unlock(wrongPin));
    expect(await unlock(operatorPin)).toBe('operator_locked');
    // The first wrong PIN is counted and answered as wrong; every try after it is refused unread.
    expect(wrong).toEqual([
      'operator_pin_incorrect',
      ...Array<string>(operatorPinAttemptsMax).fill('operator_locked'),
    ]);
    // Room again: the next try writes the count down first, then the right PIN opens the screen.
    full(false);
    expect(await unlock(operatorPin)).toBe('unlocked');
    expect(kept()).toEqual({ failures: 0, lastLockMs: 0, lockLeftMs: 0 });
  });

  it('the wrong PIN that locks the screen locks it in memory, and the lock is written once the folder has room', async () => {
    const { file, full, kept } = lockFile('locks');
    const unlock = kioskOn(file);
    for (let i = 0; i < operatorPinAttemptsMax - 1; i++) {
      expect(await unlock(wrongPin)).toBe('operator_pin_incorrect');
    }
    expect(kept()).toMatchObject({ failures: operatorPinAttemptsMax - 1, lockLeftMs: 0 });
    full(true);
    expect(await unlock(wrongPin)).toBe('operator_pin_incorrect');
    full(false);
    expect(await unlock(operatorPin)).toBe('operator_locked');
    const lock = kept();
    expect(lock).toMatchObject({ failures: 0, lastLockMs: operatorLockMs });
    expect(lock['lockLeftMs']).toBeGreaterThan(0);
    expect(lock['lockLeftMs']).toBeLessThanOrEqual(operatorLockMs);
    // A restart reads the lock back: the right PIN is still refused.
    expect(await kioskOn(file)(operatorPin)).toBe('operator_locked');
  });
});
