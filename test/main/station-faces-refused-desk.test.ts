// A face the hub refuses (enrolled already for someone else) makes the station erase the person it had just
// created: the desk, asked later for that document, must say nobody is enrolled here with it, not send an
// unlock or erasure for a person the hub no longer has (a 404 the officer cannot act on).
import { describe, expect, it } from 'vitest';
import { syntheticFace } from '../hub/helpers.ts';
import { stationHubForFile } from './station-rig.ts';
import { faces, finish, licence, signedInStation, stationLog } from './station-fixture.ts';

const fixture = stationHubForFile('facepay-station-faces-refused-');

describe('a person erased by the station after the hub refused their face', () => {
  it('is logged erased, and the desk answers not_enrolled_here for their document', async () => {
    const deployment = await fixture.ownStation('faces-refused', ['a-first', 'a-twin'], 'station');
    const service = await signedInStation(fixture, deployment, fetch);
    const { handlers } = service;
    const face = syntheticFace();
    const first = licence('Ichika Mori');
    expect(
      await handlers.enrolmentDocument({ accountId: 'a-first', document: first }),
    ).toMatchObject({
      ok: true,
    });
    await faces(handlers, face);
    expect(await finish(handlers)).toMatchObject({
      ok: true,
      station: { enrolment: { step: 'enrolled' } },
    });

    // Someone else's document, the same face: the hub takes the person, refuses the face, the station erases.
    const twin = licence('Futaba Mori');
    expect(await handlers.enrolmentDocument({ accountId: 'a-twin', document: twin })).toMatchObject(
      {
        ok: true,
      },
    );
    await faces(handlers, face);
    expect(await finish(handlers)).toMatchObject({ ok: false, error: { code: 'duplicate_face' } });
    const log = await stationLog(deployment);
    const created = log.find(
      (entry) => entry.kind === 'enrolment.person_created' && entry.data.accountId === 'a-twin',
    );
    const personId = created?.data.personId;
    expect(typeof personId).toBe('string');
    expect(log).toContainEqual(
      expect.objectContaining({
        kind: 'person.erased',
        data: expect.objectContaining({ personId }),
      }),
    );

    expect(await handlers.enrolmentCancel({})).toMatchObject({ ok: true });
    const unlock = await handlers.personUnlockPin({ document: twin });
    expect(unlock).toMatchObject({ ok: false, error: { code: 'not_enrolled_here' } });
    const erase = await handlers.personErase({ document: twin });
    expect(erase).toMatchObject({ ok: false, error: { code: 'not_enrolled_here' } });
  });
});
