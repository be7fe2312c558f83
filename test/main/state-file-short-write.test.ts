// A state file write that the disk takes only part of (a file-size limit here; a nearly full disk alike)
// throws and leaves the file as it was: pending-holds.json half written over would stop the next start
// ("not JSON") and lose the money the kiosk owes. Node ignores SIGXFSZ, so the process lives to see the
// short write and then EFBIG, as it would see ENOSPC on a disk that fills mid-write.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeStateFile } from '../../src/main/state-file.ts';
import { scratchDir } from '../hub/helpers.ts';
import { nodeScript } from '../hub/process.ts';

/** `ulimit -f 2`: no file of the writer's grows past 2 KiB (2,048 bytes). */
function writeUnderLimit(file: string, bytes: number): { status: number | null; stdout: string } {
  const [node, args] = nodeScript('test/main/state-file-writer.ts', [file, String(bytes)]);
  const run = spawnSync('bash', ['-c', 'ulimit -f 2; exec "$@"', 'bash', node, ...args], {
    encoding: 'utf8',
    timeout: 30_000,
    killSignal: 'SIGKILL',
  });
  return { status: run.status, stdout: run.stdout.trim() };
}

describe('a state file the disk takes only part of', () => {
  it('throws, the old file stays whole and no temp file is left', () => {
    const dir = scratchDir('facepay-state-short-');
    const file = path.join(dir, 'pending-holds.json');
    writeStateFile(file, [{ owed: 640 }]);
    const before = readFileSync(file, 'utf8');
    // About 4 KiB: the first write(2) takes 2,048 bytes, the next fails.
    expect(writeUnderLimit(file, 4_000)).toEqual({ status: 0, stdout: 'threw EFBIG' });
    expect(readFileSync(file, 'utf8')).toBe(before);
    expect(readdirSync(dir)).toEqual(['pending-holds.json']);
  });

  it('under the limit the same writer writes the file whole', () => {
    const dir = scratchDir('facepay-state-short-');
    const file = path.join(dir, 'pending-holds.json');
    writeStateFile(file, []);
    expect(writeUnderLimit(file, 1_000)).toEqual({ status: 0, stdout: 'written' });
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ filler: 'x'.repeat(1_000) });
    expect(readdirSync(dir)).toEqual(['pending-holds.json']);
  });
});
