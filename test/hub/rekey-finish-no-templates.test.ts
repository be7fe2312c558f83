// A hub stopped after a re-key committed but before transform.key.next replaced transform.key, with no
// template stored: the start finishes the swap, because the audit log says the re-key committed, so the
// key in use is the one the database names and enrolment goes on.
//
// Found in review: finishInterruptedRekey decided from the first template row; with none it set the next
// key aside, the hub kept the old key while the audit log named the new one, and every template write was
// refused (503, "not taken the re-keyed transform key") until someone found the discarded file.
import { chmodSync, copyFileSync, readdirSync, renameSync } from 'node:fs';
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

let ctx: IdentityTestHub | undefined;
afterEach(async () => {
  await ctx?.t.stop();
  ctx = undefined;
});

async function transformKey(t: TestHub): Promise<Uint8Array> {
  const read = await readKeyFile({
    path: transformKeyPaths(join(t.dir, 'keys')).current,
    kind: 'transform',
  });
  if (!read.ok) throw new Error(read.error.message);
  return read.value;
}

function sealedUnder(t: TestHub, hubKey: Uint8Array, key: Uint8Array, face: Float32Array) {
  const protect = CancelableTransform.fromKey({ key, dimension: face.length });
  try {
    return b64(
      sealProbe({
        hubPublicKey: hubKey,
        template: protect.apply(face),
        modelId: testFaceModelId,
        nowMs: t.clock.now(),
        transformKeyId: transformKeyId(key),
      }),
    );
  } finally {
    protect.dispose();
  }
}

describe('a re-key committed with no template stored, the files not swapped', () => {
  it('the start takes the next key (the audit log says it committed); enrolment and identify go on', async () => {
    ctx = await startIdentityHub();
    const { enroller, till } = ctx;
    let { t } = ctx;
    const dir = t.dir;
    const paths = transformKeyPaths(join(dir, 'keys'));
    const oldKeyCopy = join(dir, 'transform.key.before-rekey');
    copyFileSync(paths.current, oldKeyCopy);
    chmodSync(oldKeyCopy, 0o600);

    const rekeyed = await t.call('POST', '/v1/admin/rekey', { body: {} });
    expect(rekeyed.status).toBe(200);
    expect(rekeyed.body.templates).toBe(0);
    const newKeyId = rekeyed.body.transformKeyId as string;

    // As if the hub had stopped between the commit and the rename: the new key is still `.next`.
    await t.hub.close();
    renameSync(paths.current, paths.next);
    renameSync(oldKeyCopy, paths.current);

    t = await startTestHub({
      dataDir: dir,
      calibrationFile: testCalibrationFile(),
      stepUpAmount: 30_000,
    });
    ctx.t = t;
    const key = await transformKey(t);
    expect(transformKeyId(key)).toBe(newKeyId);
    expect(
      readdirSync(join(dir, 'keys')).filter((name) => name.startsWith('transform.key.')),
    ).toEqual([]);

    // Faces protected under the key the audit log names are enrolled and found.
    const hubKey = await fetchHubKey(t, till);
    const face = syntheticFace();
    const alice = await enrolTestPerson(t, hubKey, {
      enroller,
      accountId: 'alice',
      sealedTemplate: () => sealedUnder(t, hubKey, key, syntheticFace(face)),
    });
    const matched = await t.call('POST', '/v1/identify', {
      token: till,
      body: {
        modelId: testFaceModelId,
        sealedProbe: sealedUnder(t, hubKey, key, syntheticFace(face)),
        liveness: { passed: true, score: 0.97 },
        payee: 'shop',
        amount: 1_000,
      },
    });
    expect(matched.status).toBe(200);
    expect(matched.body.match.personId).toBe(alice.id);
  });
});
