// `npm start` on a machine with no display and no Chromium: it says which package to install, makes no
// camera clip, and keeps the hub and the kiosk running (no stack, no exit); SIGTERM then stops it cleanly
// with nothing left in the temp folder.
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

it('keeps the hub and the kiosk up and names the package when Chromium is missing', async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'facepay-start-no-chromium-'));
  const tmp = path.join(root, 'tmp');
  await mkdir(tmp, { mode: 0o700 });
  const hubPort = await freePort();
  const kioskPort = await freePort();
  const start = spawnScript(
    'scripts/start.ts',
    [],
    headlessEnv({
      TMPDIR: tmp,
      FACEPAY_DATA: path.join(root, 'data'),
      FACEPAY_PORT: String(hubPort),
      FACEPAY_KIOSK_PORT: String(kioskPort),
      FACEPAY_CHROMIUM: '/nonexistent/chromium',
    }),
  );
  await waitFor(start, '"Ctrl-C stops"', () => start.stdout().includes('Ctrl-C stops'), 240_000);
  expect(start.stdout()).toContain('apt-get install -y chromium');
  expect(start.out()).not.toMatch(/^ {4}at /m);
  expect((await fetch(`http://127.0.0.1:${hubPort}/v1/health`)).status).toBe(200);
  expect((await fetch(`http://127.0.0.1:${kioskPort}/`)).status).toBe(200);
  expect(await everythingUnder(tmp)).not.toContainEqual(expect.stringMatching(/\.y4m$/));
  start.child.kill('SIGTERM');
  expect(await start.exited).toBe(143);
  expect(await everythingUnder(tmp)).toEqual([]);
}, 300_000);
