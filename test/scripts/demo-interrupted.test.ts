// `npm run demo` stopped with Ctrl-C half way (the browser open, the payment asked for) closes what it
// opened and leaves nothing in the temp folder: no hub database, kiosk keys or config (tokens, PIN), no
// camera clip of a face; and it does not report the stop as a payment that timed out.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { assertNoProcessLeft } from '../hub/process.ts';
import { everythingUnder, headlessEnv, spawnScript, waitFor } from './spawned-script.ts';

let root: string | undefined;

afterAll(async () => {
  await assertNoProcessLeft();
  if (root !== undefined) await rm(root, { recursive: true, force: true });
});

it('leaves an empty temp folder when interrupted while paying', async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'facepay-demo-interrupted-'));
  const tmp = path.join(root, 'tmp');
  const out = path.join(root, 'out');
  await mkdir(tmp, { mode: 0o700 });
  const demo = spawnScript('scripts/demo.ts', ['--out', out], headlessEnv({ TMPDIR: tmp }));
  await waitFor(demo, '"till asked"', () => demo.stdout().includes('till asked'), 240_000);
  expect((await everythingUnder(tmp)).length).toBeGreaterThan(0);
  demo.child.kill('SIGINT');
  const code = await demo.exited;
  expect(code).toBe(130);
  expect(await everythingUnder(tmp)).toEqual([]);
  expect(demo.out()).not.toMatch(/not paid/);
}, 300_000);
