// A re-key whose COMMIT is not confirmed and whose stored key's gallery does not load: the instance keeps
// the next key, and the previous one, used nowhere now (and on disk in transform.key), is zeroed.
//
// Found in review of ec42aa0: when the adopt of the stored key failed, neither buffer was zeroed.
//
// Real parts: one hub on PostgreSQL through a TCP relay that holds the re-key's COMMIT (the hub's side
// kept, waiting) and then drops it (the server rolls back). Meanwhile an operator's raw insert puts a row
// under a key id no instance holds, so the gallery of the stored (previous) key does not load.
import { rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import {
  CancelableTransform,
  transformKeyId,
} from '../../src/biometrics/protect/cancelable-transform.ts';
import { sodium } from '../../src/biometrics/protect/sodium.ts';
import { CommitCuttingRelay } from './commit-cutting-relay.ts';
import {
  clientWithId,
  databaseFor,
  forgetDatabase,
  openRawDb,
  startTestHub,
  syntheticFace,
  tempDir,
  testCalibrationFile,
  type TestHub,
} from './helpers.ts';
import { enrolTestPerson, fetchHubKey, sealedProbe } from './identity-helpers.ts';
import { currentTransformKey } from './rekey-carol.ts';

/** The identity service's key state (private: read here to see which buffer it holds). */
interface HeldKey {
  transformKey: Uint8Array;
  keyId: string;
}

async function until(what: string, done: () => boolean): Promise<void> {
  for (let i = 0; !done(); i++) {
    if (i === 500) throw new Error(`not within 10 s: ${what}`);
    await sleep(20);
  }
}

const zeros = (key: Uint8Array) => new Uint8Array(key.length);

describe('a re-key whose COMMIT is not confirmed and whose stored key’s gallery does not load', () => {
  it('keeps the next key and zeroes the previous one', async () => {
    await sodium.ready;
    const dir = tempDir('facepay-rekey-adopt-failed-');
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
      a = await startTestHub({
        dataDir: dir,
        databaseUrl: relayed.urlThrough(databaseUrl),
        calibrationFile: testCalibrationFile(),
      });
      const hub = a;
      const enroller = await clientWithId(hub, 'enrollment');
      const hubKey = await fetchHubKey(hub, enroller.token);
      const oldKey = await currentTransformKey(dir);
      const protect = CancelableTransform.fromKey({ key: oldKey, dimension: 128 });
      const carol = syntheticFace();
      await enrolTestPerson(hub, hubKey, {
        enroller,
        accountId: 'carol',
        sealedTemplate: () =>
          sealedProbe(hub, hubKey, protect.apply(syntheticFace(carol)), transformKeyId(oldKey)),
      });
      protect.dispose();
      const identity = hub.hub.identity;
      if (identity === undefined) throw new Error('no identity');
      const held = identity as unknown as HeldKey;
      const before = held.transformKey;
      expect(held.keyId).toBe(transformKeyId(oldKey));

      relayed.armHold();
      const rekeyed = hub.call('POST', '/v1/admin/rekey', { body: {} });
      await until('the re-key’s COMMIT held', () => relayed.heldOnce);
      // Adopted inside the transaction: the buffer the hub holds now is the next key.
      const next = held.transformKey;
      expect(next).not.toBe(before);

      // A row of the calibrated model under a key id no one holds (committed at once, beside the held
      // re-key's transaction): no gallery loads with it.
      const raw = await openRawDb(dir);
      try {
        const inserted = await raw.run(
          `INSERT INTO templates (id, person_id, model_id, transform_key_id, sealed, created_at)
           SELECT 'tpl_under_no_key', person_id, model_id, 'no-such-key', sealed, created_at
           FROM templates LIMIT 1`,
        );
        expect(inserted).toBe(1);
      } finally {
        await raw.close();
      }

      // The COMMIT never goes: the server rolls back, the store names the previous key, whose gallery
      // does not load.
      relayed.dropCommit();
      const answer = await rekeyed;
      await identity.settled();
      expect(answer.status).toBe(503);
      expect(held.transformKey).toBe(next);
      expect(held.keyId).toBe(transformKeyId(next));
      expect(next).not.toEqual(zeros(next));
      expect(before).toEqual(zeros(before));
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
          // What a start that failed (or a stop that threw) left: the database and the data directory.
          await forgetDatabase(dir);
          rmSync(dir, { recursive: true, force: true });
        }
      }
    }
  });
});
