// Two hub instances on one PostgreSQL database: the duplicate-face check of an enrolment on one must
// see the faces enrolled (and erased) on the other, whether or not their notices (NOTIFY) arrived.
//
// Found in review: the check searched only this instance's gallery, so while its feed was down the
// same face was enrolled for two persons, one on each instance (201 twice).
import { describe, expect, it } from 'vitest';
import { syntheticFace as face, testFaceModelId, type TestHub } from './helpers.ts';
import { enrolTestPerson, sealedProbe } from './identity-helpers.ts';
import { cutTemplateFeeds, twoInstancesWithShop } from './two-instances.ts';
import { useRunningHubs } from './postgres-hubs.ts';

const running = useRunningHubs();

function addFace(
  t: TestHub,
  hubKey: Uint8Array,
  token: string,
  personId: string,
  base: Float32Array,
) {
  return t.call('POST', `/v1/persons/${personId}/templates`, {
    token,
    body: {
      modelId: testFaceModelId,
      sealedTemplates: [sealedProbe(t, hubKey, face(base)), sealedProbe(t, hubKey, face(base))],
    },
  });
}

describe('one face, two instances', () => {
  it('a face enrolled on one instance while the feed is down is refused on the other (409), and found there', async () => {
    const { a, b, enroller, till, hubKey } = await twoInstancesWithShop(running);
    const first = await enrolTestPerson(a, hubKey, { enroller, accountId: 'first' });
    const second = await enrolTestPerson(b, hubKey, { enroller, accountId: 'second' });
    const alice = face();

    await cutTemplateFeeds(a);
    const onA = await addFace(a, hubKey, enroller.token, first.id, alice);
    expect(onA.status).toBe(201);
    const onB = await addFace(b, hubKey, enroller.token, second.id, alice);
    expect(onB.status).toBe(409);
    expect(onB.body.error.code).toBe('duplicate_enrolment');
    expect(await a.hub.store.reader.countTemplates(second.id)).toBe(0);

    // An identification on B finds the person A enrolled, its notice still on the way or not.
    const identified = await b.call('POST', '/v1/identify', {
      token: till,
      body: {
        modelId: testFaceModelId,
        sealedProbe: sealedProbe(b, hubKey, face(alice)),
        liveness: { passed: true, score: 0.97 },
        payee: 'shop',
        amount: 500,
      },
    });
    expect(identified.status).toBe(200);
    expect(identified.body.match?.personId).toBe(first.id);
  });

  it('a face erased on one instance while the feed is down may be enrolled on the other', async () => {
    const { a, b, enroller, hubKey } = await twoInstancesWithShop(running);
    const alice = face();
    const first = await enrolTestPerson(a, hubKey, {
      enroller,
      accountId: 'first',
      sealedTemplate: () => sealedProbe(a, hubKey, face(alice)),
    });
    const second = await enrolTestPerson(b, hubKey, { enroller, accountId: 'second' });
    const identity = b.hub.identity;
    const heardBy = Date.now() + 3_000;
    while ((identity?.gallery.size ?? 0) < 2 && Date.now() < heardBy) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(identity?.gallery.size).toBe(2);

    await cutTemplateFeeds(a);
    const erased = await a.call('DELETE', `/v1/persons/${first.id}`, { token: enroller.token });
    expect(erased.status).toBe(204);
    const onB = await addFace(b, hubKey, enroller.token, second.id, alice);
    expect(onB.status).toBe(201);
    expect(identity?.gallery.personCount).toBe(1);
  });
});
