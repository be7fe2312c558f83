// The operator PIN's lockout grows: each further round of wrong PINs locks the operator screen twice as
// long as the last (capped), so a 4-digit PIN is not guessed in days; a right PIN starts it over.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { HubLink } from '../../src/main/hub-link.ts';
import { kioskConfigSchema } from '../../src/main/kiosk-config.ts';
import { KioskService } from '../../src/main/kiosk-service.ts';
import {
  operatorLockMs,
  operatorLockMsMax,
  operatorPinAttemptsMax,
  pinDigitsMin,
} from '../../src/shared/limits.ts';
import { makeKioskIdentity } from '../hub/kiosk-helpers.ts';

const operatorPin = '4821';
const wrongPin = '0000';
let now = Date.parse('2026-03-01T09:00:00.000Z');
let link: HubLink;
let service: KioskService;

beforeAll(async () => {
  const config = {
    ...kioskConfigSchema.parse({
      hubUrl: 'http://127.0.0.1:9',
      hubToken: 'till-token-0123456789',
      payee: 'shop',
      shopName: 'Test Shop',
      keysDir: 'keys',
      kioskId: 'kiosk-1',
      tillToken: 'till-api-token-0123456789',
      operatorPin,
    }),
    configDir: '.',
  };
  // The operator screen never calls the hub: the link is real but never connected.
  const identity = await makeKioskIdentity();
  // The lock counts elapsed time (performance.now), which fake timers move; `now` is the wall clock.
  vi.useFakeTimers({ toFake: ['performance', 'setTimeout', 'clearTimeout'] });
  link = new HubLink({
    hubUrl: config.hubUrl,
    hubToken: config.hubToken,
    kioskId: config.kioskId,
    identity,
    now: () => now,
    elapsed: () => now,
  });
  service = new KioskService({ config, hub: link, modelId: null, now: () => now });
});
afterAll(() => {
  link.dispose();
  vi.useRealTimers();
});

/** Time passes: the wall clock and the elapsed time alike. */
function pass(ms: number): void {
  now += ms;
  vi.advanceTimersByTime(ms);
}

const unlock = (pin: string) => service.handlers.operatorUnlock({ pin });

/** Wrong PINs until the screen locks; the first of them shows the screen was open again. */
async function wrongRound(): Promise<void> {
  for (let i = 0; i < operatorPinAttemptsMax; i++) {
    expect(await unlock(wrongPin)).toMatchObject({
      ok: false,
      error: { code: 'operator_pin_incorrect' },
    });
  }
}

/** Asserts the screen stays locked (even to the right PIN) for exactly `ms` from now. */
async function lockedFor(ms: number): Promise<void> {
  pass(ms - 1);
  expect(await unlock(operatorPin)).toMatchObject({
    ok: false,
    error: { code: 'operator_locked' },
  });
  pass(1);
}

/** Lock lengths in a row: doubling from operatorLockMs, capped at operatorLockMsMax. */
function expectedLocks(rounds: number): number[] {
  const locks: number[] = [];
  for (let ms = operatorLockMs; locks.length < rounds; ms = Math.min(ms * 2, operatorLockMsMax))
    locks.push(ms);
  return locks;
}

describe('operator PIN lockout', () => {
  it('doubles with each further round of wrong PINs up to its cap; a right PIN starts over', async () => {
    const locks = expectedLocks(12);
    expect(locks.at(-1)).toBe(operatorLockMsMax);
    for (const ms of locks) {
      await wrongRound();
      await lockedFor(ms);
    }
    // Past the last lock the right PIN opens the screen, and the next round locks for the first length again.
    expect(await unlock(operatorPin)).toMatchObject({ ok: true });
    await wrongRound();
    await lockedFor(operatorLockMs);
    expect(await unlock(operatorPin)).toMatchObject({ ok: true });
  });

  it('makes guessing the shortest PIN take over a year of lockouts', () => {
    const rounds = Math.ceil(10 ** pinDigitsMin / operatorPinAttemptsMax);
    const lockedMs = expectedLocks(rounds).reduce((sum, ms) => sum + ms, 0);
    expect(lockedMs).toBeGreaterThan(365 * 86_400_000);
  });
});
