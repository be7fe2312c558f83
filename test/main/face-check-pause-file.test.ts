// face-check-pause.json's failure cases: a file that is not the pause stops the start (as a PIN lock's does:
// reading it as "no pause" would hand out fresh draws), and a full disk never undoes a count in memory, nor
// throws into a payment already paid (the file then keeps the higher count: the safe side).
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { FaceCheckPause } from '../../src/main/face-check-pause.ts';
import { faceLooksFailedInARowMax } from '../../src/shared/limits.ts';

let work: string;
let file: string;

beforeAll(() => {
  work = mkdtempSync(path.join(os.tmpdir(), 'facepay-face-pause-file-'));
});
afterEach(() => {
  rmSync(`${file}.tmp`, { force: true });
  vi.restoreAllMocks();
});
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

let files = 0;
function freshFile(): string {
  files += 1;
  file = path.join(work, `face-check-pause-${files}.json`);
  return file;
}

/** Every write of `file` from now on fails with ENOSPC (its temp file is /dev/full), as on a full disk. */
function diskFull(): void {
  symlinkSync('/dev/full', `${file}.tmp`);
}

describe('face-check-pause.json', () => {
  it('a new kiosk on the same file goes on counting where the last one stopped', () => {
    const first = new FaceCheckPause(freshFile());
    for (let look = 1; look < faceLooksFailedInARowMax; look += 1) first.lookFailed(Date.now());
    expect(first.paused).toBe(false);
    const second = new FaceCheckPause(file);
    second.lookFailed(Date.now());
    expect(second.paused).toBe(true);
    expect(new FaceCheckPause(file).paused).toBe(true);
  });

  it('a file that is not the pause stops the start, naming the file', () => {
    for (const content of ['{"paused":"no"}', 'not json', '{"failedInARow":-1,"paused":false}']) {
      writeFileSync(freshFile(), content);
      expect(() => new FaceCheckPause(file)).toThrow(file);
    }
  });

  it('on a full disk a failed look throws, and the count in memory holds: the limit still pauses', () => {
    const pause = new FaceCheckPause(freshFile());
    diskFull();
    for (let look = 1; look < faceLooksFailedInARowMax; look += 1)
      expect(() => pause.lookFailed(Date.now())).toThrow(/ENOSPC/);
    expect(pause.paused).toBe(false);
    expect(() => pause.lookFailed(Date.now())).toThrow(/ENOSPC/);
    expect(pause.paused).toBe(true);
  });

  it('on a full disk a payment paid by face does not throw; the file keeps the higher count', () => {
    const said = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const pause = new FaceCheckPause(freshFile());
    for (let look = 1; look < faceLooksFailedInARowMax; look += 1) pause.lookFailed(Date.now());
    diskFull();
    expect(() => pause.paidByFace()).not.toThrow();
    expect(said).toHaveBeenCalledWith(
      expect.stringContaining('face-check count could not be written'),
    );
    // A restart reads the count before the payment: one more failed look pauses.
    rmSync(`${file}.tmp`, { force: true });
    const restarted = new FaceCheckPause(file);
    restarted.lookFailed(Date.now());
    expect(restarted.paused).toBe(true);
  });
});
