// DELETE /v1/persons/:id asked again (its answer lost, a retry after a restart): the client that erased
// the person, or admin, gets the first answer again, 204, with `FacePay-Scrub: pending` while the scrub
// is still held off (after a restart too) and without it once scrubbed; anyone else gets 404, as for a
// person never enrolled. The repeat changes nothing and writes no audit row. OpenAPI names the header.
//
// Found in review: a retry answered 404, so a client whose 204 was lost could not tell its erasure done
// from a wrong id or another organisation's person, nor learn that the scrub was still pending.
import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import {
  clientWithId,
  startTestHub,
  storeKind,
  syntheticFace,
  testCalibrationFile,
  type TestHub,
} from './helpers.ts';
import { enrolTestPerson, sealedProbe, startIdentityHub } from './identity-helpers.ts';

let t: TestHub | undefined;
let reader: Database.Database | undefined;
afterEach(async () => {
  reader?.close();
  reader = undefined;
  await t?.stop();
  t = undefined;
});

const erasures = async (hub: TestHub, personId: string) =>
  (await hub.hub.store.auditRows(0, 10_000)).filter(
    (row) => row.kind === 'person.erased' && row.subject === personId,
  ).length;

describe('an erasure asked again', () => {
  it('is 204 again to the client that erased and to admin, 404 to anyone else; nothing more is written', async () => {
    const { t: hub, hubKey, enroller } = await startIdentityHub();
    t = hub;
    const otherOrg = await clientWithId(hub, 'enrollment');
    const person = await enrolTestPerson(hub, hubKey, { enroller, accountId: 'alice' });
    const erase = (token?: string) =>
      hub.call('DELETE', `/v1/persons/${person.id}`, token === undefined ? {} : { token });

    expect((await erase(enroller.token)).status).toBe(204);
    const again = await erase(enroller.token);
    expect(again.status).toBe(204);
    expect(again.headers.get('facepay-scrub')).toBeNull();
    expect((await erase()).status).toBe(204); // admin
    expect((await erase(otherOrg.token)).status).toBe(404);
    expect((await hub.call('DELETE', '/v1/persons/per_never_enrolled')).status).toBe(404);
    expect(await erasures(hub, person.id)).toBe(1);
  });

  it('OpenAPI names FacePay-Scrub on the erasure’s 204', async () => {
    t = (await startIdentityHub()).t;
    const doc = await t.call('GET', '/v1/openapi.json');
    const answer = doc.body.paths['/v1/persons/{id}'].delete.responses['204'];
    expect(answer.headers['FacePay-Scrub']).toMatchObject({
      required: false,
      schema: { type: 'string', enum: ['pending'] },
    });
  });

  it.runIf(storeKind === 'sqlite')(
    'after a restart with the scrub still held off: 204 with FacePay-Scrub: pending, then 204 without it once scrubbed',
    async () => {
      const started = await startIdentityHub();
      t = started.t;
      const { hubKey, enroller } = started;
      const face = syntheticFace();
      const person = await enrolTestPerson(t, hubKey, {
        enroller,
        accountId: 'alice',
        sealedTemplate: () => sealedProbe(started.t, hubKey, syntheticFace(face)),
      });
      const dir = t.dir;
      const mark = join(dir, 'hub.sqlite-erasure-scrub');

      // Another reader of the file (a backup) holds a snapshot from before the erasure.
      reader = new Database(join(dir, 'hub.sqlite'), { readonly: true });
      reader.exec('BEGIN');
      reader.prepare('SELECT COUNT(*) FROM accounts').get();
      const erased = await t.call('DELETE', `/v1/persons/${person.id}`, { token: enroller.token });
      expect(erased.status).toBe(204);
      expect(erased.headers.get('facepay-scrub')).toBe('pending');

      // The hub restarts while the reader still holds it off; the client retries its lost answer.
      await t.hub.close();
      t = await startTestHub({
        dataDir: dir,
        calibrationFile: testCalibrationFile(),
        stepUpAmount: 30_000,
      });
      expect(existsSync(mark)).toBe(true);
      const retried = await t.call('DELETE', `/v1/persons/${person.id}`, {
        token: enroller.token,
      });
      expect(retried.status).toBe(204);
      expect(retried.headers.get('facepay-scrub')).toBe('pending');

      // The reader lets go: the hub finishes the scrub by itself, and the retry says so.
      reader.exec('COMMIT');
      reader.close();
      reader = undefined;
      const deadline = performance.now() + 15_000;
      while (existsSync(mark) && performance.now() < deadline) await sleep(100);
      expect(existsSync(mark)).toBe(false);
      const after = await t.call('DELETE', `/v1/persons/${person.id}`, { token: enroller.token });
      expect(after.status).toBe(204);
      expect(after.headers.get('facepay-scrub')).toBeNull();
      expect(await erasures(t, person.id)).toBe(1);
    },
  );
});
