// A feed resynchronisation heard between a re-key's adopt (inside its transaction) and its COMMIT: the
// instance ends on the key its rows are under, whole, without waiting on its own re-key notice.
//
// Found in review: the resync read the committed key id (still the old one) and followed it, zeroing
// the new key and leaving the hub on a copy of the old key while the COMMIT put the rows under the new
// one; only the instance's own NOTIFY, heard later on another connection, could put it right.
//
// Real parts: one hub on PostgreSQL through a TCP relay that holds the re-key's COMMIT (the hub's side
// kept, waiting) and, once the feed came back, holds back what its LISTEN connection is sent.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import {
  CancelableTransform,
  transformKeyId,
} from '../../src/biometrics/protect/cancelable-transform.ts';
import { sodium } from '../../src/biometrics/protect/sodium.ts';
import type { TemplateChange } from '../../src/hub/storage/port.ts';
import { transformKeyPaths } from '../../src/hub/identity/rekey.ts';
import { CommitCuttingRelay } from './commit-cutting-relay.ts';
import {
  account,
  client,
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
import { currentTransformKey, identifyCarolUnder, transformKeyIn } from './rekey-carol.ts';

/** The identity service's key state (private: read here to see which buffer it holds). */
interface HeldKey {
  transformKey: Uint8Array;
  keyId: string;
}

async function until(what: string, done: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; !(await done()); i++) {
    if (i === 500) throw new Error(`not within 10 s: ${what}`);
    await sleep(20);
  }
}

describe('a feed resync between a re-key’s adopt and its COMMIT', () => {
  it('leaves the hub on the new key, whole, and identifying under it before its own notice is heard', async () => {
    await sodium.ready;
    const dir = tempDir('facepay-rekey-resync-');
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
      await account(hub, 'shop', 'merchant');
      const enroller = await clientWithId(hub, 'enrollment');
      const till = await client(hub, 'merchant', 'shop');
      const hubKey = await fetchHubKey(hub, till);
      const carol = syntheticFace();
      const oldKey = await currentTransformKey(dir);
      const protect = CancelableTransform.fromKey({ key: oldKey, dimension: 128 });
      const carolPerson = await enrolTestPerson(hub, hubKey, {
        enroller,
        accountId: 'carol',
        sealedTemplate: () =>
          sealedProbe(hub, hubKey, protect.apply(syntheticFace(carol)), transformKeyId(oldKey)),
      });
      protect.dispose();
      const identity = hub.hub.identity;
      if (identity === undefined) throw new Error('no identity');
      const held = identity as unknown as HeldKey;
      // Once the feed is back (its resync heard), what its LISTEN connection is sent waits at the relay:
      // the re-key's own notice does not reach the hub until the end.
      let listenHeld = 0;
      // Only the kinds this test is about: Carol's enrolment's 'added' notice is not ordered with its
      // 200 either, and may be heard after this subscribes.
      const heard: Array<TemplateChange['kind']> = [];
      const unsubscribe = hub.hub.store.onTemplateChange((change: TemplateChange) => {
        if (change.kind === 'rekeyed' || change.kind === 'resync') heard.push(change.kind);
        if (change.kind === 'resync') listenHeld += relayed.holdAnswers('LISTEN');
      });

      // A re-key before, so the store names a re-keyed key id (the one the resync compares with). Its
      // own notice is heard (and applied) before going on: it is not ordered with its 200.
      const first = await hub.call('POST', '/v1/admin/rekey', { body: {} });
      expect(first.status).toBe(200);
      const firstKeyId = first.body.transformKeyId as string;
      expect(await hub.hub.store.reader.latestRekeyedKeyId()).toBe(firstKeyId);
      await until('the first re-key’s own notice heard', () => heard.includes('rekeyed'));
      await identity.settled();
      expect(heard).toEqual(['rekeyed']);
      heard.length = 0;

      // The re-key's COMMIT is held: the transaction has moved Carol's rows and adopted the next key.
      relayed.armHold();
      const rekeyed = hub.call('POST', '/v1/admin/rekey', { body: {} });
      await until('the re-key’s COMMIT held', () => relayed.heldOnce);
      const nextKey = await transformKeyIn(transformKeyPaths(join(dir, 'keys')).next);
      const nextKeyId = transformKeyId(nextKey);
      expect(held.keyId).toBe(nextKeyId);

      // There the feed's connection is cut; it comes back and the hub resynchronises.
      const raw = await openRawDb(dir);
      try {
        const cut = await raw.all(
          `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
           WHERE datname = current_database() AND query LIKE 'LISTEN%' AND pid <> pg_backend_pid()`,
        );
        expect(cut).toHaveLength(1);
      } finally {
        await raw.close();
      }
      await until('the feed’s resync heard', () => listenHeld > 0);
      expect(listenHeld).toBe(1);
      // The resync is applied now (the code before the fix: it followed the old key back, zeroing the next
      // one), or waits for the re-key's outcome (since the fix): the wait for it is bounded.
      await Promise.race([identity.settled(), sleep(5_000)]);

      // The COMMIT goes: the re-key answers, its file is transform.key.
      await relayed.releaseCommit();
      const answer = await rekeyed;
      expect(answer.status).toBe(200);
      expect(answer.body.transformKeyId).toBe(nextKeyId);
      const fileKey = await currentTransformKey(dir);
      expect(transformKeyId(fileKey)).toBe(nextKeyId);

      // Before its own notice is heard: the hub holds that key, whole, and identifies Carol under it.
      const expectOnNextKey = async () => {
        expect(held.keyId).toBe(nextKeyId);
        expect(held.transformKey).toEqual(fileKey);
        expect(held.transformKey).not.toEqual(new Uint8Array(fileKey.length));
        const identified = await identifyCarolUnder(hub, { till, hubKey, carol, key: fileKey });
        expect(identified.status).toBe(200);
        expect(JSON.stringify(identified.body)).toContain(carolPerson.id);
      };
      await expectOnNextKey();

      // And once it is.
      expect(heard).toEqual(['resync']);
      relayed.releaseAnswers();
      await until('the re-key’s own notice heard', () => heard.includes('rekeyed'));
      unsubscribe();
      await identity.settled();
      await expectOnNextKey();
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
