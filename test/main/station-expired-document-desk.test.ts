// A document that expired after its holder was enrolled still finds them at the desk: its keyed hash
// covers only the type and number, so the station takes it for PIN unlock and erasure (checked otherwise
// as an enrolment's: number, MRZ), while an enrolment on an expired document is still refused. Before,
// someone enrolled on a since-expired passport could never erase their data or unlock their PIN there.
import { describe, expect, it } from 'vitest';
import { stationHubForFile } from './station-rig.ts';
import { finish, licence, signedInStation, upToPin } from './station-fixture.ts';

const fixture = stationHubForFile('facepay-station-expired-desk-');

describe('the desk and a document expired since the enrolment', () => {
  it('unlocks the PIN, names the person and erases them; an enrolment on it is refused', async () => {
    const deployment = await fixture.ownStation(
      'expired-desk',
      ['a-expired', 'a-again'],
      'station',
    );
    const { handlers } = await signedInStation(fixture, deployment, fetch);
    const document = licence('Yui Mori');
    await upToPin(handlers, 'a-expired', document);
    const enrolled = await finish(handlers);
    if (!enrolled.ok) throw new Error(enrolled.error.message);
    const person = enrolled.station.enrolment?.person;
    if (person === null || person === undefined) throw new Error('enrolled nobody');

    // The same licence shown after it expired.
    const expired = { ...document, expiry: '2020-01-31' };
    expect(
      await handlers.enrolmentDocument({ accountId: 'a-again', document: expired }),
    ).toMatchObject({
      ok: false,
      error: { code: 'document_refused', documentCode: 'document_expired' },
    });
    expect(await handlers.personUnlockPin({ document: expired })).toMatchObject({
      ok: true,
      personId: person.id,
    });
    expect(await handlers.personErase({ document: expired, preview: true })).toMatchObject({
      ok: true,
      personId: person.id,
      toErase: { displayNameMasked: 'Y** M***', memberNumber: person.memberNumber },
    });
    expect(await fixture.admin.getPerson(person.id)).toMatchObject({ id: person.id });
    expect(await handlers.personErase({ document: expired })).toMatchObject({
      ok: true,
      personId: person.id,
    });
    await expect(fixture.admin.getPerson(person.id)).rejects.toMatchObject({ status: 404 });
  });
});
