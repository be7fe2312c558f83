// What the PostgreSQL re-key tests of instances sharing keys/ share: a hub with Carol enrolled under its
// transform key, the key files read, a wait for a session's lock, and Carol identified under a given key.
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { readKeyFile } from '../../src/biometrics/protect/key-files.node.ts';
import {
  CancelableTransform,
  transformKeyId,
} from '../../src/biometrics/protect/cancelable-transform.ts';
import { sodium } from '../../src/biometrics/protect/sodium.ts';
import { transformKeyPaths } from '../../src/hub/identity/rekey.ts';
import {
  account,
  client,
  clientWithId,
  databaseFor,
  startTestHub,
  syntheticFace,
  testFaceModelId,
  type TestHub,
} from './helpers.ts';
import { enrolTestPerson, fetchHubKey, sealedProbe } from './identity-helpers.ts';

/** The transform key in the key file at `path`. */
export async function transformKeyIn(path: string): Promise<Uint8Array> {
  const read = await readKeyFile({ path, kind: 'transform' });
  if (!read.ok) throw new Error(read.error.message);
  return read.value;
}

/** The transform key in use in the data directory `dir` (keys/transform.key). */
export function currentTransformKey(dir: string): Promise<Uint8Array> {
  return transformKeyIn(transformKeyPaths(join(dir, 'keys')).current);
}

/** Polls pg_locks (on `raw`) until some session waits for a lock `condition` names. */
export async function untilWaiting(raw: pg.Client, condition: string, params: unknown[] = []) {
  for (;;) {
    const waiting = await raw.query(
      `SELECT 1 FROM pg_locks WHERE NOT granted AND ${condition}`,
      params,
    );
    if (waiting.rowCount !== null && waiting.rowCount > 0) return;
    await sleep(20);
  }
}

/**
 * Hub A (pushed to `running`) on `calibrationFile` with a long lock timeout (a re-key waits on a raw
 * session's lock until the test lets it go), the shop, a till and Carol enrolled under A's transform key.
 * Answers A, its database's URL, the till's token, the hub's key, Carol's face, her person and the key.
 */
export async function hubWithCarol(running: TestHub[], calibrationFile: string) {
  await sodium.ready;
  const a = await startTestHub({ calibrationFile, postgresTimeouts: { lockMs: 60_000 } });
  running.push(a);
  const databaseUrl = await databaseFor(a.dir);
  await account(a, 'shop', 'merchant');
  const enroller = await clientWithId(a, 'enrollment');
  const till = await client(a, 'merchant', 'shop');
  const hubKey = await fetchHubKey(a, till);
  const carol = syntheticFace();
  const oldKey = await currentTransformKey(a.dir);
  const protect = CancelableTransform.fromKey({ key: oldKey, dimension: 128 });
  const carolPerson = await enrolTestPerson(a, hubKey, {
    enroller,
    accountId: 'carol',
    sealedTemplate: () =>
      sealedProbe(a, hubKey, protect.apply(syntheticFace(carol)), transformKeyId(oldKey)),
  });
  protect.dispose();
  return { a, databaseUrl, till, hubKey, carol, carolPerson, oldKey };
}

/** POST /v1/identify on `t` (a payment of 500 to the shop by `till`): Carol's face protected under `key`. */
export async function identifyCarolUnder(
  t: TestHub,
  options: { till: string; hubKey: Uint8Array; carol: Float32Array; key: Uint8Array },
) {
  const protect = CancelableTransform.fromKey({ key: options.key, dimension: 128 });
  try {
    const probe = protect.apply(syntheticFace(options.carol));
    return await t.call('POST', '/v1/identify', {
      token: options.till,
      body: {
        modelId: testFaceModelId,
        sealedProbe: sealedProbe(t, options.hubKey, probe, transformKeyId(options.key)),
        liveness: { passed: true, score: 0.97 },
        payee: 'shop',
        amount: 500,
      },
    });
  } finally {
    protect.dispose();
  }
}
