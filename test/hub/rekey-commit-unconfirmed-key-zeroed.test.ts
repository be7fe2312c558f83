// A re-key whose COMMIT the hub is never answered: the key it ends up not holding (the previous one when
// the server committed, the next one when it did not) is zeroed, as a confirmed re-key zeroes the old key.
//
// Found in review: the unconfirmed-commit path took the stored key but left the other buffer whole in
// memory for good (a confirmed re-key zeroes the previous key; this path zeroed neither).
//
// Real parts: one hub on PostgreSQL through a TCP relay that holds the re-key's COMMIT (the hub's side
// kept, waiting), then hands it to the server and cuts the hub's side once it is answered, or drops it.
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

/**
 * A hub through the relay with Carol enrolled, its re-key's COMMIT held, then `outcome` (the relay's
 * commitThenCutHub or dropCommit). Answers the buffers held before and inside the re-key, and after it.
 */
async function rekeyUnconfirmed(
  outcome: (relay: CommitCuttingRelay) => Promise<void>,
): Promise<{ before: Uint8Array; next: Uint8Array; after: HeldKey; status: number }> {
  await sodium.ready;
  const dir = tempDir('facepay-rekey-unconfirmed-');
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
    a = await startTestHub({
      dataDir: dir,
      databaseUrl: relay.urlThrough(databaseUrl),
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
    const held = hub.hub.identity as unknown as HeldKey;
    const before = held.transformKey;
    expect(held.keyId).toBe(transformKeyId(oldKey));

    relay.armHold();
    const rekeyed = hub.call('POST', '/v1/admin/rekey', { body: {} });
    await until('the re-key’s COMMIT held', () => relay?.heldOnce === true);
    // Adopted inside the transaction: the buffer the hub holds now is the next key.
    const next = held.transformKey;
    expect(next).not.toBe(before);
    await outcome(relay);
    const answer = await rekeyed;
    await hub.hub.identity?.settled();
    return {
      before,
      next,
      after: { transformKey: held.transformKey, keyId: held.keyId },
      status: answer.status,
    };
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
}

describe('a re-key whose COMMIT is not confirmed', () => {
  it('zeroes the previous key when the server committed', async () => {
    const { before, next, after, status } = await rekeyUnconfirmed((relay) =>
      relay.commitThenCutHub(),
    );
    expect(status).toBe(503);
    expect(after.transformKey).toBe(next);
    expect(transformKeyId(next)).toBe(after.keyId);
    expect(before).toEqual(zeros(before));
  });

  it('zeroes the next key when the server rolled back', async () => {
    const { before, next, after, status } = await rekeyUnconfirmed(async (relay) => {
      relay.dropCommit();
    });
    expect(status).toBe(503);
    expect(after.transformKey).toBe(before);
    expect(transformKeyId(before)).toBe(after.keyId);
    expect(next).toEqual(zeros(next));
  });
});
