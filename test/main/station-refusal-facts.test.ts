// The facts an officer needs from a station refusal travel as fields of the error, for the screens to word
// in Japanese or English: the typed fields an MRZ disagrees with, the minutes the officers' PIN lock has left,
// and a desk refusal whose document waits for the hub's admin. The service's English message stays, for logs.
import { describe, expect, it } from 'vitest';
import { faultyNetwork, lostEnrolment, pending } from './station-faults.ts';
import { stationHubForFile } from './station-rig.ts';
import { licence, officer, signIn, signedInStation, stationService } from './station-fixture.ts';

const fixture = stationHubForFile('facepay-station-refusal-facts-');

describe("a station refusal's facts", () => {
  it('names the typed fields a passport MRZ disagrees with', async () => {
    const service = await signedInStation(
      fixture,
      await fixture.ownStation('mrz', ['a-mrz']),
      fetch,
    );
    const refused = await service.handlers.enrolmentDocument({
      accountId: 'a-mrz',
      document: {
        type: 'passport',
        number: 'TK1234567',
        name: 'Hanako Suzuki',
        dateOfBirth: '1990-04-02',
        expiry: '2031-04-01',
        mrz: [
          'P<JPNTANAKA<<HANAKO<<<<<<<<<<<<<<<<<<<<<<<<<',
          'TK12345671JPN9004012F3104013<<<<<<<<<<<<<<00',
        ].join('\n'),
      },
    });
    expect(refused).toEqual({
      ok: false,
      error: {
        code: 'document_refused',
        documentCode: 'mrz_mismatch',
        mrzMismatches: ['date_of_birth', 'name'],
        message: 'the MRZ and the typed date of birth, name disagree',
      },
    });
  });

  it("gives the minutes left on the officers' PIN lock", async () => {
    const service = await stationService(fixture, await fixture.ownStation('locked'), fetch);
    const wrong = () => service.handlers.officerSignIn({ officerId: officer.id, pin: '000000' });
    for (let tries = 0; tries < 5; tries += 1) {
      expect(await wrong()).toMatchObject({ ok: false, error: { code: 'officer_pin_incorrect' } });
    }
    expect(await wrong()).toEqual({
      ok: false,
      error: {
        code: 'officer_locked',
        lockedMinutes: 5,
        message: 'too many wrong officer PINs; try again in 5 min',
      },
    });
  });

  it("says at the desk that a document's lost enrolment waits for the hub's admin, apart from nobody", async () => {
    const deployment = await fixture.ownStation('desk', ['a-listed']);
    const { state, network } = faultyNetwork();
    const service = await signedInStation(fixture, deployment, network);
    const document = licence('Rin Listed');
    // The answer lost, the hub's stored answer pruned, the lookup by document down: asked again by the
    // tick, refused without a replay, and listed for the hub's admin.
    await lostEnrolment(fixture, service, state, { accountId: 'a-listed', document });
    await fixture.hub.store.deleteStoredResponsesBefore(Date.now() + 1_000);
    state.lookupDown = true;
    await service.handlers.officerSignOut({});
    await service.lockIdleStation();
    expect(await pending(deployment)).toMatchObject([{ accountId: 'a-listed', body: null }]);

    await signIn(service);
    const listed = await service.handlers.personErase({ document });
    expect(listed).toMatchObject({
      ok: false,
      error: { code: 'not_enrolled_here', deskReason: 'listed_for_admin' },
    });
    expect(!listed.ok && listed.error.message).toMatch(/the hub's admin must find that person/);

    const nobody = await service.handlers.personErase({ document: licence('Nobody Here') });
    expect(nobody).toEqual({
      ok: false,
      error: {
        code: 'not_enrolled_here',
        message: 'nobody enrolled at this station shows this document',
      },
    });
  });
});
