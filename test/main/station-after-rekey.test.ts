// An enrolment station that connected before the hub's admin re-keyed the cancelable transform: its next
// enrolment's faces are protected under the old key, which the hub refuses (transform_key_outdated). The
// station fetches the new key and protects the same faces again, once, as a kiosk's identify does, so the
// person is enrolled and every later enrolment works too, with no restart. A guardian's consenting face the
// same (the hub refuses the face before it tries the PIN).
//
// Found in review: HubLink.addFaces answered the refusal as it came; the station erased the person it had
// just created, and, still holding the old key (ready, so never connecting again), refused every later
// enrolment the same way until restarted; a guardian's consent was refused the same way.
import { describe, expect, it } from 'vitest';
import { stationHubForFile } from './station-rig.ts';
import {
  atHub,
  finish,
  guardianConsents,
  licence,
  signedInStation,
  upToGuardianConsent,
  upToPin,
} from './station-fixture.ts';

const fx = stationHubForFile('facepay-station-rekey-', {
  station: {
    name: 'Ward office station 4',
    accounts: ['before-rekey', 'after-rekey', 'later', 'mother', 'aki'],
  },
});

const enrolledId = (answer: Awaited<ReturnType<typeof finish>>) =>
  answer.ok ? (answer.station.enrolment?.person?.id ?? '') : '';

describe('a station connected before the hub re-keyed', () => {
  it('protects the faces again under the new key: the person is enrolled, and so are later ones', async () => {
    const handlers = (await signedInStation(fx, fx.station, fetch)).handlers;
    await upToPin(handlers, 'before-rekey', licence('Before Rekey'));
    const first = await finish(handlers);
    expect(first).toMatchObject({ ok: true, station: { enrolment: { step: 'enrolled' } } });
    expect(await atHub(fx, enrolledId(first))).toBeGreaterThan(0);

    const { transformKeyId } = await fx.admin.rekey();
    await upToPin(handlers, 'after-rekey', licence('After Rekey'));
    const second = await finish(handlers);
    expect(second).toMatchObject({ ok: true, station: { enrolment: { step: 'enrolled' } } });
    expect(await atHub(fx, enrolledId(second))).toBeGreaterThan(0);

    await upToPin(handlers, 'later', licence('Later Person'));
    const third = await finish(handlers);
    expect(third).toMatchObject({ ok: true, station: { enrolment: { step: 'enrolled' } } });
    expect(await atHub(fx, enrolledId(third))).toBeGreaterThan(0);
    // Every face the hub holds is under the new key (the gallery loads them all at a restart).
    const templates = await fx.hub.store.reader.listTemplates('', 100);
    expect(new Set(templates.map((row) => row.transformKeyId))).toEqual(new Set([transformKeyId]));
  });

  it("takes a guardian's consent by a face protected again under the new key", async () => {
    const handlers = (await signedInStation(fx, fx.station, fetch)).handlers;
    const mother = await upToGuardianConsent(
      handlers,
      { accountId: 'mother', name: 'Mori Yuko' },
      { accountId: 'aki', name: 'Mori Aki', born: '2016-05-05' },
    );
    await fx.admin.rekey();
    expect(await guardianConsents(handlers, mother)).toMatchObject({
      ok: true,
      station: { enrolment: { step: 'id_photo' } },
    });
  });
});
