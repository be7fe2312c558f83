// A re-key on one of two hub instances while the other has not heard of it (its LISTEN connection cut:
// a network blip). The other instance must not store a station's faces under the key the rows left:
// such a row can never be opened, and no instance starts again from the database (its gallery load
// stops at it). Once its feed is back, it must see the re-key it missed and stop matching under the
// old key, not reload a gallery whose rows it cannot open.
//
// Found in review: addTemplates checked only the key this instance held in memory, and a resynchronised
// feed reloaded the gallery under that key.
import { describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  databaseFor,
  forgetDatabase,
  startTestHub,
  syntheticFace as face,
  testCalibrationFile,
  testFaceModelId,
} from './helpers.ts';
import { enrolTestPerson, sealedProbe } from './identity-helpers.ts';
import { cutTemplateFeeds, twoInstancesWithShop } from './two-instances.ts';
import { readKeyFile } from '../../src/biometrics/protect/key-files.node.ts';
import {
  CancelableTransform,
  transformKeyId,
} from '../../src/biometrics/protect/cancelable-transform.ts';
import { useRunningHubs } from './postgres-hubs.ts';

async function transformKey(dir: string): Promise<Uint8Array> {
  const read = await readKeyFile({ path: join(dir, 'keys', 'transform.key'), kind: 'transform' });
  if (!read.ok) throw new Error(read.error.message);
  return read.value;
}

const running = useRunningHubs();

describe('a re-key the other instance has not heard of', () => {
  it("refuses that instance's faces (503), keeps every row under the new key, and the hub starts again", async () => {
    const { a, b, enroller, till, hubKey } = await twoInstancesWithShop(running);
    const alice = face();
    const oldKey = await transformKey(a.dir);
    const protectOld = CancelableTransform.fromKey({ key: oldKey, dimension: 128 });
    const alicePerson = await enrolTestPerson(a, hubKey, {
      enroller,
      accountId: 'alice',
      sealedTemplate: () =>
        sealedProbe(a, hubKey, protectOld.apply(face(alice)), transformKeyId(oldKey)),
    });
    const bob = await enrolTestPerson(a, hubKey, { enroller, accountId: 'bob' });

    await cutTemplateFeeds(a);
    const rekeyed = await a.call('POST', '/v1/admin/rekey', { body: {} });
    expect(rekeyed.status).toBe(200);
    const newKeyId = rekeyed.body.transformKeyId as string;

    // B still holds the old key: the station it serves adds Bob's faces (sealed with no key id, so the
    // instance's own key is taken). They must not be stored under the old key.
    const added = await b.call('POST', `/v1/persons/${bob.id}/templates`, {
      token: enroller.token,
      body: { modelId: testFaceModelId, sealedTemplates: [sealedProbe(b, hubKey, face())] },
    });
    expect(added.status).toBe(503);
    expect(added.body.error.code).toBe('unavailable');
    const rows = await a.hub.store.reader.listTemplates('', 100);
    expect(rows.map((row) => row.transformKeyId)).toEqual([newKeyId, newKeyId]);

    // B's feed comes back and resynchronises: it finds the re-key it missed. Its keys/ is a private
    // copy without the new key, so it refuses to identify (503) until an operator copies the keys.
    const identifyOnB = () =>
      b.call('POST', '/v1/identify', {
        token: till,
        body: {
          modelId: testFaceModelId,
          sealedProbe: sealedProbe(b, hubKey, protectOld.apply(face(alice))),
          liveness: { passed: true, score: 0.97 },
          payee: 'shop',
          amount: 500,
        },
      });
    let answer = await identifyOnB();
    const refusedBy = Date.now() + 5_000;
    while (answer.status === 200 && Date.now() < refusedBy) {
      await sleep(100);
      answer = await identifyOnB();
    }
    expect(answer.status).toBe(503);
    expect(answer.body.error.code).toBe('unavailable');

    // A hub starts again from the database and A's keys/, and matches Alice under the new key.
    const databaseUrl = await databaseFor(a.dir);
    await running.pop()?.stop();
    await a.hub.close();
    // A's folder and database are left to the hub started on them, or dropped here if it cannot start.
    running[0] = {
      ...a,
      stop: async () => {
        await forgetDatabase(a.dir);
        rmSync(a.dir, { recursive: true, force: true });
      },
    };
    const again = await startTestHub({
      dataDir: a.dir,
      calibrationFile: testCalibrationFile(),
      ...(databaseUrl === undefined ? {} : { databaseUrl }),
    });
    running[0] = again;
    const newKey = await transformKey(a.dir);
    expect(transformKeyId(newKey)).toBe(newKeyId);
    const protectNew = CancelableTransform.fromKey({ key: newKey, dimension: 128 });
    const identified = await again.call('POST', '/v1/identify', {
      token: till,
      body: {
        modelId: testFaceModelId,
        sealedProbe: sealedProbe(again, hubKey, protectNew.apply(face(alice)), newKeyId),
        liveness: { passed: true, score: 0.97 },
        payee: 'shop',
        amount: 500,
      },
    });
    expect(identified.status).toBe(200);
    expect(identified.body.match?.personId).toBe(alicePerson.id);
  });
});
