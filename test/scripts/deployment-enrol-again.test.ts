// A first enrolment that fails after the station registered (here: no face in the photo; in `npm start` an
// interrupt) must not stop the next one in the same folder: it reuses the station's registration instead
// of registering its keys again (which the hub refuses: 409 kiosk_exists).
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ensureAccount, enrolFromPhotos } from '../../scripts/kiosk/deployment.ts';
import { startHub, type RunningHub } from '../../src/hub/hub.ts';
import { repoRoot } from '../../src/main/web-shell.ts';
import { HubClient } from '../../src/shared/hub-client.ts';

const faces = path.join(repoRoot, '..', 'shared', 'data', 'faces', 'faceapi_amy');
const adminToken = `admin-${randomBytes(8).toString('hex')}`;
let work: string;
let hub: RunningHub | undefined;

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'facepay-enrol-again-'));
  hub = await startHub({ dataDir: path.join(work, 'hub'), port: 0, adminToken });
});

afterAll(async () => {
  await hub?.close();
  await rm(work, { recursive: true, force: true });
});

it('enrols in the folder of an enrolment that failed after its station registered', async () => {
  if (hub === undefined) throw new Error('no hub');
  const admin = new HubClient({ baseUrl: hub.url, token: adminToken });
  await ensureAccount(admin, { id: 'shopper', kind: 'person', name: 'Amy', deposit: 1000 });
  const blank = path.join(work, 'blank.jpg');
  await promisify(execFile)('ffmpeg', [
    '-loglevel',
    'error',
    '-f',
    'lavfi',
    '-i',
    'color=gray:s=320x240',
    '-frames:v',
    '1',
    blank,
  ]);
  const dir = path.join(work, 'kiosk');
  const person = {
    hubUrl: hub.url,
    adminToken,
    dir,
    accountId: 'shopper',
    displayName: 'Amy Test',
    dateOfBirth: '1990-04-01',
    pin: '4862',
  };
  await expect(enrolFromPhotos({ ...person, photos: [blank] })).rejects.toThrow(/no usable face/);
  const enrolled = await enrolFromPhotos({
    ...person,
    photos: [path.join(faces, '1.jpg'), path.join(faces, '2.jpg')],
  });
  expect(enrolled.person.accountId).toBe('shopper');
  expect(enrolled.templates).toBeGreaterThan(0);
  // The station's keys and its registration: one private folder, no staging folder left beside it.
  expect((await stat(path.join(dir, 'station-keys'))).mode & 0o777).toBe(0o700);
  expect((await readdir(dir)).sort()).toEqual(['station-keys']);
}, 120_000);
