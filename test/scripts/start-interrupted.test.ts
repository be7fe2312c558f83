// `npm start` stopped with Ctrl-C while it enrols the demo shopper (the sample video's frames on disk)
// removes them: nothing of the face is left in the temp folder, and the hub it started is closed.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { assertNoProcessLeft } from '../hub/process.ts';
import { everythingUnder, freePort, headlessEnv, spawnScript, waitFor } from './spawned-script.ts';

let root: string | undefined;

afterAll(async () => {
  await assertNoProcessLeft();
  if (root !== undefined) await rm(root, { recursive: true, force: true });
});

it('leaves no enrolment frames in the temp folder when interrupted while enrolling', async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'facepay-start-interrupted-'));
  const tmp = path.join(root, 'tmp');
  await mkdir(tmp, { mode: 0o700 });
  const start = spawnScript(
    'scripts/start.ts',
    [],
    headlessEnv({
      TMPDIR: tmp,
      FACEPAY_DATA: path.join(root, 'data'),
      FACEPAY_PORT: String(await freePort()),
      FACEPAY_KIOSK_PORT: String(await freePort()),
      FACEPAY_CHROMIUM: '/nonexistent/chromium',
    }),
  );
  await waitFor(
    start,
    'enrolment frames',
    async () => (await everythingUnder(tmp)).some((entry) => /facepay-frames-/.test(entry)),
    120_000,
  );
  start.child.kill('SIGINT');
  await start.exited;
  expect(await everythingUnder(tmp)).toEqual([]);
}, 180_000);
