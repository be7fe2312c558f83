// `FacePay-Scrub: pending` on an erasure asked again is about that person's erasure: a person whose
// erased rows a truncating checkpoint already took out of the WAL is answered without it while only
// another person's scrub, erased later, is held off, before and after a restart (SQLite: the scrub is
// of the WAL; the store keeps the audit seq up to which erasures are scrubbed, and the mark names it).
//
// Found in review: the header was store-wide, so a repeat for person A said pending while only person
// B's scrub was pending.
import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestHub, syntheticFace, testCalibrationFile, type TestHub } from './helpers.ts';
import { enrolTestPerson, sealedProbe, startIdentityHub } from './identity-helpers.ts';

let t: TestHub | undefined;
let reader: Database.Database | undefined;
afterEach(async () => {
  reader?.close();
  reader = undefined;
  const hub = t;
  t = undefined;
  await hub?.stop();
});

describe('FacePay-Scrub on an erasure asked again', () => {
  it("names that person's scrub only, not another's erased later, after a restart too", async () => {
    const started = await startIdentityHub();
    t = started.t;
    const { hubKey, enroller } = started;
    const enrol = (accountId: string) => {
      const face = syntheticFace();
      return enrolTestPerson(started.t, hubKey, {
        enroller,
        accountId,
        sealedTemplate: () => sealedProbe(started.t, hubKey, syntheticFace(face)),
      });
    };
    const alice = await enrol('alice');
    const bob = await enrol('bob');
    const dir = t.dir;
    const mark = join(dir, 'hub.sqlite-erasure-scrub');
    const erase = async (hub: TestHub, personId: string) => {
      const answer = await hub.call('DELETE', `/v1/persons/${personId}`, {
        token: enroller.token,
      });
      expect(answer.status).toBe(204);
      return answer.headers.get('facepay-scrub');
    };

    // Alice's erasure is scrubbed at once (no other reader).
    expect(await erase(t, alice.id)).toBeNull();
    // Another reader of the file (a backup) then holds a snapshot: Bob's scrub is held off.
    reader = new Database(join(dir, 'hub.sqlite'), { readonly: true });
    reader.exec('BEGIN');
    reader.prepare('SELECT COUNT(*) FROM accounts').get();
    expect(await erase(t, bob.id)).toBe('pending');
    expect(await erase(t, bob.id)).toBe('pending');
    expect(await erase(t, alice.id)).toBeNull();

    // The hub restarts while the reader still holds Bob's scrub off.
    await t.hub.close();
    t = await startTestHub({
      dataDir: dir,
      calibrationFile: testCalibrationFile(),
      stepUpAmount: 30_000,
    });
    expect(existsSync(mark)).toBe(true);
    expect(await erase(t, alice.id)).toBeNull();
    expect(await erase(t, bob.id)).toBe('pending');

    // The reader lets go: Bob's scrub is done too.
    reader.exec('COMMIT');
    reader.close();
    reader = undefined;
    const deadline = performance.now() + 15_000;
    while (existsSync(mark) && performance.now() < deadline) await sleep(100);
    expect(existsSync(mark)).toBe(false);
    expect(await erase(t, bob.id)).toBeNull();
    expect(await erase(t, alice.id)).toBeNull();
  });
});
