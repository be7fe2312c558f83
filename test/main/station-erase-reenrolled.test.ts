// The desk's erasure when the person this station's log names for a document is no longer the one the hub
// holds for it: enrolled at station A, erased by the hub's admin (outside A's log), enrolled again at
// station B of the same organisation. Asked at A's desk to erase their data, the person the document names
// now is erased (and previewed so), not the gone one answered "erased" while their templates stay; a PIN
// unlock likewise unlocks the person the document names now.
import { describe, expect, it } from 'vitest';
import { stationHubForFile } from './station-rig.ts';
import {
  atHub,
  finish,
  licence,
  sameClientStation,
  signedInStation,
  stationLog,
  upToPin,
} from './station-fixture.ts';

const fixture = stationHubForFile('facepay-station-erase-reenrolled-');

/**
 * `name`'s licence enrolled at a station A on `accountId` (p1), erased by the hub's admin (A's log still
 * names p1), then enrolled again on the same account at station B of A's client (p2): A and p2 for the desk.
 */
async function reenrolledElsewhere(accountId: string, name: string) {
  const first = await fixture.ownStation(`${accountId}-a`, [accountId]);
  const stationA = await signedInStation(fixture, first, fetch);
  const document = licence(name);
  await upToPin(stationA.handlers, accountId, document);
  const atA = await finish(stationA.handlers);
  const p1 = atA.ok ? (atA.station.enrolment?.person?.id ?? '') : '';
  expect(await atHub(fixture, p1)).toBe(2);

  await fixture.admin.deletePerson(p1); // the hub's admin, outside A's log
  expect(await atHub(fixture, p1)).toBe(404);

  const second = await sameClientStation(fixture, first, `${accountId}-b`);
  const stationB = await signedInStation(fixture, second, fetch);
  await upToPin(stationB.handlers, accountId, document);
  const atB = await finish(stationB.handlers);
  const p2 = atB.ok ? atB.station.enrolment?.person : null;
  if (p2 === null || p2 === undefined) throw new Error('station B enrolled nobody');
  expect(p2.id).not.toBe(p1);
  expect(await atHub(fixture, p2.id)).toBe(2);
  return { first, desk: stationA.handlers, document, p1, p2 };
}

describe("the desk's erasure of a document re-enrolled at another station after the hub's admin erased it", () => {
  it('erases the person the document names now (their templates destroyed), not answer "erased" for the gone one', async () => {
    const { first, desk, document, p1, p2 } = await reenrolledElsewhere('a-erase', 'Yuna Takeda');
    const erased = await desk.personErase({ document });
    expect(erased).toMatchObject({ ok: true, personId: p2.id });
    expect(await atHub(fixture, p2.id)).toBe(404);
    const logged = (await stationLog(first)).at(-1);
    expect(logged).toMatchObject({
      kind: 'person.erased',
      data: { personId: p2.id, loggedPersonId: p1 },
    });
    // The log names neither now: nobody is left to erase by this document.
    expect(await desk.personErase({ document, preview: true })).toMatchObject({
      ok: false,
      error: { code: 'not_enrolled_here' },
    });
  });

  it('previews the person the document names now: their masked name and member number', async () => {
    const { desk, document, p2 } = await reenrolledElsewhere('a-preview', 'Koji Ota');
    const preview = await desk.personErase({ document, preview: true });
    expect(preview).toMatchObject({
      ok: true,
      personId: p2.id,
      toErase: { displayNameMasked: 'K*** O**', memberNumber: p2.memberNumber },
    });
    expect(await atHub(fixture, p2.id)).toBe(2); // a preview erases nobody
  });

  it('unlocks the PIN of the person the document names now, not answer 404 for the gone one', async () => {
    const { first, desk, document, p1, p2 } = await reenrolledElsewhere('a-unlock', 'Mio Sano');
    const unlocked = await desk.personUnlockPin({ document });
    expect(unlocked).toMatchObject({ ok: true, personId: p2.id });
    expect((await stationLog(first)).at(-1)).toMatchObject({
      kind: 'person.pin_unlocked',
      data: { personId: p2.id, loggedPersonId: p1 },
    });
    expect(await atHub(fixture, p2.id)).toBe(2); // an unlock erases nobody
  });
});
