// A kiosk closing against a hub that stalls: close waits at most 15 s for the background round, but a round
// makes several hub calls of up to 10 s each. Once close begins (HubLink.beginClosing) the call in flight may
// finish (an alert's send is answered) but no further hub call reaches the network, so the round ends within
// one call's timeout. And a round that outran close anyway may not write the keys folder's state files once
// close gave them up.
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  disposeKioskIdentity,
  loadKioskIdentity,
  type KioskIdentity,
} from '../../src/biometrics/protect/kiosk-identity.node.ts';
import { sodium } from '../../src/biometrics/protect/sodium.ts';
import { HubLink } from '../../src/main/hub-link.ts';
import {
  closeStateFolders,
  reopenStateFolders,
  writeStateFile,
} from '../../src/main/state-file.ts';

let dir: string;
let identity: KioskIdentity | undefined;

beforeAll(async () => {
  await sodium.ready;
  dir = await mkdtemp(path.join(os.tmpdir(), 'facepay-link-closing-'));
  const loaded = await loadKioskIdentity({ dir: path.join(dir, 'keys'), create: true });
  if (!loaded.ok) throw new Error(loaded.error.message);
  identity = loaded.value;
});

afterAll(async () => {
  if (identity !== undefined) disposeKioskIdentity(identity);
  await rm(dir, { recursive: true, force: true });
});

it('lets the call in flight finish and starts no other once closing begins', async () => {
  if (identity === undefined) throw new Error('no identity');
  let calls = 0;
  let answer = () => {};
  // A hub that answers only when the test says so.
  const stalling: typeof fetch = () => {
    calls += 1;
    return new Promise((resolve) => {
      answer = () => resolve(Response.json({ status: 'ok' }));
    });
  };
  const link = new HubLink({
    hubUrl: 'https://hub.test',
    hubToken: 'token',
    kioskId: 'ksk_test',
    identity,
    now: Date.now,
    timeoutMs: 10_000,
    fetch: stalling,
  });
  const inFlight = link.healthy();
  await new Promise((resolve) => setTimeout(resolve, 50));
  link.beginClosing();
  expect(link.closing).toBe(true);
  answer();
  expect(await inFlight).toBe(true);

  // The round's next steps fail at once, and none reaches the network.
  const started = performance.now();
  expect(await link.healthy()).toBe(false);
  expect((await link.connect()).ok).toBe(false);
  await link.checkCredentialsEvery(1);
  expect(performance.now() - started).toBeLessThan(1_000);
  expect(calls).toBe(1);
  link.dispose();
});

it('refuses state-file writes in a folder a closed kiosk gave up, until a service opens it again', async () => {
  const keys = path.join(dir, 'closed-keys');
  await mkdir(keys, { mode: 0o700 });
  const file = path.join(keys, 'pending-holds.json');
  writeStateFile(file, [{ owed: 1 }]);
  closeStateFolders([keys]);
  expect(() => writeStateFile(file, [{ owed: 2 }])).toThrow(/closed/);
  expect(JSON.parse(await readFile(file, 'utf8'))).toStrictEqual([{ owed: 1 }]);
  // Another folder is not affected.
  writeStateFile(path.join(dir, 'other.json'), { ok: true });
  reopenStateFolders([keys]);
  writeStateFile(file, [{ owed: 3 }]);
  expect(JSON.parse(await readFile(file, 'utf8'))).toStrictEqual([{ owed: 3 }]);
});
