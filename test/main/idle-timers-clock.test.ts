// The kiosk's idle timers count elapsed time whatever its wall clock does: an enrolment station whose officer
// walked away locks after stationIdleLockMs, a payment left open is cancelled after kioskPaymentIdleMsMax,
// with the clock moved 25 h back (it would keep them open for a day) or forward (it would end them at once).
//
// Fake timers model the machine: performance.now (the monotonic clock) moves only as time passes, and
// setSystemTime moves the wall clock (Date.now, the kiosk service's clock) on its own, as a clock change does.
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { KioskIdentity } from '../../src/biometrics/protect/kiosk-identity.node.ts';
import { sodium } from '../../src/biometrics/protect/sodium.ts';
import type { HubLink } from '../../src/main/hub-link.ts';
import type { KioskConfig } from '../../src/main/kiosk-config.ts';
import { KioskService } from '../../src/main/kiosk-service.ts';
import { StationLog } from '../../src/main/station-log.ts';
import { kioskPaymentIdleMsMax, stationIdleLockMs } from '../../src/shared/limits.ts';
import { scratchDir } from '../hub/helpers.ts';
import { makeKioskIdentity } from '../hub/kiosk-helpers.ts';
import {
  offlineKioskConfig,
  officer,
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

beforeAll(async () => {
  await sodium.ready;
  work = scratchDir('facepay-idle-clock-');
  identity = await makeKioskIdentity();
});
beforeEach(useMachineClocks);
afterEach(() => vi.useRealTimers());
afterAll(() => {
  for (const link of links) link.dispose();
});

/** A kiosk's config in its own folder (keys, pending lists, station log). */
function configFor(mode: 'shop' | 'enrolment'): KioskConfig {
  const dir = path.join(work, randomBytes(4).toString('hex'));
  mkdirSync(dir);
  return offlineKioskConfig(mode, dir);
}

/** A kiosk app as the runtime starts it, on the wall clock (Date.now); its hub is never reached. */
function start(config: KioskConfig): KioskService {
  const hub = unreachedHubLink(config, identity, Date.now);
  links.push(hub);
  const logFile = config.enrolment?.logFile;
  if (logFile === undefined) return new KioskService({ config, hub, modelId: null });
  const log = new StationLog(logFile);
  return new KioskService({ config, hub, modelId: null, station: { log, photoVsLive: null } });
}

describe('the enrolment station idle lock and the wall clock', () => {
  async function signedIn(): Promise<{ kiosk: KioskService; logFile: string }> {
    const config = configFor('enrolment');
    const kiosk = start(config);
    expect(
      await kiosk.handlers.officerSignIn({ officerId: officer.id, pin: officer.pin }),
    ).toMatchObject({ ok: true, station: { officer: officer.id } });
    const logFile = config.enrolment?.logFile;
    assertDefined(logFile);
    return { kiosk, logFile };
  }

  /** The runtime's tick; the officer's screens make no call (status() is not an officer's call). */
  async function signedInAfterTick(kiosk: KioskService): Promise<boolean> {
    await kiosk.lockIdleStation();
    return kiosk.status().station?.officer === officer.id;
  }

  /** The officer left alone for `ms` more of elapsed time is still signed in, and locked 1 ms later. */
  async function expectLockedAfter(kiosk: KioskService, ms: number): Promise<void> {
    pass(ms - 1);
    expect(await signedInAfterTick(kiosk)).toBe(true);
    pass(1);
    expect(await signedInAfterTick(kiosk)).toBe(false);
  }

  it('locks after stationIdleLockMs of elapsed time when the clock is moved 25 h back meanwhile', async () => {
    const { kiosk, logFile } = await signedIn();
    pass(minuteMs);
    setClockBy(-25 * hourMs);
    await expectLockedAfter(kiosk, stationIdleLockMs - minuteMs);
    const kinds = (await readFile(logFile, 'utf8'))
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as { kind: string; data: unknown }).kind);
    expect(kinds).toEqual(['officer.signed_in', 'station.locked']);
  });

  it('does not sign the officer out at once when the clock is moved 25 h forward', async () => {
    const { kiosk } = await signedIn();
    pass(minuteMs);
    setClockBy(25 * hourMs);
    await expectLockedAfter(kiosk, stationIdleLockMs - minuteMs);
  });

  it("an officer's call counts as activity by elapsed time, whichever way the clock moved", async () => {
    for (const movedMs of [25 * hourMs, -25 * hourMs]) {
      const { kiosk } = await signedIn();
      pass(stationIdleLockMs - 1);
      setClockBy(movedMs);
      expect(await kiosk.handlers.station({})).toMatchObject({
        ok: true,
        station: { officer: officer.id },
      });
      await expectLockedAfter(kiosk, stationIdleLockMs);
    }
  });
});

describe('the payment idle expiry and the wall clock', () => {
  /** A till's payment, open and waiting for the shopper's face. */
  function openPayment(): { kiosk: KioskService; id: string } {
    const kiosk = start(configFor('shop'));
    const answer = kiosk.requestFromTill({ amount: 300, reference: 'idle-clock' });
    assertOk(answer);
    return { kiosk, id: answer.payment.id };
  }

  /** The runtime's tick: is the payment still open? */
  function openAfterTick(kiosk: KioskService, id: string): boolean {
    kiosk.expireIdle();
    return kiosk.tillPayment(id)?.state === 'waiting_for_face';
  }

  /** The payment left alone for `ms` more of elapsed time is still open, and cancelled 1 ms later. */
  function expectCancelledAfter(kiosk: KioskService, id: string, ms: number): void {
    pass(ms - 1);
    expect(openAfterTick(kiosk, id)).toBe(true);
    pass(1);
    expect(openAfterTick(kiosk, id)).toBe(false);
    expect(kiosk.tillPayment(id)).toMatchObject({ state: 'cancelled', failure: 'timeout' });
    expect(kiosk.status().payment).toBeNull();
  }

  it('is cancelled after kioskPaymentIdleMsMax of elapsed time when the clock is moved 25 h back meanwhile', () => {
    const { kiosk, id } = openPayment();
    pass(minuteMs);
    setClockBy(-25 * hourMs);
    expectCancelledAfter(kiosk, id, kioskPaymentIdleMsMax - minuteMs);
  });

  it('is not cancelled at once when the clock is moved 25 h forward', () => {
    const { kiosk, id } = openPayment();
    pass(minuteMs);
    setClockBy(25 * hourMs);
    expectCancelledAfter(kiosk, id, kioskPaymentIdleMsMax - minuteMs);
  });

  it('a till asking for a new payment finds the old one open until its idle time has passed', () => {
    const { kiosk, id } = openPayment();
    setClockBy(25 * hourMs);
    expect(kiosk.requestFromTill({ amount: 500, reference: 'next' })).toMatchObject({
      ok: false,
      code: 'kiosk_busy',
    });
    pass(kioskPaymentIdleMsMax);
    // A round finds the hub (this test's is never reached): a kiosk whose hub has been out of reach that
    // long refuses the till for that reason instead (kiosk-not-taking-payments), not for the old payment.
    kiosk.setHubState('reachable');
    expect(kiosk.requestFromTill({ amount: 500, reference: 'next' })).toMatchObject({ ok: true });
    expect(kiosk.tillPayment(id)).toMatchObject({ state: 'cancelled', failure: 'timeout' });
  });
});

function assertDefined<T>(value: T | undefined): asserts value is T {
  expect(value).toBeDefined();
}

function assertOk<T extends { ok: boolean }>(answer: T): asserts answer is T & { ok: true } {
  expect(answer.ok).toBe(true);
}
