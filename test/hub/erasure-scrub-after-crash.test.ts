// A hub killed after an erasure commits and before its truncating checkpoint runs: the erased person's
// sealed templates are still in hub.sqlite or its WAL, and no scrub mark says so. The next start runs
// the checkpoint before it answers, so they are gone from both files, and the header is then right.
//
// Found in review: the restarted hub treated everything as scrubbed (no FacePay-Scrub: pending) while
// the erased rows stayed in the files until a checkpoint happened to run.
import Database from 'better-sqlite3';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  adminToken,
  openRawDb,
  startTestHub,
  syntheticFace,
  t0,
  testCalibrationFile,
  type TestHub,
} from './helpers.ts';
import { enrolTestPerson, sealedProbe, startIdentityHub } from './identity-helpers.ts';
import { assertNoProcessLeft, nodeScript, repoRoot, spawnTracked } from './process.ts';

let t: TestHub | undefined;
let reader: Database.Database | undefined;
afterEach(async () => {
  reader?.close();
  reader = undefined;
  const hub = t;
  t = undefined;
  await hub?.stop();
});
afterAll(assertNoProcessLeft);

/** The hub in a child process that SIGKILLs itself between an erasure's commit and its scrub. */
async function crashingHub(dataDir: string) {
  const [command, args] = nodeScript('test/hub/erasure-crash-hub.ts', [
    dataDir,
    testCalibrationFile(),
    adminToken,
    String(t0),
  ]);
  const child = spawnTracked(command, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    child.on('exit', (_code, signal) => resolve(signal)),
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /hub listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (match?.[1] !== undefined) resolve(match[1]);
    });
    void exited.then((signal) => reject(new Error(`hub exited (${signal}): ${stderr}`)));
  });
  return { url, exited };
}

/** Alice enrolled, the hub stopped, then the crashing hub killed inside her erasure. */
async function erasureKilledBeforeScrub() {
  const started = await startIdentityHub();
  t = started.t;
  const { hubKey, enroller } = started;
  const face = syntheticFace();
  const alice = await enrolTestPerson(started.t, hubKey, {
    enroller,
    accountId: 'alice',
    sealedTemplate: () => sealedProbe(started.t, hubKey, syntheticFace(face)),
  });
  const dir = t.dir;
  const raw = await openRawDb(dir);
  const sealed = await raw.all<{ sealed: Uint8Array }>('SELECT sealed FROM templates');
  await raw.close();
  expect(sealed.length).toBeGreaterThan(0);
  const filesHoldingTemplates = () =>
    ['hub.sqlite', 'hub.sqlite-wal'].filter((file) => {
      const path = join(dir, file);
      const bytes = existsSync(path) ? readFileSync(path) : Buffer.alloc(0);
      return sealed.some((row) => bytes.includes(Buffer.from(row.sealed).subarray(0, 48)));
    });
  await t.hub.close();

  const crashing = await crashingHub(dir);
  // The erasure commits; the process is killed before the answer, so the request fails.
  await expect(
    fetch(`${crashing.url}/v1/persons/${alice.id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${enroller.token}` },
    }),
  ).rejects.toThrow();
  expect(await crashing.exited).toBe('SIGKILL');
  // What the killed hub left: the templates still in the files, and no scrub mark.
  expect(filesHoldingTemplates().length).toBeGreaterThan(0);
  expect(existsSync(join(dir, 'hub.sqlite-erasure-scrub'))).toBe(false);
  const restart = async () => {
    t = await startTestHub({
      dataDir: dir,
      calibrationFile: testCalibrationFile(),
      stepUpAmount: 30_000,
    });
    return t;
  };
  const eraseAgain = async (hub: TestHub) => {
    const again = await hub.call('DELETE', `/v1/persons/${alice.id}`, { token: enroller.token });
    expect(again.status).toBe(204);
    return again.headers.get('facepay-scrub');
  };
  return { dir, filesHoldingTemplates, restart, eraseAgain };
}

describe('an erasure whose hub is killed before its scrub', () => {
  it('is scrubbed from hub.sqlite and its WAL at the next start, before it answers', async () => {
    const { filesHoldingTemplates, restart, eraseAgain } = await erasureKilledBeforeScrub();
    const hub = await restart();
    expect(filesHoldingTemplates()).toEqual([]);
    // The erasure committed: asked again it is done, and scrubbed (no pending header).
    expect(await eraseAgain(hub)).toBeNull();
  });

  it('is pending after the start while a reader holds the checkpoint off, then scrubbed', async () => {
    const { dir, filesHoldingTemplates, restart, eraseAgain } = await erasureKilledBeforeScrub();
    // Another reader of the file (a backup) holds a snapshot of the killed hub's WAL.
    reader = new Database(join(dir, 'hub.sqlite'), { readonly: true });
    reader.exec('BEGIN');
    reader.prepare('SELECT COUNT(*) FROM accounts').get();
    const hub = await restart();
    expect(existsSync(join(dir, 'hub.sqlite-erasure-scrub'))).toBe(true);
    expect(await eraseAgain(hub)).toBe('pending');

    reader.exec('COMMIT');
    reader.close();
    reader = undefined;
    const deadline = performance.now() + 15_000;
    while (existsSync(join(dir, 'hub.sqlite-erasure-scrub')) && performance.now() < deadline)
      await sleep(100);
    expect(existsSync(join(dir, 'hub.sqlite-erasure-scrub'))).toBe(false);
    expect(filesHoldingTemplates()).toEqual([]);
    expect(await eraseAgain(hub)).toBeNull();
  });
});
