// `npm start` and `npm run demo` serve dist/renderer: a build older than its sources (after a `git pull`)
// must be made again, or people see yesterday's screens; an up-to-date one is kept (no needless build).
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureRenderer, inputsFingerprint } from '../../scripts/kiosk/build-renderer.ts';

let work: string;
let input: string;
let outDir: string;
/** A file a real build empties away (Vite's emptyOutDir): still there, the folder was not built again. */
const marker = () => path.join(outDir, 'marker-left-by-the-test');

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'facepay-ensure-renderer-'));
  // Stand-in inputs: the test edits these, never the repository's own sources.
  input = path.join(work, 'inputs');
  await mkdir(input);
  await writeFile(path.join(input, 'screen.tsx'), 'export const words = "old";\n');
  outDir = path.join(work, 'renderer');
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('ensureRenderer', () => {
  it('builds again over a build that does not say what it was built from (made before this check)', async () => {
    await mkdir(outDir, { recursive: true });
    await writeFile(path.join(outDir, 'index.html'), '<p>yesterday</p>');
    await ensureRenderer(outDir, [input]);
    const index = await readFile(path.join(outDir, 'index.html'), 'utf8');
    expect(index).not.toContain('yesterday');
    expect(index).toMatch(/<script type="module"[^>]* src="\/assets\//);
    expect(await readFile(`${outDir}.inputs-sha256`, 'utf8')).toBe(
      await inputsFingerprint([input]),
    );
  }, 180_000);

  it('keeps an up-to-date build, and builds again once an input changed', async () => {
    await writeFile(marker(), 'kept');
    await ensureRenderer(outDir, [input]);
    expect(existsSync(marker())).toBe(true);

    await writeFile(path.join(input, 'screen.tsx'), 'export const words = "new";\n');
    await ensureRenderer(outDir, [input]);
    expect(existsSync(marker())).toBe(false);
    expect(existsSync(path.join(outDir, 'index.html'))).toBe(true);
  }, 180_000);

  it('fingerprints paths as well as bytes: a renamed or added file counts as a change', async () => {
    const before = await inputsFingerprint([input]);
    expect(await inputsFingerprint([input])).toBe(before);
    await writeFile(path.join(input, 'other.tsx'), '');
    const added = await inputsFingerprint([input]);
    expect(added).not.toBe(before);
    await rm(path.join(input, 'other.tsx'));
    await writeFile(path.join(input, 'renamed.tsx'), 'export const words = "new";\n');
    await rm(path.join(input, 'screen.tsx'));
    expect(await inputsFingerprint([input])).not.toBe(before);
  });
});
