// Two hub instances on one PostgreSQL database: B re-keys while A, not having heard of it (its feed cut),
// is identifying a probe made under the old key. A takes B's re-key (its feed back) while the request
// waits on its catch-up read.
//
// Found in review: the probe's key was checked against A's key before the catch-up, and the catch-up then
// went on with the gallery swapped in meanwhile under the new key: the old-key probe was searched among
// new-key templates, and an enrolled person got 200 with no match instead of a refusal to retry.
//
// The wait is a test-only seam (dangerousTestOnlyBeforeCatchUpRead) standing for a slow read of the
// change log; the re-key, the feed and its resynchronisation, and the gallery swap are the real ones.
import { chmodSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { readKeyFile } from '../../src/biometrics/protect/key-files.node.ts';
import {
  CancelableTransform,
  transformKeyId,
} from '../../src/biometrics/protect/cancelable-transform.ts';
import { syntheticFace as face, testFaceModelId } from './helpers.ts';
import { enrolTestPerson, sealedProbe } from './identity-helpers.ts';
import { cutTemplateFeeds, twoInstancesWithShop } from './two-instances.ts';
import { useRunningHubs } from './postgres-hubs.ts';

async function transformKey(dir: string): Promise<Uint8Array> {
  const read = await readKeyFile({ path: join(dir, 'keys', 'transform.key'), kind: 'transform' });
  if (!read.ok) throw new Error(read.error.message);
  return read.value;
}

const running = useRunningHubs();
// Registered after useRunningHubs' stop, so it runs first (after-hooks run last registered first).
afterEach(() => {
  for (const t of running) t.hub.identity?.dangerousTestOnlyBeforeCatchUpRead(undefined);
});

describe('a re-key taken while an identification waits on its catch-up', () => {
  it('refuses the old-key probe (503), then matches the person under the new key', async () => {
    const { a, b, enroller, till, hubKey } = await twoInstancesWithShop(running);
    const oldKey = await transformKey(a.dir);
    const oldKeyId = transformKeyId(oldKey);
    const protectOld = CancelableTransform.fromKey({ key: oldKey, dimension: 128 });
    const alice = face();
    const alicePerson = await enrolTestPerson(a, hubKey, {
      enroller,
      accountId: 'alice',
      sealedTemplate: () => sealedProbe(a, hubKey, protectOld.apply(face(alice)), oldKeyId),
    });
    const identifyOnA = (probe: string) =>
      a.call('POST', '/v1/identify', {
        token: till,
        body: {
          modelId: testFaceModelId,
          sealedProbe: probe,
          liveness: { passed: true, score: 0.97 },
          payee: 'shop',
          amount: 500,
        },
      });
    const before = await identifyOnA(
      sealedProbe(a, hubKey, protectOld.apply(face(alice)), oldKeyId),
    );
    expect(before.status).toBe(200);
    expect(before.body.match?.personId).toBe(alicePerson.id);

    // A hears nothing; B re-keys; an operator copies B's new key to A's keys/.
    await cutTemplateFeeds(a);
    const rekeyed = await b.call('POST', '/v1/admin/rekey', { body: {} });
    expect(rekeyed.status).toBe(200);
    const newKeyId = rekeyed.body.transformKeyId as string;
    const keyFile = join(a.dir, 'keys', 'transform.key');
    copyFileSync(join(b.dir, 'keys', 'transform.key'), keyFile);
    chmodSync(keyFile, 0o600);

    // A's identification of an old-key probe waits at its catch-up until A has taken the new key (its
    // feed reconnects, resynchronises, finds B's re-key and swaps in a gallery under the new key).
    const identity = a.hub.identity;
    if (identity === undefined) throw new Error('A identifies');
    const oldGallery = identity.gallery;
    let waits = 0;
    identity.dangerousTestOnlyBeforeCatchUpRead(async () => {
      if (waits++ > 0) return;
      const by = Date.now() + 15_000;
      while (identity.gallery === oldGallery && Date.now() < by) await sleep(50);
    });
    const raced = await identifyOnA(
      sealedProbe(a, hubKey, protectOld.apply(face(alice)), oldKeyId),
    );
    identity.dangerousTestOnlyBeforeCatchUpRead(undefined);
    protectOld.dispose();
    expect(waits).toBeGreaterThan(0);
    expect(identity.gallery).not.toBe(oldGallery);
    expect(raced.status).toBe(503);
    expect(raced.body.error.code).toBe('unavailable');

    // A kiosk with the new key is identified on A.
    const newKey = await transformKey(a.dir);
    const protectNew = CancelableTransform.fromKey({ key: newKey, dimension: 128 });
    const matched = await identifyOnA(
      sealedProbe(a, hubKey, protectNew.apply(face(alice)), newKeyId),
    );
    protectNew.dispose();
    expect(matched.status).toBe(200);
    expect(matched.body.match?.personId).toBe(alicePerson.id);
  });
});
