// POST /v1/admin/rekey after a face model change, and after a re-key that failed.
//
// Found in review: the re-key opened every stored row at the calibrated model's dimension, so the rows of
// the model used before (128-d, the calibration now 512-d) failed on length and the route answered 500; and
// the route left the next key file behind on any failure, so every later re-key answered 500 ("a re-key is
// unfinished; restart the hub") until a restart.
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readKeyFile } from '../../src/biometrics/protect/key-files.node.ts';
import {
  CancelableTransform,
  transformKeyId,
} from '../../src/biometrics/protect/cancelable-transform.ts';
import { sealProbe } from '../../src/biometrics/protect/probe-seal.ts';
import { transformKeyPaths } from '../../src/hub/identity/rekey.ts';
import {
  openRawDb,
  scratchDir,
  startTestHub,
  syntheticFace,
  testCalibrationFile,
  testFaceModelId,
  type TestHub,
} from './helpers.ts';
import {
  b64,
  enrolTestPerson,
  fetchHubKey,
  startIdentityHub,
  type IdentityTestHub,
} from './identity-helpers.ts';

const wideModelId = 'test-face-model-512';

function wideCalibrationFile(): string {
  const file = join(scratchDir('facepay-cal-'), 'thresholds.json');
  writeFileSync(
    file,
    JSON.stringify({ modelId: wideModelId, metric: 'cosine', threshold: 0.6, dimension: 512 }),
  );
  return file;
}

/** As syntheticFace, in 512 dimensions (cosine ~0.98 to `base`). */
function wideFace(base?: Float32Array): Float32Array {
  const v = new Float32Array(512);
  for (let i = 0; i < v.length; i++) v[i] = (base?.[i] ?? 0) * 12 + (Math.random() - 0.5);
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}

async function transformKey(dir: string): Promise<Uint8Array> {
  const read = await readKeyFile({
    path: transformKeyPaths(join(dir, 'keys')).current,
    kind: 'transform',
  });
  if (!read.ok) throw new Error(read.error.message);
  return read.value;
}

function sealed(
  t: TestHub,
  hubKey: Uint8Array,
  modelId: string,
  template: Float32Array,
  keyId: string,
): string {
  return b64(
    sealProbe({
      hubPublicKey: hubKey,
      template,
      modelId,
      nowMs: t.clock.now(),
      transformKeyId: keyId,
    }),
  );
}

/** The till identifies `face`, protected under `key`, as of model `modelId`. */
async function identify(
  t: TestHub,
  till: string,
  modelId: string,
  face: Float32Array,
  key: Uint8Array,
) {
  const hubKey = await fetchHubKey(t, till);
  const protect = CancelableTransform.fromKey({ key, dimension: face.length });
  const answer = await t.call('POST', '/v1/identify', {
    token: till,
    body: {
      modelId,
      sealedProbe: sealed(t, hubKey, modelId, protect.apply(face), transformKeyId(key)),
      liveness: { passed: true, score: 0.97 },
      payee: 'shop',
      amount: 1_000,
    },
  });
  protect.dispose();
  return answer;
}

function keyFilesLeft(dir: string): string[] {
  return readdirSync(join(dir, 'keys')).filter((name) => name.startsWith('transform.key.'));
}

let ctx: IdentityTestHub | undefined;

afterEach(async () => {
  await ctx?.t.stop();
  ctx = undefined;
});

describe('re-key after a model change', () => {
  it('moves the rows of both models to the new key: 200, and both models match after it', async () => {
    ctx = await startIdentityHub();
    const { enroller, till } = ctx;
    let { t, hubKey } = ctx;
    const dir = t.dir;
    const oldKey = await transformKey(dir);
    const oldKeyId = transformKeyId(oldKey);
    const narrow = CancelableTransform.fromKey({ key: oldKey, dimension: 128 });
    const alicesFace = syntheticFace();
    const alice = await enrolTestPerson(t, hubKey, {
      enroller,
      accountId: 'alice',
      sealedTemplate: () =>
        sealed(t, hubKey, testFaceModelId, narrow.apply(syntheticFace(alicesFace)), oldKeyId),
    });
    narrow.dispose();

    // The same data folder, now calibrated for a 512-d model; Bob enrols under it.
    await t.hub.close();
    t = await startTestHub({
      dataDir: dir,
      calibrationFile: wideCalibrationFile(),
      stepUpAmount: 30_000,
    });
    ctx.t = t;
    hubKey = await fetchHubKey(t, till);
    const wide = CancelableTransform.fromKey({ key: oldKey, dimension: 512 });
    const bobsFace = wideFace();
    const bob = await enrolTestPerson(t, hubKey, { enroller, accountId: 'bob' });
    const added = await t.call('POST', `/v1/persons/${bob.id}/templates`, {
      token: enroller.token,
      body: {
        modelId: wideModelId,
        sealedTemplates: [0, 1].map(() =>
          sealed(t, hubKey, wideModelId, wide.apply(wideFace(bobsFace)), oldKeyId),
        ),
      },
    });
    wide.dispose();
    expect(added.status).toBe(201);

    const rekeyed = await t.call('POST', '/v1/admin/rekey', { body: {} });
    expect(rekeyed.status).toBe(200);
    expect(rekeyed.body.templates).toBe(4);
    const newKey = await transformKey(dir);
    expect(rekeyed.body.transformKeyId).toBe(transformKeyId(newKey));
    expect(keyFilesLeft(dir)).toEqual([]);
    const rows = await t.hub.store.reader.listTemplates('', 100);
    expect(rows.map((row) => row.transformKeyId)).toEqual(Array(4).fill(transformKeyId(newKey)));

    // Bob matches under the new key at once.
    const bobMatched = await identify(t, till, wideModelId, wideFace(bobsFace), newKey);
    expect(bobMatched.status).toBe(200);
    expect(bobMatched.body.match.personId).toBe(bob.id);

    // Back on the 128-d model: the hub starts (its gallery opens every row) and Alice matches.
    await t.hub.close();
    t = await startTestHub({
      dataDir: dir,
      calibrationFile: testCalibrationFile(),
      stepUpAmount: 30_000,
    });
    ctx.t = t;
    const aliceMatched = await identify(
      t,
      till,
      testFaceModelId,
      syntheticFace(alicesFace),
      newKey,
    );
    expect(aliceMatched.status).toBe(200);
    expect(aliceMatched.body.match.personId).toBe(alice.id);
  });
});

describe('a re-key that fails', () => {
  it('leaves no next key behind: the next re-key, once the fault is gone, answers 200', async () => {
    ctx = await startIdentityHub();
    const { t, hubKey, enroller, till } = ctx;
    const oldKey = await transformKey(t.dir);
    const oldKeyId = transformKeyId(oldKey);
    const protect = CancelableTransform.fromKey({ key: oldKey, dimension: 128 });
    const face = syntheticFace();
    const person = await enrolTestPerson(t, hubKey, {
      enroller,
      accountId: 'carol',
      sealedTemplate: () =>
        sealed(t, hubKey, testFaceModelId, protect.apply(syntheticFace(face)), oldKeyId),
    });
    protect.dispose();

    // A stored row damaged on disk: the re-key cannot open it and fails.
    const db = await openRawDb(t.dir);
    try {
      const row = await db.get<{ id: string; sealed: Uint8Array }>(
        'SELECT id, sealed FROM templates ORDER BY id LIMIT 1',
      );
      if (row === undefined) throw new Error('no template stored');
      const original = Buffer.from(row.sealed);
      const damaged = Buffer.from(original);
      damaged[damaged.length - 1] = (damaged[damaged.length - 1] ?? 0) ^ 0xff;
      expect(await db.run('UPDATE templates SET sealed = ? WHERE id = ?', damaged, row.id)).toBe(1);

      const failed = await t.call('POST', '/v1/admin/rekey', { body: {} });
      expect(failed.status).toBe(500);
      expect(existsSync(transformKeyPaths(join(t.dir, 'keys')).next)).toBe(false);
      expect(keyFilesLeft(t.dir)).toEqual([]);
      // Nothing moved: the key and the rows are the ones before.
      expect(transformKeyId(await transformKey(t.dir))).toBe(oldKeyId);

      // The row repaired, the same hub re-keys without a restart.
      expect(await db.run('UPDATE templates SET sealed = ? WHERE id = ?', original, row.id)).toBe(
        1,
      );
    } finally {
      await db.close();
    }
    const rekeyed = await t.call('POST', '/v1/admin/rekey', { body: {} });
    expect(rekeyed.status).toBe(200);
    expect(rekeyed.body.templates).toBe(2);
    const newKey = await transformKey(t.dir);
    expect(transformKeyId(newKey)).not.toBe(oldKeyId);
    expect(keyFilesLeft(t.dir)).toEqual([]);
    const matched = await identify(t, till, testFaceModelId, syntheticFace(face), newKey);
    expect(matched.status).toBe(200);
    expect(matched.body.match.personId).toBe(person.id);
  });
});
