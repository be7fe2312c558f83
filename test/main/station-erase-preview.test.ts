// The desk's erasure cannot be undone, so before it the officer sees whom the document finds: the service's
// preview names the person (masked name, member number, as the hub holds them) and erases nobody.
import { describe, expect, it } from 'vitest';
import { stationHubForFile } from './station-rig.ts';
import { finish, licence, signedInStation, upToPin } from './station-fixture.ts';

const fixture = stationHubForFile('facepay-station-erase-preview-');

describe("the desk's erasure preview", () => {
  it('names the person the document finds and erases nobody; the erasure after it erases them', async () => {
    const deployment = await fixture.ownStation('erase-preview', ['a-preview'], 'station');
    const { handlers } = await signedInStation(fixture, deployment, fetch);
    const document = licence('Kenta Ishida');
    await upToPin(handlers, 'a-preview', document);
    const enrolled = await finish(handlers);
    if (!enrolled.ok) throw new Error(enrolled.error.message);
    const person = enrolled.station.enrolment?.person;
    if (person === null || person === undefined) throw new Error('enrolled nobody');

    const preview = await handlers.personErase({ document, preview: true });
    expect(preview).toMatchObject({
      ok: true,
      personId: person.id,
      toErase: { displayNameMasked: 'K**** I*****', memberNumber: person.memberNumber },
    });
    expect(await fixture.admin.getPerson(person.id)).toMatchObject({ id: person.id });

    expect(await handlers.personErase({ document })).toMatchObject({
      ok: true,
      personId: person.id,
    });
    await expect(fixture.admin.getPerson(person.id)).rejects.toMatchObject({ status: 404 });
    // Nobody left to name: the preview is refused as the erasure would be.
    expect(await handlers.personErase({ document, preview: true })).toMatchObject({
      ok: false,
      error: { code: 'not_enrolled_here' },
    });
  });
});
