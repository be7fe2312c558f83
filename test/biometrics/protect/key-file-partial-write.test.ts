// A key file whose write fails (disk full, a file-size limit) leaves no temporary file holding part of the
// key: createKeyFile fails, and the folder holds what it held before.
//
// Found in review: the temporary `<path>.<hex>.tmp` was removed only after a write that succeeded, so a
// failed write or sync left a partial key on disk.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const repoRoot = join(import.meta.dirname, '..', '..', '..');
const tsxLoader = pathToFileURL(join(repoRoot, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
const keyFiles = pathToFileURL(
  join(repoRoot, 'src', 'biometrics', 'protect', 'key-files.node.ts'),
).href;
const sodiumModule = pathToFileURL(
  join(repoRoot, 'src', 'biometrics', 'protect', 'sodium.ts'),
).href;

// Run by node in a shell whose file-size limit is 0: every write to a regular file fails with EFBIG (node
// ignores SIGXFSZ). It prints how createKeyFile ended.
const program = `
import { createKeyFile } from ${JSON.stringify(keyFiles)};
import { sodium } from ${JSON.stringify(sodiumModule)};
await sodium.ready;
try {
  const result = await createKeyFile({
    path: process.argv[1],
    kind: 'transform',
    key: sodium.randombytes_buf(32),
  });
  console.log(JSON.stringify({ returned: result.ok }));
} catch (error) {
  console.log(JSON.stringify({ threw: error.code ?? String(error) }));
}
`;

let dir: string | undefined;

afterEach(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('createKeyFile when the write fails', () => {
  it('fails and leaves no *.tmp (nor the key file) behind', () => {
    const scratch = (dir = mkdtempSync(join(tmpdir(), 'facepay-keyfile-')));
    const path = join(scratch, 'transform.key');
    const run = spawnSync(
      'bash',
      [
        '-c',
        'ulimit -f 0; exec "$0" --import "$1" --input-type=module -e "$2" "$3"',
        process.execPath,
        tsxLoader,
        program,
        path,
      ],
      { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 },
    );
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout.trim())).toEqual({ threw: 'EFBIG' });
    expect(readdirSync(scratch)).toEqual([]);
  });
});
