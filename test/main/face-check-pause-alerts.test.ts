// The pause's alerts for the hub are made in the same write as the pause (or resume) they tell of, and stay
// in face-check-pause.json until the outbox's own file has them: no crash or full disk between the two
// files loses one, and handing one over twice keeps it once.
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { FaceCheckPause } from '../../src/main/face-check-pause.ts';
import { KioskAlertsOutbox } from '../../src/main/kiosk-alerts-outbox.ts';
import { faceLooksFailedInARowMax } from '../../src/shared/limits.ts';

let work: string;
let files = 0;

beforeAll(() => {
  work = mkdtempSync(path.join(os.tmpdir(), 'facepay-face-pause-alerts-'));
});
afterEach(() => {
  vi.restoreAllMocks();
});
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

function freshFile(name: string): string {
  files += 1;
  return path.join(work, `${name}-${files}.json`);
}

const pausedAt = Date.parse('2026-12-06T10:00:00.000Z');

function pausedPause(file: string): FaceCheckPause {
  const pause = new FaceCheckPause(file);
  for (let look = 0; look < faceLooksFailedInARowMax; look += 1) pause.lookFailed(pausedAt);
  return pause;
}

/** An outbox whose sends never happen here: only what it keeps is looked at. */
function outboxIn(file: string): KioskAlertsOutbox {
  return new KioskAlertsOutbox({
    file,
    send: () => Promise.resolve({ outcome: 'later', reason: 'not sent in this test' }),
  });
}

describe("face-check-pause.json keeps the pause's alert until the outbox has it", () => {
  it('the look that pauses makes one alert, written with the pause; looks failed while paused make none', () => {
    const file = freshFile('pause');
    const pause = pausedPause(file);
    pause.lookFailed(pausedAt + 1000);
    const expected = {
      type: 'face_checks_paused',
      occurredAt: '2026-12-06T10:00:00.000Z',
      failedLooksInARow: faceLooksFailedInARowMax,
    };
    expect(pause.alertsNotInOutbox).toMatchObject([expected]);
    // A crash now: the next start reads it from the pause's own file.
    expect(new FaceCheckPause(file).alertsNotInOutbox).toEqual(pause.alertsNotInOutbox);
  });

  it('staff resuming makes a resume alert with the count before it; resuming an unpaused kiosk makes none', () => {
    const file = freshFile('pause');
    const pause = pausedPause(file);
    pause.resume(pausedAt + 60_000);
    pause.resume(pausedAt + 120_000);
    expect(new FaceCheckPause(file).alertsNotInOutbox.map((alert) => alert.type)).toEqual([
      'face_checks_paused',
      'face_checks_resumed',
    ]);
    expect(pause.alertsNotInOutbox[1]).toMatchObject({
      failedLooksInARow: faceLooksFailedInARowMax,
      occurredAt: '2026-12-06T10:01:00.000Z',
    });
  });

  it('handed over, it leaves the file; an id it does not hold changes nothing', () => {
    const file = freshFile('pause');
    const pause = pausedPause(file);
    const [alert] = pause.alertsNotInOutbox;
    pause.handedOver('00000000-0000-4000-8000-000000000000');
    expect(new FaceCheckPause(file).alertsNotInOutbox).toHaveLength(1);
    pause.handedOver(alert?.alertId ?? '');
    expect(new FaceCheckPause(file).alertsNotInOutbox).toEqual([]);
    expect(new FaceCheckPause(file).paused).toBe(true);
  });

  it('a file written before alerts were kept in it reads as none to hand over', () => {
    const file = freshFile('pause');
    writeFileSync(file, JSON.stringify({ failedInARow: faceLooksFailedInARowMax, paused: true }));
    const pause = new FaceCheckPause(file);
    expect(pause.paused).toBe(true);
    expect(pause.alertsNotInOutbox).toEqual([]);
  });
});

describe("the outbox's keep", () => {
  it('on a full disk says the file does not have it; kept again later, the file has it once', () => {
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const outboxFile = freshFile('outbox');
    const [alert] = pausedPause(freshFile('pause')).alertsNotInOutbox;
    if (alert === undefined) throw new Error('the pause made no alert');
    const outbox = outboxIn(outboxFile);
    symlinkSync('/dev/full', `${outboxFile}.tmp`);
    expect(outbox.keep(alert)).toBe(false);
    // Still sent this run: it waits in memory.
    expect(outbox.waiting).toEqual([alert]);
    rmSync(`${outboxFile}.tmp`);
    expect(outbox.keep(alert)).toBe(true);
    expect(JSON.parse(readFileSync(outboxFile, 'utf8'))).toEqual({ alerts: [alert] });
    expect(outboxIn(outboxFile).waiting).toEqual([alert]);
  });
});
