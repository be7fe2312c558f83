// A set-up re-run into the same folder against another hub (or one whose data folder was reset) must not
// reuse the registration made on the first: its token and kiosk id mean nothing there (401 / kiosk not
// found for ever). The keys folder records the hub's key; a registration the hub does not honour is moved
// aside and a new kiosk registered. Against the same hub it is reused as before. A concurrent set-up's
// staging folder (its process alive) is left alone; a dead one's is removed.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { setUpShop } from '../../scripts/kiosk/deployment.ts';
import { startHub, type RunningHub } from '../../src/hub/hub.ts';
import { HubClient } from '../../src/shared/hub-client.ts';

const adminToken = `admin-${randomBytes(8).toString('hex')}`;
let work: string;
let hubA: RunningHub | undefined;
let hubB: RunningHub | undefined;

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'facepay-other-hub-'));
  hubA = await startHub({ dataDir: path.join(work, 'hub-a'), port: 0, adminToken });
  hubB = await startHub({ dataDir: path.join(work, 'hub-b'), port: 0, adminToken });
});

afterAll(async () => {
  await hubA?.close();
  await hubB?.close();
  await rm(work, { recursive: true, force: true });
});

const setup = (hubUrl: string, dir: string) =>
  setUpShop({
    hubUrl,
    adminToken,
    dir,
    shop: { id: 'shop', name: 'Shop' },
    shopper: { id: 'shopper', name: 'Shopper', deposit: 1000 },
  });

it('registers anew on another hub, and reuses the registration on the same hub', async () => {
  if (hubA === undefined || hubB === undefined) throw new Error('no hubs');
  const dir = path.join(work, 'kiosk');
  const onA = await setup(hubA.url, dir);
  await rm(onA.configFile);

  // Again on A: the same kiosk.
  const againOnA = await setup(hubA.url, dir);
  expect(againOnA.config.kioskId).toBe(onA.config.kioskId);
  expect(againOnA.config.hubToken).toBe(onA.config.hubToken);
  await rm(againOnA.configFile);

  const onB = await setup(hubB.url, dir);
  expect(onB.config.kioskId).not.toBe(onA.config.kioskId);
  const client = new HubClient({ baseUrl: hubB.url, token: onB.config.hubToken });
  const kiosk = await client.getOwnKiosk(onB.config.kioskId);
  expect(kiosk.revokedAt).toBeNull();
  // The old keys are kept aside, not deleted.
  expect((await readdir(dir)).some((name) => name.startsWith('kiosk-keys.other-hub-'))).toBe(true);
}, 60_000);

it("leaves a live set-up's staging folder alone and removes a dead one's", async () => {
  if (hubA === undefined) throw new Error('no hub');
  const dir = path.join(work, 'pending');
  await mkdir(dir, { recursive: true });
  const finished = spawnSync('true');
  const live = `kiosk-keys.pending-${process.ppid}-0123456789ab`;
  const dead = `kiosk-keys.pending-${finished.pid}-0123456789ab`;
  await mkdir(path.join(dir, live));
  await mkdir(path.join(dir, dead));
  await setup(hubA.url, dir);
  const names = await readdir(dir);
  expect(names).toContain(live);
  expect(names).not.toContain(dead);
}, 60_000);
