// `npm start` whose terminal is closed (SIGHUP) during its headless payment, or sent SIGTERM while ffmpeg
// cuts the camera clip, closes what it opened: nothing left in the temp folder (no Playwright profile or
// artifacts, no camera clip of a face, no enrolment frames), no process left in its group (Chromium,
// ffmpeg), and it exits as `npm run demo` does (129, 143).
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

async function startIn(tmp: string) {
  return spawnScript(
    'scripts/start.ts',
    [],
    headlessEnv({
      TMPDIR: tmp,
      FACEPAY_DATA: path.join(root ?? '', 'data'),
      FACEPAY_PORT: String(await freePort()),
      FACEPAY_KIOSK_PORT: String(await freePort()),
    }),
  );
}

it('leaves an empty temp folder and no process when its terminal closes while paying', async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'facepay-start-hangup-'));
  const tmp = path.join(root, 'tmp');
  await mkdir(tmp, { mode: 0o700 });
  const start = await startIn(tmp);
  await waitFor(
    start,
    'the headless Chromium',
    async () =>
      (await everythingUnder(tmp)).some((entry) => /playwright_chromiumdev_profile-/.test(entry)),
    240_000,
  );
  start.child.kill('SIGHUP');
  expect(await start.exited).toBe(129);
  expect(await everythingUnder(tmp)).toEqual([]);
  await assertNoProcessLeft();
}, 300_000);

it('ends the ffmpeg cutting the camera clip on SIGTERM and exits 143', async () => {
  const tmp = path.join(root ?? '', 'tmp2');
  await mkdir(tmp, { mode: 0o700 });
  // The shopper was enrolled by the start above (enrolled.json in the same data folder).
  const start = await startIn(tmp);
  await waitFor(
    start,
    'the camera clip',
    async () => (await everythingUnder(tmp)).some((entry) => /camera\.y4m$/.test(entry)),
    240_000,
  );
  start.child.kill('SIGTERM');
  expect(await start.exited).toBe(143);
  expect(await everythingUnder(tmp)).toEqual([]);
  await assertNoProcessLeft();
}, 300_000);
