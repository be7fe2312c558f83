// Kiosks whose hub is never reached, for the tests of their clocks, idle timers and PIN locks: a shop's
// or a station's config in a test folder, the link they hold, and fake timers as the machine's clocks.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { vi } from 'vitest';
import type { KioskIdentity } from '../../src/biometrics/protect/kiosk-identity.node.ts';
import { HubLink } from '../../src/main/hub-link.ts';
import { kioskConfigSchema, type KioskConfig } from '../../src/main/kiosk-config.ts';
import { officerPinVerifier } from '../../src/main/officers.ts';

export const operatorPin = '4821';
/** The station's one officer. */
export const officer = { id: 'o-sato', pin: '739154' };

/** A shop kiosk's or an enrolment station's config in `dir` (its keys, its station log). */
export function offlineKioskConfig(mode: 'shop' | 'enrolment', dir: string): KioskConfig {
  const common = {
    hubUrl: 'http://127.0.0.1:9',
    hubToken: 'station-token-0123456789',
    shopName: 'Test',
    keysDir: path.join(dir, 'keys'),
    kioskId: 'kiosk-1',
    operatorPin,
  };
  const parsed =
    mode === 'shop'
      ? kioskConfigSchema.parse({
          ...common,
          payee: 'shop',
          tillToken: 'till-api-token-0123456789',
        })
      : kioskConfigSchema.parse({
          ...common,
          mode: 'enrolment',
          enrolment: {
            officers: [{ id: officer.id, pinVerifier: officerPinVerifier(officer.pin) }],
            documentHashKey: randomBytes(32).toString('base64'),
            logFile: path.join(dir, 'enrolment-log.jsonl'),
          },
        });
  return { ...parsed, configDir: dir };
}

/** A link that is never connected (its hub's address refuses): sealed with `identity`, on `now`. */
export function unreachedHubLink(
  config: KioskConfig,
  identity: KioskIdentity,
  now: () => number,
): HubLink {
  return new HubLink({
    hubUrl: config.hubUrl,
    hubToken: config.hubToken,
    kioskId: config.kioskId,
    identity,
    now,
  });
}

/**
 * For beforeEach: fake timers as the machine. performance.now (the monotonic clock) moves only as time
 * passes; setSystemTime moves the wall clock (Date.now) on its own, as a clock change does.
 */
export function useMachineClocks(): void {
  vi.useFakeTimers({ toFake: ['Date', 'performance', 'setTimeout', 'clearTimeout'] });
  vi.setSystemTime(Date.parse('2026-03-01T09:00:00.000Z'));
}

/** Time passes (under useMachineClocks): the monotonic clock and the wall clock alike. */
export const pass = (ms: number) => vi.advanceTimersByTime(ms);
/** Someone sets the kiosk's clock (under useMachineClocks): only the wall clock moves. */
export const setClockBy = (ms: number) => vi.setSystemTime(Date.now() + ms);
