// A re-key (POST /v1/admin/rekey) with an enrolment station at work: the station's faces, protected under
// the key it was provisioned with, reach the hub just after the re-key's transaction committed, before the
// route renamed the key file and took the new key. They must be refused (transform_key_outdated: the
// station fetches the new key and protects again), never stored under the old key beside rows under the
// new one: such a row can never be opened, the gallery reload stops at it, and the hub no longer starts.
//
// Found in review: IdentityService kept the old key in memory until adoptTransformKey, after the commit and
// the file rename, so a write queued behind the re-key stored its template under the old key id.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readKeyFile } from '../../src/biometrics/protect/key-files.node.ts';
import {
  CancelableTransform,
  transformKeyId,
} from '../../src/biometrics/protect/cancelable-transform.ts';
import { startTestHub, syntheticFace, testCalibrationFile, testFaceModelId } from './helpers.ts';
import {
  enrolTestPerson,
  sealedProbe,
  startIdentityHub,
  type IdentityTestHub,
} from './identity-helpers.ts';

let ctx: IdentityTestHub;

beforeEach(async () => {
  ctx = await startIdentityHub();
});

afterEach(async () => {
  const { dir } = ctx.t;
  // A hub that would not start again leaves the first one closed already.
  await ctx.t.stop().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

async function transformKey(dir: string): Promise<Uint8Array> {
  const read = await readKeyFile({ path: join(dir, 'keys', 'transform.key'), kind: 'transform' });
  if (!read.ok) throw new Error(read.error.message);
  return read.value;
}

describe('faces added while the hub re-keys', () => {
  it('are refused transform_key_outdated, not stored under the old key; the hub re-keys, restarts and enrols under the new key', async () => {
    const { t, hubKey, enroller } = ctx;
    const { hub } = t;
    const oldKey = await transformKey(t.dir);
    const oldKeyId = transformKeyId(oldKey);
    const protectOld = CancelableTransform.fromKey({ key: oldKey, dimension: 128 });
    const alicesFace = syntheticFace();
    await enrolTestPerson(t, hubKey, {
      enroller,
      accountId: 'alice',
      sealedTemplate: () => sealedProbe(t, hubKey, protectOld.apply(alicesFace), oldKeyId),
    });
    const bob = await enrolTestPerson(t, hubKey, { enroller, accountId: 'bob' });
    const bobsFace = syntheticFace();
    // The re-key's transaction and the station's are queued in that order behind a write held open, so
    // the station's runs right after the re-key's (in its batch or the next), before the route goes on.
    let release = () => {};
    const held = hub.store.write(() => new Promise<void>((resolve) => (release = resolve)));
    const rekeyed = t.call('POST', '/v1/admin/rekey', { body: {} });
    // The route queues its transaction (which makes the next key file once it runs).
    while ((hub.store.writeStats().waiting ?? 0) < 1) await sleep(10);
    // The station, provisioned before the re-key, adds Bob's faces protected under the old key.
    const added = t.call('POST', `/v1/persons/${bob.id}/templates`, {
      token: enroller.token,
      body: {
        modelId: testFaceModelId,
        sealedTemplates: [sealedProbe(t, hubKey, protectOld.apply(bobsFace), oldKeyId)],
      },
    });
    while ((hub.store.writeStats().waiting ?? 0) < 2) await sleep(10);
    release();
    await held;
    expect((await rekeyed).status).toBe(200);
    const refused = await added;
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('transform_key_outdated');

    // Every stored row is under the new key, and the hub starts again from its data.
    const nextKey = await transformKey(t.dir);
    const nextKeyId = transformKeyId(nextKey);
    expect(nextKeyId).not.toBe(oldKeyId);
    const rows = await hub.store.reader.listTemplates('', 100);
    expect(rows.map((row) => row.transformKeyId)).toEqual([nextKeyId, nextKeyId]);
    await hub.close();
    // The same options as startIdentityHub's, on the same folder.
    ctx.t = await startTestHub({
      dataDir: t.dir,
      calibrationFile: testCalibrationFile(),
      stepUpAmount: 30_000,
    });

    // The station, told the key is outdated, protects again under the new key: Bob's faces go in.
    const protectNew = CancelableTransform.fromKey({ key: nextKey, dimension: 128 });
    const again = await ctx.t.call('POST', `/v1/persons/${bob.id}/templates`, {
      token: enroller.token,
      body: {
        modelId: testFaceModelId,
        sealedTemplates: [sealedProbe(ctx.t, hubKey, protectNew.apply(bobsFace), nextKeyId)],
      },
    });
    expect(again.status).toBe(201);
  });
});
