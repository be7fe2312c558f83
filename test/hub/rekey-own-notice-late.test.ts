// A notice of this instance's own earlier re-key heard late (while a later re-key waits for its COMMIT)
// is stale by the time it is applied: the instance stays on the later key, whole, and keeps identifying.
//
// Found in review: the notice waited for the later re-key's outcome and was then followed as if another
// instance had re-keyed. Before the route renamed transform.key.next, transform.key still held the older
// key: the instance moved back to a copy of it and zeroed the new one; after the rename no file held it,
// and identify was refused until a restart. Only the later re-key's own notice could put the first right.
//
// Real parts: one hub on PostgreSQL through a TCP relay that holds what the hub's LISTEN connection is
// sent, and the later re-key's COMMIT (the hub's side kept, waiting). Its templates are of another
// model (enrolled by a hub calibrated for it), so the re-keys move rows (and announce it) while the
// gallery holds none.
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import {
  CancelableTransform,
  transformKeyId,
} from '../../src/biometrics/protect/cancelable-transform.ts';
import { sodium } from '../../src/biometrics/protect/sodium.ts';
import type { TemplateChange } from '../../src/hub/storage/port.ts';
import { CommitCuttingRelay } from './commit-cutting-relay.ts';
import {
  clientWithId,
  databaseFor,
  forgetDatabase,
  scratchDir,
  startTestHub,
  syntheticFace,
  tempDir,
  testCalibrationFile,
  type TestHub,
} from './helpers.ts';
import { enrolTestPerson, fetchHubKey, sealedProbe } from './identity-helpers.ts';
import { currentTransformKey } from './rekey-carol.ts';

/** The identity service's key state (private: read here to see which key it holds, and if it refuses). */
interface HeldKey {
  transformKey: Uint8Array;
  keyId: string;
  staleTransformKeyId: string | undefined;
}

async function until(what: string, done: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; !(await done()); i++) {
    if (i === 500) throw new Error(`not within 10 s: ${what}`);
    await sleep(20);
  }
}

describe('a late notice of this instance’s own earlier re-key', () => {
  it('is not followed back once a later re-key of this instance committed', async () => {
    await sodium.ready;
    const dir = tempDir('facepay-rekey-own-notice-');
    let relay: CommitCuttingRelay | undefined;
    let a: TestHub | undefined;
    try {
      const databaseUrl = await databaseFor(dir);
      if (databaseUrl === undefined) throw new Error('the postgres project runs this file');
      const direct = new URL(databaseUrl);
      relay = await CommitCuttingRelay.start({
        host: direct.hostname,
        port: Number(direct.port || 5432),
      });
      const relayed = relay;
      // Carol's templates, enrolled by a hub of the test model (its own, on the same database).
      const setup = await startTestHub({
        dataDir: dir,
        databaseUrl,
        calibrationFile: testCalibrationFile(),
      });
      try {
        const enroller = await clientWithId(setup, 'enrollment');
        const hubKey = await fetchHubKey(setup);
        const carol = syntheticFace();
        const oldKey = await currentTransformKey(dir);
        const protect = CancelableTransform.fromKey({ key: oldKey, dimension: 128 });
        await enrolTestPerson(setup, hubKey, {
          enroller,
          accountId: 'carol',
          sealedTemplate: () =>
            sealedProbe(setup, hubKey, protect.apply(syntheticFace(carol)), transformKeyId(oldKey)),
        });
        protect.dispose();
      } finally {
        await setup.hub.close();
      }

      // The hub under test is calibrated for another model: its gallery holds none of them.
      const otherModel = join(scratchDir('facepay-cal-'), 'thresholds.json');
      writeFileSync(
        otherModel,
        JSON.stringify({
          modelId: 'test-face-model-64',
          metric: 'cosine',
          threshold: 0.6,
          dimension: 64,
        }),
      );
      a = await startTestHub({
        dataDir: dir,
        databaseUrl: relayed.urlThrough(databaseUrl),
        calibrationFile: otherModel,
      });
      const hub = a;
      const identity = hub.hub.identity;
      if (identity === undefined) throw new Error('no identity');
      const held = identity as unknown as HeldKey;
      const heard: TemplateChange[] = [];
      const unsubscribe = hub.hub.store.onTemplateChange((change: TemplateChange) => {
        heard.push(change);
      });
      const heardRekey = (keyId: string) =>
        heard.some((c) => c.kind === 'rekeyed' && c.transformKeyId === keyId);

      // What the feed's LISTEN connection is sent waits at the relay: the first re-key's notice is held.
      await until('the feed listening', () => relayed.holdAnswers('LISTEN') === 1);
      const first = await hub.call('POST', '/v1/admin/rekey', { body: {} });
      expect(first.status).toBe(200);
      const firstKeyId = first.body.transformKeyId as string;
      expect(held.keyId).toBe(firstKeyId);

      // A later re-key, its COMMIT held: its transaction has adopted the next key.
      relayed.armHold();
      const second = hub.call('POST', '/v1/admin/rekey', { body: {} });
      await until('the later re-key’s COMMIT held', () => relayed.heldOnce);
      expect(held.keyId).not.toBe(firstKeyId);
      const secondKeyId = held.keyId;

      // The first re-key's notice is heard now (it waits for the later re-key's outcome); the later
      // one's notice, sent at its COMMIT, is held until the end.
      relayed.releaseAnswers();
      await until('the first re-key’s notice heard', () => heardRekey(firstKeyId));
      expect(relayed.holdAnswers('LISTEN')).toBe(1);

      await relayed.releaseCommit();
      const answer = await second;
      expect(answer.status).toBe(200);
      expect(answer.body.transformKeyId).toBe(secondKeyId);
      await identity.settled();

      // Before the later re-key's own notice is heard: the hub holds its key, whole, and refuses nothing.
      const expectOnSecondKey = async () => {
        const fileKey = await currentTransformKey(dir);
        expect(transformKeyId(fileKey)).toBe(secondKeyId);
        expect(held.keyId).toBe(secondKeyId);
        expect(held.transformKey).toEqual(fileKey);
        expect(held.staleTransformKeyId).toBeUndefined();
      };
      await expectOnSecondKey();

      // And once it is.
      relayed.releaseAnswers();
      await until('the later re-key’s own notice heard', () => heardRekey(secondKeyId));
      unsubscribe();
      await identity.settled();
      await expectOnSecondKey();
    } finally {
      // A failed assertion may leave the COMMIT held, or the feed's answers: the stop would wait on them.
      relay?.dropAnyCommit();
      relay?.releaseAnswers();
      try {
        await a?.stop();
      } finally {
        try {
          await relay?.close();
        } finally {
          await forgetDatabase(dir);
          rmSync(dir, { recursive: true, force: true });
        }
      }
    }
  });
});
