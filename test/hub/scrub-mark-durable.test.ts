// The erasure scrub mark (a scrub held off, for the next start) is written as the key files are: its
// temporary file synced before the mark's name appears, the folder synced after. strace shows the syncs,
// in order, on the right files; it cannot show the disk keeps them.
//
// Found in review: the mark was a plain writeFileSync, never synced: a power cut could lose it or leave
// it torn, though the hub had told the erasure's scrub pending on the strength of it.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SqliteHubStore } from '../../src/hub/storage/sqlite/sqlite-store.ts';
import { scratchDir, storeKind } from './helpers.ts';
import { nodeScript } from './process.ts';

describe.runIf(storeKind === 'sqlite')('the erasure scrub mark', () => {
  it('is synced before its name appears, and its folder after (strace)', async () => {
    // strace -y names the real path: a symlinked TMPDIR would match no line.
    const dir = realpathSync(scratchDir('facepay-scrub-mark-'));
    const file = join(dir, 'hub.sqlite');
    // The database made first, so the traced start syncs nothing of its own making.
    await new SqliteHubStore({ file, auditKey: randomBytes(32) }).close();
    const trace = join(scratchDir('facepay-scrub-mark-trace-'), 'trace.txt');
    const [node, nodeArgs] = nodeScript('test/hub/scrub-mark-writer.ts', [file]);
    const calls = 'fsync,fdatasync,link,linkat,rename,renameat,renameat2';
    const run = spawnSync(
      'strace',
      ['-f', '-y', '-qq', '-e', `trace=${calls}`, '-a', '0', '-o', trace, node, ...nodeArgs],
      { encoding: 'utf8', timeout: 60_000, killSignal: 'SIGKILL' },
    );
    // No strace (the README lists it), or ptrace refused (a container without CAP_SYS_PTRACE).
    if (run.error !== undefined || run.status !== 0 || !run.stdout.includes('marked\ndone'))
      throw new Error(
        `strace of the scrub mark writer failed: ${run.error?.message ?? `exit ${run.status}`}; ` +
          `stdout: ${run.stdout}; stderr: ${run.stderr}`,
      );
    const ours = readFileSync(trace, 'utf8')
      .split('\n')
      .map((line) => line.replace(/^\d+\s+/, ''))
      .filter((line) => / = 0$/.test(line))
      .map((line) =>
        line
          .replace(/\d+</g, '<')
          .replace(/\.[0-9a-f]{16}\.tmp/g, '.TMP')
          .replaceAll(dir, 'D')
          .replace(/\s+= 0$/, ''),
      )
      .filter((line) => line.includes('erasure-scrub') || line === 'fsync(<D>)');
    expect(ours).toEqual([
      'fsync(<D/hub.sqlite-erasure-scrub.TMP>)',
      'link("D/hub.sqlite-erasure-scrub.TMP", "D/hub.sqlite-erasure-scrub")',
      'fsync(<D>)',
    ]);
  });
});
