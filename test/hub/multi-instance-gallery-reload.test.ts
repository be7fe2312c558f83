// Two hub instances on one PostgreSQL database: a lost template feed (or another instance's re-key)
// makes an instance reload its face gallery from the tables. Identify and enrolment keep running
// meanwhile, so they must never search an empty or partial gallery: an enrolled person would not be
// found, a duplicate face would pass, and a missing runner-up could let the wrong account pay by face
// alone.
//
// Found in review: the reload cleared the gallery, then refilled it page by page (min size 0 seen).
import { describe, expect, it } from 'vitest';
import { syntheticFace as face, testFaceModelId } from './helpers.ts';
import { enrolTestPerson, sealedProbe } from './identity-helpers.ts';
import { cutTemplateFeeds, twoInstancesWithShop } from './two-instances.ts';
import { useRunningHubs } from './postgres-hubs.ts';

const running = useRunningHubs();

function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

describe("a gallery reload after the feed's reconnect", () => {
  it('keeps every template searchable throughout, then swaps the reloaded gallery in', async () => {
    const { a, b, enroller, till, hubKey } = await twoInstancesWithShop(running);
    const faces = [face(), face(), face()];
    const persons: Array<{ id: string }> = [];
    for (const [i, base] of faces.entries()) {
      persons.push(
        await enrolTestPerson(a, hubKey, {
          enroller,
          accountId: `person${i}`,
          sealedTemplate: () => sealedProbe(a, hubKey, face(base)),
        }),
      );
    }
    const identity = b.hub.identity;
    expect(identity).toBeDefined();
    if (identity === undefined) return;
    const heardBy = Date.now() + 3_000;
    while (identity.gallery.size < 6 && Date.now() < heardBy) await nextTurn();
    expect(identity.gallery.size).toBe(6);
    const before = identity.gallery;

    // Both feeds cut: each instance reconnects after pgListenReconnectMs and reloads its gallery.
    await cutTemplateFeeds(a);
    let smallest = identity.gallery.size;
    const watchUntil = Date.now() + 3_000;
    while (Date.now() < watchUntil) {
      smallest = Math.min(smallest, identity.gallery.size);
      await nextTurn();
    }
    expect(smallest).toBe(6);
    // The reload did run (a new gallery is in use), and it holds everyone.
    expect(identity.gallery).not.toBe(before);
    expect(identity.gallery.size).toBe(6);
    expect(identity.gallery.personCount).toBe(3);

    const identified = await b.call('POST', '/v1/identify', {
      token: till,
      body: {
        modelId: testFaceModelId,
        sealedProbe: sealedProbe(b, hubKey, face(faces[1])),
        liveness: { passed: true, score: 0.97 },
        payee: 'shop',
        amount: 500,
      },
    });
    expect(identified.status).toBe(200);
    expect(identified.body.match?.personId).toBe(persons[1]?.id);
  });
});
